//! The perfgate commands, as a library: [`main`] parses the arguments ([`args::Cli`]), calls [`run`]
//! and maps its result to the exit code (0 success, 1 a regression of gate, compare,
//! compare-branches or release-report, 2 usage, configuration or input errors). Both binaries,
//! `perfgate` and the heap engine's `perfgate-dhat`, are that call under their own allocator.
//!
//! Each command is one module taking its argument struct; [`common`] holds what they share.

pub mod args;
mod baseline;
mod bisect;
mod branches;
mod calibrate;
mod common;
mod compare;
mod corpus;
mod error;
mod gate;
mod history;
mod peers;
mod release;
mod run;

pub(crate) use error::fail;
pub use error::{CliError, Result, describe};

use args::{Cli, Command};

use crate::corpus::{CorpusLock, LOCK_FILE};

/// The whole command: the process's arguments parsed (clap exits 2 on bad usage), run, and the
/// result mapped to the exit code, an error printed as `error: …` with exit code 2.
pub fn main() -> std::process::ExitCode {
    use clap::Parser;
    match run(Cli::parse()) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            std::process::ExitCode::from(2)
        }
    }
}

/// Runs one command line; returns its exit code (0 or 1), or the error that makes it 2.
pub fn run(cli: Cli) -> Result<u8> {
    let here = std::env::current_dir().map_err(CliError::io("cannot read the working folder"))?;
    let root = match cli.repo {
        Some(root) => root,
        None => crate::repo_root(&here).ok_or_else(|| {
            CliError::Invalid("no repository here: expected a folder with scenarios/ and Cargo.toml at or above the working folder (or pass --repo DIR)".into())
        })?,
    };
    let root = std::path::absolute(&root)
        .map_err(CliError::io(format!("cannot resolve {}", root.display())))?;
    // Workloads use repository-relative paths, so that instruction counts repeat across checkouts.
    std::env::set_current_dir(&root)
        .map_err(CliError::io(format!("cannot enter {}", root.display())))?;
    let lock = CorpusLock::load(&root.join("scenarios").join(LOCK_FILE))?;
    let (root, lock) = (root.as_path(), &lock);
    match cli.command {
        Command::Scenarios => run::scenarios(root, lock),
        Command::Run(args) => run::run(root, lock, args),
        Command::Merge { files, out } => run::merge(&files, &out),
        Command::TimeRound {
            scenario,
            samples,
            warm_up_ms,
            measurement_ms,
        } => {
            let settings = crate::scenario::TimeEngine {
                rounds: 1,
                samples,
                warm_up_ms,
                measurement_ms,
            };
            run::time_round(root, lock, &scenario, settings)
        }
        Command::HeapRun { scenario, out } => run::heap_run(root, lock, &scenario, &out),
        Command::Workload { scenario, scratch } => run::workload(root, lock, &scenario, &scratch),
        Command::Baseline { action } => baseline::baseline(root, action),
        Command::Compare(args) => compare::compare(root, lock, args),
        Command::Gate(args) => gate::gate(root, lock, args),
        Command::Report(args) => compare::report(root, lock, args),
        Command::CompareBranches(args) => branches::compare_branches(root, args),
        Command::History { action } => history::history(root, action),
        Command::Bisect(args) => bisect::bisect(root, args),
        Command::ReleaseReport(args) => release::release_report(root, args),
        Command::Peers(args) => peers::peers(root, &args),
        Command::Calibrate(args) => calibrate::calibrate(root, lock, args),
        Command::Corpus { action } => corpus::corpus(root, lock, action),
    }
}
