//! Suppression comments: `# connascence: ignore[rule-id, ...]`, or a bare `# connascence: ignore`.
//!
//! A suppression applies to findings that start on the comment's line: the listed rules, or every
//! rule when no list is given. Comments are taken from the parser's tokens, so the text
//! `"# connascence: ignore"` inside a string is not a suppression. Each suppression records whether it
//! was used, so `--report-unused-ignores` can list those that no longer suppress anything (like ruff's
//! RUF100); an unknown rule id in a list is reported the same way.

use ruff_text_size::TextRange;
use serde::{Deserialize, Serialize};

use crate::detectors::Rule;
use crate::finding::Finding;
use crate::source::LineIndex;

pub const MARKER: &str = "connascence:";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub line: u32,
    pub column: u32,
    /// The listed rule ids (as written); `None` for a bare `ignore`.
    pub rules: Option<Vec<String>>,
    /// Which of them suppressed a finding (for a bare `ignore`: whether anything was suppressed).
    pub used: Vec<bool>,
}

/// A suppression (or one rule of its list) that suppressed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedSuppression {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// `None` for a bare `ignore`.
    pub rule: Option<String>,
    pub message: String,
}

/// Reads the suppressions among a file's comments, in line order.
pub fn parse(text: &str, comments: &[TextRange], lines: &LineIndex) -> Vec<Suppression> {
    let mut found = Vec::new();
    for &range in comments {
        let comment = &text[range];
        let Some(at) = comment.find(MARKER) else {
            continue;
        };
        let rest = comment[at + MARKER.len()..].trim_start();
        let Some(rest) = rest.strip_prefix("ignore") else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with(['[', ' ', '\t', '#'])) {
            continue;
        }
        let rules = rest.strip_prefix('[').map(|list| {
            let list = list.split(']').next().unwrap_or(list);
            list.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        });
        let (line, column) = lines.position(text, range.start().to_u32());
        let slots = rules.as_ref().map_or(1, Vec::len);
        found.push(Suppression {
            line,
            column,
            rules,
            used: vec![false; slots],
        });
    }
    found
}

impl Suppression {
    /// Whether this suppression covers a finding of `rule`; marks the covering entry used.
    fn covers(&mut self, rule: Rule) -> bool {
        match &self.rules {
            None => {
                self.used[0] = true;
                true
            }
            Some(ids) => match ids.iter().position(|id| id == rule.id()) {
                Some(index) => {
                    self.used[index] = true;
                    true
                }
                None => false,
            },
        }
    }

    /// The entries of this suppression that suppressed nothing.
    pub fn unused(&self, file: &str) -> Vec<UnusedSuppression> {
        let mut unused = Vec::new();
        let entry = |rule: Option<&String>, message: String| UnusedSuppression {
            file: file.to_owned(),
            line: self.line,
            column: self.column,
            rule: rule.cloned(),
            message,
        };
        match &self.rules {
            None if !self.used[0] => unused.push(entry(
                None,
                "unused suppression: nothing to ignore on this line".into(),
            )),
            None => {}
            Some(ids) => {
                for (id, used) in ids.iter().zip(&self.used) {
                    if Rule::by_id(id).is_none() {
                        unused.push(entry(
                            Some(id),
                            format!("unknown rule `{id}` in suppression"),
                        ));
                    } else if !used {
                        unused.push(entry(
                            Some(id),
                            format!("unused suppression of `{id}`: no such finding on this line"),
                        ));
                    }
                }
            }
        }
        unused
    }
}

/// Removes the findings covered by `suppressions` (sorted by line) and returns how many it removed.
pub fn apply(findings: &mut Vec<Finding>, suppressions: &mut [Suppression]) -> u64 {
    if suppressions.is_empty() {
        return 0;
    }
    let before = findings.len();
    findings.retain(|finding| {
        let start = suppressions.partition_point(|s| s.line < finding.line);
        // A line holds at most one comment, so at most one suppression.
        let covered = suppressions[start..]
            .iter_mut()
            .take_while(|s| s.line == finding.line)
            .any(|suppression| suppression.covers(finding.rule));
        !covered
    });
    (before - findings.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suppressions(text: &str) -> Vec<Suppression> {
        let lines = LineIndex::new(text);
        let parsed = crate::parse::parse_module(text, &lines).unwrap();
        parse(text, &parsed.comments, &lines)
    }

    #[test]
    fn bare_and_listed_forms_are_read_from_comments_only() {
        let text = "x = 1  # connascence: ignore\ny = '# connascence: ignore'\nz = 2  # noqa # connascence: ignore[magic-literal, timing]\n";
        let found = suppressions(text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].line, found[0].column, found[0].rules.clone()),
            (1, 8, None)
        );
        assert_eq!(found[1].line, 3);
        assert_eq!(
            found[1].rules,
            Some(vec!["magic-literal".to_owned(), "timing".to_owned()])
        );
    }

    #[test]
    fn other_comments_are_not_suppressions() {
        assert!(
            suppressions("x = 1  # connascence is great\n# connascence: ignored? no\n").is_empty()
        );
        assert!(suppressions("x = 1  # just a comment\n").is_empty());
    }
}
