//! `perfgate calibrate`: A/A pairs of the same build, to learn what this machine can detect.
//!
//! For each selected scenario with a time engine it runs `pairs` pairs of round sets (each set
//! `rounds` rounds, every round its own process) and decides each pair with the gate's own test
//! (Holm over the scenarios of the pair). Any verdict other than unchanged or inconclusive is a false
//! alarm; the count comes with its Clopper–Pearson 95 % interval (10 pairs with 0 alarms still allow
//! a rate up to 30.8 %). It also reports s, the standard deviation of log round-medians within a
//! set (pooled), with the MDE at the configured rounds from it, and the same over all rounds of all
//! sets, which adds the drift between sets run minutes apart. `--write` keeps s per scenario in
//! `baselines/<profile>/calibration.json`, which compare and gate then use for the MDE.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::compare::{ALPHA, time};
use crate::results::Fingerprint;
use crate::scenario::Scenario;

/// One scenario's calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Standard deviation of log round-medians within a set of rounds (pooled over the sets): the
    /// spread the MDE formula needs.
    pub s: f64,
    /// Standard deviation of log round-medians over all rounds of all sets: includes the drift
    /// between sets measured minutes apart, which is what separates a baseline from a candidate.
    #[serde(default)]
    pub s_all: f64,
    /// Minimum detectable effect (fraction) with `rounds` rounds per side.
    pub mde: f64,
    pub threshold: f64,
    pub false_alarms: u64,
    pub pairs: u64,
    /// Clopper–Pearson 95 % interval of the false-alarm rate.
    pub rate_interval: (f64, f64),
}

/// `baselines/<profile>/calibration.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub fingerprint: Fingerprint,
    pub rounds: u32,
    pub pairs: u64,
    pub scenarios: BTreeMap<String, Entry>,
}

impl Calibration {
    pub fn path(root: &Path, profile: &str) -> PathBuf {
        crate::baseline::dir(root, profile).join("calibration.json")
    }

    pub fn load(root: &Path, profile: &str) -> Result<Calibration, CalibrationError> {
        let path = Self::path(root, profile);
        let text = crate::files::read_regular(&path)
            .map_err(crate::files::FileError::of("read", &path))?;
        serde_json::from_str(&text).map_err(|source| CalibrationError::Invalid { path, source })
    }

    pub fn save(&self, root: &Path, profile: &str) -> Result<PathBuf, CalibrationError> {
        let path = Self::path(root, profile);
        let mut text = serde_json::to_string_pretty(self).expect("calibration serializes");
        text.push('\n');
        crate::export::write_atomic(&path, &text)?;
        Ok(path)
    }
}

/// Why a calibration cannot be read, written or measured.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("{}: {source}", .path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A round of a scenario's time engine failed.
    #[error("{scenario}: {reason}")]
    Round {
        scenario: String,
        #[source]
        reason: crate::engine::EngineError,
    },
}

/// The round medians of every set: `sets[scenario][set]`.
pub type RoundSets = BTreeMap<String, Vec<Vec<f64>>>;

/// Scores A/A pairs: sets 2k and 2k + 1 of each scenario form pair k.
pub fn score(
    sets: &RoundSets,
    thresholds: &BTreeMap<String, f64>,
    rounds: usize,
) -> BTreeMap<String, Entry> {
    let names: Vec<&String> = sets.keys().collect();
    let pairs = sets.values().map(|s| s.len() / 2).min().unwrap_or(0);
    let mut alarms: BTreeMap<&String, u64> = names.iter().map(|n| (*n, 0)).collect();
    for k in 0..pairs {
        let mut tests = Vec::new();
        let mut limits = Vec::new();
        let mut tested = Vec::new();
        for name in &names {
            let threshold = thresholds.get(*name).copied().unwrap_or(0.03);
            let (a, b) = (&sets[*name][2 * k], &sets[*name][2 * k + 1]);
            if let Ok(test) = time::test(a, b, threshold, ALPHA, names.len(), None) {
                tests.push(test);
                // Only alarms are counted here: what an A/A pair can see does not matter.
                limits.push((threshold, f64::INFINITY));
                tested.push(*name);
            }
        }
        for (name, verdict) in tested
            .iter()
            .zip(time::decide_family(&tests, &limits, ALPHA))
        {
            if matches!(
                verdict,
                time::TimeVerdict::Regressed | time::TimeVerdict::Improved
            ) {
                *alarms.get_mut(name).expect("every name counted") += 1;
            }
        }
    }
    names
        .iter()
        .map(|name| {
            let logs: Vec<f64> = sets[*name].iter().flatten().map(|v| v.ln()).collect();
            let s_all = crate::stats::std_dev(&logs);
            let (squares, freedom) = sets[*name].iter().fold((0.0, 0usize), |(sum, df), set| {
                let logs: Vec<f64> = set.iter().map(|v| v.ln()).collect();
                let n = logs.len();
                let sd = crate::stats::std_dev(&logs);
                (
                    sum + sd * sd * n.saturating_sub(1) as f64,
                    df + n.saturating_sub(1),
                )
            });
            let s = if freedom > 0 {
                (squares / freedom as f64).sqrt()
            } else {
                s_all
            };
            let threshold = thresholds.get(*name).copied().unwrap_or(0.03);
            let false_alarms = alarms[name];
            (
                (*name).clone(),
                Entry {
                    s,
                    s_all,
                    mde: crate::stats::mde(s, threshold, ALPHA, names.len(), rounds, rounds),
                    threshold,
                    false_alarms,
                    pairs: pairs as u64,
                    rate_interval: crate::stats::clopper_pearson(false_alarms, pairs as u64, 0.95),
                },
            )
        })
        .collect()
}

/// Runs the round sets: 2 × `pairs` sets of `rounds` rounds for each scenario with a time engine.
pub fn measure(
    scenarios: &[Scenario],
    root: &Path,
    pairs: u32,
    rounds: u32,
    progress: &dyn Fn(&str),
) -> Result<RoundSets, CalibrationError> {
    let mut sets = RoundSets::new();
    for scenario in scenarios {
        let Some(settings) = scenario.engines.time else {
            continue;
        };
        let mut own = Vec::new();
        for set in 0..2 * pairs {
            progress(&format!(
                "{}: pair {} of {pairs}, side {}",
                scenario.name,
                set / 2 + 1,
                if set % 2 == 0 { "A" } else { "B" }
            ));
            let data = crate::engine::time::run_rounds(scenario, root, rounds, &settings, &|_| {})
                .map_err(|reason| CalibrationError::Round {
                    scenario: scenario.name.clone(),
                    reason,
                })?;
            own.push(data.rounds.iter().map(|r| r.median_ns).collect());
        }
        sets.insert(scenario.name.clone(), own);
    }
    Ok(sets)
}

/// The printed table.
pub fn table(entries: &BTreeMap<String, Entry>, rounds: u32) -> String {
    let mut out = format!(
        "{:<24} {:>8} {:>8} {:>14} {:>10} {:>14} {:>18}\n",
        "scenario",
        "s (log)",
        "s all",
        format!("MDE @{rounds}"),
        "threshold",
        "false alarms",
        "rate 95 % CI"
    );
    for (name, e) in entries {
        out.push_str(&format!(
            "{name:<24} {:>8.4} {:>8.4} {:>13.1}% {:>9.1}% {:>14} {:>18}{}\n",
            e.s,
            e.s_all,
            e.mde * 100.0,
            e.threshold * 100.0,
            format!("{}/{}", e.false_alarms, e.pairs),
            format!(
                "[{:.1}, {:.1}] %",
                e.rate_interval.0 * 100.0,
                e.rate_interval.1 * 100.0
            ),
            if e.mde > e.threshold {
                format!(
                    "  cannot detect changes below {} with {rounds} rounds",
                    crate::report::format::percent(e.mde)
                )
            } else {
                String::new()
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_within_and_across_sets_and_false_alarms() {
        let set = |level: f64| -> Vec<f64> {
            [1.0, 1.01, 0.99, 1.005, 0.995, 1.002, 0.998]
                .iter()
                .map(|v| v * level)
                .collect()
        };
        // Pair 1: identical sets; pair 2: side B 10 % slower (a false alarm of an A/A pair).
        let sets = RoundSets::from([(
            "a".to_owned(),
            vec![set(100.0), set(100.0), set(100.0), set(110.0)],
        )]);
        let thresholds = BTreeMap::from([("a".to_owned(), 0.03)]);
        let entry = &score(&sets, &thresholds, 7)["a"];
        assert_eq!((entry.false_alarms, entry.pairs), (1, 2));
        assert!(
            (entry.s - crate::stats::std_dev(&set(1.0).iter().map(|v| v.ln()).collect::<Vec<_>>()))
                .abs()
                < 1e-12
        );
        assert!(entry.s_all > 3.0 * entry.s, "{entry:?}");
        assert!(entry.rate_interval.0 > 0.0);
    }
}
