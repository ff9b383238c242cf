//! Measurement engines. `time` runs criterion in rounds, one process per round; the counters engine
//! lives in the subject (it is one run of the workload); `heap` runs it under dhat in a separate
//! build; `instructions` runs it under callgrind through gungraun, and `profile` reads callgrind's
//! output files into per-function costs.

pub mod build;
pub mod heap;
pub mod instructions;
pub mod profile;
pub mod time;

use std::path::{Path, PathBuf};

/// The workspace whose perfgate the dhat and callgrind builds compile: `--repo` when it holds the
/// harness sources, else the workspace this perfgate was compiled from (tests use tiny repositories).
pub fn build_workspace(root: &Path) -> PathBuf {
    if root.join("harness/Cargo.toml").is_file() {
        root.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf()
    }
}

/// Removes an engine's output (a folder or a file) before a measurement, so that only what this
/// measurement writes can be read as its result; one that cannot be removed is an error
/// (fail-closed).
pub fn remove_stale(path: &Path) -> Result<(), String> {
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match removed {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(format!(
            "cannot remove the earlier output {} before measuring: {error}",
            path.display()
        )),
    }
}

/// The last non-empty line of a child's stderr, for an error message.
pub fn last_line(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("no message")
        .to_owned()
}

/// The last three lines of a failed cargo build's stderr, joined.
pub(crate) fn build_error(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .join(" | ")
}
