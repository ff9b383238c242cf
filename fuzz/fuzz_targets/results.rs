//! Fuzz target: arbitrary text as results/baseline files through the loader and, when both load,
//! the whole comparison (statistics on whatever samples they hold: NaN, infinities, empty lists,
//! huge counts). The input is split at its first NUL byte into baseline and candidate (no NUL: the
//! file is compared with itself). Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perfgate::compare::{CompareOptions, compare};
use perfgate::results::Results;
use perfgate::settings::GateDefaults;

fuzz_target!(|data: &[u8]| {
    let (left, right) = match data.iter().position(|byte| *byte == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, data),
    };
    let (Ok(left), Ok(right)) = (std::str::from_utf8(left), std::str::from_utf8(right)) else {
        return;
    };
    let Ok(baseline) = Results::parse(left, "baseline.json") else {
        return;
    };
    let Ok(candidate) = Results::parse(right, "candidate.json") else {
        return;
    };
    let options = CompareOptions::new(GateDefaults {
        time: 3.0,
        instructions: 1.0,
        heap: 2.0,
    });
    let comparison = compare(&baseline, &candidate, &options);
    let _ = comparison.exit_code();
});
