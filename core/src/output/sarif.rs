//! SARIF 2.1.0 output: one run, one rule per detector with its documentation, one result per finding.
//!
//! Columns are Unicode code points (`columnKind: unicodeCodePoints`), `endColumn` is exclusive as in
//! our findings, and `partialFingerprints["connascence/v1"]` carries the finding's fingerprint so code
//! scanning can follow a finding across commits. Diagnostics (files that could not be analyzed) become
//! tool execution notifications. Levels: critical and high → `error`, medium → `warning`, low → `note`.

use serde_json::{Value, json};

use crate::detectors::REGISTRY;
use crate::engine::Report;
use crate::finding::{Finding, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// A path as a relative URI reference: forward slashes, no leading `./`.
fn uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    path.strip_prefix("./").unwrap_or(&path).to_owned()
}

fn result(finding: &Finding) -> Value {
    json!({
        "ruleId": finding.rule.id(),
        "ruleIndex": finding.rule.index(),
        "level": level(finding.severity),
        "message": { "text": format!("{} — {}", finding.message, finding.recommendation) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&finding.file) },
                "region": {
                    "startLine": finding.line,
                    "startColumn": finding.column,
                    "endLine": finding.end_line,
                    "endColumn": finding.end_column,
                }
            }
        }],
        "partialFingerprints": { "connascence/v1": finding.fingerprint.to_string() },
        "properties": {
            "severity": finding.severity.as_str(),
            "connascenceType": finding.connascence_type.map(|t| t.as_str()),
        },
    })
}

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = REGISTRY
        .iter()
        .map(|info| {
            json!({
                "id": info.id,
                "name": info.id,
                "shortDescription": { "text": info.summary },
                "fullDescription": { "text": info.summary },
                "help": { "text": info.documentation(), "markdown": info.documentation() },
                "defaultConfiguration": { "enabled": info.enabled_by_default },
                "properties": {
                    "connascenceType": info.connascence_type.map(|t| t.as_str()),
                    "defaultThreshold": info.default_threshold,
                    "defaultSeverity": info.default_severity,
                },
            })
        })
        .collect();
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            json!({
                "level": "warning",
                "message": { "text": format!("{}: {}", diagnostic.kind.as_str(), diagnostic.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&diagnostic.file) },
                        "region": { "startLine": diagnostic.line, "startColumn": diagnostic.column },
                    }
                }],
            })
        })
        .collect();
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "connascence",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": report.findings.iter().map(result).collect::<Vec<_>>(),
        }]
    });
    let mut text = serde_json::to_string_pretty(&sarif).expect("SARIF always serializes");
    text.push('\n');
    text
}
