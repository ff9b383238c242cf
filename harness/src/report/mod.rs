//! `perfgate report`: a self-contained HTML report of a comparison — `index.html`, SVG charts in
//! `charts/` and the measurement artifacts (dhat profiles, callgrind files, flamegraphs) copied into
//! `artifacts/`, opening offline (no scripts, no external fonts or styles).
//!
//! Sections: the summary (gate result, verdict counts, both fingerprints, comparability notes, the
//! calibration or "not calibrated"), the change of every scenario with its interval, one part per
//! scenario (rounds over sample distributions, instructions and heap side by side, per-function
//! attribution of instruction changes), the order effect of interleaved rounds (`compare-branches`),
//! what one pass buys and other derived figures
//! ([`derived`]), cost growth of the synthetic series, trends over the history with change points
//! (`trends`), the artifacts, and the commands that
//! reproduce the report. Every user-supplied string is escaped ([`html::escape`]).

pub mod attribution;
pub mod charts;
mod derived;
mod flame;
pub mod format;
pub mod html;
pub mod peers;
mod release;
mod summary;
mod targets;
mod trends;

pub use trends::write_page as write_trends;

use std::path::{Path, PathBuf};

use crate::calibrate::Calibration;
use crate::compare::{Comparison, MetricComparison, Verdict};
use crate::files::FileError;
use crate::results::{Results, ScenarioResult};
use crate::scenario::Scenario;
use html::escape;

/// Everything a report shows.
pub struct ReportInput<'a> {
    pub comparison: &'a Comparison,
    pub baseline: &'a Results,
    pub candidate: &'a Results,
    pub baseline_label: &'a str,
    pub candidate_label: &'a str,
    /// The repository's scenario definitions (kinds and traversals for the derived figures).
    pub scenarios: &'a [Scenario],
    pub calibration: Option<&'a Calibration>,
    /// The repository root: artifact paths in the results are relative to it.
    pub root: &'a Path,
    /// The commands that reproduce the report.
    pub commands: Vec<String>,
    /// The run history, for the trend section (`gate --history`).
    pub history: Option<&'a [crate::history::Record]>,
    /// A release report (`release-report`): the headline table and the measured claims first.
    pub release: bool,
    /// The last peer comparison (`perfgate peers`), shown when there is one.
    pub peers: Option<&'a crate::peers::PeersReport>,
}

/// An error shown in the page where its figure would be.
fn note(error: &dyn std::fmt::Display) -> String {
    format!("<p class=\"note\">{}</p>\n", escape(&error.to_string()))
}

/// A chart written beside the page.
struct Charts<'a> {
    dir: &'a Path,
    written: usize,
}

impl Charts<'_> {
    /// Writes `svg` as `charts/<name>.svg` and returns the figure, or the error as a note.
    fn add(&mut self, name: &str, svg: charts::ChartResult, caption: &str) -> String {
        match svg {
            Ok(svg) => match self.write(name, &svg) {
                Ok(file) => html::figure(&file, caption),
                Err(error) => note(&error),
            },
            Err(error) => note(&error),
        }
    }

    /// Writes `svg` as `charts/<name>.svg` and returns its path relative to the page.
    fn write(&mut self, name: &str, svg: &str) -> Result<String, FileError> {
        let file = format!("{name}.svg");
        crate::export::write_atomic(&self.dir.join(&file), svg)?;
        self.written += 1;
        Ok(format!("charts/{file}"))
    }

    /// The differential flamegraph of a scenario whose Ir changed, or why there is none.
    fn flamegraph(
        &mut self,
        id: &str,
        name: &str,
        before: &crate::results::InstructionData,
        after: &crate::results::InstructionData,
    ) -> String {
        let svg = match flame::draw(name, before, after) {
            Ok(svg) => svg,
            Err(why) => {
                return format!(
                    "<p class=\"note\">No differential flamegraph: {}.</p>\n",
                    escape(&why.to_string())
                );
            }
        };
        match self.write(&format!("flame-{id}"), &svg) {
            Ok(file) => format!(
                "<figure class=\"flame\">\n<a href=\"{file}\"><img src=\"{file}\" alt=\"differential flamegraph of {name}\"></a>\n<figcaption>Differential flamegraph against the baseline: widths are the candidate's Ir, red frames spend more than the baseline and blue ones less (a function that disappeared has no frame; see the table above). The stacks are rebuilt from callgrind's caller → callee totals on both sides alike. Open it to zoom and search.</figcaption>\n</figure>\n",
                file = escape(&file),
                name = escape(name)
            ),
            Err(error) => note(&error),
        }
    }
}

/// A verdict as a mark and a word (the mark survives a page printed or read without colour).
fn verdict_cell(verdict: Verdict) -> String {
    let mark = match verdict {
        Verdict::Regressed => "▲ ",
        Verdict::Improved => "▼ ",
        Verdict::Inconclusive => "? ",
        Verdict::NotComparable => "✕ ",
        Verdict::NoBaseline | Verdict::Unchanged => "",
    };
    format!(
        "<span class=\"verdict-{}\">{mark}{}</span>",
        verdict.as_str().replace(' ', "-"),
        verdict.as_str()
    )
}

/// The order of rows in a table: regressions first, then what could not be judged, then
/// improvements, what has no baseline and the unchanged.
fn severity(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Regressed => 0,
        Verdict::NotComparable => 1,
        Verdict::Inconclusive => 2,
        Verdict::Improved => 3,
        Verdict::NoBaseline => 4,
        Verdict::Unchanged => 5,
    }
}

/// Metrics ranked by [`severity`], then by the size of the change (largest first), then by name.
fn ranked<'a>(metrics: &[&'a MetricComparison]) -> Vec<&'a MetricComparison> {
    let mut metrics = metrics.to_vec();
    let size = |m: &MetricComparison| m.ratio.map_or(0.0, |r| r.ln().abs());
    metrics.sort_by(|a, b| {
        severity(a.verdict)
            .cmp(&severity(b.verdict))
            .then(size(b).total_cmp(&size(a)))
            .then(a.scenario.cmp(&b.scenario))
            .then(a.metric.cmp(&b.metric))
    });
    metrics
}

fn metric_value(metric: &str, value: Option<f64>) -> String {
    format::value(metric, value)
}

fn interval_text(m: &MetricComparison) -> String {
    format::interval(m.interval)
}

/// The notes every one of `metrics` carries (said once under the table instead of on each row).
fn common_notes(metrics: &[&MetricComparison]) -> Vec<String> {
    let Some((first, rest)) = metrics.split_first() else {
        return Vec::new();
    };
    if rest.is_empty() {
        return Vec::new();
    }
    first
        .notes
        .iter()
        .filter(|note| rest.iter().all(|m| m.notes.contains(note)))
        .cloned()
        .collect()
}

fn metrics_table(metrics: &[&MetricComparison], with_scenario: bool) -> String {
    let metrics = ranked(metrics);
    let common = common_notes(&metrics);
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|m| {
            let mut row = vec![
                escape(&m.scenario),
                escape(&m.metric),
                verdict_cell(m.verdict),
                format!("#{}", metric_value(&m.metric, m.baseline)),
                format!("#{}", metric_value(&m.metric, m.candidate)),
                format!("#{}", m.ratio.map_or("–".into(), format::change)),
                format!("#{}", interval_text(m)),
                format!(
                    "#{}",
                    m.p_adjusted
                        .map_or("–".into(), |p| escape(&crate::export::format_p(p)))
                ),
                format!(
                    "#{}",
                    m.mde
                        .map_or("–".into(), |v| format!("{} %", format::sig3(v * 100.0)))
                ),
                format!("#{} %", format::sig3(m.threshold * 100.0)),
                m.rounds.map_or("–".into(), |(a, b)| format!("#{a}/{b}")),
                format!(
                    "<span class=\"note\">{}</span>",
                    escape(
                        &m.notes
                            .iter()
                            .filter(|note| !common.contains(note))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                ),
            ];
            if !with_scenario {
                row.remove(0);
            }
            row
        })
        .collect();
    let header = &crate::export::COLUMNS[usize::from(!with_scenario)..];
    let (header, rows) = html::without_empty_columns(header, rows);
    let marked: Vec<(Option<&str>, Vec<String>)> = metrics
        .iter()
        .zip(rows)
        .map(|(m, row)| {
            let class = match m.verdict {
                Verdict::Regressed => Some("regressed"),
                Verdict::Improved => Some("improved"),
                _ => None,
            };
            (class, row)
        })
        .collect();
    let mut out = html::marked_table(&header, &marked);
    if !common.is_empty() {
        out.push_str(&format!(
            "<p class=\"note\">Every row: {}.</p>\n",
            escape(&common.join("; "))
        ));
    }
    out
}

/// A ratio as a percent change: a fall to nothing is −100 %, a rise from nothing +∞ (the chart
/// draws it at its edge).
fn percent_change(ratio: f64) -> f64 {
    (ratio - 1.0) * 100.0
}

fn changes(input: &ReportInput, charts: &mut Charts) -> String {
    let compared: Vec<&MetricComparison> = input
        .comparison
        .metrics
        .iter()
        .filter(|m| m.ratio.is_some_and(|r| !r.is_nan()))
        .collect();
    let labels: Vec<String> = compared
        .iter()
        .map(|m| format!("{} · {}", m.scenario, m.metric))
        .collect();
    let mut out = String::from("<h2>Changes</h2>\n");
    if !compared.is_empty() {
        let rows: Vec<charts::Change> = compared
            .iter()
            .zip(&labels)
            .map(|(m, label)| charts::Change {
                label,
                change: percent_change(m.ratio.unwrap_or(1.0)),
                interval: m
                    .interval
                    .map(|(low, high)| (percent_change(low), percent_change(high))),
                threshold: m.threshold * 100.0,
                mark: match m.verdict {
                    Verdict::Regressed => charts::Mark::Regressed,
                    Verdict::Improved => charts::Mark::Improved,
                    Verdict::Inconclusive => charts::Mark::Inconclusive,
                    _ => charts::Mark::Other,
                },
            })
            .collect();
        out.push_str(&charts.add(
            "changes",
            charts::changes(&rows),
            "Change of every compared scenario and metric against the baseline, largest at the top. Points are the change (wall time: ratio of the geometric means of the round medians; counts: exact), lines its interval at the gate's level (exact counts have none), the shaded band each metric's threshold. Red: regressed; green: improved; amber: inconclusive; dark: unchanged or not judged. A rise from nothing is drawn at the right edge.",
        ));
    }
    let notable: Vec<&MetricComparison> = input
        .comparison
        .metrics
        .iter()
        .filter(|m| m.verdict != Verdict::Unchanged)
        .collect();
    if notable.is_empty() {
        out.push_str("<p>Every compared metric is unchanged.</p>\n");
    } else {
        out.push_str("<p>Metrics that are not unchanged (every metric is in its scenario's table below):</p>\n");
        out.push_str(&metrics_table(&notable, true));
    }
    if !input.comparison.counter_changes.is_empty() {
        let rows: Vec<Vec<String>> = input
            .comparison
            .counter_changes
            .iter()
            .map(|c| {
                vec![
                    escape(&c.scenario),
                    escape(&c.counter),
                    format!("#{}", escape(&c.baseline)),
                    format!("#{}", escape(&c.candidate)),
                    if c.behaviour {
                        "<strong>behaviour change</strong>".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        out.push_str("<h3>Counters that changed (exact)</h3>\n");
        out.push_str(&html::table(
            &["scenario", "counter", "baseline", "candidate", ""],
            &rows,
        ));
    }
    out
}

fn per_sample_ms(result: &ScenarioResult) -> Option<charts::Side<'static>> {
    let time = result.time.as_ref()?;
    Some(charts::Side {
        label: "",
        samples_ms: time
            .rounds
            .iter()
            .flat_map(|r| {
                r.times_ns
                    .iter()
                    .zip(&r.iters)
                    .map(|(t, i)| (t / i / 1e6) as f32)
            })
            .collect(),
        medians_ms: time
            .rounds
            .iter()
            .map(|r| (r.median_ns / 1e6) as f32)
            .collect(),
    })
}

fn scenario_section(input: &ReportInput, name: &str, charts: &mut Charts) -> String {
    let base = input.baseline.scenarios.iter().find(|s| s.name == name);
    let cand = input.candidate.scenarios.iter().find(|s| s.name == name);
    let mut out = format!(
        "<h3 id=\"scenario-{}\">{}</h3>\n",
        escape(name),
        escape(name)
    );
    if let Some(definition) = input.scenarios.iter().find(|s| s.name == name) {
        out.push_str(&format!(
            "<p class=\"note\">{}</p>\n",
            escape(&definition.description)
        ));
    }
    let metrics: Vec<&MetricComparison> = input
        .comparison
        .metrics
        .iter()
        .filter(|m| m.scenario == name)
        .collect();
    let sides: Vec<charts::Side> = [("baseline", base), ("candidate", cand)]
        .into_iter()
        .filter_map(|(label, result)| {
            per_sample_ms(result?).map(|side| charts::Side { label, ..side })
        })
        .collect();
    if !sides.is_empty() {
        let time = metrics.iter().find(|m| m.metric == "time");
        let mut caption = String::from(
            "Wall time per iteration: every sample (box) and each round's median (points)",
        );
        match sides.iter().map(|s| s.label).collect::<Vec<_>>()[..] {
            ["baseline", "candidate"] => caption.push_str(", baseline beside candidate. "),
            [only] => caption.push_str(&format!(" (the {only} only). ")),
            _ => caption.push_str(". "),
        }
        caption.push_str(&match time {
            Some(m) if m.ratio.is_some() => format!(
                "Change {} {}: {}.",
                format::change_of(m.ratio),
                interval_text(m),
                m.verdict.as_str()
            ),
            Some(m) if !m.notes.is_empty() => {
                format!("{}: {}.", m.verdict.as_str(), m.notes.join("; "))
            }
            Some(m) => format!("{}.", m.verdict.as_str()),
            None => "Wall time is not compared for this scenario.".into(),
        });
        let id = cand.or(base).map_or(name.to_owned(), |s| s.id.clone());
        out.push_str(&charts.add(
            &format!("rounds-{id}"),
            charts::rounds(&format!("{name}: wall time per round"), &sides),
            &escape(&caption),
        ));
    }
    if metrics.is_empty() {
        out.push_str(&format!(
            "<p class=\"note\">Nothing compared: the baseline has no {}.</p>\n",
            if base.is_some() {
                "metric this run measured for this scenario"
            } else {
                "such scenario (see the summary's notes)"
            }
        ));
    } else {
        out.push_str(&metrics_table(&metrics, false));
    }
    for metric in metrics.iter().filter(|m| {
        m.metric == "instructions" && matches!(m.verdict, Verdict::Regressed | Verdict::Improved)
    }) {
        let (Some(before), Some(after)) = (
            base.and_then(|s| s.instructions.as_ref()),
            cand.and_then(|s| s.instructions.as_ref()),
        ) else {
            continue;
        };
        out.push_str(&derived::attribution_table(
            &attribution::attribute(before, after),
            metric.verdict,
        ));
        let id = cand.or(base).map_or(name.to_owned(), |s| s.id.clone());
        out.push_str(&charts.flamegraph(&id, name, before, after));
    }
    for metric in metrics
        .iter()
        .filter(|m| m.metric.starts_with("heap.") && !m.cause.is_empty())
    {
        out.push_str(&derived::heap_sites_table(metric));
    }
    out
}

/// Scenario names as a list of code spans, with their tags (`–` for none).
fn named(scenarios: Vec<&Scenario>) -> String {
    if scenarios.is_empty() {
        return "none is defined in <code>scenarios/</code>".into();
    }
    scenarios
        .iter()
        .map(|s| {
            format!(
                "<code>{}</code> ({})",
                escape(&s.name),
                escape(&s.tags.join(", "))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What fills "What one pass buys" when it is absent: the repository's per-detector, cache-edit
/// and aggregate scenarios.
fn absent_one_pass(input: &ReportInput) -> String {
    format!(
        "<strong>what one pass buys</strong> needs a per-detector scenario with its unified twin, or a cache-edit or aggregate scenario: {}",
        named(
            input
                .scenarios
                .iter()
                .filter(|s| {
                    s.traversal == crate::scenario::Traversal::PerDetector
                        || matches!(
                            s.kind,
                            crate::scenario::WorkloadKind::CacheEdit
                                | crate::scenario::WorkloadKind::Aggregate
                        )
                })
                .collect()
        )
    )
}

/// What fills "Cost growth" when it is absent: the repository's synthetic analysis scenarios.
fn absent_growth(input: &ReportInput) -> String {
    format!(
        "<strong>cost growth</strong> needs two synthetic analysis scenarios: {}",
        named(
            input
                .scenarios
                .iter()
                .filter(|s| {
                    matches!(s.corpus, crate::scenario::CorpusSource::Synthetic { .. })
                        && s.kind == crate::scenario::WorkloadKind::Analyze
                })
                .collect()
        )
    )
}

/// One line for the sections this run could not fill, with the scenarios that would fill them (an
/// empty section would look like a measurement of nothing).
fn not_in_this_run(absent: &[String]) -> String {
    if absent.is_empty() {
        return String::new();
    }
    format!(
        "<p class=\"note\">Not in this run — {}.</p>\n",
        absent.join("; ")
    )
}

/// Writes the report into `out` and returns the path of its `index.html`.
pub fn write(input: &ReportInput, out: &Path) -> Result<PathBuf, FileError> {
    let charts_dir = out.join("charts");
    let artifacts_dir = out.join("artifacts");
    for dir in [&charts_dir, &artifacts_dir] {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(FileError::of("create", dir))?;
    }
    let mut charts = Charts {
        dir: &charts_dir,
        written: 0,
    };
    let mut body = format!(
        "<h1>perfgate report</h1>\n<p class=\"note\">{} against {}</p>\n",
        escape(input.candidate_label),
        escape(input.baseline_label)
    );
    body.push_str(&summary::banner(input));
    if input.release {
        body.push_str(&release::headline(input));
        body.push_str(&release::claims(input));
    }
    body.push_str(&summary::section(input));
    body.push_str(&changes(input, &mut charts));
    body.push_str(&derived::order_effect(input));
    body.push_str("<h2>Scenarios</h2>\n");
    let mut names: Vec<&str> = input
        .candidate
        .scenarios
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    for s in &input.baseline.scenarios {
        if !names.contains(&s.name.as_str()) {
            names.push(&s.name);
        }
    }
    for name in names {
        body.push_str(&scenario_section(input, name, &mut charts));
    }
    let mut absent = Vec::new();
    match derived::one_pass(input) {
        Some(section) => body.push_str(&section),
        None => absent.push(absent_one_pass(input)),
    }
    body.push_str(&targets::section(input));
    match derived::growth(input, &mut charts) {
        Some(section) => body.push_str(&section),
        None => absent.push(absent_growth(input)),
    }
    body.push_str(&trends::section(input, &mut charts));
    if let Some(report) = input.peers {
        body.push_str(&peers::section(report));
    }
    body.push_str(&derived::artifacts(input, &artifacts_dir)?);
    body.push_str(&not_in_this_run(&absent));
    body.push_str("<h2>Reproduce</h2>\n<pre class=\"commands\">");
    for command in &input.commands {
        body.push_str(&escape(command));
        body.push('\n');
    }
    body.push_str("</pre>\n");
    crate::export::write_atomic(&out.join("targets.md"), &targets::markdown(input))?;
    let index = out.join("index.html");
    crate::export::write_atomic(&index, &html::page("perfgate report", &body))?;
    Ok(index)
}
