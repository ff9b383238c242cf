//! `connascence rules`: the rule table (text or JSON) and one rule's documentation (like `ruff rule`).

use std::fmt::Write;

use serde::Serialize;

use super::Format;
use crate::detectors::{REGISTRY, Rule, RuleInfo};

#[derive(Serialize)]
struct RuleRow {
    id: &'static str,
    connascence_type: Option<&'static str>,
    summary: &'static str,
    default_threshold: &'static str,
    default_severity: &'static str,
    enabled_by_default: bool,
}

impl From<&RuleInfo> for RuleRow {
    fn from(info: &RuleInfo) -> Self {
        Self {
            id: info.id,
            connascence_type: info.connascence_type.map(|t| t.as_str()),
            summary: info.summary,
            default_threshold: info.default_threshold,
            default_severity: info.default_severity,
            enabled_by_default: info.enabled_by_default,
        }
    }
}

/// Every rule: id, connascence type, default threshold, default severity, on by default.
pub fn list(format: Format) -> String {
    let rows: Vec<RuleRow> = REGISTRY.iter().map(RuleRow::from).collect();
    if format == Format::Json {
        let mut text = serde_json::to_string_pretty(&rows).expect("rules always serialize");
        text.push('\n');
        return text;
    }
    let headers = [
        "rule",
        "type",
        "default threshold",
        "default severity",
        "on",
    ];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.id.to_owned(),
                row.connascence_type.unwrap_or("—").to_owned(),
                row.default_threshold.to_owned(),
                row.default_severity.to_owned(),
                if row.enabled_by_default { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|column| {
            cells
                .iter()
                .map(|row| row[column].chars().count())
                .chain([headers[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |values: &[&str]| {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(value, width)| format!("{value:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&headers);
    for row in &cells {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

/// One rule's header line and its detector's documentation.
pub fn explain(rule: Rule) -> String {
    let info = rule.info();
    let kind = info
        .connascence_type
        .map_or("no connascence type", |t| t.as_str());
    let state = if info.enabled_by_default {
        "on by default"
    } else {
        "off by default"
    };
    format!(
        "{} ({kind}; {state})\n\n{}\n",
        info.id,
        info.documentation()
    )
}
