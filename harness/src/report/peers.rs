//! The peer comparison as tables: Markdown (for the README and `target/perfgate/peers/peers.md`)
//! and an HTML section the gate report shows when `target/perfgate/peers/peers.json` exists.

use super::format::sig3;
use super::html::{self, escape};
use crate::peers::{PeerRow, PeersReport, Ratio};

fn seconds(row: &PeerRow, key: &str) -> String {
    row.median(key).map_or("–".into(), sig3)
}

fn ratio(row: &PeerRow, numerator: &str, denominator: &str) -> String {
    row.ratio(numerator, denominator).map_or(
        "–".into(),
        |Ratio {
             estimate,
             low,
             high,
         }| { format!("{}× [{}, {}]", sig3(estimate), sig3(low), sig3(high)) },
    )
}

fn lines_per_second(row: &PeerRow) -> String {
    row.lines_per_second("connascence-1")
        .map_or("–".into(), |rate| format!("{} M", sig3(rate / 1e6)))
}

const HEADER: [&str; 16] = [
    "corpus",
    "files (ruff)",
    "lines",
    "findings (ruff)",
    "connascence s",
    "ruff s",
    "ratio [95 %]",
    "lines/s",
    "connascence s, all threads",
    "ruff s, all threads",
    "ratio, all threads",
    "speed-up, all threads",
    "parse+walk s",
    "analysis / parse+walk",
    "warm s (disk cache)",
    "cold ÷ warm",
];

fn cells(row: &PeerRow) -> [String; 16] {
    [
        row.corpus.clone(),
        format!("{} ({})", row.files, row.ruff_files),
        row.lines.to_string(),
        format!("{} ({})", row.findings, row.ruff_findings),
        seconds(row, "connascence-1"),
        seconds(row, "ruff-1"),
        ratio(row, "connascence-1", "ruff-1"),
        lines_per_second(row),
        seconds(row, "connascence-all"),
        seconds(row, "ruff-all"),
        ratio(row, "connascence-all", "ruff-all"),
        ratio(row, "connascence-1", "connascence-all"),
        seconds(row, "parse-only-1"),
        ratio(row, "connascence-1", "parse-only-1"),
        seconds(row, "warm-1"),
        ratio(row, "connascence-1", "warm-1"),
    ]
}

fn caption(report: &PeersReport) -> String {
    format!(
        "ruff {}; {} alternating rounds, medians of whole-process wall time; ratios are Hodges–Lehmann \
         estimates on log times with Moses 95 % intervals; one thread unless said (ruff with \
         RAYON_NUM_THREADS=1); speed-up is connascence's one-thread time ÷ its all-threads time; {} cores, {}; measured {} at {}",
        report.ruff_version,
        report.rounds,
        report.fingerprint.cores,
        report
            .fingerprint
            .cpu_model
            .as_deref()
            .unwrap_or("unknown CPU"),
        crate::baseline::date(report.fingerprint.timestamp),
        report.fingerprint.commit_text(),
    )
}

/// The table and the commands as Markdown.
pub fn markdown(report: &PeersReport) -> String {
    let mut out = format!("| {} |\n|", HEADER.join(" | "));
    out.push_str(&"---|".repeat(HEADER.len()));
    out.push('\n');
    for row in &report.rows {
        // The corpus name is the one string not made here.
        let mut cells = cells(row);
        cells[0] = crate::export::markdown_text(&cells[0]);
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push_str(&format!("\n{}.\n\n```sh\n", caption(report)));
    for command in &report.commands {
        out.push_str(command);
        out.push('\n');
    }
    out.push_str("```\n");
    out
}

/// The book's page (`perfgate peers --markdown docs/measured/peers.md`): a title, where the numbers come
/// from, and [`markdown`]'s table with its stamp and commands.
pub fn page(report: &PeersReport) -> String {
    format!(
        "# connascence beside ruff (measured)\n\nWritten by `perfgate peers --markdown`, not by hand: \
         the first command below measures it again. A reported comparison, not a gate: the rule sets \
         differ. On every corpus the warm run (disk cache) was checked to print exactly the findings \
         of the uncached run.\n\n{}",
        markdown(report)
    )
}

/// The section of the HTML report.
pub fn section(report: &PeersReport) -> String {
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|row| {
            cells(row)
                .into_iter()
                .enumerate()
                .map(|(i, cell)| {
                    if i == 0 {
                        escape(&cell)
                    } else {
                        format!("#{}", escape(&cell))
                    }
                })
                .collect()
        })
        .collect();
    let mut out = String::from(
        "<h2>connascence and ruff, side by side</h2>\n<p class=\"note\">A reported comparison, not a gate: the rule sets differ (<code>perfgate peers</code>).</p>\n",
    );
    out.push_str(&html::table(&HEADER, &rows));
    out.push_str(&format!(
        "<p class=\"note\">{}.</p>\n<pre>",
        escape(&caption(report))
    ));
    for command in &report.commands {
        out.push_str(&escape(command));
        out.push('\n');
    }
    out.push_str("</pre>\n");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn report() -> PeersReport {
        let ruff = vec![1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 1.0, 1.02, 0.98, 1.0];
        let seconds = BTreeMap::from([
            (
                "connascence-1".to_owned(),
                ruff.iter().map(|t| t * 0.6).collect(),
            ),
            ("ruff-1".to_owned(), ruff.clone()),
            (
                "parse-only-1".to_owned(),
                ruff.iter().map(|t| t * 0.5).collect(),
            ),
        ]);
        PeersReport {
            fingerprint: crate::results::Fingerprint {
                cores: 2,
                git_commit: Some("abc".into()),
                timestamp: 0,
                ..Default::default()
            },
            ruff_version: "0.16.4".into(),
            rounds: 10,
            rows: vec![PeerRow {
                corpus: "<b>django</b>".into(),
                files: 885,
                ruff_files: 886,
                lines: 159_000,
                findings: 4561,
                ruff_findings: 912,
                seconds,
            }],
            commands: vec!["cargo run --release -p perfgate -- peers --rounds 10".into()],
        }
    }

    #[test]
    fn the_markdown_table_has_a_row_per_corpus_with_medians_ratios_and_rates() {
        let text = markdown(&report());
        let rows: Vec<&str> = text.lines().take(3).collect();
        assert_eq!(rows[0], format!("| {} |", HEADER.join(" | ")));
        assert_eq!(
            rows[2],
            "| &lt;b&gt;django&lt;/b&gt; | 885 (886) | 159000 | 4561 (912) | 0.600 | 1.00 | 0.600× [0.571, 0.630] | 0.265 M | – | – | – | – | 0.500 | 1.20× [1.14, 1.26] | – | – |"
        );
        assert!(text.contains("ruff 0.16.4; 10 alternating rounds"));
        assert!(
            text.ends_with("```sh\ncargo run --release -p perfgate -- peers --rounds 10\n```\n")
        );
    }

    #[test]
    fn the_book_page_is_titled_says_it_is_generated_and_holds_the_stamped_table() {
        let page = page(&report());
        assert!(page.starts_with(
            "# connascence beside ruff (measured)\n\nWritten by `perfgate peers --markdown`"
        ));
        assert!(page.ends_with(&markdown(&report())));
        assert!(page.contains("2 cores, unknown CPU; measured 1970-01-01 00:00 UTC at abc"));
    }

    #[test]
    fn the_html_section_escapes_corpus_names() {
        let html = section(&report());
        assert!(html.contains("<td>&lt;b&gt;django&lt;/b&gt;</td>"));
        assert!(!html.contains("<b>django"));
    }
}
