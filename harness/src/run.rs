//! `perfgate run`: select scenarios, run the chosen engines on each, write one results file.
//!
//! Engines: `time` (criterion in rounds, one process each; see [`crate::engine::time`]),
//! `instructions` (one run under callgrind through gungraun; see [`crate::engine::instructions`]),
//! `allocations` (one run under dhat in a separate build; see [`crate::engine::heap`]) and `counters`
//! (the core's exact counters for one run of the workload). A scenario that fails — its input cannot be prepared, its workload errors or panics — is recorded as
//! `failed` with the reason, never dropped, and makes the run exit 2.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::corpus::CorpusLock;
use crate::engine::EngineError;
use crate::engine::kind::{Context, Provisioned};
use crate::results::{Results, SCHEMA_VERSION, ScenarioResult, Status};
use crate::scenario::Scenario;
use crate::subject::SubjectError;
use crate::{fingerprint, subject};

/// Why a selection cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("unknown engine `{0}`; available: {available}", available = crate::engine::names().join(", "))]
    UnknownEngine(String),
    #[error("invalid --filter glob `{pattern}`: {reason}")]
    InvalidFilter { pattern: String, reason: String },
}

pub use crate::engine::Engine;

/// The engine named `name` ([`crate::engine::ENGINES`]).
pub fn parse_engine(name: &str) -> Result<Engine, SelectError> {
    Engine::named(name).ok_or_else(|| SelectError::UnknownEngine(name.to_owned()))
}

/// Keeps the scenarios whose name matches `filter` (a glob) and that carry one of `tags`.
pub fn select(
    scenarios: Vec<Scenario>,
    filter: Option<&str>,
    tags: &[String],
) -> Result<Vec<Scenario>, SelectError> {
    let glob = match filter {
        Some(pattern) => Some(
            globset::Glob::new(pattern)
                .map_err(|error| SelectError::InvalidFilter {
                    pattern: pattern.to_owned(),
                    reason: error.kind().to_string(),
                })?
                .compile_matcher(),
        ),
        None => None,
    };
    Ok(scenarios
        .into_iter()
        .filter(|s| glob.as_ref().is_none_or(|g| g.is_match(&s.name)))
        .filter(|s| tags.is_empty() || s.tags.iter().any(|tag| tags.contains(tag)))
        .collect())
}

/// Panics from the workload become failed entries; this environment variable injects one into the
/// named scenario, so the fail-closed path is tested end to end.
pub const INJECT_PANIC: &str = "PERFGATE_INJECT_PANIC";

/// What to run for each scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub engines: Vec<Engine>,
    /// Overrides every scenario's `rounds`.
    pub rounds: Option<u32>,
    /// How the scenarios were selected (recorded in the results).
    pub selection: Option<crate::results::Selection>,
}

/// Why one scenario could not be measured (recorded in its result as text).
#[derive(Debug, thiserror::Error)]
enum ScenarioFailure {
    #[error(transparent)]
    Subject(#[from] SubjectError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

fn run_one(
    scenario: &Scenario,
    root: &Path,
    lock: &CorpusLock,
    scratch: &Path,
    options: &RunOptions,
    provisioned: &Provisioned,
    bar: &indicatif::ProgressBar,
) -> ScenarioResult {
    let mut result = unmeasured(scenario);
    // In a log, a line at least every ten seconds of a long measurement; on a terminal the bar.
    let step = crate::progress::Step::measure(format!("measuring {}", scenario.name));
    crate::progress::injected_slow_setup();
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        if std::env::var(INJECT_PANIC).is_ok_and(|name| name == scenario.name) {
            panic!("injected panic ({INJECT_PANIC})");
        }
        let input = subject::prepare(scenario, root, lock)?;
        let context = Context {
            root,
            scenario,
            input: &input,
            scratch,
            rounds: options.rounds,
            status: &|message| {
                bar.set_message(message.to_owned());
                step.set(&format!("measuring {message}"));
            },
            say: &|line| say(bar, line),
            provisioned,
        };
        // Into a copy: a scenario with a failed engine keeps no data of the others.
        let mut measured = result.clone();
        for engine in crate::engine::ENGINES
            .iter()
            .filter(|engine| options.engines.contains(engine) && engine.enabled(scenario))
        {
            engine.measure(&context, &mut measured)?;
        }
        measured.corpus_id = input.corpus_id.clone();
        measured.corpus_hash = input.corpus_hash.clone();
        Ok::<_, ScenarioFailure>(measured)
    }));
    match outcome {
        Ok(Ok(measured)) => result = measured,
        Ok(Err(failure)) => {
            result.status = Status::Failed {
                reason: failure.to_string(),
            }
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "unknown panic".into());
            result.status = Status::Failed {
                reason: format!("the workload panicked: {message}"),
            };
        }
    }
    result
}

/// A scenario's entry before any engine ran: its name, id, file and identity, no data.
pub fn unmeasured(scenario: &Scenario) -> ScenarioResult {
    ScenarioResult {
        name: scenario.name.clone(),
        id: scenario.id.clone(),
        scenario_file: scenario.file.display().to_string(),
        scenario_hash: scenario.identity.clone(),
        ..ScenarioResult::default()
    }
}

/// Prints a line above the progress bars, or to stderr when there is no terminal to draw them on
/// (CI logs keep every line).
fn say(bar: &indicatif::ProgressBar, line: &str) {
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        crate::progress::MULTI.suspend(|| eprintln!("{line}"));
    }
}

/// `ok in 0.52 s`, with the set-up it triggered told apart: `ok in 0.52 s (+ 3 min 05 s set-up:
/// builds, installs, downloads)`.
pub fn ok_line(name: &str, total: std::time::Duration, setup: std::time::Duration) -> String {
    let own = total.saturating_sub(setup);
    if setup < std::time::Duration::from_millis(500) {
        format!("{name:<24} ok in {:.2} s", total.as_secs_f64())
    } else {
        format!(
            "{name:<24} ok in {:.2} s (+ {} set-up: builds, installs, downloads)",
            own.as_secs_f64(),
            crate::progress::elapsed_text(setup)
        )
    }
}

/// Runs the scenarios and returns the results (not yet written).
pub fn run(
    scenarios: &[Scenario],
    root: &Path,
    lock: &CorpusLock,
    options: &RunOptions,
) -> Results {
    let fingerprint = fingerprint::collect(root);
    let scratch_root = root.join("target/perfgate/scratch");
    let mut results = Vec::new();
    let provisioned = Provisioned::default();
    let bar = crate::progress::MULTI.add(indicatif::ProgressBar::new(scenarios.len() as u64));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix:>3} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    for scenario in scenarios {
        bar.set_message(format!("{} ({})", scenario.name, scenario.kind.as_str()));
        let started = Instant::now();
        let setup_before = crate::progress::setup_time();
        let result = run_one(
            scenario,
            root,
            lock,
            &scratch_root.join(&scenario.id),
            options,
            &provisioned,
            &bar,
        );
        let line = match &result.status {
            Status::Ok => ok_line(
                &scenario.name,
                started.elapsed(),
                crate::progress::setup_time().saturating_sub(setup_before),
            ),
            Status::Failed { reason } => format!("{:<24} FAILED: {reason}", scenario.name),
        };
        say(&bar, &line);
        bar.inc(1);
        results.push(result);
    }
    bar.finish_and_clear();
    crate::progress::MULTI.remove(&bar);
    Results {
        schema_version: SCHEMA_VERSION,
        fingerprint,
        scenarios: results,
        history: Vec::new(),
        selection: options.selection.clone(),
        load_notes: Vec::new(),
    }
}

/// `target/perfgate/results/<timestamp>-<commit>.json`.
pub fn default_results_path(root: &Path, results: &Results) -> PathBuf {
    let commit = results
        .fingerprint
        .git_commit
        .as_deref()
        .map_or("nocommit", |c| &c[..c.len().min(12)]);
    root.join("target/perfgate/results")
        .join(format!("{}-{commit}.json", results.fingerprint.timestamp))
}

/// The summary table printed after a run.
pub fn summary(results: &Results) -> String {
    let mut out = format!(
        "{:<24} {:>7} {:>9} {:>9} {:>12} {:>9} {:>10} {:>14} {:>11}  {}\n",
        "scenario",
        "files",
        "lines",
        "findings",
        "median ms",
        "spread %",
        "lines/s",
        "Ir",
        "peak heap",
        "status"
    );
    for scenario in &results.scenarios {
        let (files, lines, findings) = scenario
            .counters
            .as_ref()
            .map_or((0, 0, 0), |c| (c.files, c.lines, c.findings));
        let (median, spread, rate) = match &scenario.time {
            Some(time) => {
                let medians: Vec<f64> = time.rounds.iter().map(|r| r.median_ns).collect();
                let median = time.median_ns();
                let (low, high) = medians
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(lo, hi), &m| (lo.min(m), hi.max(m)));
                let spread = if median > 0.0 {
                    (high - low) / median * 100.0
                } else {
                    0.0
                };
                let rate = if median > 0.0 {
                    lines as f64 / (median / 1e9)
                } else {
                    0.0
                };
                (
                    format!("{:.3}", median / 1e6),
                    format!("{spread:.1}"),
                    format!("{:.0}", rate),
                )
            }
            None => ("-".to_owned(), "-".to_owned(), "-".to_owned()),
        };
        let status = match &scenario.status {
            Status::Ok => "ok".to_owned(),
            Status::Failed { reason } => format!("FAILED: {reason}"),
        };
        let peak = scenario.heap.as_ref().map_or_else(
            || "-".to_owned(),
            |heap| format!("{:.1} MB", heap.max_bytes as f64 / 1e6),
        );
        let ir = scenario
            .instructions
            .as_ref()
            .map_or_else(|| "-".to_owned(), |data| data.ir().to_string());
        out.push_str(&format!(
            "{:<24} {files:>7} {lines:>9} {findings:>9} {median:>12} {spread:>9} {rate:>10} {ir:>14} {peak:>11}  {status}\n",
            scenario.name
        ));
    }
    out
}
