//! The stable workload API: the one entry point the benchmark harness calls.
//!
//! The harness builds its benchmarks against the cores of other commits through this module, so its
//! shape changes only deliberately: a [`WorkloadSpec`] says what to run over which (preloaded) files,
//! and [`run`] returns an [`Outcome`] with the exact counters (cache counters too, when a cache is
//! given) and a digest of the findings. Loading
//! files ([`load`]) is separate from running, so a measurement can exclude it. [`run`] is
//! `#[inline(never)]` so instruction counters can find it by name.
//!
//! ```
//! use connascence::workload::{self, WorkloadFile, WorkloadKind, WorkloadSpec};
//! let files = vec![WorkloadFile { label: "a.py".into(), bytes: b"import time\ntime.sleep(1)\n".to_vec() }];
//! let spec = WorkloadSpec { files, threads: 1, ..WorkloadSpec::default() };
//! let outcome = workload::run(&spec).unwrap();
//! assert_eq!(outcome.findings, 1);
//! assert_eq!(outcome.counters.findings_by_rule["timing"], 1);
//! let parse_only = workload::run(&WorkloadSpec { kind: WorkloadKind::ParseOnly, ..spec }).unwrap();
//! assert_eq!((parse_only.findings, parse_only.counters.traversal.nodes), (0, 10));
//! ```

use std::path::PathBuf;

/// The version of this API. A change the harness must adapt to bumps it; the harness refuses to
/// build a core whose version it does not speak (a core without the constant speaks version 1).
pub const API_VERSION: u32 = 1;

use serde::{Deserialize, Serialize};

use crate::cache::{Cache, CacheOptions};
use crate::detectors::Settings;
use crate::discover::{self, Exclude};
use crate::engine::{self, Counters, RunError};
use crate::visit::Mode;

/// What the workload does with each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    /// Decode, parse, run the enabled detectors, aggregate: what `connascence check` does.
    #[default]
    Analyze,
    /// Decode, parse and walk every node with no detector: the floor the analysis is compared with.
    ParseOnly,
}

/// One input file, already read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadFile {
    /// The name findings use (keep it repo-relative for repeatable instruction counts).
    pub label: String,
    pub bytes: Vec<u8>,
}

/// A workload: files and how to analyze them.
#[derive(Debug, Clone, Default)]
pub struct WorkloadSpec {
    pub kind: WorkloadKind,
    pub files: Vec<WorkloadFile>,
    /// Which rules run, with which options (default: the default rule set).
    pub settings: Settings,
    pub mode: Mode,
    /// Analysis threads; 0 means one per core, 1 gives repeatable instruction counts.
    pub threads: usize,
    /// The result cache (`Analyze` only); `None` analyzes every file.
    pub cache: Option<CacheOptions>,
}

/// What a workload run produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub counters: Counters,
    pub findings: u64,
    pub diagnostics: u64,
    /// A hash of every finding's fingerprint and location, in output order: equal digests mean the
    /// same findings.
    pub findings_digest: String,
}

/// Reads the Python files under `paths` (as `connascence check` finds them), in output order.
pub fn load(paths: &[PathBuf]) -> Result<Vec<WorkloadFile>, String> {
    let discovered = discover::discover(paths, &Exclude::default());
    if let Some(error) = discovered.argument_errors.first() {
        return Err(format!("{}: {}", error.path, error.message));
    }
    discovered
        .files
        .into_iter()
        .map(|file| {
            // A workload must be the corpus it names: a file above the limit is an error here,
            // not a skipped file.
            let bytes = discover::read_regular_file(&file.path, discover::DEFAULT_MAX_FILE_BYTES)
                .map_err(|error| match error {
                    discover::ReadError::TooLarge { size, limit } => format!(
                        "{}: file of {} is above the {} limit; a workload must analyze its whole corpus, so this one cannot be measured",
                        file.label,
                        discover::format_size(size),
                        discover::format_size(limit)
                    ),
                    other => format!("{}: {}", file.label, other.message()),
                })?;
            Ok(WorkloadFile {
                label: file.label,
                bytes,
            })
        })
        .collect()
}

/// The configuration hash the CLI would compute for these settings (no exclusions in a workload).
fn settings_hash(settings: &Settings) -> String {
    engine::AnalysisOptions {
        settings: settings.clone(),
        ..engine::AnalysisOptions::default()
    }
    .config_hash()
}

/// Runs a workload.
#[inline(never)]
pub fn run(spec: &WorkloadSpec) -> Result<Outcome, RunError> {
    let settings = match spec.kind {
        WorkloadKind::Analyze => spec.settings.clone(),
        WorkloadKind::ParseOnly => Settings::only(&[]),
    };
    let rules = settings.compile()?;
    let cache = match (&spec.cache, spec.kind) {
        (Some(options), WorkloadKind::Analyze) => {
            Some(Cache::open(options, &settings_hash(&settings)))
        }
        _ => None,
    };
    let mut report = engine::analyze_each(spec.files.len(), &rules, spec.threads, |position| {
        let file = &spec.files[position];
        match &cache {
            Some(cache) => {
                engine::analyze_bytes_cached(&file.label, &file.bytes, &rules, spec.mode, cache)
            }
            None => engine::analyze_bytes(&file.label, &file.bytes, &rules, spec.mode),
        }
    })?;
    if let Some(cache) = &cache {
        report.stats.cache = Some(cache.flush());
    }
    Ok(Outcome {
        findings: report.findings.len() as u64,
        diagnostics: report.diagnostics.len() as u64,
        findings_digest: digest(&report.findings),
        counters: report.stats,
    })
}

/// Per-file outcomes computed ahead, so that aggregation alone can be measured.
pub struct PreparedAggregation {
    rules: crate::detectors::RuleSet,
    outcomes: Vec<engine::FileOutcome>,
}

impl PreparedAggregation {
    /// A fresh copy of the per-file outcomes, to be consumed by [`aggregate`].
    pub fn outcomes(&self) -> Vec<engine::FileOutcome> {
        self.outcomes.clone()
    }
}

/// Analyzes the spec's files (one thread) and keeps the per-file outcomes for [`aggregate`].
pub fn prepare_aggregation(spec: &WorkloadSpec) -> Result<PreparedAggregation, RunError> {
    let rules = spec.settings.compile()?;
    let outcomes = spec
        .files
        .iter()
        .map(|file| engine::analyze_bytes(&file.label, &file.bytes, &rules, spec.mode))
        .collect();
    Ok(PreparedAggregation { rules, outcomes })
}

/// Folds per-file outcomes into a report as the analysis does (dedup, counts, top files, cross-file
/// duplicates) and returns its outcome: the aggregation step alone.
#[inline(never)]
pub fn aggregate(prepared: &PreparedAggregation, outcomes: Vec<engine::FileOutcome>) -> Outcome {
    let mut aggregator = crate::aggregate::Aggregator::default();
    for outcome in outcomes {
        aggregator.add(outcome);
    }
    let report = aggregator.finish(&prepared.rules);
    Outcome {
        findings: report.findings.len() as u64,
        diagnostics: report.diagnostics.len() as u64,
        findings_digest: digest(&report.findings),
        counters: report.stats,
    }
}

fn digest(findings: &crate::findings::Findings) -> String {
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    for finding in findings {
        digest.update(&finding.fingerprint.hex());
        digest.update(&finding.line.to_le_bytes());
        digest.update(&finding.column.to_le_bytes());
    }
    format!("{:016x}", digest.digest())
}
