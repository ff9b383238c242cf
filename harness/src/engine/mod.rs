//! Measurement engines, each a module implementing [`kind::Kind`] with a line in [`ENGINES`]. `time` runs criterion in rounds, one process per round; `counters` is one
//! run of the workload (through the subject) for the core's exact counters; `heap` runs it under
//! dhat in a separate build; `instructions` runs it under callgrind through gungraun, and
//! `profile` reads callgrind's output files into per-function costs.

pub mod build;
pub mod counters;
pub mod heap;
pub mod heap_sites;
pub mod instructions;
pub mod kind;
pub mod profile;
pub mod time;

pub use kind::{Engine, Values};

/// The registry: every engine, in the order `perfgate run` measures them and the documentation
/// lists them. An engine is a module here implementing [`kind::Kind`] and its line in this list.
pub static ENGINES: [Engine; 4] = [
    time::ENGINE,
    instructions::ENGINE,
    heap::ENGINE,
    counters::ENGINE,
];

/// The names of [`ENGINES`].
pub fn names() -> Vec<&'static str> {
    ENGINES.iter().map(|engine| engine.name()).collect()
}

use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use crate::files::FileError;
use crate::subject::SubjectError;
use crate::tools::ToolError;

/// Why an engine could not measure a scenario (or build what it measures with).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// The workload's input or one-time setup.
    #[error(transparent)]
    Subject(#[from] SubjectError),
    /// A process that could not be started: `what` is the whole action, `start the dhat binary`.
    #[error("cannot {what}: {source}")]
    Start {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A process that ran and failed, with the end of its stderr (and where to read more); an
    /// empty `what` when the context says it (`round 3 failed (…)`).
    #[error("{what}{}failed ({status}): {detail}", if .what.is_empty() { "" } else { " " })]
    Failed {
        what: String,
        status: ExitStatus,
        detail: String,
    },
    /// A cargo build that failed: what, from which manifest, the last lines of its stderr.
    #[error("building {what} from {} failed: {detail}", .manifest.display())]
    Build {
        what: &'static str,
        manifest: PathBuf,
        detail: String,
    },
    #[error("cannot copy {} to {}: {source}", .from.display(), .to.display())]
    Copy {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot remove the earlier output {} before measuring: {source}", .path.display())]
    Stale {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An engine's output that is missing or not what it writes, said as what is wrong with it.
    #[error("{0}")]
    Output(String),
    /// A setting of the engine (an environment variable) that cannot be used.
    #[error("{0}")]
    Setting(String),
    /// What the engine builds or installs once per run failed (for an earlier scenario, or now).
    #[error(transparent)]
    Provision(std::sync::Arc<EngineError>),
    /// One round of the time engine.
    #[error("round {round} {source}")]
    Round {
        round: u32,
        #[source]
        source: Box<EngineError>,
    },
}

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
pub fn remove_stale(path: &Path) -> Result<(), EngineError> {
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match removed {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(EngineError::Stale {
            path: path.to_path_buf(),
            source,
        }),
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
