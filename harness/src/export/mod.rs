//! Exports of a comparison, one file per format behind one trait: the terminal table, Markdown (a
//! pull-request comment; appended to `$GITHUB_STEP_SUMMARY` when set), JUnit XML, JSON and the
//! Bencher Metric Format. `--format` (repeatable) chooses them and `--output DIR` writes each to
//! `DIR/perfgate.<extension>` atomically.

mod bmf;
mod junit;
mod markdown;
mod table;

use std::path::{Path, PathBuf};

use crate::compare::{Comparison, MetricComparison};
use crate::results::Results;

/// What an export renders.
pub struct Report<'a> {
    pub comparison: &'a Comparison,
    pub candidate: &'a Results,
    /// The baseline's name or file, as given.
    pub baseline: &'a str,
    /// Where the HTML report is (a URL or a path), for the Markdown's link.
    pub report_link: Option<String>,
}

/// The report link of [`Report::report_link`]: `--report-url`, else the GitHub Actions run's page
/// (where the report artifact is), else `local` (the report's path).
pub fn report_link(given: Option<&str>, local: &str) -> String {
    if let Some(url) = given {
        return url.to_owned();
    }
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    match (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        (Some(server), Some(repository), Some(run)) => {
            format!("{server}/{repository}/actions/runs/{run}")
        }
        _ => local.to_owned(),
    }
}

/// The metrics whose change has a cause to show, regressions first.
pub fn explained(comparison: &Comparison) -> Vec<&MetricComparison> {
    let mut out: Vec<&MetricComparison> = comparison
        .metrics
        .iter()
        .filter(|m| !m.cause.is_empty())
        .collect();
    out.sort_by_key(|m| m.verdict != crate::compare::Verdict::Regressed);
    out
}

/// `ΔIr = +64,984,406 (+26.1 %)` for a deterministic metric with both values.
pub fn headline(metric: &MetricComparison) -> String {
    match (metric.baseline, metric.candidate) {
        (Some(a), Some(b)) => crate::compare::cause::headline(&metric.metric, a as u64, b as u64),
        _ => "–".into(),
    }
}

/// What a metric's causes are called (`function`, `allocation site`).
pub fn cause_kind(metric: &str) -> &'static str {
    if metric == "instructions" {
        "function (self Ir)"
    } else {
        "allocation site"
    }
}

/// One output format.
pub trait Exporter {
    /// The `--format` name.
    fn name(&self) -> &'static str;
    /// The file written under `--output DIR`.
    fn file_name(&self) -> &'static str;
    fn render(&self, report: &Report) -> String;
}

struct Json;

impl Exporter for Json {
    fn name(&self) -> &'static str {
        "json"
    }
    fn file_name(&self) -> &'static str {
        "perfgate.json"
    }
    fn render(&self, report: &Report) -> String {
        let value = serde_json::json!({
            "baseline": report.baseline,
            "exit_code": report.comparison.exit_code(),
            "comparison": report.comparison,
        });
        let mut text = serde_json::to_string_pretty(&value).expect("a comparison serializes");
        text.push('\n');
        text
    }
}

/// Every format, in `--format` order of the help text.
/// The columns of a comparison table, in order: the HTML report shows them all, the terminal
/// table all but `threshold`.
pub const COLUMNS: [&str; 12] = [
    "scenario",
    "metric",
    "verdict",
    "baseline",
    "candidate",
    "change",
    "interval",
    "p (Holm)",
    "MDE",
    "threshold",
    "rounds",
    "notes",
];

pub const FORMATS: [&str; 5] = ["table", "markdown", "junit", "json", "bmf"];

/// The exporter of a `--format` name.
/// Why the exports could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("unknown format `{0}`; available: {available}", available = FORMATS.join(", "))]
    UnknownFormat(String),
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("cannot {action} $GITHUB_STEP_SUMMARY: {source}")]
    StepSummary {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
}

pub fn by_name(name: &str) -> Result<Box<dyn Exporter>, ExportError> {
    match name {
        "table" => Ok(Box::new(table::Table { colour: false })),
        "markdown" => Ok(Box::new(markdown::Markdown)),
        "junit" => Ok(Box::new(junit::Junit)),
        "json" => Ok(Box::new(Json)),
        "bmf" => Ok(Box::new(bmf::Bmf)),
        other => Err(ExportError::UnknownFormat(other.to_owned())),
    }
}

/// The terminal table, coloured when `colour`.
pub fn terminal_table(report: &Report, colour: bool) -> String {
    table::Table { colour }.render(report)
}

/// [`crate::write_atomic`] with the error said for people.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), crate::files::FileError> {
    crate::write_atomic(path, text).map_err(crate::files::FileError::of("write", path))
}

/// Writes the chosen formats into `dir`; returns the files.
pub fn write_all(
    formats: &[String],
    report: &Report,
    dir: &Path,
) -> Result<Vec<PathBuf>, ExportError> {
    let mut written = Vec::new();
    for name in formats {
        let exporter = by_name(name)?;
        let file = dir.join(exporter.file_name());
        write_atomic(&file, &exporter.render(report))?;
        written.push(file);
    }
    Ok(written)
}

/// Appends the Markdown export to `$GITHUB_STEP_SUMMARY` when that is set.
pub fn github_step_summary(report: &Report) -> Result<(), ExportError> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|source| ExportError::StepSummary {
            action: "open",
            source,
        })?;
    file.write_all(markdown::Markdown.render(report).as_bytes())
        .map_err(|source| ExportError::StepSummary {
            action: "write",
            source,
        })
}

/// A metric's value ([`crate::report::format::value`]: the one number format).
pub fn value(metric: &str, value: Option<f64>) -> String {
    crate::report::format::value(metric, value)
}

/// `+4.10 %` for a ratio of 1.041.
pub fn percent(ratio: Option<f64>) -> String {
    crate::report::format::change_of(ratio)
}

/// `[+1.00 %, +7.20 %]` for a ratio interval.
pub fn interval(metric: &MetricComparison) -> String {
    crate::report::format::interval(metric.interval)
}

/// A p- or q-value for people: `0.0123` (four decimals) from 0.001 up, `3.1e-7` (two significant
/// digits) below, so that a tiny p does not read as 0; `< 1e-300` for exactly 0 (a p-value is
/// never 0 except by underflow) and `-` for NaN (or any non-finite value).
pub fn format_p(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p == 0.0 {
        "< 1e-300".into()
    } else if p.abs() >= 0.001 {
        format!("{p:.4}")
    } else {
        format!("{p:.1e}")
    }
}

/// `0.0123 (adj 0.0491)`, with [`format_p`].
pub fn p_values(metric: &MetricComparison) -> String {
    match (metric.p, metric.p_adjusted) {
        (Some(p), Some(adjusted)) => format!("{} (adj {})", format_p(p), format_p(adjusted)),
        _ => "–".into(),
    }
}

/// Text for XML and HTML alike (the JUnit export and the HTML report): the five markup characters
/// as references (`&#39;` for the apostrophe, which both read), and the control characters XML 1.0
/// forbids dropped (tab, line feed and carriage return kept).
pub fn markup_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Text made inert for Markdown (a pull-request comment, a job summary, a table cell): HTML
/// (`<`, `>`, `&`) and `@` mentions become character references; emphasis, code, links, table
/// cells, strike-through and math (`\ * _ ` [ ] | ~ $`) get a backslash; line breaks become
/// spaces and other control characters are dropped. Cells and list items never start a line, so
/// line-start markers (`#`, `-`, `1.`) need nothing. The rendered text reads as the input.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("&#64;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{format_p, markdown_text, markup_text};

    #[test]
    fn p_values_keep_their_magnitude() {
        assert_eq!(format_p(0.0123), "0.0123");
        assert_eq!(format_p(1.0), "1.0000");
        assert_eq!(format_p(0.05), "0.0500");
        assert_eq!(format_p(0.001), "0.0010");
        assert_eq!(format_p(0.00099), "9.9e-4");
        assert_eq!(format_p(3.1e-7), "3.1e-7");
        assert_eq!(format_p(3.14159e-7), "3.1e-7");
        assert_eq!(format_p(9.713217247609635e-120), "9.7e-120");
        assert_eq!(format_p(1e-300), "1.0e-300");
        assert_eq!(format_p(5e-324), "4.9e-324");
        assert_eq!(format_p(0.0), "< 1e-300");
        assert_eq!(format_p(f64::NAN), "–");
        assert_eq!(format_p(f64::INFINITY), "–");
    }

    #[test]
    fn markup_text_is_inert_in_xml_and_html_and_drops_what_xml_forbids() {
        assert_eq!(
            markup_text("a<b c=\"d\">&'x'\u{1b}[31m\u{0}\tend\n"),
            "a&lt;b c=&quot;d&quot;&gt;&amp;&#39;x&#39;[31m\tend\n"
        );
        // The JUnit export and the report share it.
        assert_eq!(crate::report::html::escape("<'>"), markup_text("<'>"));
    }

    #[test]
    fn markdown_text_cannot_become_markup() {
        assert_eq!(
            markdown_text(
                "x</details><img src=x onerror=alert(1)> | @octocat `t` [l](https://e.invalid) *b* ~s~ $m$ a\\|b\r\nc\u{7}"
            ),
            "x&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; \\| &#64;octocat \\`t\\` \\[l\\](https://e.invalid) \\*b\\* \\~s\\~ \\$m\\$ a\\\\\\|b  c"
        );
        assert_eq!(markdown_text("django-unified"), "django-unified");
        assert_eq!(markdown_text("heap.total_bytes"), "heap.total\\_bytes");
    }
}
