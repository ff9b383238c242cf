//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding.
//!
//! Critical and high findings are errors, medium warnings, low notices. Property values and messages
//! are escaped as the runner requires (`%`, `\r`, `\n`, and in properties also `:` and `,`).

use std::fmt::Write;

use crate::engine::Report;
use crate::finding::Severity;

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let command = match finding.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} title={},file={},line={},col={},endLine={},endColumn={}::{}",
            escape_property(&format!("connascence {}", finding.rule)),
            escape_property(&finding.file),
            finding.line,
            finding.column,
            finding.end_line,
            finding.end_column,
            escape_data(&format!("[{}] {}", finding.severity, finding.message))
        );
    }
    for diagnostic in &report.diagnostics {
        let _ = writeln!(
            out,
            "::warning title={},file={},line={},col={}::{}",
            escape_property(&format!("connascence {}", diagnostic.kind.as_str())),
            escape_property(&diagnostic.file),
            diagnostic.line,
            diagnostic.column,
            escape_data(&diagnostic.message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner_rules() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
