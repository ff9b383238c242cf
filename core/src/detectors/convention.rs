//! `convention` — connascence of convention: names that break Python's naming convention (PEP 8).
//!
//! What it flags: a function or method whose name is not snake_case (lowercase letters, digits and
//! underscores), and a class whose name is not PascalCase (starting with an uppercase letter, no
//! underscores). Leading underscores are allowed on both (`_private`, `__mangled`), and dunders
//! (`__init__`) are snake_case. Names are checked as written: a method that overrides a base-class
//! method with a non-conforming name (`unittest.TestCase.setUp`) is flagged too, because the rule
//! cannot know the base class; suppress it where the name is imposed.
//!
//! Why it matters: a shared convention is connascence every reader relies on. A `getUser` among
//! `load_order`s makes people guess, misspell and search twice.
//!
//! Default threshold: none (every such name). Severity: low. Reported at the `def`/`class` line.
//! No options.
//!
//! Example:
//! ```python
//! def getUser(id): ...         # flagged: use get_user
//! class order_item: ...        # flagged: use OrderItem
//! def _load_v2(path): ...      # not flagged
//! ```
use ruff_python_ast::AnyNodeRef;
use ruff_text_size::{Ranged, TextRange};
use serde::{Deserialize, Serialize};

use super::common::function_header;
use super::{Rule, RuleInfo};
use crate::finding::{ConnascenceType, Severity};
use crate::visit::{Detector, FileContext, definition_start};

pub const RULE: RuleInfo = rule_info!(Convention, "convention.rs", {
    id: "convention",
    connascence_type: Some(ConnascenceType::Convention),
    summary: "function/method names not snake_case, class names not PascalCase",
    default_threshold: "any such name",
    default_severity: "low",
    enabled_by_default: true,
    recommendations: &[],
});

/// `convention` has no options; an empty table is accepted, any key is refused.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Options {}

pub struct Convention {
    rule: Rule,
}

/// snake_case: no uppercase letter anywhere (digits, underscores and caseless scripts are fine).
pub fn is_snake_case(name: &str) -> bool {
    !name.chars().any(char::is_uppercase)
}

/// PascalCase after any leading underscores: an uppercase first letter and no underscores.
pub fn is_pascal_case(name: &str) -> bool {
    let core = name.trim_start_matches('_');
    core.starts_with(char::is_uppercase) && !core.contains('_')
}

/// `getHTTPResponse` → `get_http_response`; `Order_item` → `order_item`.
pub fn to_snake_case(name: &str) -> String {
    let leading = name.len() - name.trim_start_matches('_').len();
    let chars: Vec<char> = name[leading..].chars().collect();
    let mut out = "_".repeat(leading);
    for (index, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let previous = index.checked_sub(1).map(|i| chars[i]);
            let next = chars.get(index + 1);
            let boundary = previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (previous.is_some_and(char::is_uppercase)
                    && next.is_some_and(|n| n.is_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `order_item` → `OrderItem`.
pub fn to_pascal_case(name: &str) -> String {
    let leading = name.len() - name.trim_start_matches('_').len();
    let mut out = "_".repeat(leading);
    for part in name[leading..].split('_').filter(|part| !part.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

impl Convention {
    fn new(rule: Rule, Options {}: Options) -> Self {
        Convention { rule }
    }
}

impl Detector for Convention {
    with_options!(methods without options, interests [StmtFunctionDef, StmtClassDef]);

    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {
        let (range, message, recommendation) = match node {
            AnyNodeRef::StmtFunctionDef(function) => {
                let name = function.name.as_str();
                if is_snake_case(name) {
                    return;
                }
                (
                    function_header(cx, function),
                    format!("function name `{name}` is not snake_case"),
                    format!(
                        "rename it to `{}` (PEP 8: functions and methods are snake_case)",
                        to_snake_case(name)
                    ),
                )
            }
            AnyNodeRef::StmtClassDef(class) => {
                let name = class.name.as_str();
                if is_pascal_case(name) {
                    return;
                }
                let end = class
                    .arguments
                    .as_ref()
                    .map_or(class.name.end(), |arguments| arguments.end());
                (
                    TextRange::new(definition_start(cx.text, &class.name, false), end),
                    format!("class name `{name}` is not PascalCase"),
                    format!(
                        "rename it to `{}` (PEP 8: classes are PascalCase)",
                        to_pascal_case(name)
                    ),
                )
            }
            _ => return,
        };
        cx.report(
            self.rule,
            Severity::Low,
            range,
            range,
            message,
            recommendation,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        for ok in [
            "load",
            "load_user",
            "_private",
            "__init__",
            "__mangled",
            "v2_load",
            "_",
            "größe",
        ] {
            assert!(is_snake_case(ok), "{ok}");
        }
        for bad in ["getUser", "Load", "setUp", "HTTP", "_Private", "x_Y"] {
            assert!(!is_snake_case(bad), "{bad}");
        }
    }

    #[test]
    fn pascal_case_names() {
        for ok in ["Order", "OrderItem", "HTTPServer", "_Private", "V2"] {
            assert!(is_pascal_case(ok), "{ok}");
        }
        for bad in ["order", "Order_Item", "_order", "order_item"] {
            assert!(!is_pascal_case(bad), "{bad}");
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(to_snake_case("getHTTPResponse"), "get_http_response");
        assert_eq!(to_snake_case("setUp"), "set_up");
        assert_eq!(to_snake_case("_loadV2Data"), "_load_v2_data");
        assert_eq!(to_pascal_case("order_item"), "OrderItem");
        assert_eq!(to_pascal_case("_my_class"), "_MyClass");
    }
}
