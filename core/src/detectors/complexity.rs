//! `complexity` — McCabe cyclomatic complexity of a function above the limit.
//!
//! What it flags: a function whose complexity is above 10, where complexity is 1 plus one for each
//! `if`, `elif`, `for`/`async for`, `while`, `except` handler, `case`, conditional expression
//! (`a if c else b`), comprehension `for` clause and comprehension `if` clause, and one for each operand
//! of `and`/`or` beyond the first. A `case` without a guard whose pattern matches everything (`case _:`
//! or a bare capture name) is the match's `else` and counts nothing, as `else` does. Lambdas count
//! toward the function they are in; a nested function counts for itself only. Only the function's
//! body counts: its decorators and default values run once, in the enclosing scope, and a class body
//! inside the function is the class's code. Reported at the `def` line.
//!
//! Why it matters: complexity is the number of independent paths through the function, so it is the
//! number of tests needed to cover it and a measure of how much a reader must hold in mind.
//!
//! Default threshold: more than 10. Severity: medium; high above 15. Options: `max_complexity`,
//! `high_above`.
//!
//! Example:
//! ```python
//! def classify(x):      # complexity 12: flagged
//!     if x < 0 and ...:
//!         ...
//! ```
use ruff_python_ast::{AnyNodeRef, NodeKind, Pattern};
use ruff_text_size::TextRange;
use serde::{Deserialize, Serialize};

use super::common::{Scopes, function_header};
use super::{Rule, RuleInfo};
use crate::finding::Severity;
use crate::visit::{Detector, FileContext, KindSet};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "split the decisions into smaller functions, replace branch chains with a lookup table or \
             polymorphism, and return early for simple cases";

pub const RULE: RuleInfo = rule_info!(Complexity, "complexity.rs", {
    id: "complexity",
    connascence_type: None,
    summary: "McCabe complexity of a function above 10",
    default_threshold: "> 10",
    default_severity: "medium; high above 15",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `complexity`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Flag functions more complex than this (medium).
    pub max_complexity: u32,
    /// Above this the severity is high.
    pub high_above: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_complexity: 10,
            high_above: 15,
        }
    }
}

struct Frame {
    name: ruff_python_ast::name::Name,
    header: TextRange,
    complexity: u32,
}

pub struct Complexity {
    rule: Rule,
    options: Options,
    scopes: Scopes<Frame>,
}

impl Complexity {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self {
            rule,
            options,
            scopes: Scopes::default(),
        }
    }
}

/// Whether a pattern matches every subject (`_`, a bare capture name, or an alternative that is).
fn irrefutable(pattern: &Pattern) -> bool {
    match pattern {
        Pattern::MatchAs(as_pattern) => as_pattern.pattern.as_deref().is_none_or(irrefutable),
        Pattern::MatchOr(or) => or.patterns.iter().any(irrefutable),
        _ => false,
    }
}

/// The decision points a node adds to its function's complexity.
fn decision_points(node: AnyNodeRef<'_>) -> u32 {
    match node {
        AnyNodeRef::StmtIf(_)
        | AnyNodeRef::StmtFor(_)
        | AnyNodeRef::StmtWhile(_)
        | AnyNodeRef::ExceptHandlerExceptHandler(_)
        | AnyNodeRef::ExprIf(_) => 1,
        // An unguarded case that matches everything is the `else` of the match.
        AnyNodeRef::MatchCase(case) => {
            u32::from(case.guard.is_some() || !irrefutable(&case.pattern))
        }
        AnyNodeRef::ElifElseClause(clause) => u32::from(clause.test.is_some()),
        AnyNodeRef::Comprehension(comprehension) => 1 + comprehension.ifs.len() as u32,
        AnyNodeRef::ExprBoolOp(bool_op) => bool_op.values.len().saturating_sub(1) as u32,
        _ => 0,
    }
}

impl Detector for Complexity {
    with_options!(methods, interests [StmtFunctionDef, StmtClassDef, StmtIf, ElifElseClause, StmtFor, StmtWhile, ExceptHandlerExceptHandler, MatchCase, ExprIf, Comprehension, ExprBoolOp]);

    fn leave_interests(&self) -> KindSet {
        KindSet::of(&[NodeKind::StmtFunctionDef, NodeKind::StmtClassDef])
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let entered = self.scopes.enter(node, |function| Frame {
            name: function.name.id.clone(),
            header: function_header(cx, function),
            complexity: 1,
        });
        if !entered && let Some(frame) = self.scopes.owner(node) {
            frame.complexity += decision_points(node);
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let Some(Some(frame)) = self.scopes.leave(node) else {
            return;
        };
        let Options {
            max_complexity,
            high_above,
        } = self.options;
        if frame.complexity <= max_complexity {
            return;
        }
        let severity = if frame.complexity > high_above {
            Severity::High
        } else {
            Severity::Medium
        };
        cx.report(
            self.rule,
            severity,
            frame.header,
            frame.header,
            format!(
                "function `{}` has cyclomatic complexity {} (limit {max_complexity})",
                frame.name, frame.complexity
            ),
            RECOMMENDATION,
        );
    }
}
