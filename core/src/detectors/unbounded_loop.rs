//! `unbounded-loop` — NASA power-of-ten rule 2: a loop with no way out.
//!
//! What it flags: `while True:` or `while 1:` whose body has no `break` belonging to this loop and no
//! `return`. A `break` counts only if it belongs to this loop: one inside a nested `for`/`while` body
//! belongs to that loop, while one in a nested loop's `else:` clause belongs to the enclosing loop.
//! A `return` anywhere in the body counts (outside nested functions and classes, which are separate
//! scopes); `raise` does not, and neither does anything in this loop's own `else:` clause (which cannot
//! run without a `break`).
//!
//! Why it matters: rule 2 asks every loop to have a statically provable bound. A `while True` with no
//! exit can end only through an exception or by killing the process, which makes it impossible to
//! reason about termination and hard to shut down cleanly.
//!
//! Default threshold: none (every such loop). Severity: high. Reported at the `while` line. No options.
//!
//! Example:
//! ```python
//! while True:             # flagged: ends only by an exception
//!     handle(queue.get())
//! while True:             # not flagged
//!     item = queue.get()
//!     if item is None:
//!         break
//! ```
use ruff_python_ast::{AnyNodeRef, Expr, Number, StmtWhile};
use ruff_text_size::{Ranged, TextRange, TextSize};
use serde::{Deserialize, Serialize};

use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, KindSet};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "give the loop an explicit bound (an iteration limit or a deadline) and a `break` when \
             its work is done or a stop is requested";

pub const RULE: RuleInfo = rule_info!(UnboundedLoop, "unbounded_loop.rs", {
    id: "unbounded-loop",
    connascence_type: Some(ConnascenceType::NasaRule2),
    summary: "`while True:` with no break of its own and no return in its body",
    default_threshold: "any such loop",
    default_severity: "high",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// `unbounded-loop` has no options; an empty table is accepted, any key is refused.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Options {}

/// One entry of the scope stack: a loop being visited, or a function/class boundary.
enum Frame {
    Loop {
        unbounded: bool,
        orelse: TextRange,
        exits: bool,
    },
    Scope,
}

pub struct UnboundedLoop {
    rule: Rule,
    frames: Vec<Frame>,
}

fn is_constant_true(test: &Expr) -> bool {
    match test {
        Expr::BooleanLiteral(literal) => literal.value,
        Expr::NumberLiteral(literal) => match &literal.value {
            Number::Int(int) => int.as_u8() == Some(1),
            _ => false,
        },
        _ => false,
    }
}

/// The source range of a loop's `else:` clause (empty when there is none).
fn orelse_range(orelse: &[ruff_python_ast::Stmt]) -> TextRange {
    match (orelse.first(), orelse.last()) {
        (Some(first), Some(last)) => TextRange::new(first.start(), last.end()),
        _ => TextRange::empty(TextSize::default()),
    }
}

impl UnboundedLoop {
    fn mark_break(&mut self, at: TextSize) {
        for frame in self.frames.iter_mut().rev() {
            match frame {
                Frame::Scope => return,
                Frame::Loop { orelse, .. } if orelse.contains(at) => continue,
                Frame::Loop { exits, .. } => {
                    *exits = true;
                    return;
                }
            }
        }
    }

    fn mark_return(&mut self, at: TextSize) {
        for frame in self.frames.iter_mut().rev() {
            match frame {
                Frame::Scope => return,
                Frame::Loop { orelse, exits, .. } => {
                    if !orelse.contains(at) {
                        *exits = true;
                    }
                }
            }
        }
    }

    fn report(&self, stmt: &StmtWhile, cx: &mut FileContext<'_>) {
        let header = TextRange::new(stmt.start(), stmt.test.end());
        let test = cx.slice(stmt.test.range());
        cx.report(
            self.rule,
            Severity::High,
            header,
            header,
            format!(
                "`while {test}:` loop has no `break` or `return`: it can end only by an exception"
            ),
            RECOMMENDATION,
        );
    }
}

impl UnboundedLoop {
    fn new(rule: Rule, Options {}: Options) -> Self {
        UnboundedLoop {
            rule,
            frames: Vec::new(),
        }
    }
}

impl Detector for UnboundedLoop {
    with_options!(methods without options, interests [StmtWhile, StmtFor, StmtBreak, StmtReturn, StmtFunctionDef, StmtClassDef]);

    fn leave_interests(&self) -> KindSet {
        self.interests()
    }

    fn enter(&mut self, node: AnyNodeRef<'_>, _cx: &mut FileContext<'_>) {
        match node {
            AnyNodeRef::StmtWhile(stmt) => self.frames.push(Frame::Loop {
                unbounded: is_constant_true(&stmt.test),
                orelse: orelse_range(&stmt.orelse),
                exits: false,
            }),
            AnyNodeRef::StmtFor(stmt) => self.frames.push(Frame::Loop {
                unbounded: false,
                orelse: orelse_range(&stmt.orelse),
                exits: false,
            }),
            AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) => {
                self.frames.push(Frame::Scope)
            }
            AnyNodeRef::StmtBreak(stmt) => self.mark_break(stmt.start()),
            AnyNodeRef::StmtReturn(stmt) => self.mark_return(stmt.start()),
            _ => {}
        }
    }

    fn leave(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        match node {
            AnyNodeRef::StmtWhile(stmt) => {
                if let Some(Frame::Loop {
                    unbounded: true,
                    exits: false,
                    ..
                }) = self.frames.pop()
                {
                    self.report(stmt, cx);
                }
            }
            AnyNodeRef::StmtFor(_)
            | AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_) => {
                self.frames.pop();
            }
            _ => {}
        }
    }
}
