//! A pre-scan that refuses source nested deeper than CPython itself accepts, before parsing.
//!
//! ruff's parser, our visitor and the syntax tree's drop are all recursive: a file with ten thousand
//! nested brackets would overflow any thread stack. CPython's tokenizer refuses more than 200 nested
//! brackets ("too many nested parentheses") and more than 100 indentation levels ("too many levels of
//! indentation"), so such a file is not valid Python anyway; we report it as a diagnostic at the place
//! the limit is crossed. The scan is one linear pass that skips strings (all prefixes and quote forms,
//! with escapes) and comments. It does not need to be exact for valid code: it only has to find the
//! first place a limit is exceeded, and never exceed one on code CPython accepts.

/// CPython's `MAXLEVEL`: brackets nested deeper than this are a syntax error.
pub const MAX_BRACKET_DEPTH: usize = 200;
/// CPython's `MAXINDENT`: indentation levels deeper than this are a syntax error.
pub const MAX_INDENT_DEPTH: usize = 100;
/// Operators, dots, trailers and expression keywords in one comma-free stretch of an expression.
/// Each can nest the tree one level (`a + b + …`, `a.b.c…`, `f()()…`, `not not …`); CPython 3.11 already
/// fails with `RecursionError` near 5,000 of them, and our recursive parser and visitor need a bounded
/// depth too, so twice that is refused.
pub const MAX_CHAIN: usize = 10_000;

/// Where and how a limit was exceeded: byte offset and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    pub offset: usize,
    pub message: String,
}

/// Scans source text; `Err` at the first bracket or indentation level beyond CPython's limits.
///
/// Most files are checked by [`provably_shallow`], which only looks at the bytes that open or end
/// a stretch (brackets, separators, newlines, strings, comments); only a file it cannot clear is
/// scanned operator by operator, so the result is always that of the exact scan.
pub fn check(text: &str) -> Result<(), TooDeep> {
    if provably_shallow(text.as_bytes()) {
        return Ok(());
    }
    check_exactly(text)
}

/// Bytes [`provably_shallow`] must look at; it skips every other byte.
const STRETCH_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let special = *b"\n,;([{)]}#\\\"'";
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

/// One bracket level (or the statement level) in [`provably_shallow`].
struct Stretch {
    /// Where the level's opening bracket is.
    opened: usize,
    /// Where its current stretch began (the opener or the last separator).
    start: usize,
    /// Bytes of the stretch inside brackets nested in it (closed ones): not this level's steps.
    nested: usize,
}

impl Stretch {
    fn at(index: usize) -> Self {
        Self {
            opened: index,
            start: index,
            nested: 0,
        }
    }

    /// Bytes of this level's own in the stretch up to `index`: a bound on the steps counted in it.
    fn own(&self, index: usize) -> usize {
        index - self.start - self.nested
    }
}

/// `true` when no limit can be exceeded: brackets and indentation are followed exactly as in
/// [`check_exactly`], and every stretch between separators (where the exact scan counts operators
/// and keywords, one nesting step each, each at least one byte, each at the stretch's own level) has
/// at most [`MAX_CHAIN`] bytes of its own, outside the brackets nested in it. Those bytes bound its
/// count of steps, so a file this clears passes the exact scan; anything else (a limit crossed, or a
/// stretch longer than the bound) is left to the exact scan.
fn provably_shallow(bytes: &[u8]) -> bool {
    let mut levels: Vec<Stretch> = vec![Stretch::at(0)];
    let mut indents: Vec<usize> = vec![0];
    let mut at_line_start = true;
    let mut index = 0;
    while index < bytes.len() {
        if at_line_start {
            at_line_start = false;
            if indentation(bytes, &mut index, &mut indents).is_err() {
                return false;
            }
            continue;
        }
        index = skip_plain(bytes, index);
        let Some(&byte) = bytes.get(index) else { break };
        match byte {
            // A newline inside brackets neither ends a stretch nor starts a logical line.
            b'\n' if levels.len() > 1 => index += 1,
            b'\n' | b',' | b';' => {
                let level = levels
                    .last_mut()
                    .expect("the statement level is never popped");
                if level.own(index) > MAX_CHAIN {
                    return false;
                }
                level.start = index;
                level.nested = 0;
                at_line_start = byte == b'\n';
                index += 1;
            }
            b'(' | b'[' | b'{' => {
                levels.push(Stretch::at(index));
                if levels.len() - 1 > MAX_BRACKET_DEPTH {
                    return false;
                }
                index += 1;
            }
            b')' | b']' | b'}' => {
                if levels.len() > 1 {
                    let closed = levels.pop().expect("more than one level");
                    if closed.own(index) > MAX_CHAIN {
                        return false;
                    }
                    // The parent counted the opener; the inside and the closer are not its steps.
                    let parent = levels
                        .last_mut()
                        .expect("the statement level is never popped");
                    parent.nested += index - closed.opened;
                }
                index += 1;
            }
            b'#' => {
                index = memchr::memchr(b'\n', &bytes[index..]).map_or(bytes.len(), |n| index + n);
            }
            b'\\' => index += 2,
            quote => index = skip_string(bytes, index, quote),
        }
    }
    levels
        .iter()
        .all(|level| level.own(bytes.len()) <= MAX_CHAIN)
}

/// The index of the first byte at or after `index` that [`provably_shallow`] must look at (or the
/// end). (Sixteen bytes at a time with SSE2 compares was tried: special bytes are so dense in
/// Python that it ran more instructions, 708.4 M against 706.6 M on django.)
fn skip_plain(bytes: &[u8], mut index: usize) -> usize {
    while index < bytes.len() && !STRETCH_BYTES[bytes[index] as usize] {
        index += 1;
    }
    index
}

/// Reads the indentation of a logical line starting at `index` (moved past it) and updates the
/// stack of indentation widths; `Err(start)` when it opens more levels than CPython allows.
fn indentation(bytes: &[u8], index: &mut usize, indents: &mut Vec<usize>) -> Result<(), usize> {
    let start = *index;
    // Plain spaces first, eight at a time (most indentation is spaces only).
    let mut width = 0;
    while let Some(chunk) = bytes.get(*index..*index + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let other = word ^ u64::from_le_bytes([b' '; 8]);
        let spaces = (other.trailing_zeros() / 8) as usize;
        width += spaces;
        *index += spaces;
        if spaces < 8 {
            break;
        }
    }
    while *index < bytes.len() && matches!(bytes[*index], b' ' | b'\t' | b'\x0c') {
        width += if bytes[*index] == b'\t' {
            8 - width % 8
        } else {
            1
        };
        *index += 1;
    }
    let blank = *index >= bytes.len() || matches!(bytes[*index], b'\n' | b'\r' | b'#' | b'\\');
    if !blank {
        let current = *indents.last().unwrap_or(&0);
        if width > current {
            indents.push(width);
            if indents.len() - 1 > MAX_INDENT_DEPTH {
                return Err(start);
            }
        } else {
            while indents.len() > 1 && *indents.last().unwrap_or(&0) > width {
                indents.pop();
            }
        }
    }
    Ok(())
}

/// The exact scan: counts every operator and nesting keyword of a stretch. [`check`] always gives its
/// result (public as the reference the tests and the fuzz target compare [`check`] with).
pub fn check_exactly(text: &str) -> Result<(), TooDeep> {
    let bytes = text.as_bytes();
    let mut brackets = 0usize;
    let mut indents: Vec<usize> = vec![0];
    // One chain counter per open bracket level (and one for the statement level).
    let mut chains: Vec<usize> = vec![0];
    let too_long = |offset: usize| TooDeep {
        offset,
        message: format!(
            "expression nested more than {MAX_CHAIN} operators deep in one stretch (CPython fails on it with RecursionError); not analyzed"
        ),
    };
    let mut at_line_start = true;
    let mut index = 0;
    while index < bytes.len() {
        if at_line_start {
            at_line_start = false;
            if let Err(start) = indentation(bytes, &mut index, &mut indents) {
                return Err(TooDeep {
                    offset: start,
                    message: format!(
                        "too many levels of indentation (more than {MAX_INDENT_DEPTH}, CPython's limit); not analyzed"
                    ),
                });
            }
            continue;
        }
        match bytes[index] {
            b'\n' => {
                // Only a newline outside brackets starts a logical line (with an indentation).
                if brackets == 0 {
                    at_line_start = true;
                    chains[0] = 0;
                }
                index += 1;
            }
            b',' | b';' => {
                if let Some(chain) = chains.last_mut() {
                    *chain = 0;
                }
                index += 1;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>'
            | b'=' | b'!' | b'.' => {
                let in_number =
                    bytes[index] == b'.' && index > 0 && bytes[index - 1].is_ascii_digit();
                if !in_number && bump(&mut chains) {
                    return Err(too_long(index));
                }
                index += 1;
            }
            byte if byte.is_ascii_alphabetic() || byte == b'_' => {
                let start = index;
                while index < bytes.len()
                    && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_')
                {
                    index += 1;
                }
                let word = &bytes[start..index];
                let string_prefix =
                    index < bytes.len() && matches!(bytes[index], b'"' | b'\'') && word.len() <= 2;
                if string_prefix {
                    continue;
                }
                let nests = matches!(
                    word,
                    b"not"
                        | b"and"
                        | b"or"
                        | b"if"
                        | b"else"
                        | b"lambda"
                        | b"await"
                        | b"in"
                        | b"is"
                );
                if nests && bump(&mut chains) {
                    return Err(too_long(start));
                }
            }
            b'#' => {
                index = memchr::memchr(b'\n', &bytes[index..]).map_or(bytes.len(), |n| index + n);
            }
            b' ' => {
                // Runs of spaces (alignment, blank padding) are common: skip them at once.
                index += bytes[index..].iter().take_while(|&&b| b == b' ').count();
            }
            b'\\' => index += 2,
            b'(' | b'[' | b'{' => {
                if bump(&mut chains) {
                    return Err(too_long(index));
                }
                chains.push(0);
                brackets += 1;
                if brackets > MAX_BRACKET_DEPTH {
                    return Err(TooDeep {
                        offset: index,
                        message: format!(
                            "brackets nested more than {MAX_BRACKET_DEPTH} deep (CPython's limit); not analyzed"
                        ),
                    });
                }
                index += 1;
            }
            b')' | b']' | b'}' => {
                brackets = brackets.saturating_sub(1);
                if chains.len() > 1 {
                    chains.pop();
                }
                index += 1;
            }
            quote @ (b'"' | b'\'') => index = skip_string(bytes, index, quote),
            _ => index += 1,
        }
    }
    Ok(())
}

/// Counts one more nesting step in the current stretch; `true` once the limit is passed.
fn bump(chains: &mut [usize]) -> bool {
    match chains.last_mut() {
        Some(chain) => {
            *chain += 1;
            *chain > MAX_CHAIN
        }
        None => false,
    }
}

/// Skips a string literal starting at its opening quote; returns the index after it.
fn skip_string(bytes: &[u8], start: usize, quote: u8) -> usize {
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut index = start + if triple { 3 } else { 1 };
    // A raw prefix does not change where the string ends: `\` still escapes the quote for the tokenizer.
    while index < bytes.len() {
        // Jump to the next byte that can end or escape the string.
        let next = if triple {
            memchr::memchr2(quote, b'\\', &bytes[index..])
        } else {
            memchr::memchr3(quote, b'\\', b'\n', &bytes[index..])
        };
        match next {
            Some(offset) => index += offset,
            None => return bytes.len(),
        }
        match bytes[index] {
            b'\\' => index += 2,
            b'\n' if !triple => return index,
            byte if byte == quote => {
                if !triple {
                    return index + 1;
                }
                if bytes.get(index + 1) == Some(&quote) && bytes.get(index + 2) == Some(&quote) {
                    return index + 3;
                }
                index += 1;
            }
            _ => index += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_code_passes() {
        let text = "def f(x):\n    if x:\n        return [(x, {'a': \"(((\"})]\n    s = '''\n((((\n'''\n    return ')' # (((\n";
        assert_eq!(check(text), Ok(()));
    }

    #[test]
    fn exactly_the_limit_passes_and_one_more_fails() {
        let at_limit = format!("x = {}1{}\n", "(".repeat(200), ")".repeat(200));
        assert_eq!(check(&at_limit), Ok(()));
        let beyond = format!("x = {}1{}\n", "(".repeat(201), ")".repeat(201));
        let error = check(&beyond).unwrap_err();
        assert_eq!(error.offset, 4 + 200);
        assert!(
            error
                .message
                .starts_with("brackets nested more than 200 deep")
        );
    }

    #[test]
    fn long_operator_chains_are_refused_like_cpython_does() {
        let long = format!("x = {}\n", vec!["a"; 10_002].join(" + "));
        assert!(
            check(&long)
                .unwrap_err()
                .message
                .starts_with("expression nested more than 10000 operators")
        );
        let attributes = format!("x = a{}\n", ".b".repeat(10_001));
        assert!(check(&attributes).is_err());
        let fine = format!("x = {}\n", vec!["a"; 5_000].join(" + "));
        assert_eq!(check(&fine), Ok(()));
    }

    #[test]
    fn separators_end_a_stretch_so_big_flat_data_passes() {
        let table = format!("x = [{}]\n", vec!["-1.5"; 50_000].join(", "));
        assert_eq!(check(&table), Ok(()));
        let lines = "y = a + b + c\n".repeat(50_000);
        assert_eq!(check(&lines), Ok(()));
    }

    #[test]
    fn the_quick_scan_clears_ordinary_code_and_leaves_long_stretches_to_the_exact_one() {
        let ordinary = "def f(x):\n    return [(x, {'a': 1}), g(y)]  # (\n";
        assert!(provably_shallow(ordinary.as_bytes()));
        // One stretch of 20,000 bytes (a long string argument): not cleared by bytes, but it has
        // few operators, so the exact scan passes it.
        let long_string = format!("f('{}')\n", "x".repeat(20_000));
        assert!(!provably_shallow(long_string.as_bytes()));
        assert_eq!(check(&long_string), Ok(()));
        // A long statement whose length is inside its brackets: each level's own bytes are few.
        let table = format!("x = f([\n{}])\n", "    (768, 879, 0),\n".repeat(5_000));
        assert!(provably_shallow(table.as_bytes()));
        // Beyond the limits, both say no.
        let deep = format!("x = {}1{}\n", "[".repeat(201), "]".repeat(201));
        assert!(!provably_shallow(deep.as_bytes()));
        let chain = format!("x = a{}\n", ".b".repeat(10_001));
        assert!(!provably_shallow(chain.as_bytes()));
        assert!(check(&chain).is_err());
    }

    #[test]
    fn both_scans_agree_on_random_text() {
        use rand::{RngExt, SeedableRng};
        // Seeded text from the bytes the scans treat specially, long enough to cross every limit:
        // each case leans towards one kind of byte (brackets, indentation, operators, separators).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
        let alphabet: &[u8] = b"([{)]},;\n\n    \t#'\"\\ab1.+-=notif";
        let mut failures = Vec::new();
        let (mut refused, mut cleared) = (0, 0);
        for case in 0..300 {
            let lean = alphabet[rng.random_range(0..alphabet.len())];
            let length = rng.random_range(0..24_000);
            let bytes: Vec<u8> = (0..length)
                .map(|_| {
                    if rng.random_range(0..3) == 0 {
                        lean
                    } else {
                        alphabet[rng.random_range(0..alphabet.len())]
                    }
                })
                .collect();
            let text = String::from_utf8(bytes).expect("ASCII");
            let exact = check_exactly(&text);
            refused += usize::from(exact.is_err());
            cleared += usize::from(provably_shallow(text.as_bytes()));
            if check(&text) != exact {
                failures.push(case);
            }
        }
        assert!(failures.is_empty(), "cases {failures:?} differ");
        // The cases reach the limits both ways, and the quick scan decides many on its own.
        assert!(refused > 10 && refused < 290, "{refused} of 300 refused");
        assert!(cleared > 10, "the quick scan cleared only {cleared}");
    }

    #[test]
    fn both_scans_agree_on_the_fixtures() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut checked = 0;
        for entry in walk(std::path::Path::new(fixtures)) {
            let Ok(text) = std::fs::read_to_string(&entry) else {
                continue;
            };
            let exact = check_exactly(&text);
            if provably_shallow(text.as_bytes()) {
                assert_eq!(exact, Ok(()), "{}", entry.display());
            }
            assert_eq!(check(&text), exact, "{}", entry.display());
            checked += 1;
        }
        assert!(checked > 10, "only {checked} fixtures read");
    }

    fn walk(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "py") {
                files.push(path);
            }
        }
        files
    }

    #[test]
    fn a_line_continued_in_brackets_has_no_indentation_of_its_own() {
        // After `(1,\n 2)` the rest of the line is not a new logical line: its spaces open no
        // indentation level (that would be the 101st here).
        let mut text = String::new();
        for level in 0..100 {
            text.push_str(&format!("{}if x:\n", " ".repeat(level)));
        }
        text.push_str(&format!(
            "{}y = (1,\n 2){}+ 3\n",
            " ".repeat(100),
            " ".repeat(200)
        ));
        assert_eq!(check_exactly(&text), Ok(()));
        assert!(provably_shallow(text.as_bytes()));
    }

    #[test]
    fn brackets_inside_strings_and_comments_do_not_count() {
        let text = format!(
            "x = '{}'\n# {}\ny = \"\"\"{}\"\"\"\n",
            "(".repeat(500),
            "[".repeat(500),
            "{".repeat(500)
        );
        assert_eq!(check(&text), Ok(()));
    }

    #[test]
    fn indentation_beyond_one_hundred_levels_fails() {
        let mut text = String::new();
        for level in 0..101 {
            text.push_str(&format!("{}if x:\n", " ".repeat(level)));
        }
        text.push_str(&format!("{}pass\n", " ".repeat(101)));
        let error = check(&text).unwrap_err();
        assert!(
            error.message.starts_with("too many levels of indentation"),
            "{}",
            error.message
        );
        let mut ok = String::new();
        for level in 0..100 {
            ok.push_str(&format!("{}if x:\n", " ".repeat(level)));
        }
        ok.push_str(&format!("{}pass\n", " ".repeat(100)));
        assert_eq!(check(&ok), Ok(()));
    }
}
