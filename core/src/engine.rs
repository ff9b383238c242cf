//! The analysis pipeline of a run: files → read → decode → parse → visit → aggregate.
//!
//! [`analyze_file`] handles one file and never fails: what goes wrong becomes a [`Diagnostic`].
//! [`check`] discovers the files under the given paths, analyzes them in a deterministic order and
//! aggregates findings, diagnostics and exact [`Counters`] (files, lines, bytes, nodes, visits,
//! findings per rule and severity, time per phase). The counters are what the harness records to
//! measure what one traversal buys, so every one of them is counted, none estimated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::detectors::{OptionsError, RuleSet, Settings, duplicate_algorithm};
use crate::discover::{self, ArgumentError, InputFile};
use crate::finding::{Diagnostic, DiagnosticKind, Finding, Severity};
use crate::parse;
use crate::source::{self, LineIndex};
use crate::visit::{self, FileContext, FileFacts, Mode, TraversalCounts};

/// What to run and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    pub settings: Settings,
    pub mode: Mode,
}

/// Nanoseconds spent per phase, summed over files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseTimes {
    pub read_ns: u64,
    pub parse_ns: u64,
    pub visit_ns: u64,
    pub aggregate_ns: u64,
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
    pub diagnostics: Vec<Diagnostic>,
    pub counters: Counters,
}

/// The outcome of a run: findings and diagnostics in output order, and the counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Counters,
}

/// A problem with the run itself rather than with one file.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Options(#[from] OptionsError),
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

fn count_lines(text: &str) -> u64 {
    let newlines = text.bytes().filter(|&b| b == b'\n').count() as u64;
    newlines + u64::from(!text.is_empty() && !text.ends_with('\n'))
}

fn diagnostic(
    label: &str,
    line: u32,
    column: u32,
    kind: DiagnosticKind,
    message: String,
) -> Diagnostic {
    Diagnostic {
        file: label.to_owned(),
        line,
        column,
        kind,
        message,
    }
}

/// Analyzes source text that is already decoded.
pub fn analyze_source(label: &str, text: &str, rules: &RuleSet, mode: Mode) -> FileOutcome {
    let mut outcome = FileOutcome {
        file: label.to_owned(),
        ..FileOutcome::default()
    };
    analyze_text_into(label, text, rules, mode, &mut outcome);
    outcome
}

fn analyze_text_into(
    label: &str,
    text: &str,
    rules: &RuleSet,
    mode: Mode,
    outcome: &mut FileOutcome,
) {
    let counters = &mut outcome.counters;
    counters.lines = count_lines(text);
    let lines = LineIndex::new(text);
    let started = Instant::now();
    let parsed = parse::parse_module(text, &lines);
    counters.phases.parse_ns = nanos(started.elapsed());
    let module = match parsed {
        Ok(module) => module,
        Err(error) => {
            outcome.diagnostics.push(diagnostic(
                label,
                error.line,
                error.column,
                DiagnosticKind::Syntax,
                error.message,
            ));
            counters.diagnostics = 1;
            return;
        }
    };
    let started = Instant::now();
    let mut cx = FileContext::new(label, text, &lines);
    let mut detectors = rules.fresh();
    counters.traversal = visit::run(&module, &mut detectors, mode, &mut cx);
    (outcome.findings, outcome.facts) = cx.finish();
    counters.phases.visit_ns = nanos(started.elapsed());
    counters.files_analyzed = 1;
    counters.findings = outcome.findings.len() as u64;
    drop(module);
}

/// Analyzes one file's bytes (decoding them first).
pub fn analyze_bytes(label: &str, bytes: &[u8], rules: &RuleSet, mode: Mode) -> FileOutcome {
    let mut outcome = FileOutcome {
        file: label.to_owned(),
        ..FileOutcome::default()
    };
    outcome.counters.files = 1;
    outcome.counters.bytes = bytes.len() as u64;
    match source::decode(bytes) {
        Ok(text) => analyze_text_into(label, &text, rules, mode, &mut outcome),
        Err(error) => {
            outcome.diagnostics.push(diagnostic(
                label,
                error.line,
                error.column,
                DiagnosticKind::Encoding,
                error.message,
            ));
            outcome.counters.diagnostics = 1;
        }
    }
    outcome
}

/// Reads and analyzes one file from disk.
pub fn analyze_file(file: &InputFile, rules: &RuleSet, mode: Mode) -> FileOutcome {
    let started = Instant::now();
    let read = discover::read_regular_file(&file.path);
    let read_ns = nanos(started.elapsed());
    let mut outcome = match read {
        Ok(bytes) => analyze_bytes(&file.label, &bytes, rules, mode),
        Err(message) => {
            let mut outcome = FileOutcome {
                file: file.label.clone(),
                ..FileOutcome::default()
            };
            outcome.counters.files = 1;
            outcome.counters.diagnostics = 1;
            outcome
                .diagnostics
                .push(diagnostic(&file.label, 1, 1, DiagnosticKind::Io, message));
            outcome
        }
    };
    outcome.counters.phases.read_ns = read_ns;
    outcome
}

/// Folds per-file outcomes into one report, in the order they are given.
#[derive(Debug, Default)]
pub struct Aggregator {
    report: Report,
    /// Facts of the files that have any, for the run-level rules.
    facts: Vec<(String, FileFacts)>,
}

impl Aggregator {
    pub fn add(&mut self, outcome: FileOutcome) {
        let started = Instant::now();
        let stats = &mut self.report.stats;
        let counters = &outcome.counters;
        stats.files += counters.files;
        stats.files_analyzed += counters.files_analyzed;
        stats.lines += counters.lines;
        stats.bytes += counters.bytes;
        stats.traversal += counters.traversal;
        stats.diagnostics += counters.diagnostics;
        stats.phases.read_ns += counters.phases.read_ns;
        stats.phases.parse_ns += counters.phases.parse_ns;
        stats.phases.visit_ns += counters.phases.visit_ns;
        self.count(&outcome.findings);
        self.report.findings.extend(outcome.findings);
        self.report.diagnostics.extend(outcome.diagnostics);
        if !outcome.facts.functions.is_empty() {
            self.facts.push((outcome.file, outcome.facts));
        }
        self.report.stats.phases.aggregate_ns += nanos(started.elapsed());
    }

    fn count(&mut self, findings: &[Finding]) {
        let stats = &mut self.report.stats;
        for finding in findings {
            *stats
                .findings_by_rule
                .entry(finding.rule.id().to_owned())
                .or_insert(0) += 1;
            *stats
                .findings_by_severity
                .entry(finding.severity)
                .or_insert(0) += 1;
        }
        stats.findings += findings.len() as u64;
    }

    /// Runs the run-level rules enabled in `rules` over the collected facts and returns the report
    /// in output order.
    pub fn finish(mut self, rules: &RuleSet) -> Report {
        let started = Instant::now();
        if let Some(rule) = rules
            .rules()
            .into_iter()
            .find(|rule| rule.id() == duplicate_algorithm::RULE.id)
        {
            let files: Vec<(&str, &FileFacts)> = self
                .facts
                .iter()
                .map(|(file, facts)| (file.as_str(), facts))
                .collect();
            let duplicates = duplicate_algorithm::cross_file(rule, &files);
            self.count(&duplicates);
            self.report.findings.extend(duplicates);
            self.report
                .findings
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        }
        self.report.stats.phases.aggregate_ns += nanos(started.elapsed());
        self.report
    }
}

/// Analyzes every Python file under `paths`; missing or unreadable arguments are returned apart.
pub fn check(
    paths: &[PathBuf],
    options: &AnalysisOptions,
) -> Result<(Report, Vec<ArgumentError>), RunError> {
    let rules = options.settings.compile()?;
    let discovered = discover::discover(paths);
    let mut aggregator = Aggregator::default();
    for file in &discovered.files {
        aggregator.add(analyze_file(file, &rules, options.mode));
    }
    let mut report = aggregator.finish(&rules);
    report.stats.diagnostics += discovered.diagnostics.len() as u64;
    report.diagnostics.extend(discovered.diagnostics);
    report
        .diagnostics
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    Ok((report, discovered.argument_errors))
}

/// Analyzes one file on disk with the given options (a convenience for tests and tools).
pub fn check_file(path: &Path, options: &AnalysisOptions) -> Result<FileOutcome, RunError> {
    let rules = options.settings.compile()?;
    let file = InputFile {
        path: path.to_path_buf(),
        label: path.display().to_string(),
    };
    Ok(analyze_file(&file, &rules, options.mode))
}
