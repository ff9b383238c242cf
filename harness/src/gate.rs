//! `perfgate gate` and `perfgate compare`: what they share beyond [`crate::compare`] — the options
//! from `perfgate.toml`, the scenario files and the calibration, `--confirm`, and the outputs.
//!
//! `--confirm` (STATISTICS.md) re-runs the time engine of every scenario whose wall time came out
//! regressed or inconclusive (only the candidate build is at hand, so new candidate rounds) and
//! decides those scenarios again on the new rounds alone, as one family; both verdicts are shown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::compare::{self, CompareOptions, Comparison, Verdict};
use crate::export::{self, Report};
use crate::results::Results;
use crate::scenario::Scenario;
use crate::settings::Settings;

/// The comparison options of a repository: thresholds of perfgate.toml, per-scenario overrides,
/// the calibration of the profile when there is one.
pub fn compare_options(
    root: &Path,
    profile: &str,
    settings: &Settings,
    scenarios: &[Scenario],
    allow_foreign: bool,
) -> CompareOptions {
    let mut options = CompareOptions::new(settings.gate);
    options.allow_foreign = allow_foreign;
    options.overrides = scenarios.iter().map(|s| (s.name.clone(), s.gate)).collect();
    if let Ok(calibration) = crate::calibrate::Calibration::load(root, profile) {
        options.calibration = calibration
            .scenarios
            .into_iter()
            .map(|(name, entry)| (name, entry.s))
            .collect();
    }
    options
}

/// Scenarios whose wall time needs confirming.
pub fn to_confirm(comparison: &Comparison) -> Vec<String> {
    comparison
        .metrics
        .iter()
        .filter(|m| m.metric == "time")
        .filter(|m| matches!(m.verdict, Verdict::Regressed | Verdict::Inconclusive))
        .map(|m| m.scenario.clone())
        .collect()
}

/// Replaces the time verdicts of the confirmed scenarios by those of `fresh` (new candidate rounds),
/// noting the first verdict; `fresh` holds only the re-run scenarios.
pub fn apply_confirmation(
    comparison: &mut Comparison,
    baseline: &Results,
    fresh: &Results,
    options: &CompareOptions,
) {
    let mut only: Results = baseline.clone();
    only.scenarios
        .retain(|s| fresh.scenarios.iter().any(|f| f.name == s.name));
    // The confirmation measures wall time only.
    restrict_to_engines(&mut only, &[crate::run::Engine::Time]);
    let second = compare::compare(&only, fresh, options);
    let mut by_name: BTreeMap<&str, &compare::MetricComparison> = BTreeMap::new();
    for metric in second.metrics.iter().filter(|m| m.metric == "time") {
        by_name.insert(metric.scenario.as_str(), metric);
    }
    for metric in comparison.metrics.iter_mut().filter(|m| m.metric == "time") {
        if let Some(new) = by_name.get(metric.scenario.as_str()) {
            let first = format!(
                "first pass {} ({}, p {}); confirmed on {} new rounds",
                metric.verdict.as_str(),
                export::percent(metric.ratio),
                metric.p_adjusted.map_or("-".into(), |p| format!("{p:.4}")),
                new.rounds.map_or(0, |r| r.1)
            );
            *metric = (*new).clone();
            metric.notes.insert(0, first);
        }
    }
    comparison.errors.extend(second.errors);
}

/// The fresh results of the confirmation: the same scenarios, time engine only.
pub fn confirmation_run(
    scenarios: &[Scenario],
    names: &[String],
    root: &Path,
    lock: &crate::corpus::CorpusLock,
    rounds: Option<u32>,
) -> Results {
    let chosen: Vec<Scenario> = scenarios
        .iter()
        .filter(|s| names.contains(&s.name))
        .cloned()
        .collect();
    let options = crate::run::RunOptions {
        engines: vec![crate::run::Engine::Time],
        rounds,
    };
    crate::run::run(&chosen, root, lock, &options)
}

/// Prints the table, writes the chosen formats into `output` and the GitHub step summary; returns
/// the files written.
pub fn emit(
    comparison: &Comparison,
    candidate: &Results,
    baseline_label: &str,
    formats: &[String],
    output: &Path,
) -> Result<Vec<PathBuf>, String> {
    let report = Report {
        comparison,
        candidate,
        baseline: baseline_label,
    };
    use std::io::IsTerminal;
    print!(
        "{}",
        export::terminal_table(&report, std::io::stdout().is_terminal())
    );
    let written = export::write_all(formats, &report, output)?;
    export::github_step_summary(&report)?;
    Ok(written)
}

/// Writes the HTML report of a comparison into `out` (with the profile's calibration when there is
/// one, and trends when a history is given) and returns its index.html.
#[allow(clippy::too_many_arguments)]
pub fn write_report(
    root: &Path,
    profile: &str,
    comparison: &Comparison,
    baseline: (&Results, &str),
    candidate: (&Results, &str),
    scenarios: &[Scenario],
    out: &Path,
    commands: Vec<String>,
    history: Option<&[crate::history::Record]>,
) -> Result<PathBuf, String> {
    let calibration = crate::calibrate::Calibration::load(root, profile).ok();
    let peers = crate::peers::PeersReport::load_or_warn(root);
    let input = crate::report::ReportInput {
        comparison,
        baseline: baseline.0,
        candidate: candidate.0,
        baseline_label: baseline.1,
        candidate_label: candidate.1,
        scenarios,
        calibration: calibration.as_ref(),
        root,
        commands,
        history,
        release: false,
        peers: peers.as_ref(),
    };
    crate::report::write(&input, out)
}

/// Drops from the baseline the data of the engines this gate was not asked to run (`--engines`),
/// so that choosing fewer engines compares fewer metrics instead of failing; returns the families
/// dropped, for a note. Data the baseline has for an engine that did run but measured nothing is
/// kept, and [`compare::compare`] makes it an error.
pub fn restrict_to_engines(baseline: &mut Results, engines: &[crate::run::Engine]) -> Vec<String> {
    use crate::run::Engine;
    let mut dropped = Vec::new();
    for (engine, family) in [
        (Engine::Time, "time"),
        (Engine::Instructions, "instructions"),
        (Engine::Allocations, "heap"),
    ] {
        if engines.contains(&engine) {
            continue;
        }
        let mut had = false;
        for scenario in &mut baseline.scenarios {
            had |= match engine {
                Engine::Time => scenario.time.take().is_some(),
                Engine::Instructions => scenario.instructions.take().is_some(),
                _ => scenario.heap.take().is_some(),
            };
        }
        if had {
            dropped.push(family.to_owned());
        }
    }
    dropped
}
