//! `recursion` — NASA power-of-ten rule 1: a function that calls itself.
//!
//! What it flags: a function whose body calls itself directly: `name(...)` for a plain function, or
//! `self.name(...)` / `cls.name(...)` for a method (a bare `name(...)` inside a method refers to a
//! module-level name, not to the method). Only direct recursion is found; calls from a nested function
//! or class to the enclosing function are not, and lambdas count as part of the function they are in.
//! Reported once per function, at its `def` line, naming the line of the first recursive call.
//!
//! Why it matters: rule 1 forbids recursion because its stack depth cannot be bounded statically. In
//! Python a deep input turns it into a `RecursionError` at run time (the default limit is 1,000 frames).
//!
//! Default threshold: none (every such function). Severity: high. No options.
//!
//! Example:
//! ```python
//! def walk(node):                 # flagged
//!     for child in node.children:
//!         walk(child)
//! ```
use ruff_python_ast::{AnyNodeRef, Expr, NodeKind};
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::common::function_header;
use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, KindSet};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "rewrite it as a loop over an explicit stack or queue with a size limit, or bound the depth \
             with a parameter checked on entry";

pub const RULE: RuleInfo = rule_info!(Recursion, "recursion.rs", {
    id: "recursion",
    connascence_type: Some(ConnascenceType::NasaRule1),
    summary: "a function that calls itself directly (by name, or self.name for a method)",
    default_threshold: "any direct recursion",
    default_severity: "high",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// `recursion` has no options; an empty table is accepted, any key is refused.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Options {}

enum Scope {
    Function {
        name: String,
        is_method: bool,
        header: TextRange,
        first_call: Option<u32>,
    },
    Class,
}

pub struct Recursion {
    rule: Rule,
    scopes: Vec<Scope>,
}

impl Recursion {
    fn new(rule: Rule, Options {}: Options) -> Self {
        Recursion {
            rule,
            scopes: Vec::new(),
        }
    }
}

impl Detector for Recursion {
    with_options!(methods without options, interests [StmtFunctionDef, StmtClassDef, ExprCall]);

    fn leave_interests(&self) -> KindSet {
        KindSet::of(&[NodeKind::StmtFunctionDef, NodeKind::StmtClassDef])
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        match node {
            AnyNodeRef::StmtFunctionDef(function) => {
                let is_method = matches!(self.scopes.last(), Some(Scope::Class));
                self.scopes.push(Scope::Function {
                    name: function.name.to_string(),
                    is_method,
                    header: function_header(cx, function),
                    first_call: None,
                });
            }
            AnyNodeRef::StmtClassDef(_) => self.scopes.push(Scope::Class),
            AnyNodeRef::ExprCall(call) => {
                let Some(Scope::Function {
                    name,
                    is_method,
                    first_call,
                    ..
                }) = self.scopes.last_mut()
                else {
                    return;
                };
                let calls_itself = match call.func.as_ref() {
                    Expr::Name(callee) => !*is_method && callee.id.as_str() == name,
                    Expr::Attribute(attribute) => {
                        *is_method
                            && attribute.attr.as_str() == name
                            && matches!(attribute.value.as_ref(), Expr::Name(owner) if matches!(owner.id.as_str(), "self" | "cls"))
                    }
                    _ => false,
                };
                if calls_itself && first_call.is_none() {
                    *first_call = Some(cx.line_of(call.start()));
                }
            }
            _ => {}
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        if !matches!(
            node,
            AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_)
        ) {
            return;
        }
        let Some(Scope::Function {
            name,
            header,
            first_call: Some(line),
            ..
        }) = self.scopes.pop()
        else {
            return;
        };
        cx.report(
            self.rule,
            Severity::High,
            header,
            header,
            format!(
                "function `{name}` calls itself (line {line}): recursion has no static depth bound"
            ),
            RECOMMENDATION,
        );
    }
}
