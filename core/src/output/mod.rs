//! Rendering a [`Report`], one file per format: text (people), JSON (programs), SARIF (code
//! scanning), GitHub annotations (CI); plus the rule listing of `connascence rules`.

use crate::engine::Report;

pub mod github;
pub mod json;
pub mod line_hash;
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

/// What the formats need beyond the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    pub text: TextExtras,
    pub sarif: sarif::SarifOptions,
}

/// `text` with control characters written as escapes (`\n`, `\r`, `\t`, `\u{1b}`), so that a file
/// name or message holding a newline cannot forge another line of a line-based output (text,
/// standard error). The Unicode line and paragraph separators and the bidirectional formatting
/// characters (which reorder what a terminal or editor shows, as in "Trojan Source") are escaped
/// too. Borrowed when there is nothing to escape.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Controls (Cc), the line and paragraph separators, and the bidirectional marks, embeddings,
/// overrides and isolates.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Renders a report in a format.
pub fn render(report: &Report, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Text => text::render(report, options.text),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, &options.sarif),
        Format::Github => github::render(report),
    }
}

/// Writes a report in a format to `out` (JSON streamed, the others rendered first).
pub fn write<W: std::io::Write>(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut W,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, out),
        other => out.write_all(render(report, other, options).as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn controls_separators_and_bidi_characters_are_escaped_and_the_rest_kept() {
        assert!(matches!(
            escape_controls("plain é ✓"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("a\nb\tc\u{1b}[31m\u{2028}\u{202e}drow\u{2066}x\u{2069}"),
            "a\\nb\\tc\\u{1b}[31m\\u{2028}\\u{202e}drow\\u{2066}x\\u{2069}"
        );
    }
}
