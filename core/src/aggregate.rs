//! Streaming aggregation: per-file outcomes fold into one report as each file finishes.
//!
//! Files are analyzed in parallel and finish in any order; [`OrderedAggregator`] holds an outcome only
//! until every earlier file has arrived, then folds it into the [`Aggregator`], so the report is the
//! same whatever the thread count. The aggregator never re-sorts the whole run: each file's findings
//! arrive sorted and files arrive in label order, so it keeps one sorted batch per file and only
//! touches the fields it counts. Per finding it does constant work: drop an exact duplicate (same
//! fingerprint and location as the previous finding of the batch), count by rule and severity; per
//! file it counts findings and keeps the top-N files. Run-level findings (duplicate-algorithm) are
//! merged into their files' batches at the end.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use std::time::Instant;

use crate::detectors::{REGISTRY, Rule, RuleSet, duplicate_algorithm};
use crate::finding::{Finding, Severity};
use crate::findings::Findings;
pub use crate::outcome::FileCount;
use crate::outcome::{Counters, FileOutcome, Report, nanos};
use crate::suppress::{self, Suppression};
use crate::visit::FileFacts;

/// How many files [`Aggregator`] ranks by finding count.
pub const TOP_FILES: usize = 10;

/// Folds file outcomes, given in output order, into a report.
#[derive(Debug)]
pub struct Aggregator {
    batches: Vec<Vec<Finding>>,
    stats: Counters,
    by_rule: Vec<u64>,
    by_severity: [u64; 4],
    /// The `TOP_FILES` files with most findings so far (a min-heap on count, then on reversed name).
    top: BinaryHeap<Reverse<(u64, Reverse<String>)>>,
    duplicates_dropped: u64,
    diagnostics: Vec<crate::finding::Diagnostic>,
    facts: Vec<(String, FileFacts)>,
    /// Suppression comments by file, for run-level findings and the unused list.
    suppressions: BTreeMap<String, Vec<Suppression>>,
}

impl Default for Aggregator {
    fn default() -> Self {
        Self {
            batches: Vec::new(),
            stats: Counters::default(),
            by_rule: vec![0; REGISTRY.len()],
            by_severity: [0; 4],
            top: BinaryHeap::with_capacity(TOP_FILES + 1),
            duplicates_dropped: 0,
            diagnostics: Vec::new(),
            facts: Vec::new(),
            suppressions: BTreeMap::new(),
        }
    }
}

fn severity_index(severity: Severity) -> usize {
    severity as usize
}

impl Aggregator {
    /// Adds the next file's outcome; files must come in output (label) order.
    pub fn add(&mut self, outcome: FileOutcome) {
        let started = Instant::now();
        let FileOutcome {
            file,
            mut findings,
            diagnostics,
            counters,
            facts,
            suppressions,
        } = outcome;
        let stats = &mut self.stats;
        stats.files += counters.files;
        stats.files_analyzed += counters.files_analyzed;
        stats.lines += counters.lines;
        stats.bytes += counters.bytes;
        stats.traversal += counters.traversal;
        stats.diagnostics += counters.diagnostics;
        stats.suppressed += counters.suppressed;
        stats.phases.read_ns += counters.phases.read_ns;
        stats.phases.parse_ns += counters.phases.parse_ns;
        stats.phases.visit_ns += counters.phases.visit_ns;
        let before = findings.len();
        findings.dedup_by(|next, previous| {
            next.line == previous.line
                && next.column == previous.column
                && next.fingerprint == previous.fingerprint
        });
        self.duplicates_dropped += (before - findings.len()) as u64;
        self.count(&file, &findings);
        if !findings.is_empty() {
            self.batches.push(findings);
        }
        self.diagnostics.extend(diagnostics);
        if !suppressions.is_empty() {
            self.suppressions.insert(file.clone(), suppressions);
        }
        if !facts.functions.is_empty() {
            self.facts.push((file, facts));
        }
        self.stats.phases.aggregate_ns += nanos(started.elapsed());
    }

    fn count(&mut self, file: &str, findings: &[Finding]) {
        for finding in findings {
            self.by_rule[finding.rule.index()] += 1;
            self.by_severity[severity_index(finding.severity)] += 1;
        }
        let count = findings.len() as u64;
        self.stats.findings += count;
        if count == 0 {
            return;
        }
        let smallest = self.top.peek().map(|Reverse((c, _))| *c);
        if self.top.len() < TOP_FILES || smallest.is_some_and(|smallest| count > smallest) {
            self.top.push(Reverse((count, Reverse(file.to_owned()))));
            if self.top.len() > TOP_FILES {
                self.top.pop();
            }
        }
    }

    /// Runs the run-level rules enabled in `rules` over the collected facts, merges their findings
    /// into place and returns the report.
    pub fn finish(mut self, rules: &RuleSet) -> Report {
        let started = Instant::now();
        let duplicate_rule = rules
            .rules()
            .into_iter()
            .find(|rule| rule.id() == duplicate_algorithm::RULE.id);
        if let Some(rule) = duplicate_rule {
            let files: Vec<(&str, &FileFacts)> = self
                .facts
                .iter()
                .map(|(file, facts)| (file.as_str(), facts))
                .collect();
            let mut found = duplicate_algorithm::cross_file(rule, &files);
            rules.apply_severities(&mut found);
            found = self.suppress_run_level(found);
            self.merge_run_level(found);
        }
        let mut stats = self.stats;
        stats.findings_by_rule = Rule::all()
            .filter(|rule| self.by_rule[rule.index()] > 0)
            .map(|rule| (rule.id().to_owned(), self.by_rule[rule.index()]))
            .collect();
        stats.findings_by_severity = Severity::ALL
            .into_iter()
            .filter(|severity| self.by_severity[severity_index(*severity)] > 0)
            .map(|severity| (severity, self.by_severity[severity_index(severity)]))
            .collect();
        let mut top: Vec<FileCount> = self
            .top
            .into_iter()
            .map(|Reverse((findings, Reverse(file)))| FileCount { findings, file })
            .collect();
        top.sort_by(|a, b| {
            b.findings
                .cmp(&a.findings)
                .then_with(|| a.file.cmp(&b.file))
        });
        stats.top_files = top;
        stats.duplicates_dropped = self.duplicates_dropped;
        let unused_suppressions = self
            .suppressions
            .iter()
            .flat_map(|(file, list)| {
                list.iter()
                    .flat_map(move |suppression| suppression.unused(file))
            })
            .collect();
        let findings = Findings::from_batches(self.batches);
        let mut diagnostics = self.diagnostics;
        diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        stats.phases.aggregate_ns += nanos(started.elapsed());
        Report {
            findings,
            diagnostics,
            unused_suppressions,
            notices: Vec::new(),
            stats,
        }
    }

    /// Drops the run-level findings that a suppression comment on their line covers.
    fn suppress_run_level(&mut self, found: Vec<Finding>) -> Vec<Finding> {
        let mut kept = Vec::with_capacity(found.len());
        let mut by_file: BTreeMap<Arc<str>, Vec<Finding>> = BTreeMap::new();
        for finding in found {
            by_file
                .entry(finding.file.clone())
                .or_default()
                .push(finding);
        }
        for (file, mut findings) in by_file {
            if let Some(suppressions) = self.suppressions.get_mut(&*file) {
                self.stats.suppressed += suppress::apply(&mut findings, suppressions);
            }
            kept.extend(findings);
        }
        kept
    }

    /// Inserts run-level findings (sorted by file) into the batches of their files.
    fn merge_run_level(&mut self, found: Vec<Finding>) {
        if found.is_empty() {
            return;
        }
        let mut by_file: BTreeMap<Arc<str>, Vec<Finding>> = BTreeMap::new();
        for finding in found {
            by_file
                .entry(finding.file.clone())
                .or_default()
                .push(finding);
        }
        let batch_of: FxHashMap<Arc<str>, usize> = self
            .batches
            .iter()
            .enumerate()
            .map(|(index, batch)| (batch[0].file.clone(), index))
            .collect();
        let mut file_totals: Vec<(String, u64)> = Vec::new();
        for (file, extra) in by_file {
            for finding in &extra {
                self.by_rule[finding.rule.index()] += 1;
                self.by_severity[severity_index(finding.severity)] += 1;
            }
            self.stats.findings += extra.len() as u64;
            let total = match batch_of.get(&file) {
                Some(&index) => {
                    let batch = &mut self.batches[index];
                    *batch = merge_sorted(std::mem::take(batch), extra);
                    batch.len()
                }
                None => {
                    let len = extra.len();
                    self.batches.push(extra);
                    len
                }
            };
            file_totals.push((file.to_string(), total as u64));
        }
        if !self.batches.is_sorted_by(|a, b| a[0].file <= b[0].file) {
            self.batches.sort_by(|a, b| a[0].file.cmp(&b[0].file));
        }
        for (file, total) in file_totals {
            self.top.retain(|Reverse((_, Reverse(name)))| *name != file);
            self.top.push(Reverse((total, Reverse(file))));
            if self.top.len() > TOP_FILES {
                self.top.pop();
            }
        }
    }
}

/// Merges two lists sorted by [`Finding::sort_key`] into one (`a`'s finding first among equals).
fn merge_sorted(a: Vec<Finding>, b: Vec<Finding>) -> Vec<Finding> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        // `push`, not `extend(Option)`: whether the option's iterator gets inlined was left to
        // the code-generation unit split, and a split moved by unrelated code cost 1.4 % of a
        // whole aggregation run (aggregate-synthetic) in a call per finding.
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.sort_key() <= y.sort_key(),
            (Some(_), None) => {
                merged.extend(a);
                return merged;
            }
            (None, _) => {
                merged.extend(b);
                return merged;
            }
        };
        if let Some(finding) = if take_a { a.next() } else { b.next() } {
            merged.push(finding);
        }
    }
}

/// Accepts outcomes in any order, tagged with their position, and feeds them to an [`Aggregator`] in
/// position order; an outcome waits only while an earlier one is missing.
#[derive(Debug, Default)]
pub struct OrderedAggregator {
    next: usize,
    waiting: BTreeMap<usize, FileOutcome>,
    inner: Aggregator,
    /// The largest number of outcomes that had to wait at once.
    pub max_waiting: usize,
}

impl OrderedAggregator {
    pub fn add(&mut self, position: usize, outcome: FileOutcome) {
        if position != self.next {
            self.waiting.insert(position, outcome);
            self.max_waiting = self.max_waiting.max(self.waiting.len());
            return;
        }
        self.inner.add(outcome);
        self.next += 1;
        while let Some(outcome) = self.waiting.remove(&self.next) {
            self.inner.add(outcome);
            self.next += 1;
        }
    }

    /// Finishes the report; every position below the highest seen must have arrived.
    pub fn finish(self, rules: &RuleSet) -> Report {
        debug_assert!(
            self.waiting.is_empty(),
            "outcomes missing before {:?}",
            self.waiting.keys().next()
        );
        self.inner.finish(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Fingerprint;

    fn at(line: u32, message: &str) -> Finding {
        Finding {
            rule: Rule::by_id(duplicate_algorithm::RULE.id).expect("a registered rule"),
            connascence_type: None,
            severity: Severity::Medium,
            file: Arc::from("a.py"),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
            message: message.to_owned(),
            recommendation: "".into(),
            fingerprint: Fingerprint::default(),
        }
    }

    fn lines(findings: &[Finding]) -> Vec<(u32, &str)> {
        findings
            .iter()
            .map(|finding| (finding.line, finding.message.as_str()))
            .collect()
    }

    #[test]
    fn merge_sorted_interleaves_keeps_a_first_among_equals_and_keeps_both_tails() {
        let a = vec![at(1, "a"), at(3, "x"), at(7, "a"), at(9, "a")];
        let b = vec![at(2, "b"), at(3, "x"), at(4, "b")];
        let merged = merge_sorted(a, b);
        assert_eq!(
            lines(&merged),
            [
                (1, "a"),
                (2, "b"),
                (3, "x"),
                (3, "x"),
                (4, "b"),
                (7, "a"),
                (9, "a")
            ]
        );
        let merged = merge_sorted(vec![at(5, "a")], vec![at(1, "b"), at(2, "b"), at(8, "b")]);
        assert_eq!(lines(&merged), [(1, "b"), (2, "b"), (5, "a"), (8, "b")]);
        assert!(merge_sorted(Vec::new(), Vec::new()).is_empty());
        assert_eq!(
            lines(&merge_sorted(Vec::new(), vec![at(1, "b")])),
            [(1, "b")]
        );
    }
}
