//! Text output in the style of ruff: one `file:line:col: rule [severity] message` line per finding
//! (or, with `--statistics`, one count per rule instead), diagnostics as `file:line:col: kind message`,
//! unused suppressions when asked for, then a summary line; `--stats` adds the counters. Control
//! characters in file names and messages are escaped: one line is always one entry.

use std::fmt::Write;

use super::{TextExtras, escape_controls as esc};
use crate::engine::Report;

pub fn render(report: &Report, extras: TextExtras) -> String {
    let mut out = String::new();
    if extras.statistics {
        render_statistics(report, &mut out);
    }
    let shown = if extras.statistics {
        0
    } else {
        report.findings.len()
    };
    for finding in report.findings.iter().take(shown) {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            esc(&finding.file),
            finding.line,
            finding.column,
            finding.rule,
            finding.severity,
            esc(&finding.message)
        );
    }
    for diagnostic in &report.diagnostics {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {}",
            esc(&diagnostic.file),
            diagnostic.line,
            diagnostic.column,
            diagnostic.kind.as_str(),
            esc(&diagnostic.message)
        );
    }
    for unused in &report.unused_suppressions {
        let _ = writeln!(
            out,
            "{}:{}:{}: unused-ignore {}",
            esc(&unused.file),
            unused.line,
            unused.column,
            esc(&unused.message)
        );
    }
    let stats = &report.stats;
    let by_severity: Vec<String> = stats
        .findings_by_severity
        .iter()
        .rev()
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect();
    let severity_text = if by_severity.is_empty() {
        String::new()
    } else {
        format!(" ({})", by_severity.join(", "))
    };
    let _ = writeln!(
        out,
        "Found {} finding{}{severity_text} in {} file{}; {} diagnostic{}.",
        stats.findings,
        plural(stats.findings),
        stats.files,
        plural(stats.files),
        stats.diagnostics,
        plural(stats.diagnostics)
    );

    if extras.stats {
        render_stats(report, &mut out);
    }
    out
}

/// Counts per rule, most first, like `ruff --statistics`: count, rule, connascence type.
fn render_statistics(report: &Report, out: &mut String) {
    let mut rows: Vec<(&String, &u64)> = report.stats.findings_by_rule.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let width = rows.first().map_or(1, |(_, count)| count.to_string().len());
    for (rule, count) in rows {
        let kind = crate::Rule::by_id(rule)
            .and_then(|rule| rule.info().connascence_type)
            .map_or("—", |kind| kind.as_str());
        let _ = writeln!(out, "{count:>width$}  {rule:<20} {kind}");
    }
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn render_stats(report: &Report, out: &mut String) {
    let stats = &report.stats;
    let t = &stats.traversal;
    let ms = |ns: u64| ns as f64 / 1e6;
    let _ = writeln!(
        out,
        "files {} (analyzed {}), lines {}, bytes {}",
        stats.files, stats.files_analyzed, stats.lines, stats.bytes
    );
    let _ = writeln!(
        out,
        "nodes {}, node visits {}, detector calls {}, traversals {}",
        t.nodes, t.node_visits, t.detector_calls, t.traversals
    );
    for (rule, count) in &stats.findings_by_rule {
        let _ = writeln!(out, "  {rule:<20} {count}");
    }
    let p = &stats.phases;
    let _ = writeln!(
        out,
        "time (ms): discover {:.3}, read {:.3}, parse {:.3}, visit {:.3}, aggregate {:.3}",
        ms(p.discover_ns),
        ms(p.read_ns),
        ms(p.parse_ns),
        ms(p.visit_ns),
        ms(p.aggregate_ns)
    );
}
