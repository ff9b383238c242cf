//! `duplicate-algorithm` — connascence of algorithm: the same function body written more than once.
//!
//! What it flags: two or more functions with more than 3 statements whose bodies are the same
//! sequence of tokens once names and literal values are erased, across all files of one run. The
//! body runs from the first statement after a leading docstring to the end of the function. Each
//! token counts by its kind only: every name is one kind, every number one, every string or bytes
//! literal one (f-strings by their parts), and `True`/`False` one; keywords, operators (`+`, `<`,
//! `and`, …), brackets, commas and the line and indentation tokens count as they are. Comments, blank lines, line breaks inside brackets and a trailing comma before
//! a closing bracket are left out, so re-formatting within those limits keeps two bodies equal;
//! adding or removing brackets (`return (a, b)` against `return a, b`) or `async` does not.
//! Statements are counted at any depth (a nested function's included), the docstring excluded. Each
//! function of a group is reported once, at its `def` line, naming the other locations.
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

use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_ast::{AnyNodeRef, ModModule, NodeKind, Stmt};
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::common::{docstring, function_header};
use super::{Rule, RuleInfo};
use crate::finding::{self, ConnascenceType, Finding, Fingerprint, Severity};
use crate::visit::{BodyHash, Detector, FileContext, FileFacts, FunctionFact, KindSet};

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

/// The body's shape: the kinds of its tokens in order, comments and non-logical line breaks left
/// out. A name is the token kind `Name` and a literal its kind (`Int`, `String`, …), whatever it
/// says; keywords, operators, brackets and the indentation tokens stay. `tokens` are the file's,
/// in source order, and `body` the range from the first statement after the docstring to the end
/// of the function.
pub fn body_hash(tokens: &[Token], body: TextRange) -> u64 {
    // Tokens do not overlap: their ends are in order too.
    let first = tokens.partition_point(|token| token.start() < body.start());
    let count = tokens[first..].partition_point(|token| token.end() <= body.end());
    // FxHash's step, one code at a time (the loop is most of this rule's cost).
    let mut hash = 0u64;
    let mut mix = |code: u8| {
        hash = (hash.rotate_left(5) ^ u64::from(code)).wrapping_mul(0xf135_7aea_2e62_a9c5);
    };
    // A comma is written when the next token shows it is not a trailing one.
    let mut comma = false;
    for token in &tokens[first..first + count] {
        let code = CODES[token.kind() as usize];
        if code > CLOSING {
            if comma {
                mix(COMMA);
                comma = false;
            }
            mix(code);
        } else if code == COMMA {
            if comma {
                mix(COMMA);
            }
            comma = true;
        } else if code == CLOSING {
            comma = false;
            mix(CLOSING);
        }
    }
    if comma {
        mix(COMMA);
    }
    mix(0);
    hash
}

/// [`CODES`] of the tokens that are left out.
const SKIP: u8 = 0;
/// [`CODES`] of a comma.
const COMMA: u8 = 1;
/// [`CODES`] of the three closing brackets, one kind for a body's shape: which bracket closes is
/// fixed by the one that opened.
const CLOSING: u8 = 2;

/// What [`body_hash`] writes for each token kind (by `TokenKind as u8`): its kind plus 3, the same
/// for `True` and `False` and for every kind of number, or one of the codes above.
const CODES: [u8; 256] = {
    let mut codes = [0u8; 256];
    let mut kind = 0;
    while kind < 253 {
        codes[kind] = kind as u8 + 3;
        kind += 1;
    }
    codes[TokenKind::Comment as usize] = SKIP;
    codes[TokenKind::NonLogicalNewline as usize] = SKIP;
    codes[TokenKind::Comma as usize] = COMMA;
    codes[TokenKind::Rpar as usize] = CLOSING;
    codes[TokenKind::Rsqb as usize] = CLOSING;
    codes[TokenKind::Rbrace as usize] = CLOSING;
    codes[TokenKind::False as usize] = TokenKind::True as u8 + 3;
    codes[TokenKind::Float as usize] = TokenKind::Int as u8 + 3;
    codes[TokenKind::Complex as usize] = TokenKind::Int as u8 + 3;
    // `Unknown` is the last kind: every kind has its own code.
    assert!((TokenKind::Unknown as usize) < 253);
    codes
};

/// The body of every function with more than `min_statements` statements, by the offset where the
/// function starts, in source order: computed right after parsing, while the tokens are still there,
/// so that they can be freed before the traversal. Functions are found, and their statements counted
/// at any depth, by walking statements only (a `def` is always a statement, and every statement that
/// holds others is one of the compound statements below); only the bodies that can be reported are
/// hashed.
pub fn body_hashes(module: &ModModule, tokens: &[Token], min_statements: u32) -> Vec<BodyHash> {
    let mut hashes = Vec::new();
    collect_body_hashes(&module.body, tokens, min_statements, &mut hashes);
    // A nested function is found before the one around it is complete.
    hashes.sort_unstable_by_key(|body: &BodyHash| body.start);
    hashes
}

/// Collects the functions in `body` (see [`body_hashes`]) and returns the number of statements in it
/// at any depth.
fn collect_body_hashes(body: &[Stmt], tokens: &[Token], min: u32, out: &mut Vec<BodyHash>) -> u32 {
    let mut statements = body.len() as u32;
    for statement in body {
        statements += match statement {
            Stmt::FunctionDef(function) => {
                let inner = collect_body_hashes(&function.body, tokens, min, out);
                let skip = usize::from(docstring(&function.body).is_some());
                if let Some(first) = function.body.get(skip)
                    && inner - skip as u32 > min
                {
                    let range = TextRange::new(first.start(), function.end());
                    out.push(BodyHash {
                        start: function.start(),
                        statements: inner - skip as u32,
                        hash: body_hash(tokens, range),
                    });
                }
                inner
            }
            Stmt::ClassDef(class) => collect_body_hashes(&class.body, tokens, min, out),
            Stmt::If(s) => {
                let mut inner = collect_body_hashes(&s.body, tokens, min, out);
                for clause in &s.elif_else_clauses {
                    inner += collect_body_hashes(&clause.body, tokens, min, out);
                }
                inner
            }
            Stmt::For(s) => {
                collect_body_hashes(&s.body, tokens, min, out)
                    + collect_body_hashes(&s.orelse, tokens, min, out)
            }
            Stmt::While(s) => {
                collect_body_hashes(&s.body, tokens, min, out)
                    + collect_body_hashes(&s.orelse, tokens, min, out)
            }
            Stmt::With(s) => collect_body_hashes(&s.body, tokens, min, out),
            Stmt::Try(s) => {
                let mut inner = collect_body_hashes(&s.body, tokens, min, out);
                for handler in &s.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    inner += collect_body_hashes(&handler.body, tokens, min, out);
                }
                inner
                    + collect_body_hashes(&s.orelse, tokens, min, out)
                    + collect_body_hashes(&s.finalbody, tokens, min, out)
            }
            Stmt::Match(s) => s
                .cases
                .iter()
                .map(|case| collect_body_hashes(&case.body, tokens, min, out))
                .sum(),
            _ => 0,
        };
    }
    statements
}

impl Detector for DuplicateAlgorithm {
    fn rule(&self) -> Rule {
        self.rule
    }

    fn fresh(&self) -> Box<dyn Detector + Send> {
        Box::new(Self::new(self.rule, self.options.clone()))
    }

    fn interests(&self) -> KindSet {
        KindSet::of(&[])
    }

    fn leave_interests(&self) -> KindSet {
        KindSet::of(&[NodeKind::StmtFunctionDef])
    }

    fn enter(&mut self, _node: AnyNodeRef<'_>, _cx: &mut FileContext<'_>) {}

    /// The body was counted and hashed after parsing (see [`body_hashes`]); a function without an
    /// entry has too few statements, or only a docstring.
    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let AnyNodeRef::StmtFunctionDef(function) = node else {
            return;
        };
        let Some(body) = cx.body_hash(function.start()) else {
            return;
        };
        cx.add_function_fact(
            function.name.as_str(),
            function_header(cx, function),
            body.hash,
            body.statements,
        );
    }
}

/// The run-level step: groups the function facts of all files by body hash and reports every member
/// of every group of two or more. `files` pairs each file's label with its facts; the findings come
/// back sorted by file, line and column.
pub fn cross_file(rule: Rule, files: &[(&str, &FileFacts)]) -> Vec<Finding> {
    // Grouped by sorting one flat list of (hash, file index, function index) rather than a map of
    // small vectors, one per function; the indexes make the order total, so an unstable sort
    // keeps a group in file and source order.
    // Only hashes seen more than once are sorted: most bodies are unique.
    let total = files.iter().map(|(_, facts)| facts.functions.len()).sum();
    let mut seen: FxHashMap<u64, u32> =
        FxHashMap::with_capacity_and_hasher(total, Default::default());
    for (_, facts) in files {
        for function in &facts.functions {
            *seen.entry(function.body_hash).or_default() += 1;
        }
    }
    let mut order: Vec<(u64, u32, u32)> = Vec::new();
    for (file_index, (_, facts)) in files.iter().enumerate() {
        for (index, function) in facts.functions.iter().enumerate() {
            if seen[&function.body_hash] > 1 {
                order.push((function.body_hash, file_index as u32, index as u32));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The body hash of the first function in `source`, as the engine computes it.
    fn hash_of(source: &str) -> u64 {
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        body_hashes(parsed.syntax(), parsed.tokens(), 0)[0].hash
    }

    /// The body hash of a function that calls `g` with `args` first.
    fn call(args: &str) -> u64 {
        hash_of(&format!(
            "def f(a):\n    g({args})\n    g(a)\n    g(a)\n    return a\n"
        ))
    }

    const BASE: &str = "def f(items):\n    total = 0\n    for item in items:\n        total += item.price * 2\n    return total\n";

    #[test]
    fn names_values_docstrings_comments_and_layout_are_erased() {
        for same in [
            // Other names and numbers.
            "def g(rows):\n    acc = 1\n    for row in rows:\n        acc += row.weight * 3\n    return acc\n",
            // A docstring, comments and blank lines.
            "def f(items):\n    \"\"\"Sum.\"\"\"\n    total = 0  # start\n\n    # every item\n    for item in items:\n        total += item.price * 2\n    return total\n",
            // A float is a number too.
            "def f(items):\n    total = 0.5\n    for item in items:\n        total += item.price * 2j\n    return total\n",
        ] {
            assert_eq!(hash_of(BASE), hash_of(same), "{same}");
        }
        assert_eq!(call("a, b"), call("a, b,"));
        assert_eq!(call("a,\n      b,\n"), call("a, b"));
        assert_eq!(call("True"), call("False"));
        assert_eq!(call("'s'"), call("b's'"));
    }

    #[test]
    fn operators_keywords_and_brackets_count() {
        for other in [
            "def f(items):\n    total = 0\n    for item in items:\n        total -= item.price * 2\n    return total\n",
            "def f(items):\n    total = 0\n    for item in items:\n        total += item.price / 2\n    return total\n",
            "def f(items):\n    total = 0\n    for item in items:\n        total += (item.price * 2)\n    return total\n",
            "def f(items):\n    total = 0\n    while item in items:\n        total += item.price * 2\n    return total\n",
            "def f(items):\n    total = 0\n    for item in items:\n        total += item.price * 2\n    return None\n",
            "def f(items):\n    total = 0\n    for item in items:\n        total += item[price] * 2\n    return total\n",
        ] {
            assert_ne!(hash_of(BASE), hash_of(other), "{other}");
        }
        assert_ne!(call("a, b"), call("a.b"));
        // A leading name counts (an earlier hash added 0 for the name kind, so `(a)` and `g(a)`
        // as first statements were "the same algorithm").
        let starting = |first: &str| {
            hash_of(&format!(
                "def f(a):\n    {first}\n    b = 1\n    c = 2\n    return b\n"
            ))
        };
        assert_ne!(starting("(a)"), starting("g(a)"));
        assert_ne!(starting("-x"), starting("y - x"));
        assert_ne!(call("1"), call("'1'"));
        assert_ne!(call("None"), call("True"));
    }
}

#[cfg(test)]
mod collect_tests {
    use super::*;

    #[test]
    fn every_function_is_found_wherever_it_is_nested_in_source_order() {
        let source = "\
def a():\n    def b():\n        pass\n\
class C:\n    def c(self):\n        pass\n\
if x:\n    def d():\n        pass\nelse:\n    def e():\n        pass\n\
try:\n    def f():\n        pass\nexcept E:\n    def g():\n        pass\nfinally:\n    def h():\n        pass\n\
for i in y:\n    def i():\n        pass\n\
while z:\n    def j():\n        pass\n\
with w:\n    def k():\n        pass\n\
match m:\n    case 1:\n        def l():\n            pass\n";
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        let hashes = body_hashes(parsed.syntax(), parsed.tokens(), 0);
        let names: Vec<&str> = hashes
            .iter()
            .map(|body| {
                let at = body.start.to_usize();
                let name = source[at..].trim_start_matches("def ");
                &name[..1]
            })
            .collect();
        assert_eq!(
            names,
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]
        );
        assert!(hashes.windows(2).all(|pair| pair[0].start < pair[1].start));
    }
}
