//! `magic-literal` — connascence of meaning: unnamed numbers and strings whose meaning is implicit.
//!
//! What it flags, by default (`scope = "decisions"`): a literal that decides control flow, where a
//! bare value carries a meaning the reader must guess, as ruff's `PLR2004` and pylint's
//! `magic-value-comparison` do:
//! - a number literal (a leading minus sign included, so `-5` is one literal) whose value is not in
//!   the allowlist (`-1, 0, 1, 2` by value, so `2.0` is allowed too), when it is an operand of a
//!   comparison (`==`, `!=`, `<`, `>`, `<=`, `>=`, `in`, `not in`, `is`, `is not`), a value or
//!   mapping key of a `match` `case` pattern, or anywhere inside the test of an `if`, `elif` or `while`
//!   (`if len(queue) + 5:`);
//! - a string literal longer than 3 characters that is itself an operand of a comparison (a string
//!   inside a tuple that is the operand does not count) or the value of a `case` pattern.
//!
//! With `scope = "anywhere"` it also flags every other number outside the allowlist (`range(10)`,
//! `x * 3`, `sleep(30)`), at low severity: the behaviour before the default became quiet, when such
//! numbers were most of all findings and users switched the rule off.
//!
//! Exempt: docstrings; the value of an assignment to an UPPER_CASE name at module or class level (that
//! is how a literal gets its name); default parameter values; assignments to dunders such as `__all__`
//! and `__version__`, wherever they are; and the idiom `__name__ == "__main__"`, whose string is
//! defined by the language, not by the program (a common string finding on the CPython
//! standard library before this exemption).
//!
//! Why it matters: two places that must agree on `3600` or `"admin"` are coupled by a meaning nobody
//! wrote down. Change one and the other silently disagrees; a reader must guess what the value means.
//!
//! Severity: medium when the literal is an operand of a comparison, a case pattern value or inside an
//! `if`/`elif`/`while` test; low for the other numbers that `scope = "anywhere"` adds. Options:
//! `scope` (`"decisions"` or `"anywhere"`), `allowed_numbers` (default `[-1, 0, 1, 2]`),
//! `min_string_length` (strings longer than this are checked; default 3).
//!
//! Example:
//! ```python
//! if elapsed > 3600:          # flagged (medium): name it, e.g. SECONDS_PER_HOUR = 3600
//!     ...
//! if role == "admin":         # flagged (medium): compare with a constant or an Enum member
//!     ...
//! TIMEOUT = 30                # not flagged: the assignment names it
//! time.sleep(30)              # flagged only with scope = "anywhere" (low)
//! ```
use ruff_python_ast::{AnyNodeRef, CmpOp, Expr, ExprCompare, NodeKind};
use ruff_text_size::{Ranged, TextRange, TextSize};
use serde::{Deserialize, Serialize};

use super::common::{
    AllowedNumbers, DEFAULT_ALLOWED_NUMBERS, NumberValue, is_dunder, is_upper_case, literal_value,
    negated_literal, push_shortened, shorten,
};
use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, KindSet};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "give the number a name that says what it means: a module-level constant (`NAME = value`) or \
             an Enum member";

/// What else to do of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION_2: &str = "compare against a named constant or an Enum member, so every place that must agree on \
             this value refers to one definition";

pub const RULE: RuleInfo = rule_info!(MagicLiteral, "magic_literal.rs", {
    id: "magic-literal",
    connascence_type: Some(ConnascenceType::Meaning),
    summary: "numbers outside -1, 0, 1, 2 and strings longer than 3 characters that decide control flow: in comparisons, case patterns and if/while tests",
    default_threshold: "numbers ∉ {-1, 0, 1, 2}; strings > 3 chars",
    default_severity: "medium; low for the numbers scope = \"anywhere\" adds",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION, RECOMMENDATION_2],
});

/// Where `magic-literal` looks for numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Numbers that decide control flow: comparison operands, case pattern values, `if`/`elif`/
    /// `while` tests.
    #[default]
    Decisions,
    /// Every number outside the allowlist (the others at low severity).
    Anywhere,
}

/// Thresholds of `magic-literal`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Which numbers are judged: those that decide control flow, or every one.
    pub scope: Scope,
    /// Numbers that are never magic, compared by value.
    pub allowed_numbers: Vec<f64>,
    /// Strings longer than this many characters are checked.
    pub min_string_length: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            scope: Scope::Decisions,
            allowed_numbers: DEFAULT_ALLOWED_NUMBERS.to_vec(),
            min_string_length: 3,
        }
    }
}

pub struct MagicLiteral {
    rule: Rule,
    options: Options,
    allowed: AllowedNumbers,
    function_depth: u32,
    /// Nodes whose subtree is exempt, as (kind, range) to pop on leave.
    exempt: Vec<(NodeKind, TextRange)>,
    /// Test expressions of the `if`/`elif`/`while` statements being visited.
    tests: Vec<TextRange>,
    /// Starts of number literals already reported (or judged) through their parent.
    handled: Vec<TextSize>,
}

/// Where a literal judged through its parent stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Comparison,
    CasePattern,
    /// Anywhere else (a condition is found by position).
    Other,
}

/// `__name__ == "__main__"` (either way round).
fn is_main_guard(compare: &ExprCompare) -> bool {
    let [right] = &*compare.comparators else {
        return false;
    };
    let is_name = |e: &Expr| matches!(e, Expr::Name(name) if name.id.as_str() == "__name__");
    let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
    compare.ops.len() == 1
        && matches!(compare.ops[0], CmpOp::Eq | CmpOp::NotEq)
        && ((is_name(&compare.left) && is_main(right))
            || (is_main(&compare.left) && is_name(right)))
}

fn names_all(target: &Expr, predicate: fn(&str) -> bool) -> bool {
    match target {
        Expr::Name(name) => predicate(name.id.as_str()),
        Expr::Tuple(tuple) => {
            !tuple.elts.is_empty() && tuple.elts.iter().all(|e| names_all(e, predicate))
        }
        Expr::List(list) => {
            !list.elts.is_empty() && list.elts.iter().all(|e| names_all(e, predicate))
        }
        _ => false,
    }
}

impl MagicLiteral {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self {
            rule,
            allowed: AllowedNumbers::new(&options.allowed_numbers),
            options,
            function_depth: 0,
            exempt: Vec::new(),
            tests: Vec::new(),
            handled: Vec::new(),
        }
    }

    fn is_exempting(&self, node: AnyNodeRef<'_>) -> bool {
        match node {
            AnyNodeRef::StmtAssign(assign) => {
                assign.targets.iter().any(|t| names_all(t, is_dunder))
                    || (self.function_depth == 0
                        && assign.targets.iter().all(|t| names_all(t, is_upper_case)))
            }
            AnyNodeRef::StmtAnnAssign(assign) => {
                assign.value.is_some()
                    && (names_all(&assign.target, is_dunder)
                        || (self.function_depth == 0 && names_all(&assign.target, is_upper_case)))
            }
            AnyNodeRef::ParameterWithDefault(parameter) => parameter.default.is_some(),
            _ => false,
        }
    }

    fn severity(&self, at: TextSize, place: Place) -> (Severity, &'static str) {
        if place == Place::Comparison {
            (Severity::Medium, " in a comparison")
        } else if place == Place::CasePattern {
            (Severity::Medium, " in a case pattern")
        } else if self.in_condition(at) {
            (Severity::Medium, " in a condition")
        } else {
            (Severity::Low, "")
        }
    }

    /// Whether `at` is inside the test of an `if`, `elif` or `while` being visited.
    fn in_condition(&self, at: TextSize) -> bool {
        self.tests.iter().any(|test| test.contains(at))
    }

    /// Judges a number (`literal` is the number literal node, inside `range` when negated).
    fn number(
        &mut self,
        range: TextRange,
        value: &NumberValue,
        place: Place,
        cx: &mut FileContext<'_>,
    ) {
        if self.allowed.contains(value) {
            return;
        }
        let (severity, place) = self.severity(range.start(), place);
        if severity == Severity::Low && self.options.scope == Scope::Decisions {
            return;
        }
        let mut message = String::with_capacity(64);
        message.push_str("magic number ");
        push_shortened(&mut message, cx.slice(range), 40);
        message.push_str(place);
        cx.report(self.rule, severity, range, range, message, RECOMMENDATION);
    }

    /// Judges a string that is a comparison operand or a case pattern value.
    fn string(&mut self, range: TextRange, chars: usize, place: Place, cx: &mut FileContext<'_>) {
        if chars <= self.options.min_string_length {
            return;
        }
        let text = shorten(cx.slice(range), 40);
        let (severity, place) = self.severity(range.start(), place);
        cx.report(
            self.rule,
            severity,
            range,
            range,
            format!("magic string {text}{place}"),
            RECOMMENDATION_2,
        );
    }

    /// A direct operand of a comparison or a case pattern value: judged here, with its context.
    fn operand(&mut self, expr: &Expr, place: Place, cx: &mut FileContext<'_>) {
        match expr {
            Expr::NumberLiteral(literal) => {
                self.handled.push(literal.start());
                self.number(literal.range(), &literal_value(literal), place, cx);
            }
            Expr::UnaryOp(unary) => {
                if let Some((value, literal)) = negated_literal(unary) {
                    self.handled.push(literal.start());
                    self.number(unary.range(), &value, place, cx);
                }
            }
            Expr::StringLiteral(string) => {
                let chars = string.value.to_str().chars().count();
                self.string(string.range(), chars, place, cx);
            }
            _ => {}
        }
    }
}

impl Detector for MagicLiteral {
    with_options!(methods, interests [StmtFunctionDef, StmtAssign, StmtAnnAssign, ParameterWithDefault, StmtIf, ElifElseClause, StmtWhile, ExprCompare, PatternMatchValue, PatternMatchMapping, ExprUnaryOp, ExprNumberLiteral]);

    /// Only the nodes that open an exempt subtree, a function or a condition.
    fn leave_interests(&self) -> KindSet {
        KindSet::of(&[
            NodeKind::StmtFunctionDef,
            NodeKind::StmtAssign,
            NodeKind::StmtAnnAssign,
            NodeKind::ParameterWithDefault,
            NodeKind::StmtIf,
            NodeKind::ElifElseClause,
            NodeKind::StmtWhile,
        ])
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        if self.is_exempting(node) {
            self.exempt.push((node.kind(), node.range()));
        }
        match node {
            AnyNodeRef::StmtFunctionDef(_) => self.function_depth += 1,
            AnyNodeRef::StmtIf(stmt) => self.tests.push(stmt.test.range()),
            AnyNodeRef::StmtWhile(stmt) => self.tests.push(stmt.test.range()),
            AnyNodeRef::ElifElseClause(clause) => {
                self.tests.push(
                    clause
                        .test
                        .as_ref()
                        .map_or_else(TextRange::default, Ranged::range),
                );
            }
            _ => {}
        }
        if !self.exempt.is_empty() {
            return;
        }
        match node {
            AnyNodeRef::ExprCompare(compare) if is_main_guard(compare) => {}
            AnyNodeRef::ExprCompare(compare) => {
                for operand in
                    std::iter::once(compare.left.as_ref()).chain(compare.comparators.iter())
                {
                    self.operand(operand, Place::Comparison, cx);
                }
            }
            AnyNodeRef::PatternMatchValue(pattern) => {
                self.operand(&pattern.value, Place::CasePattern, cx);
            }
            AnyNodeRef::PatternMatchMapping(pattern) => {
                for key in &pattern.keys {
                    self.operand(key, Place::CasePattern, cx);
                }
            }
            AnyNodeRef::ExprUnaryOp(unary) => {
                if let Some((value, literal)) = negated_literal(unary)
                    && !self.handled.contains(&literal.start())
                {
                    self.handled.push(literal.start());
                    self.number(unary.range(), &value, Place::Other, cx);
                }
            }
            AnyNodeRef::ExprNumberLiteral(literal) => {
                if let Some(index) = self
                    .handled
                    .iter()
                    .position(|&start| start == literal.start())
                {
                    self.handled.swap_remove(index);
                } else if self.options.scope == Scope::Decisions
                    && !self.in_condition(literal.start())
                {
                    // Low severity, which this scope does not report: the value is not needed.
                } else {
                    self.number(literal.range(), &literal_value(literal), Place::Other, cx);
                }
            }
            _ => {}
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, _cx: &mut FileContext<'_>) {
        if self.exempt.last() == Some(&(node.kind(), node.range())) {
            self.exempt.pop();
        }
        match node {
            AnyNodeRef::StmtFunctionDef(_) => self.function_depth -= 1,
            AnyNodeRef::StmtIf(_) | AnyNodeRef::StmtWhile(_) | AnyNodeRef::ElifElseClause(_) => {
                self.tests.pop();
            }
            _ => {}
        }
    }
}
