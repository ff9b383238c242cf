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
mod targets;
mod trends;

pub use trends::write_page as write_trends;

use std::path::{Path, PathBuf};

use crate::calibrate::Calibration;
use crate::compare::{Comparison, MetricComparison, Verdict};
use crate::files::FileError;
use crate::results::{Fingerprint, Results, ScenarioResult};
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

fn verdict_cell(verdict: Verdict) -> String {
    format!(
        "<span class=\"verdict-{}\">{}</span>",
        verdict.as_str().replace(' ', "-"),
        verdict.as_str()
    )
}

fn metric_value(metric: &str, value: Option<f64>) -> String {
    format::value(metric, value)
}

fn interval_text(m: &MetricComparison) -> String {
    format::interval(m.interval)
}

fn fingerprint_rows(base: &Fingerprint, cand: &Fingerprint) -> Vec<Vec<String>> {
    let text = |v: &Option<String>| escape(v.as_deref().unwrap_or("–"));
    vec![
        vec![
            "commit".into(),
            format!(
                "{}{}",
                text(&base.git_commit),
                if base.git_dirty == Some(true) {
                    " (dirty)"
                } else {
                    ""
                }
            ),
            format!(
                "{}{}",
                text(&cand.git_commit),
                if cand.git_dirty == Some(true) {
                    " (dirty)"
                } else {
                    ""
                }
            ),
        ],
        vec![
            "measured".into(),
            crate::baseline::date(base.timestamp),
            crate::baseline::date(cand.timestamp),
        ],
        vec!["rustc".into(), text(&base.rustc), text(&cand.rustc)],
        vec![
            "build".into(),
            escape(&format!("{} {}", base.build_profile, base.rustflags)),
            escape(&format!("{} {}", cand.build_profile, cand.rustflags)),
        ],
        vec!["CPU".into(), text(&base.cpu_model), text(&cand.cpu_model)],
        vec![
            "cores".into(),
            format!("#{}", base.cores),
            format!("#{}", cand.cores),
        ],
        vec!["kernel".into(), text(&base.kernel), text(&cand.kernel)],
        vec![
            "load average at start".into(),
            base.load_average.map_or("–".into(), |l| format!("#{l:.2}")),
            cand.load_average.map_or("–".into(), |l| format!("#{l:.2}")),
        ],
        vec![
            "valgrind".into(),
            text(&base.valgrind),
            text(&cand.valgrind),
        ],
    ]
}

fn summary(input: &ReportInput) -> String {
    let comparison = input.comparison;
    let code = comparison.exit_code();
    let class = match code {
        0 => "pass",
        1 => "fail",
        _ => "error",
    };
    let result = comparison.verdict();
    let tally = comparison.tally();
    let counts = tally
        .iter()
        .map(|(verdict, n)| format!("{n} {verdict}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "<h2>Summary</h2>\n<p>Gate: <strong class=\"{class}\">{result}</strong> (exit code {code}) — {}. Baseline <code>{}</code>, candidate <code>{}</code>.</p>\n",
        if counts.is_empty() {
            "nothing compared".into()
        } else {
            escape(&counts)
        },
        escape(input.baseline_label),
        escape(input.candidate_label)
    );
    out.push_str(&html::table(
        &["", "baseline", "candidate"],
        &fingerprint_rows(&input.baseline.fingerprint, &input.candidate.fingerprint),
    ));
    let mut notes: Vec<String> = comparison.notes.clone();
    if !comparison.uncompared.is_empty() {
        notes.push(format!(
            "not compared (--allow-uncompared): {}",
            comparison.uncompared.join(", ")
        ));
    }
    if !comparison.not_run.is_empty() {
        notes.push(format!(
            "not run (outside this run's selection): {}",
            comparison.not_run.join(", ")
        ));
    }
    notes.extend(comparison.errors.iter().map(|e| format!("error: {e}")));
    notes.extend(
        comparison
            .missing
            .iter()
            .map(|m| format!("missing from the candidate: {m}")),
    );
    notes.extend(
        comparison
            .added
            .iter()
            .map(|m| format!("new, without baseline: {m}")),
    );
    if !notes.is_empty() {
        out.push_str("<ul>\n");
        for note in notes {
            out.push_str(&format!("<li>{}</li>\n", escape(&note)));
        }
        out.push_str("</ul>\n");
    }
    match input.calibration {
        None => out.push_str(
            "<p class=\"note\">Not calibrated: run <code>perfgate calibrate --write</code> to learn this machine's spread, MDE and false-alarm rate.</p>\n",
        ),
        Some(calibration) => {
            out.push_str(&format!(
                "<h3>Calibration</h3>\n<p class=\"note\">{} A/A pairs of {} rounds, measured {} on {}.</p>\n",
                calibration.pairs,
                calibration.rounds,
                crate::baseline::date(calibration.fingerprint.timestamp),
                escape(calibration.fingerprint.cpu_model.as_deref().unwrap_or("–"))
            ));
            let rows = calibration
                .scenarios
                .iter()
                .map(|(name, e)| {
                    vec![
                        escape(name),
                        format!("#{}", format::sig3(e.s)),
                        format!("#{}", format::sig3(e.s_all)),
                        format!("#{} %", format::sig3(e.mde * 100.0)),
                        format!("#{} %", format::sig3(e.threshold * 100.0)),
                        format!("#{}/{}", e.false_alarms, e.pairs),
                        format!(
                            "#[{}, {}] %",
                            format::sig3(e.rate_interval.0 * 100.0),
                            format::sig3(e.rate_interval.1 * 100.0)
                        ),
                    ]
                })
                .collect::<Vec<_>>();
            out.push_str(&html::table(
                &[
                    "scenario",
                    "s (log, within a set)",
                    "s (all rounds)",
                    "MDE",
                    "threshold",
                    "false alarms",
                    "rate, 95 % CI",
                ],
                &rows,
            ));
        }
    }
    out
}

fn metrics_table(metrics: &[&MetricComparison], with_scenario: bool) -> String {
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
                    escape(&m.notes.join("; "))
                ),
            ];
            if !with_scenario {
                row.remove(0);
            }
            row
        })
        .collect();
    let header = crate::export::COLUMNS;
    html::table(&header[usize::from(!with_scenario)..], &rows)
}

fn changes(input: &ReportInput, charts: &mut Charts) -> String {
    let time: Vec<&MetricComparison> = input
        .comparison
        .metrics
        .iter()
        .filter(|m| m.metric == "time" && m.ratio.is_some())
        .collect();
    let mut out = String::from("<h2>Changes</h2>\n");
    if !time.is_empty() {
        let rows: Vec<charts::Change> = time
            .iter()
            .map(|m| {
                let (low, high) = m.interval.unwrap_or((f64::NAN, f64::NAN));
                let percent = |r: f64| {
                    if r == 0.0 {
                        f64::NEG_INFINITY
                    } else {
                        (r - 1.0) * 100.0
                    }
                };
                charts::Change {
                    label: &m.scenario,
                    change: percent(m.ratio.unwrap_or(1.0)),
                    interval: (percent(low), percent(high)),
                }
            })
            .collect();
        let threshold = time[0].threshold * 100.0;
        out.push_str(&charts.add(
            "changes",
            charts::changes(&rows, threshold),
            &format!(
                "Wall-time change of every scenario (ratio of the geometric means of the round medians, with its t interval at the gate's level), sorted; the band is ±{} %.",
                format::sig3(threshold)
            ),
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
        let caption = match metrics.iter().find(|m| m.metric == "time") {
            Some(m) => format!(
                "Round medians (points) over every sample (box). Change {} {}, {}.",
                m.ratio.map_or("–".into(), format::change),
                interval_text(m),
                m.verdict.as_str()
            ),
            None => "Round medians (points) over every sample (box).".into(),
        };
        let id = cand.or(base).map_or(name.to_owned(), |s| s.id.clone());
        out.push_str(&charts.add(
            &format!("rounds-{id}"),
            charts::rounds(&format!("{name}: wall time per round"), &sides),
            &escape(&caption),
        ));
    }
    out.push_str(&metrics_table(&metrics, false));
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
    if input.release {
        body.push_str(&release::headline(input));
        body.push_str(&release::claims(input));
    }
    body.push_str(&summary(input));
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
    body.push_str(&derived::one_pass(input));
    body.push_str(&targets::section(input));
    body.push_str(&derived::growth(input, &mut charts));
    body.push_str(&trends::section(input, &mut charts));
    if let Some(report) = input.peers {
        body.push_str(&peers::section(report));
    }
    body.push_str(&derived::artifacts(input, &artifacts_dir)?);
    body.push_str("<h2>Reproduce</h2>\n<pre>");
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
