//! `positional-params` — connascence of position: a function takes too many positional parameters.
//!
//! What it flags: a `def` (or `async def`) whose positional-only plus positional-or-keyword parameters
//! number more than the limit. A leading `self` or `cls` is not counted; `*args`, keyword-only
//! parameters and `**kwargs` are not counted either, since callers cannot pass those by position.
//!
//! Why it matters: every caller must pass the arguments in exactly the declared order. Swapping two
//! parameters of the same type is a silent bug, and adding or reordering one breaks every call site.
//! Keyword-only parameters turn this connascence of position into the weaker connascence of name.
//!
//! Default threshold: more than 3 positional parameters. Severity: medium up to 6, high up to 10,
//! critical above 10. Reported at the `def` line (not at a decorator). Option: `max_positional`.
//!
//! Example:
//! ```python
//! def connect(host, port, timeout, retries):        # flagged: 4 positional parameters
//!     ...
//! def connect(host, port, *, timeout, retries):     # not flagged: 2 positional
//!     ...
//! ```
use ruff_python_ast::AnyNodeRef;
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, definition_start};

/// What to do about a finding of this rule (listed in [`RULE`] for the cache).
const RECOMMENDATION: &str = "make the trailing parameters keyword-only (add `*,` before them) or group related \
             values into a dataclass, so callers name what they pass";

pub const RULE: RuleInfo = rule_info!(PositionalParams, "positional_params.rs", {
    id: "positional-params",
    connascence_type: Some(ConnascenceType::Position),
    summary: "a function with more than 3 positional parameters (excluding a leading self/cls)",
    default_threshold: "> 3",
    default_severity: "medium (≤ 6), high (≤ 10), critical (> 10)",
    enabled_by_default: true,
    recommendations: &[RECOMMENDATION],
});

/// Thresholds of `positional-params`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Flag functions with more positional parameters than this.
    pub max_positional: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { max_positional: 3 }
    }
}

pub struct PositionalParams {
    rule: Rule,
    options: Options,
}

impl PositionalParams {
    pub fn new(rule: Rule, options: Options) -> Self {
        Self { rule, options }
    }
}

/// Severity of a function with `count` positional parameters.
fn severity(count: usize) -> Severity {
    match count {
        0..=6 => Severity::Medium,
        7..=10 => Severity::High,
        _ => Severity::Critical,
    }
}

impl Detector for PositionalParams {
    with_options!(methods, interests[StmtFunctionDef]);

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let AnyNodeRef::StmtFunctionDef(function) = node else {
            return;
        };
        let parameters = &function.parameters;
        let mut names = parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .map(|parameter| parameter.parameter.name.as_str());
        let total = parameters.posonlyargs.len() + parameters.args.len();
        let count = match names.next() {
            Some("self" | "cls") => total - 1,
            _ => total,
        };
        if count <= self.options.max_positional {
            return;
        }
        let range = TextRange::new(
            definition_start(cx.text, &function.name, function.is_async),
            parameters.end(),
        );
        let name = function.name.as_str();
        cx.report(
            self.rule,
            severity(count),
            range,
            range,
            format!(
                "function `{name}` takes {count} positional parameters (limit {})",
                self.options.max_positional
            ),
            RECOMMENDATION,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_bands_follow_the_contract() {
        assert_eq!(severity(4), Severity::Medium);
        assert_eq!(severity(6), Severity::Medium);
        assert_eq!(severity(7), Severity::High);
        assert_eq!(severity(10), Severity::High);
        assert_eq!(severity(11), Severity::Critical);
    }
}
