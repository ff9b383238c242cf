//! The `connascence` command line as a library: the binary parses the arguments ([`Cli`]) and
//! calls [`run`]. `connascence check PATH...`, `connascence cache`, `connascence rules [RULE]`.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on` (or with `--exit-zero`), 1 when one is,
//! 2 for a usage or configuration error, an unreadable command-line path or a failure to write the
//! output (the rest of the run still completes and is printed before exiting 2).

mod args;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

pub use args::{
    CacheAction, CacheDirArgs, CheckArgs, Cli, Command, ModeArg, RulesFormat, SeverityArg,
};
use commands::{cache_command, check, print_or_fail, write_rule_pages};

use crate::Rule;
use crate::output::{self, Format, rules};

/// Why `check` or `rules --format markdown` could not do its work (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A rule id that names no rule (`--select`, `--ignore`).
    #[error("{0}")]
    UnknownRule(String),
    #[error(transparent)]
    Run(#[from] crate::engine::RunError),
    #[error("cannot write the output to {}: {source}", .path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `--format sarif --strict` with more results than code scanning accepts.
    #[error(
        "{results} SARIF results: more than GitHub code scanning accepts in one run ({limit}); report fewer with --min-severity or --select, or drop --strict to write them anyway"
    )]
    SarifLimit { results: usize, limit: usize },
    /// A file or folder of `rules --format markdown --out DIR`.
    #[error("cannot {action} {}: {source}", .path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs the command and returns the process's exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => match check(&args) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("error: {}", output::escape_controls(&error.to_string()));
                ExitCode::from(2)
            }
        },
        Command::Cache { action } => cache_command(&action),
        Command::Rules {
            rule: None,
            format: RulesFormat::Markdown,
            out,
        } => write_rule_pages(out.as_deref()),
        Command::Rules {
            rule: None, format, ..
        } => {
            let format = if format == RulesFormat::Json {
                Format::Json
            } else {
                Format::Text
            };
            print_or_fail(&rules::list(format), ExitCode::SUCCESS)
        }
        Command::Rules {
            rule: Some(id),
            format,
            ..
        } => match Rule::by_id(&id) {
            Some(rule) if format == RulesFormat::Markdown => {
                print_or_fail(&rules::markdown_page(rule), ExitCode::SUCCESS)
            }
            Some(rule) => print_or_fail(&rules::explain(rule), ExitCode::SUCCESS),
            None => {
                eprintln!("error: {}", crate::detectors::unknown_rule_message(&id));
                ExitCode::from(2)
            }
        },
    }
}
