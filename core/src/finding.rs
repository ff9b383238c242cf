//! What the analyzer reports: findings (rule violations) and diagnostics (files it could not analyze).
//!
//! A [`Finding`] names its rule, the connascence type, a severity, the exact source range (1-based lines
//! and code-point columns), a message, a recommendation and a stable fingerprint. The fingerprint hashes
//! the rule, the file and the whitespace-normalized offending code (plus an occurrence index among equal
//! snippets of one file), never the line number, so a finding keeps its identity when unrelated code
//! above it changes. A [`Diagnostic`] says why a file produced no findings (unreadable, not UTF-8, a
//! syntax error); diagnostics are listed and counted but never change the exit code.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use crate::rule::ConnascenceType;
use crate::rule::Rule;

/// How serious a finding is; ordered from `Low` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule violation at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    /// `None` for structural rules that measure no connascence (god-object, deep-nesting, complexity).
    pub connascence_type: Option<ConnascenceType>,
    pub severity: Severity,
    /// The file's label, shared by all findings of the file (one allocation per file, not per finding).
    pub file: std::sync::Arc<str>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
    /// What to do about it; most rules share one text, so it is borrowed when it can be.
    pub recommendation: Cow<'static, str>,
    pub fingerprint: Fingerprint,
}

/// A finding's stable identity: 64 bits of xxh3, written as 16 lowercase hex digits (in JSON too).
/// A number rather than its text, so that computing, caching and comparing one allocates nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The 16 hex digits as bytes, without allocating.
    pub fn hex(self) -> [u8; 16] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (index, byte) in out.iter_mut().enumerate() {
            *byte = DIGITS[((self.0 >> (60 - 4 * index)) & 0xf) as usize];
        }
        out
    }

    /// Reads exactly 16 lowercase hex digits (the written form).
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let digits = text.as_bytes();
        if digits.len() != 16
            || !digits
                .iter()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return None;
        }
        u64::from_str_radix(text, 16).ok().map(Fingerprint)
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = self.hex();
        // The digits are ASCII by construction.
        f.write_str(std::str::from_utf8(&hex).map_err(|_| std::fmt::Error)?)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Fingerprint::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("a fingerprint is 16 hex digits, got {text:?}"))
        })
    }
}

impl Finding {
    /// The order of findings in every output: file, line, column, rule, then message.
    pub fn sort_key(&self) -> (&str, u32, u32, &'static str, &str) {
        (
            &self.file,
            self.line,
            self.column,
            self.rule.id(),
            &self.message,
        )
    }
}

/// Why (part of) a file could not be analyzed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub kind: DiagnosticKind,
    pub message: String,
}

/// The class of a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// The file could not be read (permissions, not a regular file, vanished, symlink loop).
    Io,
    /// The bytes are not Python source text (binary, invalid UTF-8, unknown declared encoding).
    Encoding,
    /// The text does not parse as Python.
    Syntax,
    /// The file is larger than `max-file-size`; it was not read.
    TooLarge,
}

impl DiagnosticKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Io => "io-error",
            Self::Encoding => "encoding-error",
            Self::Syntax => "syntax-error",
            Self::TooLarge => "too-large",
        }
    }
}

/// Collapses every run of whitespace to one space and trims, so re-indenting code keeps its hash.
pub fn normalize_whitespace(code: &str) -> String {
    let mut normalized = String::with_capacity(code.len());
    for word in code.split_whitespace() {
        if !normalized.is_empty() {
            normalized.push(' ');
        }
        normalized.push_str(word);
    }
    normalized
}

/// Whether `text` is printable ASCII without any whitespace: then normalizing it changes nothing.
pub fn is_one_ascii_word(text: &str) -> bool {
    text.bytes().all(|byte| (b'!'..=b'~').contains(&byte))
}

/// Hash of a code snippet after whitespace normalization (most snippets — numbers, strings without
/// spaces, names — are one word and are hashed as they are).
pub fn snippet_hash(code: &str) -> u64 {
    if is_one_ascii_word(code) {
        return xxhash_rust::xxh3::xxh3_64(code.as_bytes());
    }
    if is_normal_ascii(code.as_bytes()) {
        return xxhash_rust::xxh3::xxh3_64(code.as_bytes());
    }
    if code.is_ascii() {
        return xxhash_rust::xxh3::xxh3_64(&normalize_ascii_whitespace(code.as_bytes()));
    }
    xxhash_rust::xxh3::xxh3_64(normalize_whitespace(code).as_bytes())
}

/// Whether text is ASCII that [`normalize_ascii_whitespace`] leaves as it is: no control bytes (so no
/// white space but the space), no space at either end and no two spaces in a row. Eight bytes at a
/// time: most snippets (function headers, strings) are in this form and need no copy.
fn is_normal_ascii(code: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    if code.first() == Some(&b' ') || code.last() == Some(&b' ') {
        return false;
    }
    let mut space = false;
    let mut chunks = code.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // A byte of 0x80 or more; else one below 0x20 (the first borrow is exact).
        if word & HIGH != 0 || word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0 {
            return false;
        }
        // The high bit of every byte that is a space, exactly.
        let x = word ^ (ONES * 0x20);
        let spaces = !((x & LOW).wrapping_add(LOW) | x | LOW);
        if spaces & (spaces << 8) != 0 || (space && spaces & 0x80 != 0) {
            return false;
        }
        space = spaces >> 63 != 0;
    }
    for &byte in chunks.remainder() {
        if byte == b' ' {
            if space {
                return false;
            }
            space = true;
        } else if !(b'!'..=b'~').contains(&byte) {
            return false;
        } else {
            space = false;
        }
    }
    true
}

/// [`normalize_whitespace`] of ASCII text, byte by byte: the same result (ASCII's white space for
/// `char::is_whitespace` is tab, line feed, vertical tab, form feed, carriage return and space)
/// without decoding characters.
fn normalize_ascii_whitespace(code: &[u8]) -> Vec<u8> {
    let mut normalized = Vec::with_capacity(code.len());
    let mut space = false;
    for &byte in code {
        if matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            space = !normalized.is_empty();
        } else {
            if space {
                normalized.push(b' ');
                space = false;
            }
            normalized.push(byte);
        }
    }
    normalized
}

/// The stable fingerprint of a finding: rule, file, snippet hash and occurrence among equal snippets.
pub fn fingerprint(rule: Rule, file: &str, snippet_hash: u64, occurrence: u32) -> Fingerprint {
    fingerprint_with(&mut Vec::new(), rule, file, snippet_hash, occurrence)
}

/// [`fingerprint`] hashing one buffer (reused across a file's findings) in one shot: the same value
/// as the streaming hash of the same bytes, without setting up a streaming state per finding.
pub fn fingerprint_with(
    scratch: &mut Vec<u8>,
    rule: Rule,
    file: &str,
    snippet_hash: u64,
    occurrence: u32,
) -> Fingerprint {
    scratch.clear();
    scratch.extend_from_slice(rule.id().as_bytes());
    scratch.push(0);
    scratch.extend_from_slice(file.as_bytes());
    scratch.push(0);
    scratch.extend_from_slice(&snippet_hash.to_le_bytes());
    scratch.extend_from_slice(&occurrence.to_le_bytes());
    Fingerprint(xxhash_rust::xxh3::xxh3_64(scratch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_normalization_ignores_indentation_and_line_breaks() {
        assert_eq!(
            normalize_whitespace("  def f(a,\n        b):  "),
            "def f(a, b):"
        );
        assert_eq!(
            snippet_hash("def f(a, b):"),
            snippet_hash("def  f(a,\n b):")
        );
        // The fast paths hash what normalizing would have produced.
        for code in [
            "def f(a,\n        b):  ",
            "\t\x0b\x0c\r x \n",
            "a\u{1c}b",
            "",
            "  ",
            "x",
            "42",
            "'x'",
            " a  b\tc\n",
            "é",
            "a\u{a0}b",
            "a\u{b}b",
        ] {
            assert_eq!(
                snippet_hash(code),
                xxhash_rust::xxh3::xxh3_64(normalize_whitespace(code).as_bytes()),
                "{code:?}"
            );
        }
        // Every ASCII character, alone, between words and in runs.
        for byte in 0u8..128 {
            let c = char::from(byte);
            for code in [
                format!("{c}"),
                format!("a {c}b"),
                format!("{c}{c}x{c}{c}y{c}"),
            ] {
                assert_eq!(
                    normalize_ascii_whitespace(code.as_bytes()),
                    normalize_whitespace(&code).into_bytes(),
                    "{code:?}"
                );
            }
        }
    }

    #[test]
    fn text_called_normal_is_what_normalizing_gives_at_every_offset_in_a_word() {
        // Each ASCII character at each of the positions 0..=17 (both sides of the eight-byte steps
        // and the tail), alone and next to a space, in text that is normal otherwise.
        let mut called_normal = 0;
        for byte in 0u8..128 {
            let c = char::from(byte);
            for at in 0..=17 {
                for insert in [format!("{c}"), format!(" {c}"), format!("{c} ")] {
                    let mut code = "abcdefgh ijklmnop qr".to_owned();
                    code.insert_str(at, &insert);
                    let normal = normalize_whitespace(&code);
                    if is_normal_ascii(code.as_bytes()) {
                        called_normal += 1;
                        assert_eq!(normal, code, "{code:?}");
                    } else if code.is_ascii() && !code.bytes().any(|b| b < 0x20 || b == 0x7f) {
                        // Printable ASCII is refused only when normalizing changes it.
                        assert_ne!(normal, code, "{code:?}");
                    }
                    assert_eq!(
                        snippet_hash(&code),
                        xxhash_rust::xxh3::xxh3_64(normal.as_bytes()),
                        "{code:?}"
                    );
                }
            }
        }
        assert!(called_normal > 4000, "{called_normal}");
        for code in [
            "",
            "a",
            "a b",
            "def f(a, b):",
            "x = [1, 2, 3, 4, 5, 6, 7, 8]",
        ] {
            assert!(is_normal_ascii(code.as_bytes()), "{code:?}");
        }
        for code in [
            " a",
            "a ",
            "a  b",
            "a\tb",
            "é",
            "abcdefg  hijk",
            "abcdefgh\nij",
        ] {
            assert!(!is_normal_ascii(code.as_bytes()), "{code:?}");
        }
    }

    #[test]
    fn the_one_shot_fingerprint_equals_the_streaming_hash_of_the_same_bytes() {
        let rule = Rule::by_id("timing").unwrap();
        let mut streaming = xxhash_rust::xxh3::Xxh3::new();
        for part in [b"timing" as &[u8], &[0], b"pkg/a.py", &[0]] {
            streaming.update(part);
        }
        streaming.update(&7u64.to_le_bytes());
        streaming.update(&2u32.to_le_bytes());
        assert_eq!(
            fingerprint(rule, "pkg/a.py", 7, 2),
            Fingerprint(streaming.digest())
        );
    }

    #[test]
    fn fingerprints_are_sixteen_hex_digits_in_text_and_json() {
        let print = Fingerprint(0x00ab_cdef_0123_4567);
        assert_eq!(print.to_string(), "00abcdef01234567");
        assert_eq!(&print.hex(), b"00abcdef01234567");
        assert_eq!(
            serde_json::to_string(&print).unwrap(),
            "\"00abcdef01234567\""
        );
        assert_eq!(
            serde_json::from_str::<Fingerprint>("\"00abcdef01234567\"").unwrap(),
            print
        );
        for bad in [
            "zz",
            "abc",
            "+0abcdef01234567",
            "00ABCDEF01234567",
            "00abcdef012345678",
        ] {
            assert_eq!(Fingerprint::parse(bad), None, "{bad}");
        }
        assert!(serde_json::from_str::<Fingerprint>("\"x\"").is_err());
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
    }
}
