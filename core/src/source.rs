//! Source text of one Python file: decoding its bytes and mapping byte offsets to positions.
//!
//! Python source is UTF-8 unless a PEP 263 declaration (`# -*- coding: latin-1 -*-` on line 1 or 2)
//! names another encoding. [`decode`] strips a UTF-8 byte-order mark, accepts UTF-8, decodes a declared
//! legacy encoding with `encoding_rs`, and otherwise says why the bytes are not Python source.
//! [`LineIndex`] turns byte offsets of the decoded text into 1-based line and column numbers, where the
//! column counts Unicode code points (the unit SARIF calls `unicodeCodePoints`).

/// Why the bytes of a file could not be turned into source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// 1-based line of the first offending byte.
    pub line: u32,
    /// 1-based column (in bytes of that line, as the text cannot be decoded) of the first offending byte.
    pub column: u32,
    pub message: String,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a file's bytes into source text, following PEP 263. UTF-8 source is borrowed as it is
/// (validated, not copied); only a legacy encoding makes a new string.
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, DecodeError> {
    let (bytes, had_bom) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    if bytes.contains(&0) {
        let at = bytes.iter().position(|&b| b == 0).unwrap_or(0);
        let (line, column) = byte_position(bytes, at);
        return Err(DecodeError {
            line,
            column,
            message: "source contains a NUL byte (binary file?); expected Python source text"
                .into(),
        });
    }
    let declared = declared_encoding(bytes);
    if had_bom && let Some((label, line)) = &declared {
        // CPython's tokenizer: after a byte-order mark only a declaration of UTF-8 is accepted,
        // spelled `utf-8` or `utf-8-…` (case and `_` aside); `utf8` is refused too.
        let normal = python_normal_name(label);
        if normal != "utf-8" {
            return Err(DecodeError {
                line: *line,
                column: 1,
                message: format!(
                    "encoding problem: {normal} with BOM (PEP 263: a file that starts with a UTF-8 byte-order mark may only declare utf-8)"
                ),
            });
        }
    }
    match declared.filter(|_| !had_bom) {
        Some((label, line)) if !is_utf8_label(&label) => {
            let Some(encoding) = encoding_for_python_label(&label) else {
                return Err(DecodeError {
                    line,
                    column: 1,
                    message: format!("unknown source encoding `{label}` declared (PEP 263)"),
                });
            };
            let (text, _, had_errors) = encoding.decode(bytes);
            if had_errors {
                return Err(DecodeError {
                    line: 1,
                    column: 1,
                    message: format!("source is not valid {label} as its PEP 263 declaration says"),
                });
            }
            Ok(std::borrow::Cow::Owned(text.into_owned()))
        }
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(std::borrow::Cow::Borrowed(text)),
            Err(error) => {
                let (line, column) = byte_position(bytes, error.valid_up_to());
                Err(DecodeError {
                    line,
                    column,
                    message:
                        "invalid UTF-8 (and no PEP 263 encoding declaration); expected UTF-8 source"
                            .into(),
                })
            }
        },
    }
}

/// Maps a Python codec name (`latin-1`, `iso8859_15`, `cp1252`, …) to an `encoding_rs` encoding.
/// `encoding_rs` follows WHATWG, where ISO-8859-1 is decoded as windows-1252: identical for every
/// printable byte, so positions and identifiers come out the same.
fn encoding_for_python_label(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let name = label.to_ascii_lowercase().replace('_', "-");
    let candidates = [
        match name.as_str() {
            "latin-1" | "iso-latin-1" | "l1" | "8859" | "cp819" | "iso8859-1" => {
                "iso-8859-1".to_owned()
            }
            _ => name.clone(),
        },
        name.replacen("iso8859-", "iso-8859-", 1),
        name.replacen("cp", "windows-", 1),
    ];
    candidates
        .iter()
        .find_map(|candidate| encoding_rs::Encoding::for_label(candidate.as_bytes()))
}

/// A declared encoding as CPython's tokenizer names it (`get_normal_name`): the first 12 characters
/// lowercased with `_` as `-`; `utf-8` and `utf-8-…` are `utf-8`, the latin-1 spellings are
/// `iso-8859-1`, anything else is the label as written.
fn python_normal_name(label: &str) -> String {
    let buf: String = label
        .chars()
        .take(12)
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let latin1 = ["latin-1", "iso-8859-1", "iso-latin-1"];
    if buf == "utf-8" || buf.starts_with("utf-8-") {
        "utf-8".to_owned()
    } else if latin1
        .iter()
        .any(|name| buf == *name || buf.starts_with(&format!("{name}-")))
    {
        "iso-8859-1".to_owned()
    } else {
        label.to_owned()
    }
}

fn is_utf8_label(label: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    lower == "utf-8" || lower == "utf8" || lower.starts_with("utf-8-") || lower.starts_with("utf_8")
}

/// The encoding named by a PEP 263 comment on the first or second line, if any, and that line.
fn declared_encoding(bytes: &[u8]) -> Option<(String, u32)> {
    for (index, line) in bytes.split(|&b| b == b'\n').take(2).enumerate() {
        let trimmed = line.trim_ascii_start();
        if !trimmed.starts_with(b"#") {
            // PEP 263: the second line only counts if the first is a comment or blank.
            if index == 0 && !trimmed.is_empty() {
                return None;
            }
            continue;
        }
        // As CPython's `coding[:=][ \t]*([-\w.]+)`: the first `coding` followed by `:` or `=` and
        // a name, not only the first `coding` of the line (`# recoding tool; coding: latin-1`).
        let text = String::from_utf8_lossy(line);
        for (at, _) in text.match_indices("coding") {
            let rest = &text[at + "coding".len()..];
            let Some(rest) = rest.strip_prefix([':', '=']) else {
                continue;
            };
            let name: String = rest
                .trim_start_matches([' ', '\t'])
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !name.is_empty() {
                return Some((name, index as u32 + 1));
            }
        }
    }
    None
}

fn byte_position(bytes: &[u8], at: usize) -> (u32, u32) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (to_u32(line), to_u32(at - line_start + 1))
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Maps byte offsets of a text to 1-based (line, column-in-code-points) positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        let bytes = text.as_bytes();
        for offset in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // `\r\n` and lone `\r` both end a line, as in Python's tokenizer.
            if bytes[offset] == b'\n' || bytes.get(offset + 1) != Some(&b'\n') {
                line_starts.push(to_u32(offset + 1));
            }
        }
        Self { line_starts }
    }

    /// Number of lines (a final line without a newline counts; an empty text has one line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: u32) -> u32 {
        let index = self.line_starts.partition_point(|&start| start <= offset);
        to_u32(index.max(1))
    }

    /// 1-based (line, column) of a byte offset; the column counts code points from the line start.
    pub fn position(&self, text: &str, offset: u32) -> (u32, u32) {
        self.column_on(text, offset, self.line_of(offset))
    }

    /// [`Self::position`] of an offset at or after one on line `from` (a range's end after its
    /// start): most ranges end on the line they start on, which needs no search.
    pub fn position_after(&self, text: &str, offset: u32, from: u32) -> (u32, u32) {
        let next = self.line_starts.get(from as usize).copied();
        let on_from = from >= 1
            && self
                .line_starts
                .get(from as usize - 1)
                .is_some_and(|&s| s <= offset)
            && next.is_none_or(|next| offset < next);
        let line = if on_from { from } else { self.line_of(offset) };
        self.column_on(text, offset, line)
    }

    fn column_on(&self, text: &str, offset: u32, line: u32) -> (u32, u32) {
        let start = self.line_starts[line as usize - 1] as usize;
        let end = (offset as usize).min(text.len());
        let prefix = &text.as_bytes()[start..end];
        let column = if prefix.is_ascii() {
            prefix.len()
        } else {
            text[start..end].chars().count()
        };
        (line, to_u32(column + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_after_another_is_the_same_position() {
        let text = "ab\r\ncd\n\néf\rg";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() as u32 {
            for from in 0..=index.line_count() as u32 + 1 {
                if text.is_char_boundary(offset as usize) {
                    assert_eq!(
                        index.position_after(text, offset, from),
                        index.position(text, offset),
                        "{offset} from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn columns_count_code_points_not_bytes() {
        let text = "x = 'é'\ny = 'ü' + z\n";
        let index = LineIndex::new(text);
        let z = text.find('z').unwrap() as u32;
        assert_eq!(index.position(text, z), (2, 11));
        assert_eq!(index.position(text, 0), (1, 1));
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let text = "a\r\nb\rc\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.position(text, 5), (3, 1));
    }

    #[test]
    fn bom_is_stripped() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1\n").unwrap(), "x = 1\n");
    }

    #[test]
    fn a_bom_with_a_declaration_other_than_utf_8_is_refused_as_cpython_does() {
        for (label, shown) in [
            ("utf8", "utf8"),
            ("latin-1", "iso-8859-1"),
            ("utf8-sig", "utf8-sig"),
            ("cp1252", "cp1252"),
        ] {
            let bytes = format!("\u{feff}# coding: {label}\nx = 1\n");
            let error = decode(bytes.as_bytes()).unwrap_err();
            assert_eq!((error.line, error.column), (1, 1), "{label}");
            assert!(
                error
                    .message
                    .starts_with(&format!("encoding problem: {shown} with BOM")),
                "{label}: {}",
                error.message
            );
        }
        let second =
            decode(b"\xef\xbb\xbf#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n").unwrap_err();
        assert_eq!((second.line, second.column), (2, 1));
        for label in ["utf-8", "UTF-8", "utf_8", "utf-8-sig"] {
            let bytes = format!("\u{feff}# coding: {label}\nx = 1\n");
            assert_eq!(
                decode(bytes.as_bytes()).unwrap(),
                format!("# coding: {label}\nx = 1\n"),
                "{label}"
            );
        }
    }

    #[test]
    fn latin1_declaration_is_decoded() {
        let bytes = b"# -*- coding: latin-1 -*-\nname = '\xe9'\n";
        assert_eq!(
            decode(bytes).unwrap(),
            "# -*- coding: latin-1 -*-\nname = '\u{e9}'\n"
        );
    }

    #[test]
    fn invalid_utf8_names_the_position() {
        let error = decode(b"x = 1\ny = '\xff'\n").unwrap_err();
        assert_eq!((error.line, error.column), (2, 6));
        assert!(error.message.starts_with("invalid UTF-8"));
    }

    #[test]
    fn nul_byte_is_refused_as_binary() {
        let error = decode(b"ab\0cd").unwrap_err();
        assert_eq!((error.line, error.column), (1, 3));
        assert!(error.message.contains("NUL byte"));
    }

    #[test]
    fn python_codec_names_map_to_encodings() {
        for label in [
            "latin-1",
            "Latin_1",
            "iso8859-15",
            "cp1252",
            "euc_jp",
            "shift_jis",
        ] {
            assert!(encoding_for_python_label(label).is_some(), "{label}");
        }
        assert!(encoding_for_python_label("klingon").is_none());
    }

    #[test]
    fn declaration_on_line_two_needs_comment_on_line_one() {
        assert_eq!(
            declared_encoding(b"#!/usr/bin/python\n# coding=latin-1\n"),
            Some(("latin-1".to_owned(), 2))
        );
        assert_eq!(declared_encoding(b"x = 1\n# coding=latin-1\n"), None);
        assert_eq!(
            declared_encoding(b"# recoding tool; coding: latin-1\n"),
            Some(("latin-1".to_owned(), 1))
        );
    }
}
