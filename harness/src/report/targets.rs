//! The performance targets of the core, computed from the scenarios of this run: analysis against
//! parse+walk alone, a warm cache against a cold one, aggregation throughput, and how the peak heap
//! grows over the synthetic series. Each row names the scenarios it comes from; a target whose
//! scenarios are not in the run says so instead of showing a number. The same rows go into the HTML
//! report and, as `targets.md` beside it (or `report --targets-markdown FILE`), into a Markdown page
//! stamped with the commit, date and host of the run.

use super::ReportInput;
use super::derived::median_ns;
use super::format::sig3;
use super::html::{self, escape};
use crate::results::ScenarioResult;
use crate::scenario::{Scenario, Traversal, WorkloadKind};

/// One target's row: what, the measured value, the target, met or not, and the source.
struct Row {
    target: &'static str,
    measured: String,
    goal: &'static str,
    met: Option<bool>,
    from: String,
}

fn result<'a>(input: &'a ReportInput, name: &str) -> Option<&'a ScenarioResult> {
    input.candidate.scenarios.iter().find(|s| s.name == name)
}

/// The first pair of one-pass scenarios on one corpus and thread count with kinds `(a, b)`, both
/// measured.
fn pair<'a>(
    input: &'a ReportInput,
    a: WorkloadKind,
    b: WorkloadKind,
) -> Option<(
    &'a Scenario,
    &'a ScenarioResult,
    &'a Scenario,
    &'a ScenarioResult,
)> {
    input
        .scenarios
        .iter()
        .filter(|s| s.kind == a && s.traversal == Traversal::Unified)
        .find_map(|first| {
            let second = input.scenarios.iter().find(|s| {
                s.kind == b
                    && s.corpus == first.corpus
                    && s.detectors == first.detectors
                    && s.threads == first.threads
                    && s.traversal == Traversal::Unified
            })?;
            Some((
                first,
                result(input, &first.name)?,
                second,
                result(input, &second.name)?,
            ))
        })
}

/// `numerator / denominator` by median wall time, or by instructions when there is no time.
fn ratio(numerator: &ScenarioResult, denominator: &ScenarioResult) -> Option<(f64, &'static str)> {
    if let (Some(a), Some(b)) = (median_ns(numerator), median_ns(denominator))
        && b > 0.0
    {
        return Some((a / b, "wall time"));
    }
    ratio_of_instructions(numerator, denominator)
}

fn ratio_of_instructions(
    numerator: &ScenarioResult,
    denominator: &ScenarioResult,
) -> Option<(f64, &'static str)> {
    match (&numerator.instructions, &denominator.instructions) {
        (Some(a), Some(b)) if b.ir() > 0 => Some((a.ir() as f64 / b.ir() as f64, "instructions")),
        _ => None,
    }
}

/// The target is set in instructions (exact, so a run decides it); wall time only when a scenario
/// has no instruction count.
fn analysis_over_parse(input: &ReportInput) -> Row {
    let found = pair(input, WorkloadKind::Analyze, WorkloadKind::ParseOnly);
    let by_instructions = |a, b| ratio_of_instructions(a, b).or_else(|| ratio(a, b));
    let (measured, met, from) =
        match found.and_then(|(a, ra, p, rp)| Some((a, p, by_instructions(ra, rp)?))) {
            Some((a, p, (value, by))) => (
                format!("{}× ({by})", sig3(value)),
                Some(value <= 1.2),
                format!("{} / {}", a.name, p.name),
            ),
            None => (
                "–".into(),
                None,
                "an analyze and a parse-only scenario of one corpus".into(),
            ),
        };
    Row {
        target: "analysis against parse+walk alone",
        measured,
        goal: "≤ 1.2×",
        met,
        from,
    }
}

fn warm_over_cold(input: &ReportInput) -> Row {
    let found = pair(input, WorkloadKind::CacheCold, WorkloadKind::CacheWarm);
    let (measured, met, from) = match found.and_then(|(c, rc, w, rw)| Some((c, w, ratio(rc, rw)?)))
    {
        Some((c, w, (value, by))) => (
            format!("{}× faster ({by})", sig3(value)),
            Some(value >= 20.0),
            format!("{} / {}", c.name, w.name),
        ),
        None => (
            "–".into(),
            None,
            "a cache-cold and a cache-warm scenario of one corpus".into(),
        ),
    };
    Row {
        target: "warm cache against cold, in process (no process start or folder walk; the whole-process figure is the peer table's cold ÷ warm)",
        measured,
        goal: "≥ 20×",
        met,
        from,
    }
}

fn aggregation(input: &ReportInput) -> Row {
    let found = input
        .scenarios
        .iter()
        .filter(|s| s.kind == WorkloadKind::Aggregate && s.threads == 1)
        .find_map(|s| {
            let r = result(input, &s.name)?;
            Some((
                s,
                r.counters.as_ref()?.findings as f64 / (median_ns(r)? / 1e9),
            ))
        });
    let (measured, met, from) = match found {
        Some((s, rate)) => (
            format!("{} M findings/s", sig3(rate / 1e6)),
            Some(rate >= 50e6),
            s.name.clone(),
        ),
        None => (
            "–".into(),
            None,
            "an aggregate scenario with wall time".into(),
        ),
    };
    Row {
        target: "aggregation, one thread",
        measured,
        goal: "≥ 50 M findings/s",
        met,
        from,
    }
}

/// The synthetic scenarios of one kind with counters and heap: (name, lines, findings, peak heap),
/// by lines.
fn synthetic_heap(input: &ReportInput, kind: WorkloadKind) -> Vec<(String, u64, u64, u64)> {
    let mut points: Vec<(String, u64, u64, u64)> = super::derived::synthetic_results(input, kind)
        .filter_map(|r| {
            let counters = r.counters.as_ref()?;
            Some((
                r.name.clone(),
                counters.lines,
                counters.findings,
                r.heap.as_ref()?.max_bytes,
            ))
        })
        .collect();
    points.sort_by_key(|p| p.1);
    points
}

/// Peak heap against lines and against findings over the synthetic analyze scenarios, and against
/// lines over the parse-only ones (which keep nothing: it should stay flat).
fn heap_growth(input: &ReportInput) -> (Row, Vec<Vec<String>>) {
    let points = synthetic_heap(input, WorkloadKind::Analyze);
    let parse_only = synthetic_heap(input, WorkloadKind::ParseOnly);
    let slope = |points: &[(String, u64, u64, u64)], x: fn(&(String, u64, u64, u64)) -> u64| {
        super::charts::log_log_slope(
            &points
                .iter()
                .map(|p| (x(p) as f64, p.3 as f64))
                .collect::<Vec<_>>(),
        )
    };
    let (by_lines, by_findings) = (slope(&points, |p| p.1), slope(&points, |p| p.2));
    let mut measured = match (by_lines, by_findings) {
        (Some(l), Some(f)) => format!("slope {l:.2} against lines, {f:.2} against findings"),
        _ => "–".into(),
    };
    if let Some(flat) = slope(&parse_only, |p| p.1) {
        measured.push_str(&format!("; parse-only {flat:.2} against lines"));
    }
    let rows = points
        .iter()
        .chain(&parse_only)
        .map(|(name, lines, findings, heap)| {
            vec![
                name.clone(),
                lines.to_string(),
                findings.to_string(),
                super::format::bytes(*heap as f64),
                if *findings > 0 {
                    format!("{} B", *heap / findings)
                } else {
                    "–".into()
                },
            ]
        })
        .collect();
    let row = Row {
        target: "peak heap over the synthetic series",
        measured,
        goal: "grows with findings kept, not with source",
        met: None,
        from: if points.len() >= 2 {
            points
                .iter()
                .map(|p| p.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            "two or more synthetic analyze scenarios with allocations".into()
        },
    };
    (row, rows)
}

/// The four target rows and the heap series' rows.
fn rows(input: &ReportInput) -> (Vec<Row>, Vec<Vec<String>>) {
    let (heap_row, heap_rows) = heap_growth(input);
    let rows = vec![
        analysis_over_parse(input),
        warm_over_cold(input),
        aggregation(input),
        heap_row,
    ];
    (rows, heap_rows)
}

const HEAP_HEADER: [&str; 5] = [
    "scenario",
    "lines",
    "findings",
    "peak heap",
    "peak heap ÷ findings",
];

/// The page `targets.md`: the rows as Markdown tables, stamped with where and when the run was
/// measured and the commands that reproduce it.
pub fn markdown(input: &ReportInput) -> String {
    use crate::export::markdown_text as text;
    let fingerprint = &input.candidate.fingerprint;
    let (rows, heap_rows) = rows(input);
    let mut out = String::from(
        "# Targets of the core (measured)\n\nWritten by `perfgate report` (and beside every report as `targets.md`), not by hand: computed from the scenarios of one run; a target whose scenarios were not in the run says so.\n\n| target | measured | goal | | from |\n|---|---|---|---|---|\n",
    );
    for row in &rows {
        let met = match row.met {
            Some(true) => "met",
            Some(false) => "**not met**",
            None => "reported",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {met} | {} |\n",
            text(row.target),
            text(&row.measured),
            text(row.goal),
            text(&row.from)
        ));
    }
    if !heap_rows.is_empty() {
        out.push_str(&format!("\n| {} |\n|", HEAP_HEADER.join(" | ")));
        out.push_str(&"---|".repeat(HEAP_HEADER.len()));
        out.push('\n');
        for row in &heap_rows {
            let cells: Vec<String> = row.iter().map(|cell| text(cell)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out.push_str(&format!(
        "\nMeasured {} at {} on {} ({} cores); results `{}`.\n\n```sh\n",
        crate::baseline::date(fingerprint.timestamp),
        fingerprint.commit_text(),
        fingerprint.cpu_model.as_deref().unwrap_or("an unknown CPU"),
        fingerprint.cores,
        input.candidate_label
    ));
    out.push_str(&run_command(input.candidate, input.candidate_label));
    out.push('\n');
    for command in &input.commands {
        out.push_str(command);
        out.push('\n');
    }
    out.push_str("```\n");
    out
}

/// The `perfgate run` that measures such a results file again: its selection and the engines whose
/// data it holds.
fn run_command(results: &crate::results::Results, out: &str) -> String {
    let mut command = String::from("cargo run --release -p perfgate -- run");
    if let Some(selection) = &results.selection {
        if !selection.tags.is_empty() {
            command.push_str(&format!(
                " --tags {}",
                crate::shell_word(&selection.tags.join(","))
            ));
        }
        if let Some(filter) = &selection.filter {
            command.push_str(&format!(" --filter {}", crate::shell_quote(filter)));
        }
    }
    let engines: Vec<&str> = crate::engine::ENGINES
        .iter()
        .filter(|engine| results.scenarios.iter().any(|s| engine.present(s)))
        .map(|engine| engine.name())
        .collect();
    // No engine data at all: the default engines are as good a guess as any.
    if !engines.is_empty() {
        command.push_str(&format!(" --engines {}", engines.join(",")));
    }
    command.push_str(&format!(" --out {}", crate::shell_word(out)));
    command
}

/// The section: one row per target, then the heap series.
pub fn section(input: &ReportInput) -> String {
    let (rows, heap_rows) = rows(input);
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| {
            vec![
                escape(row.target),
                escape(&row.measured),
                escape(row.goal),
                match (row.met, input.release) {
                    (Some(true), true) => "<span class=\"verdict-improved\">met</span>".into(),
                    (Some(false), true) => {
                        "<span class=\"verdict-regressed\">not met</span>".into()
                    }
                    (Some(true), false) => "<span class=\"informational\">met</span>".into(),
                    (Some(false), false) => "<span class=\"informational\">not met</span>".into(),
                    (None, _) => "reported".into(),
                },
                escape(&row.from),
            ]
        })
        .collect();
    let mut out = if input.release {
        String::from(
            "<h2>Targets of the core</h2>\n<p class=\"note\">Computed from this run's scenarios (the gate protects each scenario against regressions; these rows say where the core stands).</p>\n",
        )
    } else {
        String::from(
            "<h2>Targets of the core (informational)</h2>\n<p class=\"note\">Not part of the gate's result: computed from this run's scenarios to say where the core stands against its goals; the release report judges them. The gate protects each scenario against regressions.</p>\n",
        )
    };
    out.push_str(&html::table(
        &["target", "measured", "goal", "", "from"],
        &rows,
    ));
    if !heap_rows.is_empty() {
        // The name is text; the numbers are right-aligned (`#`).
        let cells: Vec<Vec<String>> = heap_rows
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(i, cell)| {
                        if i == 0 {
                            escape(cell)
                        } else {
                            format!("#{}", escape(cell))
                        }
                    })
                    .collect()
            })
            .collect();
        out.push_str(&html::table(&HEAP_HEADER, &cells));
    }
    out
}
