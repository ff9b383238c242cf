//! `assertion-density` — NASA power-of-ten rule 5: functions without assertions. Off by default.
//!
//! What it flags: a function longer than 10 lines (from the `def` line to its last body line) whose own
//! body holds fewer than 2 `assert` statements (asserts in nested functions count for those).
//! Reported at the `def` line.
//!
//! Why it matters: rule 5 asks for at least two assertions per function, checking pre- and
//! post-conditions, so that broken assumptions fail loudly where they break rather than far away.
//! Most Python code does not follow it (and `python -O` strips asserts), so the rule is off unless
//! enabled in configuration.
//!
//! Default thresholds: functions longer than 10 lines, fewer than 2 asserts. Severity: low.
//! Options: `min_lines` (default 10), `min_asserts` (default 2).
//!
//! Example:
//! ```python
//! def transfer(src, dst, amount):     # flagged once longer than 10 lines with no asserts
//!     ...
//! ```
use ruff_python_ast::{AnyNodeRef, NodeKind};
use ruff_text_size::TextRange;
use serde::{Deserialize, Serialize};

use super::common::{function_header, function_lines, leave_function};
use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, KindSet};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str =
    "assert the function's preconditions on entry and its postconditions before returning";

pub const RULE: RuleInfo = rule_info!(AssertionDensity, "assertion_density.rs", {
    id: "assertion-density",
    connascence_type: Some(ConnascenceType::NasaRule5),
    summary: "a function longer than 10 lines with fewer than 2 assert statements (off by default)",
    default_threshold: "> 10 lines, < 2 asserts",
    default_severity: "low",
    enabled_by_default: false,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `assertion-density`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Only functions spanning more lines than this are checked.
    pub min_lines: u32,
    /// Flag functions with fewer asserts than this.
    pub min_asserts: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            min_lines: 10,
            min_asserts: 2,
        }
    }
}

struct Frame {
    name: ruff_python_ast::name::Name,
    header: TextRange,
    lines: u32,
    asserts: u32,
}

pub struct AssertionDensity {
    rule: Rule,
    options: Options,
    frames: Vec<Frame>,
}

impl AssertionDensity {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self {
            rule,
            options,
            frames: Vec::new(),
        }
    }
}

impl Detector for AssertionDensity {
    with_options!(methods, interests [StmtFunctionDef, StmtAssert]);

    fn leave_interests(&self) -> KindSet {
        KindSet::of(&[NodeKind::StmtFunctionDef])
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        match node {
            AnyNodeRef::StmtFunctionDef(function) => self.frames.push(Frame {
                name: function.name.id.clone(),
                header: function_header(cx, function),
                lines: function_lines(cx, function),
                asserts: 0,
            }),
            AnyNodeRef::StmtAssert(_) => {
                if let Some(frame) = self.frames.last_mut() {
                    frame.asserts += 1;
                }
            }
            _ => {}
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let Some(frame) = leave_function(&mut self.frames, node) else {
            return;
        };
        let Options {
            min_lines,
            min_asserts,
        } = self.options;
        if frame.lines <= min_lines || frame.asserts >= min_asserts {
            return;
        }
        cx.report(
            self.rule,
            Severity::Low,
            frame.header,
            frame.header,
            format!(
                "function `{}` spans {} lines with {} assert{} (at least {min_asserts} expected)",
                frame.name,
                frame.lines,
                frame.asserts,
                if frame.asserts == 1 { "" } else { "s" }
            ),
            RECOMMENDATION,
        );
    }
}
