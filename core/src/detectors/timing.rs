//! `timing` — connascence of timing: code that sleeps for a fixed time.
//!
//! What it flags: every call of `sleep`: `time.sleep(...)`, `asyncio.sleep(...)`, a bare `sleep(...)`
//! and any `x.sleep(...)`. The finding spans the whole call expression.
//!
//! Why it matters: a fixed delay couples two pieces of code by *when* they run. The delay is either too
//! short on a slow machine (a race) or too long on a fast one (wasted time), and tests that pass
//! through it are slow and flaky.
//!
//! Default threshold: none (every call). Severity: medium. No options.
//!
//! Example:
//! ```python
//! time.sleep(0.5)            # flagged: waits for time, not for the event it expects
//! ready.wait(timeout=5)      # not flagged: waits for the event, with a bound
//! ```
use ruff_python_ast::{AnyNodeRef, Expr};
use ruff_text_size::Ranged;
use serde::{Deserialize, Serialize};

use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "wait for the event itself (an Event, Condition, future or queue) with a timeout, and \
             inject the clock or sleeper so tests need not wait";

pub const RULE: RuleInfo = rule_info!(Timing, "timing.rs", {
    id: "timing",
    connascence_type: Some(ConnascenceType::Timing),
    summary: "calls of sleep (time.sleep, asyncio.sleep, sleep, x.sleep)",
    default_threshold: "any call",
    default_severity: "medium",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// `timing` has no options; an empty table is accepted, any key is refused.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Options {}

pub struct Timing {
    rule: Rule,
}

impl Timing {
    fn new(rule: Rule, Options {}: Options) -> Self {
        Timing { rule }
    }
}

impl Detector for Timing {
    with_options!(methods without options, interests [ExprCall]);

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let AnyNodeRef::ExprCall(call) = node else {
            return;
        };
        let is_sleep = match call.func.as_ref() {
            Expr::Name(name) => name.id.as_str() == "sleep",
            Expr::Attribute(attribute) => attribute.attr.as_str() == "sleep",
            _ => false,
        };
        if !is_sleep {
            return;
        }
        let callee = cx.slice(call.func.range());
        cx.report(
            self.rule,
            Severity::Medium,
            call.range(),
            call.range(),
            format!("`{callee}(...)` waits a fixed time: connascence of timing"),
            RECOMMENDATION,
        );
    }
}
