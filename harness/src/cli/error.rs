//! The error of a perfgate command: what failed, in the command's words, with the typed cause of
//! the library step underneath. The binary prints it with its causes ([`describe`]) and exits 2.

use std::error::Error as StdError;

use crate::baseline::BaselineError;
use crate::corpus::CorpusError;
use crate::git::GitError;
use crate::remeasure::RemeasureError;
use crate::results::ResultsError;
use crate::scenario::ScenarioError;
use crate::stdout::StdoutError;

/// Why a command could not do its work (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or input, worded by the command.
    #[error("{0}")]
    Invalid(String),
    /// A file or process operation, with what was being done.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Output of a tool that is not the JSON expected.
    #[error("{context}")]
    Decode {
        context: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Remeasure(#[from] RemeasureError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    #[error(transparent)]
    Select(#[from] crate::run::SelectError),
    #[error(transparent)]
    Shard(#[from] crate::merge::BadShard),
    #[error(transparent)]
    Tool(#[from] crate::tools::ToolError),
    #[error(transparent)]
    Calibration(#[from] crate::calibrate::CalibrationError),
    #[error(transparent)]
    Merge(#[from] crate::merge::MergeError),
    #[error(transparent)]
    Subject(#[from] crate::subject::SubjectError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(transparent)]
    Side(#[from] crate::sides::SideError),
    #[error(transparent)]
    Peers(#[from] crate::peers::PeersError),
    #[error(transparent)]
    Stdout(#[from] StdoutError),
    #[error(transparent)]
    Emit(#[from] crate::gate::EmitError),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The result of a command step.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    /// An I/O failure while doing `context`.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
        let context = context.into();
        move |source| CliError::Io { context, source }
    }
}

/// `return Err(CliError::Invalid(format!(…)))`.
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::cli::CliError::Invalid(format!($($arg)*)))
    };
}
pub(crate) use fail;

/// The error and its causes, each cause left out when the text before already says it (a typed
/// error that prints its source, `cannot read X: No such file…`, would otherwise say it twice).
pub fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let line = next.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{CliError, describe};

    #[test]
    fn describe_names_each_cause_once() {
        let error = CliError::Io {
            context: "cannot read x.json".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "No such file"),
        };
        assert_eq!(describe(&error), "cannot read x.json: No such file");
        let said = CliError::Io {
            context: "cannot read x.json: No such file".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "No such file"),
        };
        assert_eq!(describe(&said), "cannot read x.json: No such file");
    }
}
