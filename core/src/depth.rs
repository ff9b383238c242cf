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
pub fn check(text: &str) -> Result<(), TooDeep> {
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
        if at_line_start && brackets == 0 {
            at_line_start = false;
            let start = index;
            let mut width = 0;
            while index < bytes.len() && matches!(bytes[index], b' ' | b'\t' | b'\x0c') {
                width += if bytes[index] == b'\t' {
                    8 - width % 8
                } else {
                    1
                };
                index += 1;
            }
            let blank =
                index >= bytes.len() || matches!(bytes[index], b'\n' | b'\r' | b'#' | b'\\');
            if !blank {
                let current = *indents.last().unwrap_or(&0);
                if width > current {
                    indents.push(width);
                    if indents.len() - 1 > MAX_INDENT_DEPTH {
                        return Err(TooDeep {
                            offset: start,
                            message: format!(
                                "too many levels of indentation (more than {MAX_INDENT_DEPTH}, CPython's limit); not analyzed"
                            ),
                        });
                    }
                } else {
                    while indents.len() > 1 && *indents.last().unwrap_or(&0) > width {
                        indents.pop();
                    }
                }
            }
            continue;
        }
        match bytes[index] {
            b'\n' => {
                at_line_start = true;
                if brackets == 0 {
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
