//! The `connascence` command line: `connascence check PATH...`.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on`, 1 when one is, 2 for a usage error, an
//! unreadable command-line path or a failure to write the output (the rest of the run still completes
//! and is printed before exiting 2).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use connascence::engine::{self, AnalysisOptions};
use connascence::output::rules;
use connascence::output::{self, Format};
use connascence::{Mode, Rule, Severity};

#[derive(Parser)]
#[command(
    name = "connascence",
    version,
    about = "Find connascence and NASA-rule violations in Python code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze Python files and directories.
    Check(CheckArgs),
    /// List the rules, or print one rule's documentation.
    Rules {
        /// A rule id such as `magic-literal`.
        rule: Option<String>,
        /// Output format of the list.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to analyze.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the output to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// One traversal for all detectors, or one traversal per detector.
    #[arg(long, value_enum, default_value = "unified")]
    mode: ModeArg,
    /// Print counters and per-phase times after the findings (text format).
    #[arg(long)]
    stats: bool,
    /// Analysis threads (0: one per core). The output is the same for every count.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Exit 1 when a finding has at least this severity.
    #[arg(long, value_enum, default_value = "high")]
    fail_on: SeverityArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Unified,
    PerDetector,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Self {
        match arg {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => match check(&args) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(2)
            }
        },
        Command::Rules { rule, format } => match rule {
            None => {
                print!("{}", rules::list(format));
                ExitCode::SUCCESS
            }
            Some(id) => match Rule::by_id(&id) {
                Some(rule) => {
                    print!("{}", rules::explain(rule));
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!(
                        "error: {}",
                        connascence::detectors::unknown_rule_message(&id)
                    );
                    ExitCode::from(2)
                }
            },
        },
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let mode = match args.mode {
        ModeArg::Unified => Mode::Unified,
        ModeArg::PerDetector => Mode::PerDetector,
    };
    let options = AnalysisOptions {
        mode,
        threads: args.threads,
        ..AnalysisOptions::default()
    };
    let (report, argument_errors) = engine::check(&args.paths, &options)?;
    let rendered = output::render(&report, args.format, args.stats);
    match &args.output {
        Some(path) => write_atomically(path, rendered.as_bytes())
            .with_context(|| format!("cannot write the output to {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth a message.
            let _ = stdout.write_all(rendered.as_bytes());
        }
    }
    for error in &argument_errors {
        eprintln!("error: {}: {}", error.path, error.message);
    }
    if !argument_errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    let fail_on = Severity::from(args.fail_on);
    let failed = report
        .findings
        .iter()
        .any(|finding| finding.severity >= fail_on);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes through a temporary file in the same folder, then renames it over the target.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path)?;
    Ok(())
}
