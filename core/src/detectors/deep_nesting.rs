//! `deep-nesting` — control flow nested too deeply inside a function.
//!
//! What it flags: a function in which `if`, `for`, `while`, `with`, `try` and `match` statements (async
//! forms included) nest more than 4 levels deep, counted from the function body. An `elif`/`else` is at
//! its `if`'s level, `except`/`finally` at their `try`'s level and a `case` at its `match`'s level. A
//! nested function starts again from zero and is judged on its own; module- and class-level code is not
//! measured, and neither is the body of a class defined inside a function (it is the class's code). Reported once per function, at the first statement that reaches the deepest level.
//!
//! Why it matters: each level multiplies the paths a reader must hold in mind; deep nesting usually
//! means several responsibilities tangled in one function.
//!
//! Default threshold: more than 4 levels. Severity: medium. Option: `max_depth`.
//!
//! Example:
//! ```python
//! def sync(items):
//!     for item in items:              # 1
//!         if item.ready:              # 2
//!             with lock:              # 3
//!                 try:                # 4
//!                     if item.dirty:  # 5: flagged here
//!                         save(item)
//!                 except OSError:
//!                     pass
//! ```
use ruff_python_ast::AnyNodeRef;
use ruff_text_size::{Ranged, TextRange, TextSize};
use serde::{Deserialize, Serialize};

use super::common::Scopes;
use super::{Rule, RuleInfo};
use crate::finding::Severity;
use crate::visit::{Detector, FileContext, KindSet};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "return early for the simple cases (guard clauses) and extract the inner blocks into \
             functions with names";

pub const RULE: RuleInfo = rule_info!(DeepNesting, "deep_nesting.rs", {
    id: "deep-nesting",
    connascence_type: None,
    summary: "control flow nested more than 4 levels deep inside a function",
    default_threshold: "> 4 levels",
    default_severity: "medium",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `deep-nesting`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Flag functions nesting control flow deeper than this.
    pub max_depth: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self { max_depth: 4 }
    }
}

struct Frame {
    name: ruff_python_ast::name::Name,
    depth: u32,
    max_depth: u32,
    deepest: Option<TextRange>,
}

pub struct DeepNesting {
    rule: Rule,
    options: Options,
    scopes: Scopes<Frame>,
}

impl DeepNesting {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self {
            rule,
            options,
            scopes: Scopes::default(),
        }
    }
}

fn is_control_flow(node: AnyNodeRef<'_>) -> bool {
    matches!(
        node,
        AnyNodeRef::StmtIf(_)
            | AnyNodeRef::StmtFor(_)
            | AnyNodeRef::StmtWhile(_)
            | AnyNodeRef::StmtWith(_)
            | AnyNodeRef::StmtTry(_)
            | AnyNodeRef::StmtMatch(_)
    )
}

/// A statement's first line, from its start to the end of that line (trailing blanks trimmed).
fn first_line(cx: &FileContext<'_>, range: TextRange) -> TextRange {
    let text = cx.slice(range);
    let line = text.split(['\n', '\r']).next().unwrap_or(text).trim_end();
    TextRange::at(
        range.start(),
        TextSize::try_from(line.len()).unwrap_or_default(),
    )
}

impl Detector for DeepNesting {
    with_options!(methods, interests [StmtFunctionDef, StmtClassDef, StmtIf, StmtFor, StmtWhile, StmtWith, StmtTry, StmtMatch]);

    fn leave_interests(&self) -> KindSet {
        self.interests()
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, _cx: &mut FileContext<'_>) {
        let entered = self.scopes.enter(node, |function| Frame {
            name: function.name.id.clone(),
            depth: 0,
            max_depth: 0,
            deepest: None,
        });
        if entered || !is_control_flow(node) {
            return;
        }
        let Some(frame) = self.scopes.owner(node) else {
            return;
        };
        frame.depth += 1;
        if frame.depth > frame.max_depth {
            frame.max_depth = frame.depth;
            frame.deepest = Some(node.range());
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        if is_control_flow(node) {
            if let Some(frame) = self.scopes.owner(node) {
                frame.depth -= 1;
            }
            return;
        }
        let Some(Some(frame)) = self.scopes.leave(node) else {
            return;
        };
        let Some(deepest) = frame.deepest else {
            return;
        };
        if frame.max_depth <= self.options.max_depth {
            return;
        }
        let deepest = first_line(cx, deepest);
        cx.report(
            self.rule,
            Severity::Medium,
            deepest,
            deepest,
            format!(
                "function `{}` nests control flow {} levels deep (limit {})",
                frame.name, frame.max_depth, self.options.max_depth
            ),
            RECOMMENDATION,
        );
    }
}
