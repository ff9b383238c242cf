//! The report's trend section: with a history (`gate --history`, `history trend`), each metric of
//! each scenario of this host over the runs, change points marked, and the table of change points.

use super::{Charts, ReportInput, format, html};
use crate::history::{self, Series};
use crate::stats::changepoint::{ChangePoint, Options};
use html::escape;

fn unit_value(metric: &str, value: f64) -> String {
    match metric {
        "time" => format::duration(value),
        m if m.ends_with("bytes") => format::bytes(value),
        "instructions" => format::count(value, "Ir"),
        _ => format::count(value, ""),
    }
}

/// The trend charts and change points of the report's host, for the scenarios in the report.
pub fn section(input: &ReportInput, charts: &mut Charts) -> String {
    let Some(records) = input.history else {
        return String::new();
    };
    let host = history::host_id(&input.candidate.fingerprint);
    let trends: Vec<(Series, Vec<ChangePoint>)> = history::trends(records, &Options::default())
        .into_iter()
        .filter(|(series, _)| series.host == host)
        .filter(|(series, _)| {
            input
                .candidate
                .scenarios
                .iter()
                .any(|s| s.name == series.scenario)
        })
        .collect();
    format!(
        "<h2>Trends</h2>\n<p>{} runs in the history on this host ({}).</p>\n{}",
        records.iter().filter(|r| r.host == host).count(),
        escape(&host),
        render(&trends, charts, &gate_of(input.root))
    )
}

/// The thresholds of the repository's perfgate.toml (the defaults when it cannot be read).
fn gate_of(root: &std::path::Path) -> crate::settings::GateDefaults {
    crate::settings::load(&root.join("perfgate.toml"))
        .map(|settings| settings.gate)
        .unwrap_or_default()
}

/// The explanation, the change-point table and one chart per series (its caption says how many
/// runs it has and how many a change of the gate's size needs after it).
fn render(
    trends: &[(Series, Vec<ChangePoint>)],
    charts: &mut Charts,
    gate: &crate::settings::GateDefaults,
) -> String {
    let options = Options::default();
    let mut out = format!(
        "<p>Change points: every split of a series and every stretch against the rest (a step later undone) tested with Student's t, segments of at least {} runs, Bonferroni within a series, then Benjamini–Hochberg at q = {} across all {} series; each change placed at the least-squares split between its neighbours. Red lines mark them, orange lines are segment means.</p>\n",
        options.min_size,
        options.alpha,
        trends.len()
    );
    let mut rows = Vec::new();
    for (series, points) in trends {
        for point in points {
            let at = &series.points[point.index];
            rows.push(vec![
                escape(&series.scenario),
                escape(&series.metric),
                format!("<code>{}</code>", escape(&series.host)),
                format!("#{}", point.index + 1),
                format!(
                    "<code>{}</code>",
                    escape(at.commit.as_deref().map_or("-", |c| &c[..c.len().min(12)]))
                ),
                format!("#{}", unit_value(&series.metric, point.before)),
                format!("#{}", unit_value(&series.metric, point.after)),
                format!("#{}", format::change(point.after / point.before)),
                format!("#{}", escape(&crate::export::format_p(point.p_adjusted))),
            ]);
        }
    }
    if rows.is_empty() {
        out.push_str("<p>No change point.</p>\n");
    } else {
        out.push_str(&html::table(
            &[
                "scenario", "metric", "host", "from run", "commit", "before", "after", "change",
                "p (BH)",
            ],
            &rows,
        ));
    }
    for (index, (series, points)) in trends.iter().enumerate() {
        let indices: Vec<usize> = points.iter().map(|p| p.index).collect();
        let (noise, step, needs) = history::sensitivity(series, trends.len(), gate);
        let caption = format!(
            "{} · {} · {}: {} runs on this host, {} change point(s); noise {}, a {} change needs {} runs after it",
            series.scenario,
            series.metric,
            series.host_label,
            series.points.len(),
            indices.len(),
            noise.map_or("unknown".into(), format::percent),
            format::percent(step),
            needs
        );
        out.push_str(&charts.add(
            &format!("trend-{index}"),
            super::charts::trend(&caption, &series.metric, &series.values(), &indices),
            &escape(&caption),
        ));
    }
    out
}

/// `perfgate history trend`: a page of its own with every series of the history.
pub fn write_page(
    trends: &[(Series, Vec<ChangePoint>)],
    source: &str,
    gate: &crate::settings::GateDefaults,
    out: &std::path::Path,
) -> Result<std::path::PathBuf, crate::files::FileError> {
    let charts_dir = out.join("charts");
    let _ = std::fs::remove_dir_all(&charts_dir);
    std::fs::create_dir_all(&charts_dir)
        .map_err(crate::files::FileError::of("create", &charts_dir))?;
    let mut charts = Charts {
        dir: &charts_dir,
        written: 0,
    };
    let body = format!(
        "<h1>perfgate trends</h1>\n<p class=\"note\">{}</p>\n{}",
        escape(source),
        render(trends, &mut charts, gate)
    );
    let index = out.join("index.html");
    crate::export::write_atomic(&index, &html::page("perfgate trends", &body))?;
    Ok(index)
}
