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

/// A literal's value: strings by a 64-bit hash of their text (no copy of every string; a collision
/// between two different strings of one file is astronomically unlikely), numbers by value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Value {
    Text(u64),
    Number(NumberValue),
}

pub struct RepeatedValue {
    rule: Rule,
    options: Options,
    allowed: AllowedNumbers,
    /// Each value with its first occurrence and the later ones, in source order (a value seen once,
    /// the common case, allocates nothing).
    seen: FxHashMap<Value, (TextRange, Vec<TextRange>)>,
    /// Where docstrings start (a set: a file can hold thousands of them and of strings).
    docstrings: rustc_hash::FxHashSet<TextSize>,
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
            docstrings: rustc_hash::FxHashSet::default(),
            negated: Vec::new(),
        }
    }

    fn record(&mut self, value: Value, range: TextRange) {
        self.seen
            .entry(value)
            .and_modify(|(_, later)| later.push(range))
            .or_insert((range, Vec::new()));
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
                if self.docstrings.contains(&string.start()) {
                    return;
                }
                let value = string.value.to_str();
                let min = self.options.min_string_length;
                // Bytes bound characters (1 to 4 bytes each): count only when they cannot decide.
                let long_enough =
                    value.len() > min && (value.len() > 4 * min || value.chars().count() > min);
                if long_enough {
                    self.record(
                        Value::Text(xxhash_rust::xxh3::xxh3_64(value.as_bytes())),
                        string.range(),
                    );
                }
            }
            AnyNodeRef::ExprUnaryOp(unary) => {
                if let Some((value, literal)) = negated_literal(unary) {
                    self.negated.push(literal.start());
                    if !self.allowed.contains(&value) {
                        self.record(Value::Number(value), unary.range());
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
                    self.record(Value::Number(value), literal.range());
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut FileContext<'_>) {
        let mut repeated: Vec<Vec<TextRange>> = std::mem::take(&mut self.seen)
            .into_values()
            .filter(|(_, later)| 1 + later.len() >= self.options.min_occurrences)
            .map(|(first, later)| std::iter::once(first).chain(later).collect())
            .collect();
        repeated.sort_by_key(|ranges| ranges[0].start());
        for ranges in repeated {
            let first = ranges[0];
            let count = ranges.len();
            let mut others: Vec<u32> = ranges[1..]
                .iter()
                .map(|range| cx.line_of(range.start()))
                .collect();
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
