//! Text output in the style of ruff: one `file:line:col: rule [severity] message` line per finding,
//! diagnostics as `file:line:col: error-kind message`, then a summary line; `--stats` adds the counters.

use std::fmt::Write;

use crate::engine::Report;

pub fn render(report: &Report, show_stats: bool) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            finding.file,
            finding.line,
            finding.column,
            finding.rule,
            finding.severity,
            finding.message
        );
    }
    for diagnostic in &report.diagnostics {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {}",
            diagnostic.file,
            diagnostic.line,
            diagnostic.column,
            diagnostic.kind.as_str(),
            diagnostic.message
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
    if show_stats {
        render_stats(report, &mut out);
    }
    out
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
        "time (ms): read {:.3}, parse {:.3}, visit {:.3}, aggregate {:.3}",
        ms(p.read_ns),
        ms(p.parse_ns),
        ms(p.visit_ns),
        ms(p.aggregate_ns)
    );
}
