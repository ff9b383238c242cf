//! Markdown for a pull-request comment or a GitHub job summary: the outcome, the link to the HTML
//! report, a table of the metrics that are not unchanged, where each changed deterministic metric's
//! change went (all metrics folded below), counter changes and notes.

use super::{Exporter, Report, interval, p_values, percent, value};
use crate::compare::{MetricComparison, Verdict};

pub struct Markdown;

fn icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Regressed => "🔴",
        Verdict::Improved => "🟢",
        Verdict::Unchanged => "⚪",
        Verdict::Inconclusive => "🟡",
        Verdict::NotComparable => "⚫",
        Verdict::NoBaseline => "⚪",
    }
}

use super::markdown_text as escape;

/// A link for the comment: a web address as a Markdown link, a local path as inert text.
fn link_text(link: &str) -> String {
    let web = link.starts_with("https://") || link.starts_with("http://");
    if web && !link.contains(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>')) {
        format!("[the HTML report]({link})")
    } else {
        escape(link)
    }
}

fn rows(metrics: &[&MetricComparison]) -> String {
    let mut out = String::from(
        "| scenario | metric | verdict | baseline | candidate | change | interval | p (Holm) | notes |\n|---|---|---|---:|---:|---:|---:|---:|---|\n",
    );
    for m in metrics {
        out.push_str(&format!(
            "| {} | {} | {} {} | {} | {} | {} | {} | {} | {} |\n",
            escape(&m.scenario),
            escape(&m.metric),
            icon(m.verdict),
            m.verdict.as_str(),
            value(&m.metric, m.baseline),
            value(&m.metric, m.candidate),
            percent(m.ratio),
            interval(m),
            p_values(m),
            escape(&m.notes.join("; "))
        ));
    }
    out
}

impl Exporter for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }
    fn file_name(&self) -> &'static str {
        "perfgate.md"
    }
    fn render(&self, report: &Report) -> String {
        let comparison = report.comparison;
        let mut out = format!(
            "### perfgate\n\n**{}**\n\n",
            escape(&super::table::outcome(report))
        );
        if let Some(link) = &report.report_link {
            out.push_str(&format!("Report: {}\n\n", link_text(link)));
        }
        let notable: Vec<&MetricComparison> = comparison
            .metrics
            .iter()
            .filter(|m| m.verdict != Verdict::Unchanged)
            .collect();
        if !notable.is_empty() {
            out.push_str(&rows(&notable));
            out.push('\n');
        }
        let explained = super::explained(comparison);
        if !explained.is_empty() {
            out.push_str("#### Where it changed\n\n");
        }
        for m in explained {
            out.push_str(&format!(
                "**{} · {}** {} {}: {}\n\n| change | share | {} |\n|---:|---:|---|\n",
                escape(&m.scenario),
                escape(&m.metric),
                icon(m.verdict),
                m.verdict.as_str(),
                escape(&super::headline(m)),
                super::cause_kind(&m.metric)
            ));
            for cause in &m.cause {
                out.push_str(&format!(
                    "| {} {} | {} | {}{} |\n",
                    crate::report::format::signed_thousands(cause.delta),
                    crate::compare::cause::unit(&m.metric),
                    crate::report::format::percent(cause.share),
                    escape(&cause.site),
                    if cause.one_sided {
                        " (one side only)"
                    } else {
                        ""
                    }
                ));
            }
            out.push('\n');
        }
        let all: Vec<&MetricComparison> = comparison.metrics.iter().collect();
        out.push_str(&format!(
            "<details><summary>All {} metrics</summary>\n\n{}\n</details>\n\n",
            all.len(),
            rows(&all)
        ));
        if !comparison.counter_changes.is_empty() {
            out.push_str("Counters that changed (exact):\n\n");
            for c in &comparison.counter_changes {
                out.push_str(&format!(
                    "- {} {}: {} → {}{}\n",
                    escape(&c.scenario),
                    escape(&c.counter),
                    escape(&c.baseline),
                    escape(&c.candidate),
                    if c.behaviour {
                        " **(behaviour change)**"
                    } else {
                        ""
                    }
                ));
            }
            out.push('\n');
        }
        for (label, items) in [
            ("Missing from the candidate", &comparison.missing),
            ("New, without baseline", &comparison.added),
            ("Errors", &comparison.errors),
            ("Notes", &comparison.notes),
        ] {
            if !items.is_empty() {
                out.push_str(&format!("{label}:\n\n"));
                for item in items {
                    out.push_str(&format!("- {}\n", escape(item)));
                }
                out.push('\n');
            }
        }
        out
    }
}
