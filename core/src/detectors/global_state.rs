//! `global-state` — connascence of identity: functions that rebind module globals.
//!
//! What it flags: each function whose own body (nested functions are judged on their own) contains a
//! `global` statement, once per function at its `def` line (low); and a module in which more than 5
//! distinct names are declared `global` (anywhere in the file), once at the first `global` statement
//! (high).
//!
//! Why it matters: every function that rebinds a global is coupled to every other reader and writer of
//! that name, by identity, across the whole program. Such state cannot be reasoned about locally,
//! breaks under threads and makes tests depend on their order.
//!
//! Default threshold: any `global` in a function (low); more than 5 distinct global names per module
//! (high). Option: `max_module_globals`.
//!
//! Example:
//! ```python
//! counter = 0
//! def bump():          # flagged: rebinds the module-level `counter`
//!     global counter
//!     counter += 1
//! ```
use std::collections::BTreeSet;

use ruff_python_ast::{AnyNodeRef, NodeKind};
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::common::{function_header, leave_function};
use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, KindSet};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str =
    "pass the value in and return the new one, or keep the state in an object the caller owns";

/// What else to do of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION_2: &str = "gather this mutable state into one object (a class instance or a context) passed to the \
             functions that need it";

pub const RULE: RuleInfo = rule_info!(GlobalState, "global_state.rs", {
    id: "global-state",
    connascence_type: Some(ConnascenceType::Identity),
    summary: "functions using `global` (low); modules with more than 5 distinct global names (high)",
    default_threshold: "any `global` / > 5 names per module",
    default_severity: "low / high",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION, RECOMMENDATION_2],
});

/// Thresholds of `global-state`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Flag a module declaring more distinct global names than this.
    pub max_module_globals: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_module_globals: 5,
        }
    }
}

/// A function being visited: its header and the names its own `global` statements declare.
struct FunctionFrame {
    name: String,
    header: TextRange,
    globals: Vec<(String, u32)>,
}

pub struct GlobalState {
    rule: Rule,
    options: Options,
    functions: Vec<FunctionFrame>,
    module_names: BTreeSet<String>,
    first_global: Option<TextRange>,
}

impl GlobalState {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self {
            rule,
            options,
            functions: Vec::new(),
            module_names: BTreeSet::new(),
            first_global: None,
        }
    }
}

impl Detector for GlobalState {
    with_options!(methods, interests [StmtFunctionDef, StmtGlobal]);

    fn leave_interests(&self) -> KindSet {
        KindSet::of(&[NodeKind::StmtFunctionDef])
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        match node {
            AnyNodeRef::StmtFunctionDef(function) => self.functions.push(FunctionFrame {
                name: function.name.to_string(),
                header: function_header(cx, function),
                globals: Vec::new(),
            }),
            AnyNodeRef::StmtGlobal(global) => {
                self.first_global.get_or_insert(global.range());
                let line = cx.line_of(global.start());
                for name in &global.names {
                    self.module_names.insert(name.to_string());
                    if let Some(frame) = self.functions.last_mut() {
                        frame.globals.push((name.to_string(), line));
                    }
                }
            }
            _ => {}
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let Some(frame) = leave_function(&mut self.functions, node) else {
            return;
        };
        let Some((_, first_line)) = frame.globals.first() else {
            return;
        };
        let names: Vec<String> = frame
            .globals
            .iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        cx.report(
            self.rule,
            Severity::Low,
            frame.header,
            frame.header,
            format!(
                "function `{}` rebinds module global{} {} (`global` on line {first_line})",
                frame.name,
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
            RECOMMENDATION,
        );
    }

    fn finish(&mut self, cx: &mut FileContext<'_>) {
        let count = self.module_names.len();
        let Some(first) = self.first_global else {
            return;
        };
        if count <= self.options.max_module_globals {
            return;
        }
        let names: Vec<String> = self
            .module_names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect();
        cx.report(
            self.rule,
            Severity::High,
            first,
            first,
            format!(
                "module declares {count} distinct names `global` (limit {}): {}",
                self.options.max_module_globals,
                names.join(", ")
            ),
            RECOMMENDATION_2,
        );
    }
}
