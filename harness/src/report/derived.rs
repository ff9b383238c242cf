//! The report's derived sections: per-function attribution tables, what one pass buys (unified
//! against per-detector on one corpus, as a ratio with an interval), the cache-edit hit rate,
//! aggregation throughput, cost growth of the synthetic series, and the copied artifacts.

use std::path::Path;

use super::attribution::Attribution;
use super::{ReportInput, charts, format, html};
use crate::compare::Verdict;
use crate::files::FileError;
use crate::results::ScenarioResult;
use crate::scenario::{Traversal, WorkloadKind};
use html::escape;

/// What "(below 0.1 % on one side)" means, under a table that has such a row.
fn one_sided_note(unit: &str) -> String {
    format!(
        "<p class=\"note\">(below 0.1 % on one side): both sides keep only what is above 0.1 % of their total {unit}; this row was below that on the other side (or absent), where it counts as 0, so its change may be overstated by up to 0.1 % of that side's total.</p>\n"
    )
}

/// The attribution of one instruction change.
pub fn attribution_table(attribution: &Attribution, verdict: Verdict) -> String {
    let rows: Vec<Vec<String>> = attribution
        .functions
        .iter()
        .map(|f| {
            vec![
                format!(
                    "<code>{}</code>{}",
                    escape(&f.name),
                    if f.one_sided {
                        " <span class=\"note\">(below 0.1 % on one side)</span>"
                    } else {
                        ""
                    }
                ),
                format!("#{}", format::signed_thousands(f.self_delta())),
                format!("#{}", format::signed_thousands(f.inclusive_delta())),
                format!("#{}", format::count(f.self_after as f64, "Ir")),
            ]
        })
        .collect();
    format!(
        "<p>Instructions {}: ΔIr = {}. The functions below explain {} % of it (self Ir adds up to the total; inclusive shown for context).</p>\n{}{}",
        verdict.as_str(),
        format::signed_thousands(attribution.total_delta),
        format::sig3(attribution.explained * 100.0),
        html::table(
            &["function", "Δ self Ir", "Δ inclusive Ir", "self Ir now"],
            &rows
        ),
        if attribution.functions.iter().any(|f| f.one_sided) {
            one_sided_note("Ir")
        } else {
            String::new()
        }
    )
}

/// The allocation sites behind a heap metric's change (its [`crate::compare::cause::Cause`]s), each
/// with its recorded stack (the allocating frame, then the analyzer's frames outward).
pub fn heap_sites_table(metric: &crate::compare::MetricComparison) -> String {
    let unit = crate::compare::cause::unit(&metric.metric);
    let rows: Vec<Vec<String>> = metric
        .cause
        .iter()
        .map(|cause| {
            vec![
                format!(
                    "<code>{}</code>{}",
                    escape(&cause.site),
                    if cause.one_sided {
                        " <span class=\"note\">(below 0.1 % on one side)</span>"
                    } else {
                        ""
                    }
                ),
                format!("#{} {unit}", format::signed_thousands(cause.delta)),
                format!("#{}", format::percent(cause.share)),
            ]
        })
        .collect();
    let headline = match (metric.baseline, metric.candidate) {
        (Some(a), Some(b)) => crate::compare::cause::headline(&metric.metric, a as u64, b as u64),
        _ => String::new(),
    };
    format!(
        "<p>{} {}: {}. The allocation sites below account for most of it (from both sides' dhat profiles).</p>\n{}{}",
        escape(&metric.metric),
        metric.verdict.as_str(),
        escape(&headline),
        html::table(
            &["allocation site (innermost first)", "change", "share"],
            &rows
        ),
        if metric.cause.iter().any(|c| c.one_sided) {
            one_sided_note(unit)
        } else {
            String::new()
        }
    )
}

/// The median of a scenario's round medians, when it has rounds.
pub(super) fn median_ns(result: &ScenarioResult) -> Option<f64> {
    result
        .time
        .as_ref()
        .filter(|t| !t.rounds.is_empty())
        .map(|t| t.median_ns())
}

fn log_medians(result: &ScenarioResult) -> Option<Vec<f64>> {
    result
        .time
        .as_ref()
        .map(|t| t.rounds.iter().map(|r| r.median_ns.ln()).collect())
        .filter(|v: &Vec<f64>| v.len() >= 2)
}

/// Unified against per-detector, the cache-edit hit rate and aggregation throughput, from the
/// candidate run; `None` when the run has none of them.
pub fn one_pass(input: &ReportInput) -> Option<String> {
    let find = |name: &str| input.candidate.scenarios.iter().find(|s| s.name == name);
    let mut out = String::from("<h2>What one pass buys, and other figures of this run</h2>\n");
    let mut rows = Vec::new();
    for per in input
        .scenarios
        .iter()
        .filter(|s| s.traversal == Traversal::PerDetector)
    {
        let Some(unified) = input.scenarios.iter().find(|u| {
            u.traversal == Traversal::Unified
                && u.corpus == per.corpus
                && u.kind == per.kind
                && u.detectors == per.detectors
                && u.threads == per.threads
        }) else {
            continue;
        };
        let (Some(a), Some(b)) = (find(&unified.name), find(&per.name)) else {
            continue;
        };
        let ir = match (&a.instructions, &b.instructions) {
            (Some(x), Some(y)) if x.ir() > 0 => {
                format!("#{}×", format::sig3(y.ir() as f64 / x.ir() as f64))
            }
            _ => "–".into(),
        };
        let time = match (log_medians(a), log_medians(b)) {
            (Some(x), Some(y)) => {
                let shift = crate::stats::hodges_lehmann(&y, &x).ok();
                let interval = crate::stats::moses_interval(&y, &x, 0.95).ok();
                match (shift, interval) {
                    (Some(s), Some((lo, hi))) if lo.is_finite() && hi.is_finite() => format!(
                        "#{}× [{}, {}]",
                        format::sig3(s.exp()),
                        format::sig3(lo.exp()),
                        format::sig3(hi.exp())
                    ),
                    (Some(s), _) => format!(
                        "#{}× (too few rounds for an interval)",
                        format::sig3(s.exp())
                    ),
                    _ => "–".into(),
                }
            }
            _ => "–".into(),
        };
        rows.push(vec![escape(&unified.name), escape(&per.name), ir, time]);
    }
    if !rows.is_empty() {
        out.push_str("<p>Cost of one traversal per detector relative to one traversal for all (per-detector ÷ unified; the visit ratio would be 1/N by construction, so it is not shown). Time: Hodges–Lehmann ratio of the round medians with its 95 % Moses interval.</p>\n");
        out.push_str(&html::table(
            &["unified", "per-detector", "instructions", "wall time"],
            &rows,
        ));
    }
    let mut facts = Vec::new();
    for definition in input.scenarios {
        let Some(result) = find(&definition.name) else {
            continue;
        };
        let Some(counters) = &result.counters else {
            continue;
        };
        match definition.kind {
            WorkloadKind::CacheEdit => {
                if let (Some(hits), Some(misses)) = (counters.cache_hits, counters.cache_misses)
                    && hits + misses > 0
                {
                    facts.push(format!(
                        "{}: cache hit rate {} % ({hits} hits, {misses} misses) on a real edit ({})",
                        escape(&definition.name),
                        format::sig3(hits as f64 / (hits + misses) as f64 * 100.0),
                        escape(&result.corpus_id)
                    ));
                }
            }
            WorkloadKind::Aggregate => {
                if let Some(ns) = median_ns(result) {
                    facts.push(format!(
                        "{}: aggregation of {} findings in {} — {} findings/s",
                        escape(&definition.name),
                        counters.findings,
                        format::duration(ns),
                        format::count(counters.findings as f64 / (ns / 1e9), "")
                    ));
                }
            }
            _ => {}
        }
    }
    if rows.is_empty() && facts.is_empty() {
        return None;
    }
    if !facts.is_empty() {
        out.push_str("<ul>\n");
        for fact in facts {
            out.push_str(&format!("<li>{fact}</li>\n"));
        }
        out.push_str("</ul>\n");
    }
    Some(out)
}

/// The candidate's results of synthetic-corpus scenarios of one kind.
pub(super) fn synthetic_results<'a>(
    input: &'a ReportInput,
    kind: WorkloadKind,
) -> impl Iterator<Item = &'a ScenarioResult> {
    input
        .candidate
        .scenarios
        .iter()
        .filter(|r| r.corpus_id.starts_with("synthetic:"))
        .filter(move |r| {
            input
                .scenarios
                .iter()
                .any(|s| s.name == r.name && s.kind == kind)
        })
}

/// Time and peak heap of the synthetic analysis series against corpus size, log-log; `None` with
/// fewer than two points of either.
pub fn growth(input: &ReportInput, charts_out: &mut super::Charts) -> Option<String> {
    let series: Vec<&ScenarioResult> = synthetic_results(input, WorkloadKind::Analyze).collect();
    let time: Vec<(f64, f64)> = series
        .iter()
        .filter_map(|r| Some((r.counters.as_ref()?.lines as f64, median_ns(r)? / 1e6)))
        .collect();
    let heap: Vec<(f64, f64)> = series
        .iter()
        .filter_map(|r| {
            Some((
                r.counters.as_ref()?.lines as f64,
                r.heap.as_ref()?.max_bytes as f64 / 1e6,
            ))
        })
        .collect();
    let mut out = String::from("<h2>Cost growth (synthetic series)</h2>\n");
    if time.len() < 2 && heap.len() < 2 {
        return None;
    }
    if time.len() >= 2 {
        out.push_str(&charts_out.add(
            "growth-time",
            charts::growth("Wall time against corpus size", "ms", &time),
            "Median wall time against lines analyzed, log-log; a slope of 1 is linear growth.",
        ));
    }
    if heap.len() >= 2 {
        out.push_str(&charts_out.add(
            "growth-heap",
            charts::growth("Peak heap against corpus size", "MB", &heap),
            "Peak heap (dhat max_bytes) against lines analyzed, log-log.",
        ));
    }
    Some(out)
}

fn copy(from: &Path, to: &Path) -> Result<(), FileError> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(FileError::of("create", parent))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(FileError::of("copy", from))
}

/// Copies each candidate scenario's dhat profile, callgrind files and flamegraphs beside the page.
pub fn artifacts(input: &ReportInput, dir: &Path) -> Result<String, FileError> {
    let mut items = Vec::new();
    for result in &input.candidate.scenarios {
        let mut links = Vec::new();
        if let Some(profile) = &result.heap_profile {
            let from = input.root.join(profile);
            if from.is_file() {
                let name = format!("{}/dhat-heap.json", result.id);
                copy(&from, &dir.join(&name))?;
                links.push(format!(
                    "<a href=\"artifacts/{}\">dhat-heap.json</a>",
                    escape(&name)
                ));
            }
        }
        if let Some(data) = &result.instructions {
            let folder = input.root.join(&data.artifacts);
            if let Ok(entries) = std::fs::read_dir(&folder) {
                let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                files.sort();
                for file in files {
                    let Some(file_name) = file.file_name().and_then(|n| n.to_str()) else {
                        continue;
                    };
                    if !(file_name.ends_with(".out") || file_name.ends_with(".svg")) {
                        continue;
                    }
                    let name = format!("{}/{file_name}", result.id);
                    copy(&file, &dir.join(&name))?;
                    links.push(format!(
                        "<a href=\"artifacts/{}\">{}</a>",
                        escape(&name),
                        escape(file_name)
                    ));
                }
            }
        }
        if !links.is_empty() {
            items.push(format!(
                "<li>{}: {}</li>",
                escape(&result.name),
                links.join(", ")
            ));
        }
    }
    if items.is_empty() {
        return Ok(String::new());
    }
    let mut out = String::from("<h2>Artifacts</h2>\n");
    out.push_str("<p>dhat profiles open in valgrind's <code>dh_view.html</code> (shipped with valgrind; on Debian <code>/usr/libexec/valgrind/dh_view.html</code>: open it in a browser, then load the file). Callgrind files (<code>*.out</code>, one per thread) open in KCachegrind or <code>callgrind_annotate --inclusive=yes FILE</code>; flamegraphs are gungraun's, of this run.</p>\n<ul>\n");
    for item in items {
        out.push_str(&item);
        out.push('\n');
    }
    out.push_str("</ul>\n");
    Ok(out)
}

/// The order effect of interleaved rounds (`compare-branches`): HEAD/BASE by which side ran first.
pub fn order_effect(input: &ReportInput) -> String {
    let effects = crate::branches::order_effects(input.baseline, input.candidate);
    if effects.is_empty() {
        return String::new();
    }
    let ratios = |values: &[f64]| {
        if values.is_empty() {
            "–".to_owned()
        } else {
            format!(
                "{} ({} pairs)",
                format::change(crate::stats::median(values)),
                values.len()
            )
        }
    };
    let rows: Vec<Vec<String>> = effects
        .iter()
        .map(|e| {
            vec![
                escape(&e.scenario),
                format!("#{}", ratios(&e.base_first)),
                format!("#{}", ratios(&e.head_first)),
                format!(
                    "#{}",
                    e.second_costs
                        .map_or("–".into(), |c| format::change(1.0 + c))
                ),
                format!("#{}", e.balanced_ratio.map_or("–".into(), format::change)),
                format!(
                    "#{}",
                    e.p.map_or("–".into(), |p| escape(&crate::export::format_p(p)))
                ),
            ]
        })
        .collect();
    format!(
        "<h2>Order effect of the interleaved rounds</h2>\n<p>Both builds ran in alternating pairs (A B, B A, A B, …; A = baseline). The change is shown separately for the pairs where the baseline ran first and those where the candidate did; if running second costs a factor 1 + e, the first show the change times 1 + e and the second divided by it, so e = √(first / second) − 1 and the balanced change is their geometric mean. p: two-sided Mann–Whitney test of the two orders. The verdict above uses the rounds themselves; this table says whether the order mattered.</p>\n{}",
        html::table(
            &[
                "scenario",
                "change, baseline first",
                "change, candidate first",
                "cost of running second",
                "balanced change",
                "p (orders differ)",
            ],
            &rows
        )
    )
}
