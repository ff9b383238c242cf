//! Parsing Python source with ruff's parser, turning a syntax error into a located message.
//!
//! One parse per file. The parser recovers from errors internally, but a file with any syntax error
//! is reported as one diagnostic (the first error, at its line and column) and not analyzed further:
//! findings on a half-understood tree would be guesses.

use ruff_python_ast::ModModule;
use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextRange};

use crate::source::LineIndex;

/// A syntax error at a 1-based line and code-point column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// A parsed file: its syntax tree, its tokens and the ranges of the comments that can hold a
/// suppression.
#[derive(Debug)]
pub struct ParsedFile {
    parsed: Parsed<ModModule>,
    /// The file's comments (from the parser's tokens), when the suppression marker
    /// ([`crate::suppress::MARKER`]) occurs anywhere in the text; none otherwise, since no other
    /// comment is read (most files have none: one fast search instead of a pass over the tokens).
    pub comments: Vec<TextRange>,
}

/// Parses a module; the first syntax error is returned with its position.
pub fn parse_module(text: &str, lines: &LineIndex) -> Result<ParsedFile, SyntaxError> {
    match ruff_python_parser::parse_module(text) {
        Ok(parsed) => {
            let marked =
                memchr::memmem::find(text.as_bytes(), crate::suppress::MARKER.as_bytes()).is_some();
            let comments = if marked {
                parsed
                    .tokens()
                    .iter()
                    .filter(|token| token.kind() == TokenKind::Comment)
                    .map(Ranged::range)
                    .collect()
            } else {
                Vec::new()
            };
            Ok(ParsedFile { parsed, comments })
        }
        Err(error) => {
            let (line, column) = lines.position(text, error.location.start().to_u32());
            Err(SyntaxError {
                line,
                column,
                message: format!("syntax error: {}", error.error),
            })
        }
    }
}

impl ParsedFile {
    /// The syntax tree.
    pub fn module(&self) -> &ModModule {
        self.parsed.syntax()
    }

    /// The tokens, in source order (comments and non-logical newlines included).
    pub fn tokens(&self) -> &[Token] {
        self.parsed.tokens()
    }

    /// The syntax tree and the comment ranges; the tokens are freed here, before the traversal, so
    /// that the tree and the tokens are never both held while detectors run.
    pub fn into_module(self) -> (ModModule, Vec<TextRange>) {
        (self.parsed.into_syntax(), self.comments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_source_parses() {
        let text = "def f(x):\n    return x  # note, connascence: ignore\n";
        let parsed = parse_module(text, &LineIndex::new(text)).unwrap();
        assert_eq!(parsed.module().body.len(), 1);
        assert_eq!(parsed.comments.len(), 1);
        assert_eq!(&text[parsed.comments[0]], "# note, connascence: ignore");
    }

    #[test]
    fn comments_are_only_collected_when_the_suppression_marker_occurs() {
        let plain = "x = 1  # a note\n# another\n";
        assert!(
            parse_module(plain, &LineIndex::new(plain))
                .unwrap()
                .comments
                .is_empty()
        );
        // The marker anywhere (here in a string) makes every comment a candidate.
        let marked = "s = 'connascence:'  # a note\n# another\n";
        let comments = parse_module(marked, &LineIndex::new(marked))
            .unwrap()
            .comments;
        assert_eq!(comments.len(), 2);
    }

    #[test]
    fn syntax_error_has_position_and_message() {
        let text = "x = 1\ndef f(:\n";
        let error = parse_module(text, &LineIndex::new(text)).unwrap_err();
        assert_eq!((error.line, error.column), (2, 7));
        assert!(
            error.message.starts_with("syntax error: "),
            "{}",
            error.message
        );
    }
}
