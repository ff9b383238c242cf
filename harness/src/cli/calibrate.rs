//! `perfgate calibrate`: A/A pairs of round sets of this build; the spreads, minimum detectable
//! effects and false alarms, printed and (with `--write`) kept for the gate.

use std::path::Path;

use crate::cli::args::{CalibrateArgs, WhichArgs};
use crate::cli::common::select;
use crate::cli::{Result, fail};
use crate::corpus::CorpusLock;

/// The whole command.
pub fn calibrate(root: &Path, lock: &CorpusLock, args: CalibrateArgs) -> Result<u8> {
    let CalibrateArgs {
        pairs,
        write,
        which: WhichArgs { filter, tags },
        rounds,
        profile,
    } = args;
    if pairs == 0 || rounds == Some(0) {
        fail!("--pairs and --rounds must be at least 1");
    }
    let (selected, _, settings) = select(root, lock, filter.as_deref(), &tags)?;
    let rounds = rounds.unwrap_or_else(|| {
        selected
            .iter()
            .filter_map(|s| s.engines.time.map(|t| t.rounds))
            .max()
            .unwrap_or(7)
    });
    let sets = crate::calibrate::measure(&selected, root, pairs, rounds, &|line| {
        eprintln!("calibrate: {line}")
    })?;
    let thresholds = selected
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.gate.time.unwrap_or(settings.gate.time) / 100.0,
            )
        })
        .collect();
    let entries = crate::calibrate::score(&sets, &thresholds, rounds as usize);
    crate::out!("{}", crate::calibrate::table(&entries, rounds));
    if write {
        let calibration = crate::calibrate::Calibration {
            fingerprint: crate::fingerprint::collect(root),
            rounds,
            pairs: u64::from(pairs),
            scenarios: entries,
        };
        let path = calibration.save(root, &profile)?;
        crate::outln!("written: {}", path.display());
    }
    Ok(0)
}
