//! perfgate: the performance gate for the connascence analyzer.
//!
//! Data flows one way: `scenarios/*.toml` are parsed and validated ([`scenario`]), their corpora come
//! from the pinned lock ([`corpus`]), engines measure them ([`engine`], [`run`]), [`stats`] decides, results are compared with
//! baselines and reported. The harness reaches the core only through [`subject`], which wraps the
//! core's stable workload API; everything else is generic.

pub mod baseline;
pub mod branches;
pub mod calibrate;
pub mod cli;
pub mod compare;
pub mod corpus;
pub mod engine;
pub mod export;
pub mod files;
pub mod fingerprint;
pub mod gate;
pub mod git;
pub mod history;
pub mod merge;
pub mod metric;
pub mod peers;
pub mod progress;
pub mod remeasure;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod settings;
pub mod sides;
pub mod stats;
pub mod stdout;
pub mod subject;
pub mod synthetic;
pub mod tools;

use std::path::{Path, PathBuf};

/// The repository root: the nearest folder at or above `start` holding `scenarios/` and `Cargo.toml`.
pub fn repo_root(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    start
        .ancestors()
        .find(|dir| dir.join("scenarios").is_dir() && dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

pub use files::write_atomic;

/// A word quoted for a POSIX shell (single quotes; a `'` inside becomes `'\''`), for the
/// reproduce commands printed in reports: a name with quotes or `$` pastes as itself.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// A word as a POSIX shell reads it back: as it is when it holds only letters, digits and
/// `_ - . / , : = @ + %`, else [`shell_quote`]d.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./,:=@+%".contains(c));
    if plain {
        word.to_owned()
    } else {
        shell_quote(word)
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_are_plain_when_safe_and_quoted_otherwise() {
        assert_eq!(
            shell_word("target/perfgate/results/a-1.json"),
            "target/perfgate/results/a-1.json"
        );
        assert_eq!(shell_word("pr,nightly"), "pr,nightly");
        assert_eq!(shell_word("django-*"), "'django-*'");
        assert_eq!(shell_word("it's $HOME"), "'it'\\''s $HOME'");
        assert_eq!(shell_word(""), "''");
    }
}
