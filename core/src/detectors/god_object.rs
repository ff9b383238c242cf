//! `god-object` — a class that does too much: too many methods or too many lines.
//!
//! What it flags: a class with more than 20 methods, or spanning more than 500 lines (from the `class`
//! line to the last line of its body). Methods are the `def`/`async def` statements directly in the
//! class body, whatever their names (dunders included); a method nested in an `if` at class level or
//! in an inner class does not count for this class.
//!
//! Why it matters: a god object gathers unrelated responsibilities, so everything connects to it and
//! every change to it risks everything else; its size is a proxy for how much connascence it holds.
//!
//! Default thresholds: more than 20 methods or more than 500 lines. Severity: high; critical when a
//! count reaches twice its limit (40 methods, 1,000 lines). Reported at the `class` line.
//! Options: `max_methods`, `max_lines`.
//!
//! Example:
//! ```python
//! class Application:        # flagged when it has 21 methods: split by responsibility
//!     def load(self): ...
//!     def save(self): ...
//!     ...
//! ```
use ruff_python_ast::{AnyNodeRef, Stmt};
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::{Rule, RuleInfo};
use crate::finding::Severity;
use crate::visit::{Detector, FileContext, definition_start};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "split the class by responsibility: move groups of methods that share state into \
             collaborators it delegates to";

pub const RULE: RuleInfo = rule_info!(GodObject, "god_object.rs", {
    id: "god-object",
    connascence_type: None,
    summary: "a class with more than 20 methods or spanning more than 500 lines",
    default_threshold: "> 20 methods / > 500 lines",
    default_severity: "high; critical at twice a limit",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `god-object`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Flag classes with more methods than this.
    pub max_methods: usize,
    /// Flag classes spanning more lines than this.
    pub max_lines: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_methods: 20,
            max_lines: 500,
        }
    }
}

pub struct GodObject {
    rule: Rule,
    options: Options,
}

impl GodObject {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self { rule, options }
    }
}

impl Detector for GodObject {
    with_options!(methods, interests[StmtClassDef]);

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let AnyNodeRef::StmtClassDef(class) = node else {
            return;
        };
        let methods = class
            .body
            .iter()
            .filter(|stmt| matches!(stmt, Stmt::FunctionDef(_)))
            .count();
        let start = definition_start(cx.text, &class.name, false);
        let lines = (cx.line_of(class.end()) - cx.line_of(start) + 1) as usize;
        let Options {
            max_methods,
            max_lines,
        } = self.options;
        let mut excess = Vec::new();
        if methods > max_methods {
            excess.push(format!("has {methods} methods (limit {max_methods})"));
        }
        if lines > max_lines {
            excess.push(format!("spans {lines} lines (limit {max_lines})"));
        }
        if excess.is_empty() {
            return;
        }
        let severity = if methods >= 2 * max_methods.max(1) || lines >= 2 * max_lines.max(1) {
            Severity::Critical
        } else {
            Severity::High
        };
        let header_end = class
            .arguments
            .as_ref()
            .map_or(class.name.end(), |arguments| arguments.end());
        let range = TextRange::new(start, header_end);
        let name = class.name.as_str();
        cx.report(
            self.rule,
            severity,
            range,
            range,
            format!("class `{name}` {}", excess.join(" and ")),
            RECOMMENDATION,
        );
    }
}
