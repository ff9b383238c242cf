//! Fuzz target: arbitrary bytes as one Python file through the whole per-file analysis (decoding,
//! depth check, parse, all default detectors). Never a panic; libFuzzer's `-timeout=1` enforces
//! the 1 s budget per input. Oracles: the one-pass traversal and one traversal per detector must
//! report exactly the same findings and diagnostics; the depth pre-scan must say what its exact
//! reference scan says.
#![no_main]

use std::sync::OnceLock;

use connascence::detectors::RuleSet;
use connascence::engine::analyze_bytes;
use connascence::{Mode, Settings};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| Settings::default().compile().expect("the default settings compile"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(
            connascence::depth::check(text),
            connascence::depth::check_exactly(text),
            "the quick depth scan and the exact one differ"
        );
    }
    let unified = analyze_bytes("fuzz.py", data, rules(), Mode::Unified);
    let separate = analyze_bytes("fuzz.py", data, rules(), Mode::PerDetector);
    assert_eq!(unified.findings, separate.findings, "unified and per-detector findings differ");
    assert_eq!(unified.diagnostics, separate.diagnostics);
});
