//! The unified visitor: one traversal of a syntax tree dispatches each node to every enabled detector.
//!
//! A [`Detector`] declares the node kinds it wants ([`KindSet`]); the [`Dispatcher`] precomputes, per
//! node kind, the bit mask of interested detectors, so a node nobody wants costs one table lookup.
//! [`Mode::PerDetector`] walks the tree once per detector instead (the design this analyzer replaces);
//! both modes must produce identical findings, and [`TraversalCounts`] records exactly how many nodes
//! each mode visited and how many detector hooks it called, so the saving of one pass is measured,
//! never claimed.
//!
//! Findings are collected in a [`FileContext`] as byte ranges and turned into sorted, fingerprinted
//! [`Finding`]s by [`FileContext::finish`], so their order never depends on the mode.

use std::borrow::Cow;

use ruff_python_ast::visitor::source_order::{SourceOrderVisitor, TraversalSignal};
use ruff_python_ast::{AnyNodeRef, ModModule, NodeKind};
use ruff_text_size::{Ranged, TextRange, TextSize};
use serde::{Deserialize, Serialize};

use crate::finding::{self, Finding, Fingerprint, Severity};
use crate::rule::Rule;
use crate::source::LineIndex;

/// How detectors see a tree: one shared traversal, or one traversal per detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Unified,
    PerDetector,
}

/// A set of [`NodeKind`]s, one bit per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindSet(u128);

impl KindSet {
    pub const ALL: KindSet = KindSet(u128::MAX);
    pub const NONE: KindSet = KindSet(0);

    pub const fn of(kinds: &[NodeKind]) -> Self {
        let mut bits = 0u128;
        let mut index = 0;
        while index < kinds.len() {
            bits |= 1u128 << (kinds[index] as u32);
            index += 1;
        }
        KindSet(bits)
    }

    pub const fn contains(self, kind: NodeKind) -> bool {
        self.0 & (1u128 << (kind as u32)) != 0
    }
}

/// A rule's logic, fed node by node. One instance analyzes one file.
pub trait Detector {
    fn rule(&self) -> Rule;
    /// A new instance with the same options and no per-file state.
    fn fresh(&self) -> Box<dyn Detector + Send>;
    /// The node kinds this detector's `enter` must see.
    fn interests(&self) -> KindSet;
    /// The node kinds this detector's `leave` must see (default: none, for detectors that keep
    /// `leave` a no-op).
    fn leave_interests(&self) -> KindSet {
        KindSet::NONE
    }
    /// Called once per traversal before the first node, with the whole module.
    fn begin(&mut self, _module: &ModModule, _cx: &mut FileContext<'_>) {}
    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>);
    fn leave(&mut self, _node: AnyNodeRef<'_>, _cx: &mut FileContext<'_>) {}
    /// Called once after the whole tree has been seen.
    fn finish(&mut self, _cx: &mut FileContext<'_>) {}
}

/// Exact traversal counts of one file (or, summed, of a run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraversalCounts {
    /// Nodes in the syntax tree(s).
    pub nodes: u64,
    /// Nodes entered, over all traversals (equals `nodes` in unified mode).
    pub node_visits: u64,
    /// Calls of a detector's `enter` or `leave` hook.
    pub detector_calls: u64,
    /// Whole-tree traversals.
    pub traversals: u64,
}

impl std::ops::AddAssign for TraversalCounts {
    fn add_assign(&mut self, other: Self) {
        self.nodes += other.nodes;
        self.node_visits += other.node_visits;
        self.detector_calls += other.detector_calls;
        self.traversals += other.traversals;
    }
}

const KIND_SLOTS: usize = 128;

struct Dispatcher<'d, 'c, 's> {
    detectors: &'d mut [Box<dyn Detector + Send>],
    /// Per node kind, the detectors whose `enter` (`.0`) and `leave` (`.1`) want it, one bit each.
    interested: [(u64, u64); KIND_SLOTS],
    cx: &'c mut FileContext<'s>,
    visits: u64,
    calls: u64,
}

/// Sets `bit` in `masks[slot]` for every slot of `set`, visiting only the set's kinds.
fn mark(set: KindSet, bit: usize, mut apply: impl FnMut(usize, u64)) {
    let mut kinds = set.0;
    while kinds != 0 {
        let slot = kinds.trailing_zeros() as usize;
        kinds &= kinds - 1;
        apply(slot, 1 << bit);
    }
}

impl<'d, 'c, 's> Dispatcher<'d, 'c, 's> {
    fn new(detectors: &'d mut [Box<dyn Detector + Send>], cx: &'c mut FileContext<'s>) -> Self {
        assert!(detectors.len() <= 64, "at most 64 detectors per traversal");
        let mut interested = [(0u64, 0u64); KIND_SLOTS];
        for (bit, detector) in detectors.iter().enumerate() {
            mark(detector.interests(), bit, |slot, b| interested[slot].0 |= b);
            mark(detector.leave_interests(), bit, |slot, b| {
                interested[slot].1 |= b;
            });
        }
        Self {
            detectors,
            interested,
            cx,
            visits: 0,
            calls: 0,
        }
    }
}

impl<'a> SourceOrderVisitor<'a> for Dispatcher<'_, '_, '_> {
    #[inline]
    fn enter_node(&mut self, node: AnyNodeRef<'a>) -> TraversalSignal {
        self.visits += 1;
        #[cfg(feature = "canary")]
        canary_regression(self.visits);
        let mut mask = self.interested[node.kind() as usize].0;
        while mask != 0 {
            let index = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            self.calls += 1;
            self.detectors[index].enter(node, self.cx);
        }
        TraversalSignal::Traverse
    }

    #[inline]
    fn leave_node(&mut self, node: AnyNodeRef<'a>) {
        let mut mask = self.interested[node.kind() as usize].1;
        while mask != 0 {
            let index = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            self.calls += 1;
            self.detectors[index].leave(node, self.cx);
        }
    }
}

/// The gate's permanent self-test (cargo feature `canary`, never in a release): a few percent more
/// instructions per visited node, in a function of its own so that the gate's report can name it.
/// The nightly workflow and a test build the core with it and require the gate to fail.
#[cfg(feature = "canary")]
#[inline(never)]
pub fn canary_regression(visits: u64) -> u64 {
    let mut value = std::hint::black_box(visits);
    for _ in 0..std::hint::black_box(CANARY_STEPS) {
        value = std::hint::black_box(value.rotate_left(5) ^ 0x9e37_79b9);
    }
    value
}

/// The canary's work per node, chosen so that the pr scenarios run about 3 % more instructions.
#[cfg(feature = "canary")]
const CANARY_STEPS: u64 = 3;

fn traverse(
    module: &ModModule,
    detectors: &mut [Box<dyn Detector + Send>],
    cx: &mut FileContext<'_>,
) -> TraversalCounts {
    for detector in detectors.iter_mut() {
        detector.begin(module, cx);
    }
    let mut dispatcher = Dispatcher::new(detectors, cx);
    dispatcher.visit_body(&module.body);
    // The module node itself is not entered: detectors see statements and below.
    let counts = TraversalCounts {
        nodes: dispatcher.visits,
        node_visits: dispatcher.visits,
        detector_calls: dispatcher.calls,
        traversals: 1,
    };
    for detector in detectors.iter_mut() {
        detector.finish(cx);
    }
    counts
}

/// Runs the detectors over one module in the given mode, reporting into `cx`.
pub fn run(
    module: &ModModule,
    detectors: &mut [Box<dyn Detector + Send>],
    mode: Mode,
    cx: &mut FileContext<'_>,
) -> TraversalCounts {
    match mode {
        Mode::Unified => traverse(module, detectors, cx),
        Mode::PerDetector if detectors.is_empty() => traverse(module, detectors, cx),
        Mode::PerDetector => {
            let mut total = TraversalCounts::default();
            for single in detectors.chunks_mut(1) {
                let counts = traverse(module, single, cx);
                total.nodes = counts.nodes;
                total.node_visits += counts.node_visits;
                total.detector_calls += counts.detector_calls;
                total.traversals += 1;
            }
            total
        }
    }
}

struct PendingFinding {
    rule: Rule,
    severity: Severity,
    range: TextRange,
    snippet_hash: u64,
    message: String,
    recommendation: Cow<'static, str>,
}

/// A per-file fact about one function, for rules decided across files (duplicate-algorithm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionFact {
    pub name: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Hash of the normalized `def` header, for the finding's fingerprint.
    pub header_hash: u64,
    /// Hash of the body's token kinds, names and values erased (see duplicate-algorithm).
    pub body_hash: u64,
    /// Statements in the body at any depth, the docstring excluded.
    pub statements: u32,
}

/// Facts a file contributes to run-level rules; cached per file, combined after all files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    pub functions: Vec<FunctionFact>,
}

/// One function's body as duplicate-algorithm's `body_hashes` gives it to the detector: counted
/// and hashed right after parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyHash {
    /// Where the function's statement starts (its first decorator, or `def`).
    pub start: TextSize,
    /// Statements in the body at any depth, the leading docstring excluded.
    pub statements: u32,
    /// `duplicate_algorithm::body_hash` of the body.
    pub hash: u64,
}

/// What detectors can read about the file being analyzed, and where they report.
pub struct FileContext<'s> {
    pub path: &'s str,
    pub text: &'s str,
    pub lines: &'s LineIndex,
    /// Each function's body hash by the offset where the function starts, in source order (empty
    /// unless given with [`FileContext::with_body_hashes`]; see duplicate-algorithm).
    pub body_hashes: &'s [BodyHash],
    pending: Vec<PendingFinding>,
    facts: FileFacts,
}

impl<'s> FileContext<'s> {
    pub fn new(path: &'s str, text: &'s str, lines: &'s LineIndex) -> Self {
        Self {
            path,
            text,
            lines,
            body_hashes: &[],
            pending: Vec::new(),
            facts: FileFacts::default(),
        }
    }

    /// The same context, with the body hashes of the file's functions.
    pub fn with_body_hashes(self, body_hashes: &'s [BodyHash]) -> Self {
        Self {
            body_hashes,
            ..self
        }
    }

    /// The counted and hashed body of the function that starts at `start`, if it has one.
    pub fn body_hash(&self, start: TextSize) -> Option<BodyHash> {
        self.body_hashes
            .binary_search_by_key(&start, |body| body.start)
            .ok()
            .map(|index| self.body_hashes[index])
    }

    /// Source text of a range.
    pub fn slice(&self, range: TextRange) -> &'s str {
        &self.text[range]
    }

    /// 1-based line of an offset.
    pub fn line_of(&self, offset: TextSize) -> u32 {
        self.lines.line_of(offset.to_u32())
    }

    /// Reports a finding at `range`; `snippet` is the code whose normalized text identifies it.
    pub fn report(
        &mut self,
        rule: Rule,
        severity: Severity,
        range: TextRange,
        snippet: TextRange,
        message: String,
        recommendation: impl Into<Cow<'static, str>>,
    ) {
        let recommendation = recommendation.into();
        let snippet_hash = finding::snippet_hash(self.slice(snippet));
        self.pending.push(PendingFinding {
            rule,
            severity,
            range,
            snippet_hash,
            message,
            recommendation,
        });
    }

    /// Records a function fact for a run-level rule; `header` is the range findings will point at.
    pub fn add_function_fact(
        &mut self,
        name: &str,
        header: TextRange,
        body_hash: u64,
        statements: u32,
    ) {
        let (line, column) = self.lines.position(self.text, header.start().to_u32());
        let (end_line, end_column) = self.lines.position(self.text, header.end().to_u32());
        self.facts.functions.push(FunctionFact {
            name: name.to_owned(),
            line,
            column,
            end_line,
            end_column,
            header_hash: finding::snippet_hash(self.slice(header)),
            body_hash,
            statements,
        });
    }

    /// The findings in output order (line, column, rule, message), with positions and fingerprints,
    /// and the file's facts (functions in source order).
    pub fn finish(mut self) -> (Vec<Finding>, FileFacts) {
        let mut facts = std::mem::take(&mut self.facts);
        facts.functions.sort_by_key(|f| (f.line, f.column));
        (self.into_findings(), facts)
    }

    fn into_findings(self) -> Vec<Finding> {
        let Self {
            path,
            text,
            lines,
            pending,
            ..
        } = self;
        // Positions first, then sort the small records (one file: the file name needs no
        // comparing), then build the findings in order.
        let mut located: Vec<(u32, u32, u32, u32, PendingFinding)> = pending
            .into_iter()
            .map(|p| {
                let (line, column) = lines.position(text, p.range.start().to_u32());
                let (end_line, end_column) =
                    lines.position_after(text, p.range.end().to_u32(), line);
                (line, column, end_line, end_column, p)
            })
            .collect();
        located.sort_by(|a, b| {
            (a.0, a.1, a.4.rule.id(), &a.4.message).cmp(&(b.0, b.1, b.4.rule.id(), &b.4.message))
        });
        let shared: std::sync::Arc<str> = std::sync::Arc::from(path);
        let located = located
            .into_iter()
            .map(|(line, column, end_line, end_column, p)| {
                let finding = Finding {
                    rule: p.rule,
                    connascence_type: p.rule.connascence_type(),
                    severity: p.severity,
                    file: std::sync::Arc::clone(&shared),
                    line,
                    column,
                    end_line,
                    end_column,
                    message: p.message,
                    recommendation: p.recommendation,
                    fingerprint: Fingerprint::default(),
                };
                (finding, p.snippet_hash)
            });
        let mut seen: rustc_hash::FxHashMap<(Rule, u64), u32> = rustc_hash::FxHashMap::default();
        let mut scratch = Vec::with_capacity(path.len() + 48);
        located
            .into_iter()
            .map(|(mut finding, hash)| {
                let occurrence = seen.entry((finding.rule, hash)).or_insert(0);
                finding.fingerprint =
                    finding::fingerprint_with(&mut scratch, finding.rule, path, hash, *occurrence);
                *occurrence += 1;
                finding
            })
            .collect()
    }
}

/// Where a `def` or `class` statement's keyword starts (after any decorators), for findings that
/// are reported at the definition line. `async def` (`is_async`, from the syntax tree: the text
/// before `def` may end in `async` without being the keyword, as in `@sync_to_async` or a comment)
/// starts at `async`.
pub fn definition_start(text: &str, name: &impl Ranged, is_async: bool) -> TextSize {
    const GAP: [char; 6] = [' ', '\t', '\\', '\n', '\r', '\x0c'];
    let before = text[..name.start().to_usize()].trim_end_matches(GAP);
    let mut start = if before.ends_with("def") {
        before.len() - "def".len()
    } else if before.ends_with("class") {
        before.len() - "class".len()
    } else {
        before.len()
    };
    if is_async && before.ends_with("def") {
        let head = text[..start].trim_end_matches(GAP);
        if head.ends_with("async") {
            start = head.len() - "async".len();
        }
    }
    TextSize::try_from(start).unwrap_or_default()
}
