//! What analysis produces, shared by the pipeline's stages: one file's [`FileOutcome`], a run's
//! [`Report`] and its exact [`Counters`]. A leaf module: the engine makes these, the cache stores
//! and restores file outcomes, the aggregator folds them into a report, and the output formats
//! render it; none of those modules needs another to name them. (`engine` re-exports the types
//! under their old paths, which older harnesses and the workload API use.)

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::finding::{Diagnostic, Finding, Severity};
use crate::findings::Findings;
use crate::suppress::{Suppression, UnusedSuppression};
use crate::visit::{FileFacts, TraversalCounts};

/// Nanoseconds spent per phase, summed over files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseTimes {
    /// Walking the command-line folders and listing the files (`check` only; zero in a workload).
    #[serde(default)]
    pub discover_ns: u64,
    pub read_ns: u64,
    pub parse_ns: u64,
    pub visit_ns: u64,
    pub aggregate_ns: u64,
    /// Wall-clock time of the whole analysis (discovery excluded), whatever the thread count.
    pub wall_ns: u64,
}

/// Exact counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Files given or discovered (analyzed or not).
    pub files: u64,
    /// Files whose syntax tree was visited.
    pub files_analyzed: u64,
    /// Lines of decoded source (a last line without a newline counts).
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    #[serde(flatten)]
    pub traversal: TraversalCounts,
    pub diagnostics: u64,
    pub findings: u64,
    pub findings_by_rule: BTreeMap<String, u64>,
    pub findings_by_severity: BTreeMap<Severity, u64>,
    /// The files with most findings, most first (at most [`crate::aggregate::TOP_FILES`]).
    pub top_files: Vec<FileCount>,
    /// Exact duplicates (same fingerprint and location) dropped by the aggregator.
    pub duplicates_dropped: u64,
    /// Findings removed by `# connascence: ignore` comments.
    pub suppressed: u64,
    /// Hash of the effective configuration (rule settings and exclusions), see
    /// [`AnalysisOptions::config_hash`](crate::engine::AnalysisOptions::config_hash).
    pub config_hash: String,
    /// Cache hits, misses and writes, when the cache is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheCounters>,
    pub threads: u64,
    pub phases: PhaseTimes,
}

/// The outcome of one file.
#[derive(Debug, Clone, Default)]
pub struct FileOutcome {
    /// The file's label (as findings name it).
    pub file: String,
    pub findings: Vec<Finding>,
    /// Per-file facts for run-level rules (duplicate-algorithm).
    pub facts: FileFacts,
    /// The file's suppression comments, with what they have suppressed so far.
    pub suppressions: Vec<Suppression>,
    pub diagnostics: Vec<Diagnostic>,
    pub counters: Counters,
}

/// The outcome of a run: findings and diagnostics in output order, and the counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub findings: Findings,
    pub diagnostics: Vec<Diagnostic>,
    /// Things the user should be told once, such as running without the disk cache.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Suppressions that suppressed nothing (listed with `--report-unused-ignores`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused_suppressions: Vec<UnusedSuppression>,
    pub stats: Counters,
}

impl Report {
    /// Keeps only the findings of at least severity `min` (`--min-severity`); the counts that
    /// describe the findings (total, per rule, per severity, top files) follow, the work counters
    /// stay those of the whole analysis.
    pub fn keep_at_least(&mut self, min: Severity) {
        self.findings.retain(|finding| finding.severity >= min);
        let stats = &mut self.stats;
        stats.findings = self.findings.len() as u64;
        stats
            .findings_by_severity
            .retain(|severity, _| *severity >= min);
        stats.findings_by_rule.clear();
        let mut by_file: BTreeMap<&str, u64> = BTreeMap::new();
        for finding in self.findings.iter() {
            *stats
                .findings_by_rule
                .entry(finding.rule.id().to_owned())
                .or_insert(0) += 1;
            *by_file.entry(&finding.file).or_insert(0) += 1;
        }
        let shown = stats.top_files.len();
        let mut top: Vec<FileCount> = by_file
            .into_iter()
            .map(|(file, findings)| FileCount {
                findings,
                file: file.to_owned(),
            })
            .collect();
        top.sort_by(|a, b| {
            b.findings
                .cmp(&a.findings)
                .then_with(|| a.file.cmp(&b.file))
        });
        top.truncate(shown);
        stats.top_files = top;
    }
}

/// A file and how many findings it has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileCount {
    pub findings: u64,
    pub file: String,
}

/// Exact cache counters of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheCounters {
    pub l1_hits: u64,
    pub l2_hits: u64,
    pub misses: u64,
    pub writes: u64,
    pub evictions: u64,
    /// Entries found damaged (bad checksum or encoding) and recomputed.
    pub corrupt: u64,
}

/// A duration in nanoseconds, saturating at `u64::MAX`.
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
