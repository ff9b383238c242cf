//! `perfgate gate` and `perfgate compare`: what they share beyond [`crate::compare`] — the options
//! from `perfgate.toml`, the scenario files and the calibration, `--confirm`, and the outputs.
//!
//! Coverage: a baseline records the selection it was made with; a baseline scenario whose file is
//! gone or that no longer carries those tags is `missing` (exit 1), one that only this run's
//! narrower selection left out is `not run`. Re-measure: where the stored baseline cannot be
//! compared as it is (another toolchain, a changed scenario), or a change across hosts lies near
//! its threshold, or on `--remeasure`, [`crate::remeasure`] measures the baseline's commit on this
//! host and its deterministic verdicts replace the first ones.
//!
//! `--confirm` is the second stage of the wall-time decision ([`compare::confirm`]): the suspects
//! get fresh interleaved rounds of both builds (the baseline's commit built here) and are decided on
//! those alone; when the baseline cannot be built, new candidate rounds are reported, not used.

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

/// What the baseline expects that this run will not measure.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// (scenario, why): gone, or no longer carrying the baseline's tags. Exit 1.
    pub missing: Vec<(String, String)>,
    /// Left out only by this run's selection.
    pub not_run: Vec<String>,
}

/// Sorts the baseline's scenarios against the scenario files (`all`) and this run's selection,
/// and keeps in `baseline` only those this run measures. `explicit`: the run was given `--tags` or
/// `--filter` (not the default set). A baseline that does not record its selection (schema 1)
/// expects every scenario it holds from the default set.
pub fn coverage(
    baseline: &mut Results,
    selected: &[Scenario],
    all: &[Scenario],
    explicit: bool,
) -> Coverage {
    let recorded = baseline.selection.is_some();
    let tags = baseline
        .selection
        .as_ref()
        .map(|s| s.tags.clone())
        .unwrap_or_default();
    let mut coverage = Coverage::default();
    for scenario in &baseline.scenarios {
        let name = &scenario.name;
        match all.iter().find(|s| &s.name == name) {
            None => coverage.missing.push((
                name.clone(),
                format!("no scenario file defines `{name}` any more"),
            )),
            Some(now) if !tags.is_empty() && !now.tags.iter().any(|t| tags.contains(t)) => {
                coverage.missing.push((
                    name.clone(),
                    format!(
                        "{} no longer carries the baseline's tags ({}); re-accept the baseline without it, with a reason",
                        now.file.display(),
                        tags.join(", ")
                    ),
                ))
            }
            Some(now) if !recorded && !explicit && !selected.iter().any(|s| &s.name == name) => {
                coverage.missing.push((
                    name.clone(),
                    format!(
                        "the default selection no longer includes {} (the baseline does not record its selection); re-accept the baseline without it, with a reason",
                        now.file.display()
                    ),
                ))
            }
            Some(_) if !selected.iter().any(|s| &s.name == name) => {
                coverage.not_run.push(name.clone())
            }
            Some(_) => {}
        }
    }
    baseline
        .scenarios
        .retain(|s| selected.iter().any(|chosen| chosen.name == s.name));
    coverage
}

/// Writes a coverage into a comparison (missing fails the gate; not run is listed).
pub fn apply_coverage(comparison: &mut Comparison, coverage: Coverage) {
    if !coverage.missing.is_empty() {
        // Every scenario of the baseline gone is a coverage failure (exit 1), not an empty baseline.
        comparison
            .errors
            .retain(|e| e != compare::NOTHING_COMPARED && e != compare::EMPTY_BASELINE);
    }
    for (name, why) in coverage.missing {
        comparison.notes.push(format!("missing `{name}`: {why}"));
        comparison.missing.push(name);
    }
    comparison.not_run = coverage.not_run;
}

/// Which scenarios the stored baseline cannot settle on this host, and why: all with `force`;
/// those whose deterministic data another toolchain made; those whose definition changed; those
/// with a cross-host change within [`crate::remeasure::NEAR_THRESHOLD`] of its threshold. A
/// baseline merged from shards (per-scenario fingerprints) is never re-measured.
pub fn to_remeasure(
    baseline: &Results,
    candidate: &Results,
    comparison: &Comparison,
    force: bool,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for old in &baseline.scenarios {
        let reproducible = || {
            crate::engine::ENGINES
                .iter()
                .filter(|engine| engine.family().is_some() && !engine.host_bound())
        };
        if old.fingerprint.is_some() || !reproducible().any(|engine| engine.present(old)) {
            continue;
        }
        let Some(new) = candidate.scenarios.iter().find(|s| s.name == old.name) else {
            continue;
        };
        if !matches!(new.status, crate::results::Status::Ok) {
            continue;
        }
        let hosts =
            compare::checks::Environments::new(&baseline.fingerprint, &candidate.fingerprint);
        let mut toolchain: Vec<String> = reproducible()
            .filter_map(|engine| engine.family())
            .flat_map(|family| hosts.toolchain(family))
            .collect();
        toolchain.dedup();
        let near = comparison.metrics.iter().find(|m| {
            m.scenario == old.name
                && m.cross_host
                && m.ratio.is_some_and(|r| {
                    ((r - 1.0).abs() - m.threshold).abs() <= crate::remeasure::NEAR_THRESHOLD
                })
        });
        let why = if force {
            Some("--remeasure".to_owned())
        } else if !toolchain.is_empty() {
            Some(toolchain.join("; "))
        } else if let Some(reason) = compare::checks::scenario_reason(old, new) {
            Some(reason)
        } else {
            near.map(|m| {
                format!(
                    "{} changed {} across hosts, within {:.1} points of its threshold",
                    m.metric,
                    export::percent(m.ratio),
                    crate::remeasure::NEAR_THRESHOLD * 100.0
                )
            })
        };
        if let Some(why) = why {
            out.push((old.name.clone(), why));
        }
    }
    out
}

/// Replaces the deterministic verdicts and counter changes of the re-measured scenarios by a
/// comparison against `remeasured` (deterministic data of the baseline's commit, measured here).
pub fn apply_remeasure(
    comparison: &mut Comparison,
    remeasured: &Results,
    candidate: &Results,
    options: &CompareOptions,
) {
    let mut only = candidate.clone();
    only.scenarios
        .retain(|s| remeasured.scenarios.iter().any(|r| r.name == s.name));
    for scenario in &mut only.scenarios {
        for engine in crate::engine::ENGINES.iter().filter(|e| e.host_bound()) {
            engine.clear(scenario);
        }
    }
    let second = compare::compare(remeasured, &only, options);
    replace_rows(comparison, second, &|family| family != "time", true);
}

/// Replaces the wall-time verdicts of the scenarios in `head` by a comparison of the interleaved
/// rounds of `--remeasure-time` (`base`: the baseline's commit, `head`: this checkout).
pub fn apply_time_remeasure(
    comparison: &mut Comparison,
    base: &Results,
    head: &Results,
    options: &CompareOptions,
) {
    let second = compare::compare(base, head, options);
    replace_rows(comparison, second, &|family| family == "time", false);
}

/// `results` with the wall time of the scenarios `timed` measured (interleaved rounds of
/// `--remeasure-time`) in place of its own, for the report's rounds charts.
pub fn with_time_of(results: &Results, timed: &Results) -> Results {
    let mut shown = results.clone();
    for scenario in &mut shown.scenarios {
        if let Some(time) = timed
            .scenarios
            .iter()
            .find(|t| t.name == scenario.name)
            .and_then(|t| t.time.clone())
        {
            scenario.time = Some(time);
        }
    }
    shown
}

/// Puts the rows of `second` (of the families `which` takes) in place of the first comparison's
/// rows of the same scenario and metric, drops the first's "not compared" errors about them, and
/// keeps the rest; with `counters`, the counter changes of those scenarios are replaced too.
fn replace_rows(
    comparison: &mut Comparison,
    second: Comparison,
    which: &dyn Fn(&str) -> bool,
    counters: bool,
) {
    let names: std::collections::BTreeSet<String> = second
        .metrics
        .iter()
        .filter(|m| which(m.family()))
        .map(|m| m.scenario.clone())
        .collect();
    let replaced = |scenario: &str, metric: &str| {
        names.contains(scenario) && which(compare::family_of(metric))
    };
    let mut rows: Vec<compare::MetricComparison> = second
        .metrics
        .into_iter()
        .filter(|m| which(m.family()))
        .collect();
    // The first comparison's "not compared" errors hold only for rows that stay as they were.
    let mut stale: Vec<String> = Vec::new();
    for metric in &mut comparison.metrics {
        if replaced(&metric.scenario, &metric.metric)
            && let Some(position) = rows
                .iter()
                .position(|m| m.scenario == metric.scenario && m.metric == metric.metric)
        {
            if metric.verdict == Verdict::NotComparable {
                stale.push(format!(
                    "scenario `{}`: {} not compared:",
                    metric.scenario, metric.metric
                ));
            }
            *metric = rows.remove(position);
        }
    }
    comparison
        .errors
        .retain(|e| !stale.iter().any(|prefix| e.starts_with(prefix.as_str())));
    if counters {
        comparison
            .counter_changes
            .retain(|c| !names.contains(&c.scenario));
        comparison.counter_changes.extend(second.counter_changes);
    }
    comparison.errors.extend(
        second
            .errors
            .into_iter()
            .filter(|e| e != compare::NOTHING_COMPARED),
    );
    if comparison
        .metrics
        .iter()
        .any(|m| !matches!(m.verdict, Verdict::NotComparable | Verdict::NoBaseline))
    {
        comparison.errors.retain(|e| e != compare::NOTHING_COMPARED);
    }
    for note in second.notes {
        if !note.starts_with("the baseline comes from another host")
            && !comparison.notes.contains(&note)
        {
            comparison.notes.push(note);
        }
    }
    let still: std::collections::BTreeSet<String> = comparison
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::NotComparable)
        .map(|m| m.family().to_owned())
        .collect();
    comparison
        .uncompared
        .retain(|family| still.contains(family));
}

/// A re-measure that failed: the rows it was to settle that are still compared from the stored
/// baseline (a change near its threshold across hosts, `--remeasure`) cannot stand, so the failure
/// is an error; rows that were not comparable anyway fail closed on their own.
pub fn remeasure_failed(comparison: &mut Comparison, wanted: &[(String, String)], error: &str) {
    let settled_anyway = comparison.metrics.iter().any(|m| {
        wanted.iter().any(|(name, _)| name == &m.scenario)
            && m.family() != "time"
            && !matches!(m.verdict, Verdict::NotComparable | Verdict::NoBaseline)
    });
    if settled_anyway {
        comparison.errors.push(error.to_owned());
    } else {
        comparison.notes.push(error.to_owned());
    }
}

/// The thresholds of `rev` where they are stricter than this checkout's: a change under test must
/// not pass by loosening its own gate. Returns a note for each loosening found.
pub fn stricter_of(
    root: &Path,
    rev: &str,
    options: &mut CompareOptions,
    scenarios: &[Scenario],
) -> Vec<String> {
    let mut notes = Vec::new();
    let show = |path: &str| crate::git::git(root, &["show", &format!("{rev}:{path}")]).ok();
    let mut tighten = |what: String, here: &mut f64, there: f64| {
        if there.is_finite() && there > 0.0 && there < *here {
            notes.push(format!(
                "{what} is {here} % here but {there} % at {rev}: the stricter {there} % gates this change"
            ));
            *here = there;
        }
    };
    if let Some(text) = show("perfgate.toml")
        && let Ok(there) = toml::from_str::<Settings>(&text)
    {
        for family in &crate::metric::FAMILIES {
            tighten(
                format!("perfgate.toml [gate] {}", family.name),
                (family.default_mut)(&mut options.defaults),
                (family.default)(&there.gate),
            );
        }
    }
    for scenario in scenarios {
        let Some(text) = show(&scenario.file.display().to_string()) else {
            continue;
        };
        let Some(gate) = text
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| t.get("gate").and_then(|g| g.as_table()).cloned())
        else {
            continue;
        };
        let defaults = options.defaults;
        let over = options.overrides.entry(scenario.name.clone()).or_default();
        for family in &crate::metric::FAMILIES {
            let (key, default) = (family.name, (family.default)(&defaults));
            let slot = (family.overridden_mut)(over);
            if let Some(there) = gate
                .get(key)
                .and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
            {
                let mut here = slot.unwrap_or(default);
                tighten(
                    format!("{} [gate] {key}", scenario.file.display()),
                    &mut here,
                    there,
                );
                *slot = Some(here);
            }
        }
    }
    notes
}

/// The commands that re-measure baseline `name` of `profile` with the scenarios it lacks: the
/// union of the baseline's selection and this run's (`tags`; the new scenarios by name when the
/// baseline was filtered) with the engines the baseline holds, from a clean commit, then
/// `baseline accept`.
pub fn accept_command(
    base: &Results,
    name: &str,
    profile: &str,
    added: &[String],
    tags: &[String],
) -> String {
    let mut union: Vec<String> = base
        .selection
        .as_ref()
        .map(|s| s.tags.clone())
        .unwrap_or_default();
    for tag in tags {
        if !union.contains(tag) {
            union.push(tag.clone());
        }
    }
    let mut select = if union.is_empty() {
        String::new()
    } else {
        format!(" --tags {}", union.join(","))
    };
    if let Some(filter) = base.selection.as_ref().and_then(|s| s.filter.as_ref()) {
        let names: Vec<&str> = std::iter::once(filter.as_str())
            .chain(added.iter().map(String::as_str))
            .collect();
        select.push_str(&format!(
            " --filter {}",
            crate::shell_quote(&format!("{{{}}}", names.join(",")))
        ));
    }
    // The engines the baseline holds data of; the counters (never gated on their own) always.
    let engines: Vec<&str> = crate::engine::ENGINES
        .iter()
        .filter(|engine| {
            engine.family().is_none() || base.scenarios.iter().any(|s| engine.present(s))
        })
        .map(|engine| engine.name())
        .collect();
    let file = format!("target/perfgate/{name}-with-new.json");
    format!(
        "`cargo run --release -p perfgate -- run{select} --engines {} --out {file}` on a clean commit, then `cargo run --release -p perfgate -- baseline accept {name} --profile {profile} --from {file} --reason {}`",
        engines.join(","),
        crate::shell_quote(&format!("add {}", added.join(", ")))
    )
}

/// A scenario this gate selected that its baseline lacks is gated by nothing: unless `allow_new`,
/// it fails the gate (exit 1), and a note says how to add it (`accept`: the exact command).
pub fn require_baselines(comparison: &mut Comparison, allow_new: bool, accept: &str) {
    if comparison.added.is_empty() {
        return;
    }
    let names = crate::results::list_some(&comparison.added, 8);
    if allow_new {
        comparison.notes.push(format!(
            "no baseline (allowed by --allow-new, gated by nothing): {names}"
        ));
        return;
    }
    comparison.unbaselined = comparison.added.clone();
    comparison.notes.push(format!(
        "{} selected scenario(s) have no baseline and are gated by nothing: {names}. To add them: \
         {accept} (or pass --allow-new)",
        comparison.added.len()
    ));
}

/// `gate --confirm`: the suspects of the first comparison get fresh interleaved rounds of the
/// baseline's commit (built here) and of this build, and are decided on those alone; when the
/// baseline cannot be built, new rounds of this build are reported without deciding anything.
pub fn confirm_suspects(
    (root, lock): (&Path, &crate::corpus::CorpusLock),
    base: &Results,
    selected: &[Scenario],
    rounds: Option<u32>,
    options: &CompareOptions,
    comparison: &mut Comparison,
    progress: &dyn Fn(&str),
) {
    use crate::compare::confirm;
    let names = confirm::suspects(comparison);
    if names.is_empty() {
        return;
    }
    progress(&format!(
        "confirming the wall time of {} on fresh rounds of both builds",
        names.join(", ")
    ));
    let chosen: Vec<Scenario> = selected
        .iter()
        .filter(|s| names.contains(&s.name) && s.engines.time.is_some())
        .cloned()
        .collect();
    let each = rounds.unwrap_or_else(|| {
        chosen
            .iter()
            .filter_map(|s| s.engines.time.map(|t| t.rounds))
            .max()
            .unwrap_or(crate::scenario::DEFAULT_ROUNDS)
    });
    match crate::remeasure::remeasure_time(root, base, &chosen, each, progress) {
        Ok((base_time, head_time)) => {
            confirm::decide_on_fresh_rounds(comparison, &base_time, &head_time, options)
        }
        Err(error) => {
            progress(&format!(
                "the baseline cannot be built ({error}): new rounds of this build only"
            ));
            let fresh = confirmation_run(selected, &names, root, lock, rounds);
            confirm::report_candidate_only(comparison, base, &fresh, options, &error.to_string());
        }
    }
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
        engines: vec![crate::engine::time::ENGINE],
        rounds,
        selection: None,
    };
    crate::run::run(&chosen, root, lock, &options)
}

/// Why the verdict could not be printed or written.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error(transparent)]
    Stdout(#[from] crate::stdout::StdoutError),
    #[error(transparent)]
    Export(#[from] export::ExportError),
}

/// Prints the table, writes the chosen formats into `output` and the GitHub step summary; returns
/// the files written.
pub fn emit(
    comparison: &Comparison,
    candidate: &Results,
    baseline_label: &str,
    formats: &[String],
    output: &Path,
    report_link: Option<String>,
) -> Result<Vec<PathBuf>, EmitError> {
    let report = Report {
        comparison,
        candidate,
        baseline: baseline_label,
        report_link,
    };
    use std::io::IsTerminal;
    crate::stdout::print(&export::terminal_table(
        &report,
        std::io::stdout().is_terminal(),
    ))?;
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
) -> Result<PathBuf, crate::files::FileError> {
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
    let mut dropped = Vec::new();
    for engine in &crate::engine::ENGINES {
        let Some(family) = engine.family() else {
            continue;
        };
        if engines.contains(engine) {
            continue;
        }
        let mut had = false;
        for scenario in &mut baseline.scenarios {
            had |= engine.clear(scenario);
        }
        if had {
            dropped.push(family.to_owned());
        }
    }
    dropped
}
