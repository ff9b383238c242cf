//! `global-state` — connascence of identity: functions that rebind module globals.
//!
//! What it flags: each function that declares a name `global` in its own body and rebinds that name
//! there (assigns it, augments it, deletes it, imports it, or binds it by `for`, `with … as`,
//! `except … as`, a `match` capture, a walrus or a nested `def`/`class` of that name), once per
//! function at its `def` line (low), as ruff's `PLW0603` does; a `global` that is only read or whose
//! object is only mutated (`global cache; cache[key] = value`) is not flagged, since the statement
//! changes nothing there. Nested functions, lambdas, comprehensions and class bodies are scopes of
//! their own and judged on their own. And a module in which more than 5 distinct names are declared
//! `global` (anywhere in the file), once at the first `global` statement (high).
//!
//! Why it matters: every function that rebinds a global is coupled to every other reader and writer of
//! that name, by identity, across the whole program. Such state cannot be reasoned about locally,
//! breaks under threads and makes tests depend on their order.
//!
//! Default threshold: any rebound `global` name in a function (low); more than 5 distinct global names per module
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

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    AnyNodeRef, Comprehension, ExceptHandler, Expr, ExprContext, NodeKind, Pattern, Stmt,
};
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::common::{Scopes, function_header};
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
    summary: "functions rebinding a name they declare `global` (low); modules with more than 5 distinct global names (high)",
    default_threshold: "any rebound `global` / > 5 names per module",
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
    name: ruff_python_ast::name::Name,
    header: TextRange,
    globals: Vec<(String, u32)>,
}

pub struct GlobalState {
    rule: Rule,
    options: Options,
    functions: Scopes<FunctionFrame>,
    module_names: BTreeSet<String>,
    first_global: Option<TextRange>,
}

impl GlobalState {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self {
            rule,
            options,
            functions: Scopes::default(),
            module_names: BTreeSet::new(),
            first_global: None,
        }
    }
}

impl Detector for GlobalState {
    with_options!(methods, interests [StmtFunctionDef, StmtClassDef, StmtGlobal]);

    fn leave_interests(&self) -> KindSet {
        KindSet::of(&[NodeKind::StmtFunctionDef, NodeKind::StmtClassDef])
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let entered = self.functions.enter(node, |function| FunctionFrame {
            name: function.name.id.clone(),
            header: function_header(cx, function),
            globals: Vec::new(),
        });
        if entered {
            return;
        }
        if let AnyNodeRef::StmtGlobal(global) = node {
            self.first_global.get_or_insert(global.range());
            let line = cx.line_of(global.start());
            for name in &global.names {
                self.module_names.insert(name.to_string());
            }
            if let Some(frame) = self.functions.owner(node) {
                for name in &global.names {
                    frame.globals.push((name.to_string(), line));
                }
            }
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let Some(Some(frame)) = self.functions.leave(node) else {
            return;
        };
        let AnyNodeRef::StmtFunctionDef(function) = node else {
            return;
        };
        if frame.globals.is_empty() {
            return;
        }
        // Only the rare function with a `global` statement is walked again, for its bindings.
        let mut bindings = Bindings::default();
        bindings.visit_body(&function.body);
        let mut first_line = None;
        let mut names: Vec<String> = Vec::new();
        for (name, line) in &frame.globals {
            let quoted = format!("`{name}`");
            if bindings.names.contains(&name.as_str()) && !names.contains(&quoted) {
                first_line.get_or_insert(*line);
                names.push(quoted);
            }
        }
        let Some(first_line) = first_line else {
            return;
        };
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

/// The names a function body binds in its own scope (not in nested functions, lambdas, classes or
/// comprehension targets, which are scopes of their own).
#[derive(Default)]
struct Bindings<'a> {
    names: Vec<&'a str>,
}

impl<'a> Visitor<'a> for Bindings<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => {
                self.names.push(function.name.as_str());
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                self.visit_parameters(&function.parameters);
            }
            Stmt::ClassDef(class) => {
                self.names.push(class.name.as_str());
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    self.names.push(bound.split('.').next().unwrap_or(bound));
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    self.names
                        .push(alias.asname.as_ref().unwrap_or(&alias.name).as_str());
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if matches!(name.ctx, ExprContext::Store | ExprContext::Del) => {
                self.names.push(name.id.as_str());
            }
            Expr::Lambda(_) => {}
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_comprehension(&mut self, comprehension: &'a Comprehension) {
        // The target is the comprehension's own; a walrus in the iterable or a condition binds here.
        self.visit_expr(&comprehension.iter);
        for condition in &comprehension.ifs {
            self.visit_expr(condition);
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.names.push(name.as_str());
        }
        visitor::walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        let bound = match pattern {
            Pattern::MatchAs(p) => p.name.as_ref(),
            Pattern::MatchStar(p) => p.name.as_ref(),
            Pattern::MatchMapping(p) => p.rest.as_ref(),
            _ => None,
        };
        if let Some(name) = bound {
            self.names.push(name.as_str());
        }
        visitor::walk_pattern(self, pattern);
    }
}
