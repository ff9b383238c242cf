//! The report's summary: a banner with the gate's result and what regressed (a mark and words,
//! not colour alone), both sides' fingerprints, the comparison's notes and the calibration, with a
//! warning when the calibration was measured on another host.

use super::{ReportInput, format, html};
use crate::compare::{MetricComparison, Verdict};
use crate::results::Fingerprint;
use html::escape;

/// The banner at the top of the page: the result in words with its exit code, the verdict counts,
/// and the regressed metrics (linked to their scenario) or why the gate did not pass.
pub(super) fn banner(input: &ReportInput) -> String {
    let comparison = input.comparison;
    let code = comparison.exit_code();
    let (class, mark) = match code {
        0 => ("pass", "✓"),
        1 => ("fail", "✗"),
        _ => ("error", "!"),
    };
    let tally = comparison
        .tally()
        .iter()
        .map(|(verdict, n)| format!("{n} {verdict}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "<div class=\"banner {class}\" role=\"status\"><p><strong>{mark} {}</strong> · exit code {code} · {}</p>\n",
        escape(&comparison.verdict()),
        if tally.is_empty() {
            "nothing compared".to_owned()
        } else {
            escape(&tally)
        }
    );
    let mut regressed: Vec<&MetricComparison> = comparison
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::Regressed)
        .collect();
    regressed.sort_by(|a, b| b.ratio.unwrap_or(1.0).total_cmp(&a.ratio.unwrap_or(1.0)));
    if !regressed.is_empty() {
        out.push_str("<ul>\n");
        for m in &regressed {
            out.push_str(&format!(
                "<li>▲ <a href=\"#scenario-{name}\">{name}</a> {} {}{}</li>\n",
                escape(&m.metric),
                format::change_of(m.ratio),
                m.interval
                    .map_or(String::new(), |i| format!(" {}", format::interval(Some(i)))),
                name = escape(&m.scenario)
            ));
        }
        out.push_str("</ul>\n");
    }
    let mut problems: Vec<String> = comparison
        .missing
        .iter()
        .map(|m| format!("missing from the candidate: {m}"))
        .collect();
    problems.extend(
        comparison
            .unbaselined
            .iter()
            .map(|m| format!("no baseline for the selected scenario {m}")),
    );
    problems.extend(comparison.errors.iter().map(|e| format!("error: {e}")));
    if !problems.is_empty() {
        out.push_str("<ul>\n");
        for problem in problems {
            out.push_str(&format!("<li>{}</li>\n", escape(&problem)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</div>\n");
    out
}

fn fingerprint_rows(base: &Fingerprint, cand: &Fingerprint) -> Vec<Vec<String>> {
    let text = |v: &Option<String>| escape(v.as_deref().unwrap_or("–"));
    let commit = |fp: &Fingerprint| {
        let dirty = if fp.git_dirty == Some(true) {
            " (dirty)"
        } else {
            ""
        };
        format!("{}{dirty}", text(&fp.git_commit))
    };
    vec![
        vec!["commit".into(), commit(base), commit(cand)],
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

/// The summary (the result itself is the [`banner`]'s): what was compared with what, both
/// fingerprints, the comparison's notes and the calibration.
pub(super) fn section(input: &ReportInput) -> String {
    let comparison = input.comparison;
    let mut out = format!(
        "<h2>Summary</h2>\n<p>Baseline <code>{}</code>, candidate <code>{}</code>.</p>\n",
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
            let here = crate::history::host_id(&input.candidate.fingerprint);
            let there = crate::history::host_id(&calibration.fingerprint);
            out.push_str(&format!(
                "<h3>Calibration</h3>\n<p class=\"note\">{} A/A pairs of {} rounds, measured {} on {}.</p>\n",
                calibration.pairs,
                calibration.rounds,
                crate::baseline::date(calibration.fingerprint.timestamp),
                escape(calibration.fingerprint.cpu_model.as_deref().unwrap_or("–"))
            ));
            if here != there {
                out.push_str(&format!(
                    "<p class=\"warning\">⚠ Measured on another host ({} on {}; this run: {} on {}): its spread, MDE and false-alarm rate describe that machine, not this one. The wall-time thresholds below use its spread all the same; run <code>perfgate calibrate --write</code> here to learn this machine's.</p>\n",
                    escape(calibration.fingerprint.cpu_model.as_deref().unwrap_or("an unknown CPU")),
                    format_args!("{} cores", calibration.fingerprint.cores),
                    escape(input.candidate.fingerprint.cpu_model.as_deref().unwrap_or("an unknown CPU")),
                    format_args!("{} cores", input.candidate.fingerprint.cores),
                ));
            }
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
