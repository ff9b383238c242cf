//! `long-function` — NASA power-of-ten rule 4: a function longer than a printed page.
//!
//! What it flags: a `def` or `async def` spanning more than 60 lines, counted from the `def` line
//! (decorators excluded) to the last line of its body, blank and comment lines inside included.
//! A nested function is measured on its own and also counts toward its enclosing function's span.
//!
//! Why it matters: a function that does not fit on one screen cannot be understood as a unit, and long
//! functions hide their internal dependencies (the connascence between their parts).
//!
//! Default threshold: more than 60 lines. Severity: medium. Reported at the `def` line.
//! Option: `max_lines`.
//!
//! Example:
//! ```python
//! def migrate(db):      # flagged when its body runs to line 62 of the function
//!     ...
//! ```
use ruff_python_ast::AnyNodeRef;
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, definition_start};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str =
    "extract cohesive steps into well-named helper functions until each fits on one screen";

pub const RULE: RuleInfo = rule_info!(LongFunction, "long_function.rs", {
    id: "long-function",
    connascence_type: Some(ConnascenceType::NasaRule4),
    summary: "a function spanning more than 60 lines",
    default_threshold: "> 60 lines",
    default_severity: "medium",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `long-function`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Flag functions spanning more lines than this.
    pub max_lines: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { max_lines: 60 }
    }
}

pub struct LongFunction {
    rule: Rule,
    options: Options,
}

impl LongFunction {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self { rule, options }
    }
}

impl Detector for LongFunction {
    with_options!(methods, interests[StmtFunctionDef]);

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let AnyNodeRef::StmtFunctionDef(function) = node else {
            return;
        };
        let start = definition_start(cx.text, &function.name, function.is_async);
        let lines = (cx.line_of(function.end()) - cx.line_of(start) + 1) as usize;
        if lines <= self.options.max_lines {
            return;
        }
        let range = TextRange::new(start, function.parameters.end());
        let name = function.name.as_str();
        cx.report(
            self.rule,
            Severity::Medium,
            range,
            range,
            format!(
                "function `{name}` spans {lines} lines (limit {})",
                self.options.max_lines
            ),
            RECOMMENDATION,
        );
    }
}
