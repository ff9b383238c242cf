//! Helpers shared by several detectors: definition headers and spans, docstrings, literal values and
//! naming. Not a rule; nothing here reports.

use ruff_python_ast::{
    AnyNodeRef, Expr, ExprNumberLiteral, ExprUnaryOp, Number, Stmt, StmtFunctionDef, UnaryOp,
};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::visit::{FileContext, definition_start};

/// The range findings on a function point at: from `def` (or `async`) to the end of its parameters.
pub fn function_header(cx: &FileContext<'_>, function: &StmtFunctionDef) -> TextRange {
    TextRange::new(
        definition_start(cx.text, &function.name, function.is_async),
        function.parameters.end(),
    )
}

/// Lines a function spans, from its `def` line (decorators excluded) to the last line of its body.
pub fn function_lines(cx: &FileContext<'_>, function: &StmtFunctionDef) -> u32 {
    let start = definition_start(cx.text, &function.name, function.is_async);
    cx.line_of(function.end()) - cx.line_of(start) + 1
}

/// The range of a body's statements (empty at `fallback` for an empty body, which parses only with
/// errors).
fn body_range(body: &[Stmt], fallback: TextSize) -> TextRange {
    match (body.first(), body.last()) {
        (Some(first), Some(last)) => TextRange::new(first.start(), last.end()),
        _ => TextRange::empty(fallback),
    }
}

/// The function and class scopes a detector is inside, for rules measured per function.
///
/// Code belongs to the innermost scope whose *body* holds it: a function's decorators, default
/// values and annotations run once, in the enclosing scope, and a class body inside a function is
/// the class's code, not the function's. [`Scopes::owner`] gives the frame of the function that owns
/// a node, or `None` at module level and in a class body. The detector must see `StmtFunctionDef`
/// and `StmtClassDef` on enter and on leave.
pub struct Scopes<T> {
    /// Each scope's body and, for a function, the detector's frame.
    stack: Vec<(TextRange, Option<T>)>,
}

impl<T> Default for Scopes<T> {
    fn default() -> Self {
        Self { stack: Vec::new() }
    }
}

impl<T> Scopes<T> {
    /// Enters a function (with its frame) or a class; `false` for any other node.
    pub fn enter(
        &mut self,
        node: AnyNodeRef<'_>,
        frame: impl FnOnce(&StmtFunctionDef) -> T,
    ) -> bool {
        match node {
            AnyNodeRef::StmtFunctionDef(function) => {
                let body = body_range(&function.body, function.end());
                self.stack.push((body, Some(frame(function))));
                true
            }
            AnyNodeRef::StmtClassDef(class) => {
                self.stack
                    .push((body_range(&class.body, class.end()), None));
                true
            }
            _ => false,
        }
    }

    /// Leaves a function or class: `Some(frame)` for a function, `Some(None)` for a class, `None`
    /// for any other node.
    pub fn leave(&mut self, node: AnyNodeRef<'_>) -> Option<Option<T>> {
        match node {
            AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) => {
                self.stack.pop().map(|(_, frame)| frame)
            }
            _ => None,
        }
    }

    /// The frame of the function whose own code `node` is: the innermost scope whose body holds
    /// the node's start, if that scope is a function.
    pub fn owner(&mut self, node: AnyNodeRef<'_>) -> Option<&mut T> {
        let at = node.start();
        self.stack
            .iter_mut()
            .rev()
            .find(|(body, _)| body.contains(at))
            .and_then(|(_, frame)| frame.as_mut())
    }
}

/// The frame of the function `node` leaves: the last of `frames`, taken off; `None` when `node` is
/// not a function (the detector keeps a frame per function it is inside).
pub fn leave_function<T>(frames: &mut Vec<T>, node: AnyNodeRef<'_>) -> Option<T> {
    if matches!(node, AnyNodeRef::StmtFunctionDef(_)) {
        frames.pop()
    } else {
        None
    }
}

/// The docstring statement of a body, if its first statement is a string literal expression.
pub fn docstring(body: &[Stmt]) -> Option<&Stmt> {
    match body.first() {
        Some(stmt @ Stmt::Expr(expr)) if expr.value.is_string_literal_expr() => Some(stmt),
        _ => None,
    }
}

/// Numbers that are never magic nor counted as repeated values, by default (the contract's -1, 0, 1, 2).
pub const DEFAULT_ALLOWED_NUMBERS: [f64; 4] = [-1.0, 0.0, 1.0, 2.0];

/// A numeric literal's value, compared by value: ints exactly, floats and complex by their bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NumberValue {
    Int(i128),
    /// An integer too large for `i128`, kept as its decimal text.
    BigInt(String),
    Float(u64),
    Complex(u64, u64),
}

/// A detector's allowlist of numbers (`allowed_numbers`), prepared once so that judging a literal
/// compares integers with integers (no float-to-`i128` conversion per literal and entry).
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedNumbers {
    /// The whole entries, as integers.
    ints: Vec<i128>,
    floats: Vec<f64>,
}

impl AllowedNumbers {
    pub fn new(allowlist: &[f64]) -> Self {
        Self {
            ints: allowlist
                .iter()
                .filter(|a| a.fract() == 0.0)
                .map(|&a| a as i128)
                .collect(),
            floats: allowlist.to_vec(),
        }
    }

    /// Whether the value equals one of the allowlisted numbers (ints and floats compared by value).
    pub fn contains(&self, value: &NumberValue) -> bool {
        match value {
            NumberValue::Int(value) => self.ints.contains(value),
            NumberValue::Float(bits) => self.floats.contains(&f64::from_bits(*bits)),
            NumberValue::BigInt(_) | NumberValue::Complex(..) => false,
        }
    }
}

fn negate(value: NumberValue) -> NumberValue {
    let flip = |bits: u64| normalize_zero(-f64::from_bits(bits)).to_bits();
    match value {
        NumberValue::Int(v) => NumberValue::Int(-v),
        NumberValue::BigInt(text) => NumberValue::BigInt(format!("-{text}")),
        NumberValue::Float(bits) => NumberValue::Float(flip(bits)),
        NumberValue::Complex(re, im) => NumberValue::Complex(flip(re), flip(im)),
    }
}

/// The value of a number literal, or of `-<number literal>`; `None` for any other expression.
pub fn number_value(expr: &Expr) -> Option<NumberValue> {
    match expr {
        Expr::NumberLiteral(literal) => Some(literal_value(literal)),
        Expr::UnaryOp(unary) => negated_literal(unary).map(|(value, _)| value),
        _ => None,
    }
}

/// For `-<number literal>`: its value and the literal inside.
pub fn negated_literal(unary: &ExprUnaryOp) -> Option<(NumberValue, &ExprNumberLiteral)> {
    match (unary.op, unary.operand.as_ref()) {
        (UnaryOp::USub, Expr::NumberLiteral(literal)) => {
            Some((negate(literal_value(literal)), literal))
        }
        _ => None,
    }
}

/// The value of a number literal.
pub fn literal_value(literal: &ExprNumberLiteral) -> NumberValue {
    match &literal.value {
        Number::Int(int) => match int.as_i64() {
            Some(value) => NumberValue::Int(i128::from(value)),
            None => match int.to_string().parse::<i128>() {
                Ok(value) => NumberValue::Int(value),
                Err(_) => NumberValue::BigInt(int.to_string()),
            },
        },
        Number::Float(value) => NumberValue::Float(normalize_zero(*value).to_bits()),
        Number::Complex { real, imag } => NumberValue::Complex(
            normalize_zero(*real).to_bits(),
            normalize_zero(*imag).to_bits(),
        ),
    }
}

fn normalize_zero(value: f64) -> f64 {
    if value == 0.0 { 0.0 } else { value }
}

/// Whether a name is UPPER_CASE (letters, digits, underscores; at least one letter, no lowercase).
pub fn is_upper_case(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a name is a dunder such as `__all__`.
pub fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

/// Shortens a literal's source text for a message.
pub fn shorten(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    push_shortened(&mut out, text, max_chars);
    out
}

/// [`shorten`] appended to `out`, without a string of its own (findings' messages are built this
/// way, once per finding).
pub fn push_shortened(out: &mut String, text: &str, max_chars: usize) {
    if text.len() <= max_chars && crate::finding::is_one_ascii_word(text) {
        out.push_str(text);
        return;
    }
    let start = out.len();
    for (index, word) in text.split_whitespace().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    let written = &out[start..];
    // No more bytes than the limit means no more characters either.
    if written.len() <= max_chars || written.chars().count() <= max_chars {
        return;
    }
    let cut = written
        .char_indices()
        .nth(max_chars.saturating_sub(1))
        .map_or(written.len(), |(at, _)| at);
    out.truncate(start + cut);
    out.push('…');
}

/// "12, 40 and 51" for a list of line numbers, at most `max` of them then "and N more".
pub fn list_lines(lines: &[u32], max: usize) -> String {
    let shown: Vec<String> = lines.iter().take(max).map(u32::to_string).collect();
    let rest = lines.len().saturating_sub(max);
    match (shown.len(), rest) {
        (0, _) => String::new(),
        (1, 0) => shown[0].clone(),
        (_, 0) => format!(
            "{} and {}",
            shown[..shown.len() - 1].join(", "),
            shown[shown.len() - 1]
        ),
        _ => format!("{} and {rest} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_collapses_whitespace_and_cuts_with_an_ellipsis() {
        assert_eq!(shorten("a  b\n c", 40), "a b c");
        assert_eq!(shorten("abcdef", 6), "abcdef");
        assert_eq!(shorten("abcdefg", 6), "abcde…");
        assert_eq!(shorten("éééééé é", 6), "ééééé…");
        assert_eq!(shorten("abc", 0), "…");
        let mut out = String::from("x = ");
        push_shortened(&mut out, "1 +\n   2", 40);
        assert_eq!(out, "x = 1 + 2");
    }

    fn value(source: &str) -> Option<NumberValue> {
        let parsed = ruff_python_parser::parse_expression(source).unwrap();
        number_value(parsed.expr())
    }

    #[test]
    fn numbers_compare_by_value() {
        let allow = AllowedNumbers::new(&[-1.0, 0.0, 1.0, 2.0]);
        let allowed = |source: &str| allow.contains(&value(source).unwrap());
        assert!(allowed("2"));
        assert!(allowed("2.0"));
        assert!(allowed("-1"));
        assert!(allowed("0x0"));
        assert!(!allowed("-2"));
        assert!(!allowed("3"));
        assert!(!allowed("1j"));
        assert_eq!(value("1_000"), value("1000"));
        assert_eq!(value("-0.0"), value("0.0"));
        assert_eq!(value("x"), None);
    }

    #[test]
    fn line_lists_read_naturally() {
        assert_eq!(list_lines(&[3], 3), "3");
        assert_eq!(list_lines(&[3, 4], 3), "3 and 4");
        assert_eq!(list_lines(&[3, 4, 5], 3), "3, 4 and 5");
        assert_eq!(list_lines(&[3, 4, 5, 6, 7], 3), "3, 4, 5 and 2 more");
    }

    #[test]
    fn case_predicates() {
        assert!(
            is_upper_case("MAX_SIZE")
                && is_upper_case("HTTP2")
                && !is_upper_case("_")
                && !is_upper_case("Max")
        );
        assert!(is_dunder("__all__") && !is_dunder("____") && !is_dunder("_x_"));
    }
}
