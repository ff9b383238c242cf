//! The terminal table: one aligned row per scenario × metric, coloured on a terminal (red
//! regressed, green improved, yellow inconclusive, dim not comparable), then where each changed
//! deterministic metric's change went (functions, allocation sites), counter changes, missing
//! scenarios, errors, notes and the gate's outcome.

use super::{Exporter, Report, interval, p_values, percent, value};
use crate::compare::Verdict;

pub struct Table {
    pub colour: bool,
}

fn paint(text: &str, verdict: Verdict, colour: bool) -> String {
    if !colour {
        return text.to_owned();
    }
    let code = match verdict {
        Verdict::Regressed => "31;1",
        Verdict::Improved => "32;1",
        Verdict::Inconclusive => "33",
        Verdict::NotComparable | Verdict::NoBaseline => "2",
        Verdict::Unchanged => "0",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The outcome line shared by the table and Markdown.
pub fn outcome(report: &Report) -> String {
    let comparison = report.comparison;
    let tally = comparison.tally();
    let counts = [
        "regressed",
        "improved",
        "unchanged",
        "inconclusive",
        "not comparable",
        "no baseline",
    ]
    .iter()
    .filter_map(|v| tally.get(v).map(|n| format!("{n} {v}")))
    .collect::<Vec<_>>()
    .join(", ");
    let verdict = comparison.verdict();
    let mut line = format!(
        "gate: {verdict} against {} — {}",
        report.baseline,
        if counts.is_empty() {
            "nothing compared".into()
        } else {
            counts
        }
    );
    if !comparison.uncompared.is_empty() {
        line.push_str(&format!(
            "; {} not compared (--allow-uncompared)",
            comparison.uncompared.join(", ")
        ));
    }
    if !comparison.not_run.is_empty() {
        line.push_str(&format!(
            "; not run: {}",
            crate::results::list_some(&comparison.not_run, 5)
        ));
    }
    line
}

impl Exporter for Table {
    fn name(&self) -> &'static str {
        "table"
    }
    fn file_name(&self) -> &'static str {
        "perfgate.txt"
    }
    fn render(&self, report: &Report) -> String {
        let comparison = report.comparison;
        // The widths of the columns before `notes`; the first three are left-aligned.
        const WIDTHS: [usize; 10] = [24, 18, 15, 17, 17, 9, 22, 22, 7, 7];
        let mut out = String::new();
        let shown = super::COLUMNS.iter().filter(|c| **c != "threshold");
        for (i, (name, width)) in shown.zip(WIDTHS).enumerate() {
            match i {
                0..3 => out.push_str(&format!("{name:<width$} ")),
                _ => out.push_str(&format!("{name:>width$} ")),
            }
        }
        out.push_str(" notes\n");
        for m in &comparison.metrics {
            let verdict = format!("{:<15}", m.verdict.as_str());
            out.push_str(&format!(
                "{:<24} {:<18} {} {:>17} {:>17} {:>9} {:>22} {:>22} {:>7} {:>7}  {}\n",
                m.scenario,
                m.metric,
                paint(&verdict, m.verdict, self.colour),
                value(&m.metric, m.baseline),
                value(&m.metric, m.candidate),
                percent(m.ratio),
                interval(m),
                p_values(m),
                m.mde.map_or("–".into(), crate::report::format::percent),
                m.rounds.map_or("–".into(), |(a, b)| format!("{a}/{b}")),
                m.notes.join("; ")
            ));
        }
        for m in super::explained(comparison) {
            out.push_str(&format!(
                "\nwhere {} {} {}: {}, by {}\n",
                m.scenario,
                m.metric,
                paint(m.verdict.as_str(), m.verdict, self.colour),
                super::headline(m),
                super::cause_kind(&m.metric)
            ));
            for cause in &m.cause {
                out.push_str(&format!(
                    "  {}\n",
                    crate::compare::cause::line(&m.metric, cause)
                ));
            }
        }
        if !comparison.counter_changes.is_empty() {
            out.push_str("\ncounters that changed (exact):\n");
            for change in &comparison.counter_changes {
                out.push_str(&format!(
                    "  {:<24} {:<32} {} -> {}{}\n",
                    change.scenario,
                    change.counter,
                    change.baseline,
                    change.candidate,
                    if change.behaviour {
                        "  (behaviour change)"
                    } else {
                        ""
                    }
                ));
            }
        }
        for name in &comparison.missing {
            out.push_str(&format!("missing from the candidate: {name}\n"));
        }
        for name in &comparison.not_run {
            out.push_str(&format!("not run (outside this run's selection): {name}\n"));
        }
        for name in &comparison.added {
            if comparison.unbaselined.contains(name) {
                out.push_str(&format!(
                    "new, no baseline (fails the gate; --allow-new accepts it): {name}\n"
                ));
            } else {
                out.push_str(&format!("new (no baseline): {name}\n"));
            }
        }
        for error in &comparison.errors {
            out.push_str(&format!("error: {error}\n"));
        }
        for note in &comparison.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out.push_str(&outcome(report));
        out.push('\n');
        out
    }
}
