//! Rendering a [`Report`] for people (text) and programs (JSON), one file per format; and the rule
//! listing of `connascence rules`.

use crate::engine::Report;

pub mod json;
pub mod rules;
pub mod text;

/// The output formats of `connascence check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Renders a report in a format; `show_stats` adds the counters to the text format.
pub fn render(report: &Report, format: Format, show_stats: bool) -> String {
    match format {
        Format::Text => text::render(report, show_stats),
        Format::Json => json::render(report),
    }
}
