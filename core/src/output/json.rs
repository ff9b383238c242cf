//! JSON output: `{"findings": [...], "diagnostics": [...], "stats": {...}}`, pretty-printed.
//!
//! The findings array is written here by hand, byte for byte as `serde_json::to_string_pretty` of
//! the report would (a test holds the two equal), because it is nearly all of the output: 100,000
//! findings are 50 MB, and serde_json escaped every key and string one byte at a time. Here keys,
//! rule ids, severities and fingerprints are written as they are (they never need escaping), a
//! file's name is escaped once per file, a fixed recommendation once per run, and only the
//! messages are escaped per finding. The rest of the report goes through serde_json. Output is
//! streamed in 64 KiB chunks.

use std::io::Write;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::engine::{Counters, Report};
use crate::finding::{Diagnostic, Finding};
use crate::suppress::UnusedSuppression;

const CHUNK: usize = 64 << 10;

/// Appends `text` as a JSON string literal, escaped as serde_json escapes.
fn escape_into(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        // Eight bytes at a time past the (usual) stretches that need no escape.
        if let Some(word) = bytes.get(index..index + 8)
            && !needs_escape(u64::from_le_bytes(word.try_into().unwrap_or_default()))
        {
            index += 8;
            continue;
        }
        let byte = bytes[index];
        index += 1;
        if byte >= 0x20 && byte != b'"' && byte != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..index - 1]);
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]),
        }
        start = index;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether any of the eight bytes of `word` is a control character, `"` or `\\` (exact: the
/// classic "has a byte less than n" and "has a zero byte" tests, which have no false positives
/// when asked only whether some byte matches).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote;
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash;
    (below_space | quote | backslash) & HIGH != 0
}

/// Writes findings; remembers the escaped form of the last file and of each fixed recommendation.
struct FindingWriter {
    buffer: Vec<u8>,
    file: Option<std::sync::Arc<str>>,
    escaped_file: Vec<u8>,
    recommendations: FxHashMap<(usize, usize), Vec<u8>>,
}

impl FindingWriter {
    fn number(&mut self, value: u32) {
        self.buffer
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// One finding as serde_json's pretty printer writes it: the keys and the punctuation between
    /// two values are written as one constant each.
    fn finding(&mut self, finding: &Finding) {
        self.buffer.extend_from_slice(b"    {\n      \"rule\": \"");
        self.buffer.extend_from_slice(finding.rule.id().as_bytes());
        self.buffer
            .extend_from_slice(b"\",\n      \"connascence_type\": ");
        match finding.connascence_type {
            Some(kind) => {
                self.buffer.push(b'"');
                self.buffer.extend_from_slice(kind.as_str().as_bytes());
                self.buffer
                    .extend_from_slice(b"\",\n      \"severity\": \"");
            }
            None => self
                .buffer
                .extend_from_slice(b"null,\n      \"severity\": \""),
        }
        self.buffer
            .extend_from_slice(finding.severity.as_str().as_bytes());
        self.buffer.extend_from_slice(b"\",\n      \"file\": ");
        // Findings of one file come together and share one name.
        let same_file = self.file.as_ref().is_some_and(|file| {
            std::sync::Arc::ptr_eq(file, &finding.file) || **file == *finding.file
        });
        if !same_file {
            self.escaped_file.clear();
            escape_into(&mut self.escaped_file, &finding.file);
            self.file = Some(finding.file.clone());
        }
        self.buffer.extend_from_slice(&self.escaped_file);
        self.buffer.extend_from_slice(b",\n      \"line\": ");
        self.number(finding.line);
        self.buffer.extend_from_slice(b",\n      \"column\": ");
        self.number(finding.column);
        self.buffer.extend_from_slice(b",\n      \"end_line\": ");
        self.number(finding.end_line);
        self.buffer.extend_from_slice(b",\n      \"end_column\": ");
        self.number(finding.end_column);
        self.buffer.extend_from_slice(b",\n      \"message\": ");
        escape_into(&mut self.buffer, &finding.message);
        self.buffer
            .extend_from_slice(b",\n      \"recommendation\": ");
        match &finding.recommendation {
            std::borrow::Cow::Borrowed(text) => {
                let escaped = self
                    .recommendations
                    .entry((text.as_ptr() as usize, text.len()))
                    .or_insert_with(|| {
                        let mut escaped = Vec::new();
                        escape_into(&mut escaped, text);
                        escaped
                    });
                self.buffer.extend_from_slice(escaped);
            }
            std::borrow::Cow::Owned(text) => escape_into(&mut self.buffer, text),
        }
        self.buffer
            .extend_from_slice(b",\n      \"fingerprint\": \"");
        self.buffer.extend_from_slice(&finding.fingerprint.hex());
        self.buffer.extend_from_slice(b"\"\n    }");
    }
}

/// Everything after the findings, serialized by serde_json.
#[derive(Serialize)]
struct Rest<'a> {
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notices: &'a [String],
    #[serde(skip_serializing_if = "<[UnusedSuppression]>::is_empty")]
    unused_suppressions: &'a [UnusedSuppression],
    stats: &'a Counters,
}

/// Streams the report to `out`.
pub fn write<W: Write>(report: &Report, out: &mut W) -> std::io::Result<()> {
    let mut writer = FindingWriter {
        buffer: Vec::with_capacity(CHUNK + 4096),
        file: None,
        escaped_file: Vec::new(),
        recommendations: FxHashMap::default(),
    };
    writer.buffer.extend_from_slice(b"{\n  \"findings\": [");
    for (index, finding) in report.findings.iter().enumerate() {
        writer
            .buffer
            .extend_from_slice(if index == 0 { b"\n" as &[u8] } else { b",\n" });
        writer.finding(finding);
        if writer.buffer.len() >= CHUNK {
            out.write_all(&writer.buffer)?;
            writer.buffer.clear();
        }
    }
    if !report.findings.is_empty() {
        writer.buffer.extend_from_slice(b"\n  ");
    }
    writer.buffer.extend_from_slice(b"],\n");
    out.write_all(&writer.buffer)?;
    let rest = serde_json::to_vec_pretty(&Rest {
        diagnostics: &report.diagnostics,
        notices: &report.notices,
        unused_suppressions: &report.unused_suppressions,
        stats: &report.stats,
    })?;
    // `{\n  "diagnostics": …}`: the members are already indented one level.
    out.write_all(rest.get(2..).unwrap_or_default())?;
    out.write_all(b"\n")
}

pub fn render(report: &Report) -> String {
    let mut bytes = Vec::new();
    // Writing into memory cannot fail, and everything written is UTF-8.
    let _ = write(report, &mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visit::Mode;

    #[test]
    fn the_output_is_serde_jsons_pretty_printing_of_the_report() {
        let rules = crate::Settings::default().compile().unwrap();
        let source = "import time  # connascence: ignore[timing]\nclass bad_name:\n    pass\ndef f(a, b, c, d, e):\n    if a == 'some \\\"text':\n        time.sleep(5)\n    if a:\n        if b:\n            if c:\n                if d:\n                    if e:\n                        return 7\n    return 42 + 42 + 42\n";
        let mut aggregator = crate::aggregate::Aggregator::default();
        for (label, text) in [
            ("dir \"q\"\\é/a.py", source),
            ("b.py", "def f(:\n"),
            ("c.py", source),
        ] {
            aggregator.add(crate::engine::analyze_source(
                label,
                text,
                &rules,
                Mode::Unified,
            ));
        }
        let mut report = aggregator.finish(&rules);
        report.notices.push("a \"notice\"".into());
        assert!(!report.unused_suppressions.is_empty());
        let kinds: Vec<_> = report.findings.iter().map(|f| f.connascence_type).collect();
        assert!(kinds.contains(&None) && kinds.iter().any(Option::is_some));
        assert!(report.findings.len() > 8 && !report.diagnostics.is_empty());
        let expected = serde_json::to_string_pretty(&report).unwrap() + "\n";
        assert_eq!(render(&report), expected);
        let empty = Report::default();
        assert_eq!(
            render(&empty),
            serde_json::to_string_pretty(&empty).unwrap() + "\n"
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "",
            "plain",
            "q\"b\\s/",
            "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "é ✓ 𝄞",
        ] {
            let mut ours = Vec::new();
            escape_into(&mut ours, text);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
        // Every character below 0x100 at every position of the eight-byte words, after clean runs.
        for code in 0u32..0x100 {
            let c = char::from_u32(code).unwrap();
            for before in 0..17 {
                let text = format!("{}{c}tail", "x".repeat(before));
                let mut ours = Vec::new();
                escape_into(&mut ours, &text);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(&text).unwrap(),
                    "{text:?}"
                );
            }
        }
        for text in [
            "a message of more than eight bytes with \"quotes\" late",
            "value \"utf-8\" appears 3 times (again on lines 4, 9)\n\tand \\ \u{1} then a long clean tail",
        ] {
            let mut ours = Vec::new();
            escape_into(&mut ours, text);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
    }
}
