//! JSON output: `{"findings": [...], "diagnostics": [...], "stats": {...}}`, pretty-printed.

use crate::engine::Report;

pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report always serializes");
    text.push('\n');
    text
}
