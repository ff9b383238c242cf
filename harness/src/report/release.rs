//! The release report's own sections (`perfgate release-report`): the headline table — time,
//! instructions, peak heap, lines/s and findings/s of every scenario at both tags with the change —
//! and the figures the replaced system only claimed, each measured in this run with the command that
//! reproduces it.

use super::derived::median_ns;
use super::{ReportInput, format, html};
use crate::results::ScenarioResult;
use crate::scenario::{Traversal, WorkloadKind};
use html::escape;

/// `old → new (change)`, or what is missing.
fn pair(old: Option<f64>, new: Option<f64>, show: impl Fn(f64) -> String) -> String {
    match (old, new) {
        (Some(a), Some(b)) if a > 0.0 => {
            format!("#{} → {} ({})", show(a), show(b), format::change(b / a))
        }
        (Some(a), Some(b)) => format!("#{} → {}", show(a), show(b)),
        (None, Some(b)) => format!("#{} (new)", show(b)),
        _ => "–".into(),
    }
}

/// Per second of the median round, from a counter.
fn rate(
    result: Option<&ScenarioResult>,
    count: impl Fn(&crate::results::CounterData) -> u64,
) -> Option<f64> {
    let result = result?;
    let ns = median_ns(result)?;
    Some(count(result.counters.as_ref()?) as f64 / (ns / 1e9))
}

/// The headline table: one row per scenario of the release set.
pub fn headline(input: &ReportInput) -> String {
    let mut rows = Vec::new();
    for new in &input.candidate.scenarios {
        let old = input.baseline.scenarios.iter().find(|s| s.name == new.name);
        let aggregate = input
            .scenarios
            .iter()
            .any(|s| s.name == new.name && s.kind == WorkloadKind::Aggregate);
        let ir = |r: &ScenarioResult| r.instructions.as_ref().map(|d| d.ir() as f64);
        let peak = |r: &ScenarioResult| r.heap.as_ref().map(|h| h.max_bytes as f64);
        rows.push(vec![
            escape(&new.name),
            pair(old.and_then(median_ns), median_ns(new), format::duration),
            pair(old.and_then(ir), ir(new), |v| format::count(v, "Ir")),
            pair(old.and_then(peak), peak(new), format::bytes),
            if aggregate {
                "– (aggregation only)".into()
            } else {
                pair(rate(old, |c| c.lines), rate(Some(new), |c| c.lines), |v| {
                    format::count(v, "")
                })
            },
            pair(
                rate(old, |c| c.findings),
                rate(Some(new), |c| c.findings),
                |v| format::count(v, ""),
            ),
        ]);
    }
    format!(
        "<h2>Release headline</h2>\n<p>Every scenario of the release set at {} and at {}: the median of the round medians, instructions, peak heap (dhat's max bytes), and lines and findings per second of the median round; the change is the candidate against the baseline. Verdicts with their intervals follow below.</p>\n{}",
        escape(input.baseline_label),
        escape(input.candidate_label),
        html::table(
            &[
                "scenario",
                "time",
                "instructions",
                "peak heap",
                "lines/s",
                "findings/s"
            ],
            &rows
        )
    )
}

/// The claims of the replaced system, measured here (or why not).
pub fn claims(input: &ReportInput) -> String {
    let find = |name: &str| input.candidate.scenarios.iter().find(|s| s.name == name);
    let command = |names: &[&str], engines: &str| {
        format!(
            "<code>cargo run --release -p perfgate -- run --filter {} --engines {engines}</code>",
            escape(&crate::shell_quote(&format!("{{{}}}", names.join(","))))
        )
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    // One pass against one pass per detector, on one corpus.
    let pairs: Vec<(&str, &str)> = input
        .scenarios
        .iter()
        .filter(|s| s.traversal == Traversal::PerDetector)
        .filter_map(|per| {
            input
                .scenarios
                .iter()
                .find(|u| {
                    u.traversal == Traversal::Unified
                        && u.corpus == per.corpus
                        && u.kind == per.kind
                        && u.detectors == per.detectors
                        && u.threads == per.threads
                })
                .map(|u| (u.name.as_str(), per.name.as_str()))
        })
        .collect();
    for (unified, per) in &pairs {
        if let (Some(a), Some(b)) = (find(unified), find(per)) {
            let ir = match (&a.instructions, &b.instructions) {
                (Some(x), Some(y)) if y.ir() > 0 => format!(
                    "{} % fewer instructions",
                    format::sig3((1.0 - x.ir() as f64 / y.ir() as f64) * 100.0)
                ),
                _ => "instructions not measured".into(),
            };
            let time = match (median_ns(a), median_ns(b)) {
                (Some(x), Some(y)) if y > 0.0 => {
                    format!("{} % less wall time", format::sig3((1.0 - x / y) * 100.0))
                }
                _ => "wall time not measured".into(),
            };
            rows.push(vec![
                "“96.71 % traversal reduction”".into(),
                format!("one pass for all detectors against one per detector: {ir}, {time}"),
                command(&[unified, per], "instructions,time"),
            ]);
        }
    }
    for definition in input.scenarios {
        let Some(result) = find(&definition.name) else {
            continue;
        };
        let counters = result.counters.as_ref();
        match definition.kind {
            WorkloadKind::CacheEdit => {
                if let Some((hits, misses)) =
                    counters.and_then(|c| Some((c.cache_hits?, c.cache_misses?)))
                    && hits + misses > 0
                {
                    rows.push(vec![
                        "“96.7 % cache hit rate”".into(),
                        format!(
                            "{} % on a real edit ({hits} hits, {misses} misses; {})",
                            format::sig3(hits as f64 / (hits + misses) as f64 * 100.0),
                            escape(&result.corpus_id)
                        ),
                        command(&[&definition.name], "counters"),
                    ]);
                }
            }
            WorkloadKind::Aggregate => {
                if let Some(per_second) = rate(Some(result), |c| c.findings) {
                    rows.push(vec![
                        "aggregation throughput".into(),
                        format!("{} findings/s", format::count(per_second, "")),
                        command(&[&definition.name], "time,counters"),
                    ]);
                }
            }
            WorkloadKind::ParseOnly => {
                let analysis = input.scenarios.iter().find(|s| {
                    s.kind == WorkloadKind::Analyze
                        && s.traversal == Traversal::Unified
                        && s.corpus == definition.corpus
                        && s.threads == definition.threads
                });
                if let Some(analysis) = analysis
                    && let (Some(a), Some(p)) =
                        (find(&analysis.name).and_then(median_ns), median_ns(result))
                    && p > 0.0
                {
                    rows.push(vec![
                        "speed against parsing alone".into(),
                        format!(
                            "the analysis takes {}× the time of parse + walk ({} vs {})",
                            format::sig3(a / p),
                            format::duration(a),
                            format::duration(p)
                        ),
                        command(&[&analysis.name, &definition.name], "time"),
                    ]);
                }
            }
            _ => {}
        }
    }
    let heap: Vec<String> = input
        .candidate
        .scenarios
        .iter()
        .filter_map(|new| {
            let old = input
                .baseline
                .scenarios
                .iter()
                .find(|s| s.name == new.name)?;
            let (a, b) = (old.heap.as_ref()?.max_bytes, new.heap.as_ref()?.max_bytes);
            (a > 0).then(|| {
                format!(
                    "{} {}",
                    escape(&new.name),
                    format::change(b as f64 / a as f64)
                )
            })
        })
        .collect();
    if !heap.is_empty() {
        rows.push(vec![
            "heap change".into(),
            format!("peak heap: {}", heap.join(", ")),
            command(&["*"], "allocations"),
        ]);
    }
    let body = if rows.is_empty() {
        "<p class=\"note\">None of the scenarios that measure these figures ran in this release report.</p>\n".to_owned()
    } else {
        html::table(
            &["claimed before", "measured in this run", "reproduce"],
            &rows,
        )
    };
    format!(
        "<h2>What the replaced system claimed, measured</h2>\n<p>The analyzer this project replaced printed these figures from mocks and constants. Here each comes from this run's measurements of the candidate, with the command that measures it again.</p>\n{body}"
    )
}
