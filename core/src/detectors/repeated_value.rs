//! `repeated-value` — connascence of value: the same literal written again and again in one file.
//!
//! What it flags: a literal value that appears 3 or more times in one file: strings longer than 1
//! character (compared by value, so `'a-b'` and `"a-b"` are one value) and numbers outside the allowlist
//! (`-1, 0, 1, 2`, compared by value, a leading minus included). Docstrings are not counted. Reported
//! once per value, at its first occurrence, naming the count and the other lines.
//!
//! Why it matters: each copy must stay equal to the others; the day one changes, the copies that were
//! missed disagree silently. One named definition turns connascence of value into connascence of name.
//!
//! Default threshold: 3 occurrences. Severity: low; medium at 5 or more. Options: `min_occurrences`,
//! `medium_at`, `allowed_numbers`, `min_string_length` (strings longer than this count; default 1).
//!
//! Example:
//! ```python
//! open(path, encoding="utf-8")      # flagged at the first of three: define ENCODING = "utf-8"
//! data.decode("utf-8")
//! text.encode("utf-8")
//! ```

use ruff_python_ast::{AnyNodeRef, ModModule};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::common::{
    AllowedNumbers, DEFAULT_ALLOWED_NUMBERS, NumberValue, docstring, list_lines, literal_value,
    negated_literal, shorten,
};
use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str =
    "define the value once as a named constant (`NAME = value`) and use the name everywhere";

pub const RULE: RuleInfo = rule_info!(RepeatedValue, "repeated_value.rs", {
    id: "repeated-value",
    connascence_type: Some(ConnascenceType::Values),
    summary: "the same literal (string > 1 char, number outside -1, 0, 1, 2) 3 or more times in one file",
    default_threshold: "≥ 3 occurrences",
    default_severity: "low; medium at ≥ 5",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `repeated-value`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Flag values appearing at least this many times.
    pub min_occurrences: usize,
    /// From this many occurrences the severity is medium.
    pub medium_at: usize,
    /// Numbers that are never counted, compared by value.
    pub allowed_numbers: Vec<f64>,
    /// Strings longer than this many characters are counted.
    pub min_string_length: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            min_occurrences: 3,
            medium_at: 5,
            allowed_numbers: DEFAULT_ALLOWED_NUMBERS.to_vec(),
            min_string_length: 1,
        }
    }
}

/// A literal's value as a 64-bit hash: a string by the xxh3 hash of its text, a number by the hash
/// of its canonical bytes with a seed for its kind, so that `2` and `2.0` stay apart (no copy of
/// every string; a collision between two different values of one file is astronomically unlikely).
fn text_key(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

fn number_key(value: &NumberValue) -> u64 {
    use xxhash_rust::xxh3::xxh3_64_with_seed;
    match value {
        NumberValue::Int(int) => xxh3_64_with_seed(&int.to_le_bytes(), 1),
        NumberValue::BigInt(text) => xxh3_64_with_seed(text.as_bytes(), 2),
        NumberValue::Float(bits) => xxh3_64_with_seed(&bits.to_le_bytes(), 3),
        NumberValue::Complex(real, imaginary) => {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&real.to_le_bytes());
            bytes[8..].copy_from_slice(&imaginary.to_le_bytes());
            xxh3_64_with_seed(&bytes, 4)
        }
    }
}

/// Where one value occurs: its first range and where the later occurrences start.
struct Occurrences {
    first: TextRange,
    later: Vec<TextSize>,
}

pub struct RepeatedValue {
    rule: Rule,
    options: Options,
    allowed: AllowedNumbers,
    /// Each value with its first occurrence and the later ones, in source order (a value seen once,
    /// the common case, allocates nothing).
    seen: FxHashMap<u64, Occurrences>,
    /// Where the docstrings of the scopes entered but not yet read start, innermost last. A scope's
    /// docstring is the first statement of its body: the traversal reaches it after the scope's
    /// decorators, defaults and bases (none of which can hold a scope) and before any nested scope,
    /// so only the last one can be the string being visited.
    docstrings: Vec<TextSize>,
    /// Number literals already counted as part of `-<literal>`.
    negated: Vec<TextSize>,
}

impl RepeatedValue {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self {
            rule,
            allowed: AllowedNumbers::new(&options.allowed_numbers),
            options,
            seen: FxHashMap::default(),
            docstrings: Vec::new(),
            negated: Vec::new(),
        }
    }

    fn record(&mut self, key: u64, range: TextRange) {
        self.seen
            .entry(key)
            .and_modify(|seen| seen.later.push(range.start()))
            .or_insert(Occurrences {
                first: range,
                later: Vec::new(),
            });
    }
}

impl Detector for RepeatedValue {
    with_options!(methods, interests [StmtFunctionDef, StmtClassDef, ExprStringLiteral, ExprUnaryOp, ExprNumberLiteral]);

    fn begin(&mut self, module: &ModModule, _cx: &mut FileContext<'_>) {
        self.docstrings
            .extend(docstring(&module.body).map(Ranged::start));
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, _cx: &mut FileContext<'_>) {
        match node {
            AnyNodeRef::StmtFunctionDef(function) => {
                self.docstrings
                    .extend(docstring(&function.body).map(Ranged::start));
            }
            AnyNodeRef::StmtClassDef(class) => self
                .docstrings
                .extend(docstring(&class.body).map(Ranged::start)),
            AnyNodeRef::ExprStringLiteral(string) => {
                if self.docstrings.last() == Some(&string.start()) {
                    self.docstrings.pop();
                    return;
                }
                let value = string.value.to_str();
                let min = self.options.min_string_length;
                // Bytes bound characters (1 to 4 bytes each): count only when they cannot decide.
                let long_enough =
                    value.len() > min && (value.len() > 4 * min || value.chars().count() > min);
                if long_enough {
                    self.record(text_key(value), string.range());
                }
            }
            AnyNodeRef::ExprUnaryOp(unary) => {
                if let Some((value, literal)) = negated_literal(unary) {
                    self.negated.push(literal.start());
                    if !self.allowed.contains(&value) {
                        self.record(number_key(&value), unary.range());
                    }
                }
            }
            AnyNodeRef::ExprNumberLiteral(literal) => {
                if let Some(index) = self
                    .negated
                    .iter()
                    .position(|&start| start == literal.start())
                {
                    self.negated.swap_remove(index);
                    return;
                }
                let value = literal_value(literal);
                if !self.allowed.contains(&value) {
                    self.record(number_key(&value), literal.range());
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut FileContext<'_>) {
        let mut repeated: Vec<Occurrences> = std::mem::take(&mut self.seen)
            .into_values()
            .filter(|seen| 1 + seen.later.len() >= self.options.min_occurrences)
            .collect();
        repeated.sort_by_key(|seen| seen.first.start());
        for seen in repeated {
            let first = seen.first;
            let count = 1 + seen.later.len();
            let mut others: Vec<u32> = seen.later.iter().map(|&start| cx.line_of(start)).collect();
            others.dedup();
            let severity = if count >= self.options.medium_at {
                Severity::Medium
            } else {
                Severity::Low
            };
            let text = shorten(cx.slice(first), 40);
            cx.report(
                self.rule,
                severity,
                first,
                first,
                format!(
                    "value {text} appears {count} times in this file (again on line{} {})",
                    if others.len() == 1 { "" } else { "s" },
                    list_lines(&others, 5)
                ),
                RECOMMENDATION,
            );
        }
    }
}
