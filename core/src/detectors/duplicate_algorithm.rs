//! `duplicate-algorithm` — connascence of algorithm: the same function body written more than once.
//!
//! What it flags: two or more functions with more than 3 statements whose normalized bodies are equal,
//! across all files of one run. A body is normalized by keeping every statement and expression kind,
//! the tree structure and the operators (`+`, `<`, `and`, …) and erasing identifiers and literal
//! values; a leading docstring is ignored. Statements are counted at any depth (a nested function's
//! included), the docstring excluded. Each function of a group is reported once, at its `def` line,
//! naming the other locations.
//!
//! Split in two, so that per-file results can be cached: each file contributes *facts* (per function:
//! name, location, body hash, statement count; see [`crate::visit::FunctionFact`]), and [`cross_file`]
//! groups the facts of all files after they are done. The cache stores facts, never this result.
//!
//! Why it matters: duplicated algorithms must change together. A fix applied to one copy leaves the
//! others wrong, and nothing but the reader's memory connects them.
//!
//! Default threshold: more than 3 statements. Severity: medium. Option: `min_statements`.
//!
//! Example:
//! ```python
//! def total_price(items):              # flagged, with total_weight
//!     result = 0
//!     for item in items:
//!         result += item.price
//!     return result
//! def total_weight(parcels):           # same shape, other names: flagged
//!     total = 0
//!     for parcel in parcels:
//!         total += parcel.weight
//!     return total
//! ```

use ruff_python_ast::AnyNodeRef;
use ruff_python_ast::visitor::source_order::{SourceOrderVisitor, TraversalSignal};
use serde::{Deserialize, Serialize};
use std::hash::Hasher;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHasher};

use super::common::{docstring, function_header};
use super::{Rule, RuleInfo};
use crate::finding::{self, ConnascenceType, Finding, Fingerprint, Severity};
use crate::visit::{Detector, FileContext, FileFacts, FunctionFact};

/// What to do about a finding of this rule.
const RECOMMENDATION: &str = "keep one implementation and call it from every place (parameterize \
                              what differs), so a fix reaches all of them";

pub const RULE: RuleInfo = rule_info!(DuplicateAlgorithm, "duplicate_algorithm.rs", {
    id: "duplicate-algorithm",
    connascence_type: Some(ConnascenceType::Algorithm),
    summary: "functions with more than 3 statements whose normalized bodies are equal, across files",
    default_threshold: "> 3 statements",
    default_severity: "medium",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `duplicate-algorithm`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Only functions with more statements than this are compared.
    pub min_statements: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self { min_statements: 3 }
    }
}

pub struct DuplicateAlgorithm {
    rule: Rule,
    options: Options,
}

impl DuplicateAlgorithm {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self { rule, options }
    }
}

/// Hashes a function body's shape in one walk of its own, statically dispatched: the shared
/// traversal only calls this detector at `def`s instead of at every node. A nested function is
/// walked again for its own fact, as part of its enclosing body's shape is its shape.
#[derive(Default)]
struct BodyShape {
    /// A fast non-cryptographic hash: bodies are compared within one run (facts are cached per
    /// build), so only speed and a low collision rate matter.
    hasher: FxHasher,
    statements: u32,
}

impl<'a> SourceOrderVisitor<'a> for BodyShape {
    fn enter_node(&mut self, node: AnyNodeRef<'a>) -> TraversalSignal {
        let mut word = ShapeWord::default();
        shape(node, &mut word);
        // One multiply-add per node; the top bit tells an entered node from a leave mark.
        self.hasher.write_u64(word.0 | ENTER);
        self.statements += u32::from(node.is_statement());
        TraversalSignal::Traverse
    }

    fn leave_node(&mut self, _node: AnyNodeRef<'a>) {
        self.hasher.write_u64(LEAVE);
    }
}

const ENTER: u64 = 1 << 63;
const LEAVE: u64 = 0x81;

/// One node's shape bytes folded into a word (no buffer, no allocation): up to seven bytes are
/// kept exactly, a longer comparison chain is mixed in by rotation.
#[derive(Default)]
struct ShapeWord(u64);

impl ShapeWord {
    fn push(&mut self, byte: u8) {
        self.0 = (self.0.rotate_left(8) ^ u64::from(byte)) & !ENTER;
    }

    fn extend(&mut self, bytes: impl IntoIterator<Item = u8>) {
        for byte in bytes {
            self.push(byte);
        }
    }
}

/// The erased shape of a node: its kind, and the operators and clause counts that change its meaning.
fn shape(node: AnyNodeRef<'_>, out: &mut ShapeWord) {
    out.push(node.kind() as u8);
    match node {
        AnyNodeRef::ExprBinOp(e) => out.push(e.op as u8),
        AnyNodeRef::ExprUnaryOp(e) => out.push(e.op as u8),
        AnyNodeRef::ExprBoolOp(e) => out.push(e.op as u8),
        AnyNodeRef::StmtAugAssign(s) => out.push(s.op as u8),
        AnyNodeRef::ExprCompare(e) => out.extend(e.ops.iter().map(|op| *op as u8)),
        AnyNodeRef::StmtFor(s) => out.extend([u8::from(s.is_async), s.orelse.len() as u8]),
        AnyNodeRef::StmtWhile(s) => out.push(s.orelse.len() as u8),
        AnyNodeRef::StmtTry(s) => out.extend([
            s.orelse.len() as u8,
            s.finalbody.len() as u8,
            u8::from(s.is_star),
        ]),
        AnyNodeRef::StmtWith(s) => out.push(u8::from(s.is_async)),
        AnyNodeRef::StmtFunctionDef(s) => out.push(u8::from(s.is_async)),
        _ => {}
    }
}

impl Detector for DuplicateAlgorithm {
    with_options!(methods, interests[StmtFunctionDef]);

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let AnyNodeRef::StmtFunctionDef(function) = node else {
            return;
        };
        let skip = usize::from(docstring(&function.body).is_some());
        let mut body = BodyShape::default();
        body.visit_body(&function.body[skip..]);
        if body.statements > self.options.min_statements {
            cx.add_function_fact(
                function.name.as_str(),
                function_header(cx, function),
                body.hasher.finish(),
                body.statements,
            );
        }
    }
}

/// The run-level step: groups the function facts of all files by body hash and reports every member
/// of every group of two or more. `files` pairs each file's label with its facts; the findings come
/// back sorted by file, line and column.
pub fn cross_file(rule: Rule, files: &[(&str, &FileFacts)]) -> Vec<Finding> {
    // Grouped by sorting one flat list of (hash, file index, function index) rather than a map of
    // small vectors, one per function; the indexes make the order total, so an unstable sort
    // keeps a group in file and source order.
    let total = files.iter().map(|(_, facts)| facts.functions.len()).sum();
    let mut order: Vec<(u64, u32, u32)> = Vec::with_capacity(total);
    for (file_index, (_, facts)) in files.iter().enumerate() {
        for (index, function) in facts.functions.iter().enumerate() {
            order.push((function.body_hash, file_index as u32, index as u32));
        }
    }
    order.sort_unstable();
    let mut findings: Vec<(u32, u64, Finding)> = Vec::new();
    // One shared label per file with duplicates.
    let mut labels: FxHashMap<u32, Arc<str>> = FxHashMap::default();
    for group in order
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|group| group.len() > 1)
    {
        let members: Vec<(u32, &str, &FunctionFact)> = group
            .iter()
            .map(|&(_, file, index)| {
                let (label, facts) = files[file as usize];
                (file, label, &facts.functions[index as usize])
            })
            .collect();
        for (index, &(file_index, file, function)) in members.iter().enumerate() {
            // Name at most three of the others (a group can hold hundreds of functions).
            let others: Vec<String> = members
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != index)
                .take(3)
                .map(|(_, (_, other_file, other))| {
                    if *other_file == file {
                        format!("`{}` (line {})", other.name, other.line)
                    } else {
                        format!("`{}` ({}:{})", other.name, other_file, other.line)
                    }
                })
                .collect();
            let more = members.len() - 1 - others.len();
            let mut named = others.join(", ");
            if more > 0 {
                named.push_str(&format!(" and {more} more"));
            }
            findings.push((
                file_index,
                function.header_hash,
                Finding {
                    rule,
                    connascence_type: rule.info().connascence_type,
                    severity: Severity::Medium,
                    file: Arc::clone(labels.entry(file_index).or_insert_with(|| Arc::from(file))),
                    line: function.line,
                    column: function.column,
                    end_line: function.end_line,
                    end_column: function.end_column,
                    message: format!(
                        "function `{}` has the same algorithm ({} statements) as {named}",
                        function.name, function.statements
                    ),
                    recommendation: RECOMMENDATION.into(),
                    fingerprint: Fingerprint::default(),
                },
            ));
        }
    }
    // Output order ([`Finding::sort_key`]: file name, line, column, then message; the rule is
    // this one): the files ranked by name once, so the sort compares numbers.
    let mut named: Vec<u32> = labels.keys().copied().collect();
    named.sort_unstable_by_key(|&file| files[file as usize].0);
    let mut rank = vec![0u32; files.len()];
    for (position, &file) in named.iter().enumerate() {
        rank[file as usize] = position as u32;
    }
    findings.sort_by(|(a_file, _, a), (b_file, _, b)| {
        (rank[*a_file as usize], a.line, a.column, &a.message).cmp(&(
            rank[*b_file as usize],
            b.line,
            b.column,
            &b.message,
        ))
    });
    let mut occurrences: FxHashMap<(u32, u64), u32> = FxHashMap::default();
    findings
        .into_iter()
        .map(|(file, header_hash, mut finding)| {
            let occurrence = occurrences.entry((file, header_hash)).or_insert(0);
            finding.fingerprint =
                finding::fingerprint(rule, &finding.file, header_hash, *occurrence);
            *occurrence += 1;
            finding
        })
        .collect()
}
