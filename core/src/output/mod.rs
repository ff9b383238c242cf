//! Rendering a [`Report`], one file per format: text (people), JSON (programs), SARIF (code
//! scanning), GitHub annotations (CI); plus the rule listing of `connascence rules`.

use crate::engine::Report;

pub mod github;
pub mod json;
pub mod rules;
pub mod sarif;
pub mod text;

/// The output formats of `connascence check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
}

/// What the text format adds after the findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextExtras {
    /// Counters and per-phase times (`--stats`).
    pub stats: bool,
    /// Findings per rule (`--statistics`, like ruff's).
    pub statistics: bool,
}

/// Renders a report in a format.
pub fn render(report: &Report, format: Format, extras: TextExtras) -> String {
    match format {
        Format::Text => text::render(report, extras),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
    }
}

/// Writes a report in a format to `out` (JSON streamed, the others rendered first).
pub fn write<W: std::io::Write>(
    report: &Report,
    format: Format,
    extras: TextExtras,
    out: &mut W,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, out),
        other => out.write_all(render(report, other, extras).as_bytes()),
    }
}
