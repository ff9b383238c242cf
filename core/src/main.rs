//! The `connascence` command line: `connascence check PATH...` and `connascence rules [RULE]`.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on` (or with `--exit-zero`), 1 when one is,
//! 2 for a usage or configuration error, an unreadable command-line path or a failure to write the
//! output (the rest of the run still completes and is printed before exiting 2).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use connascence::cache::{self, CacheOptions};
use connascence::config::{self, Config};
use connascence::engine::{self, AnalysisOptions};
use connascence::output::{self, Format, TextExtras, rules};
use connascence::{Mode, Rule, Severity};

/// mimalloc: the analysis allocates many small, short-lived blocks (syntax trees, findings); with
/// glibc's allocator 19 % of a run's instructions were malloc/free and a warm-cache run grew its
/// thread heap a page at a time (thousands of `mprotect` calls).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    Check(Box<CheckArgs>),
    /// Show or remove the result cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// List the rules, or print one rule's documentation.
    Rules {
        /// A rule id such as `magic-literal`.
        rule: Option<String>,
        /// Output format of the list: text, json, or markdown (the book's pages; needs `--out`).
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
        /// With `--format markdown`: write `index.md` and one `<id>.md` per rule into DIR.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand)]
enum CacheAction {
    /// Remove the cache folder.
    Clean(CacheDirArgs),
    /// Print the cache's location, entries and size.
    Stats(CacheDirArgs),
}

#[derive(clap::Args)]
struct CacheDirArgs {
    /// The project folder whose cache is meant [default: the working folder].
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The cache folder itself [default: `.connascence_cache` at the project root].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
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
    /// Configuration file (`connascence.toml`, or a `pyproject.toml` with `[tool.connascence]`);
    /// default: the nearest one at or above the first path.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
    /// Run exactly these rules (comma-separated ids); replaces the configuration's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    select: Option<Vec<String>>,
    /// Do not run these rules (comma-separated ids); added to the configuration's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    ignore: Vec<String>,
    /// Skip paths matching this glob while walking folders (repeatable); added to `exclude`.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// One traversal for all detectors, or one traversal per detector.
    #[arg(long, value_enum, default_value = "unified")]
    mode: ModeArg,
    /// Analysis threads (0: one per core; at most 256). The output is the same for every count.
    #[arg(long, default_value_t = 0, value_parser = parse_threads)]
    threads: usize,
    /// Exit 1 when a finding has at least this severity [default: the configuration's, else high].
    #[arg(long, value_enum)]
    fail_on: Option<SeverityArg>,
    /// Exit 0 even when findings are at or above `--fail-on`.
    #[arg(long)]
    exit_zero: bool,
    /// Print the number of findings per rule instead of the findings (text format).
    #[arg(long)]
    statistics: bool,
    /// Print counters and per-phase times after the findings (text format).
    #[arg(long)]
    stats: bool,
    /// List suppression comments that suppressed nothing (and unknown rule ids in them).
    #[arg(long)]
    report_unused_ignores: bool,
    /// Analyze every file; neither read nor write the result cache.
    #[arg(long)]
    no_cache: bool,
    /// Skip files larger than SIZE with a `too-large` diagnostic (`16MiB`, `512KiB`, `1GiB` or a
    /// number of bytes) [default: `max-file-size` of the configuration, else 16MiB].
    #[arg(long, value_name = "SIZE", value_parser = connascence::discover::parse_size)]
    max_file_size: Option<u64>,
    /// The cache folder [default: `.connascence_cache` where the configuration was found, else in
    /// the first path].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Measurement floor: decode, parse and walk every file with no detector (no findings, no
    /// cache); what `perfgate peers` compares the analysis with.
    #[arg(long, conflicts_with_all = ["select", "cache_dir"])]
    parse_only: bool,
}

/// The most analysis threads `--threads` may ask for.
const MAX_THREADS: usize = 256;

fn parse_threads(text: &str) -> Result<usize, String> {
    let threads: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of threads"))?;
    if threads > MAX_THREADS {
        return Err(format!(
            "{threads} threads: at most {MAX_THREADS} (0 means one per core)"
        ));
    }
    Ok(threads)
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
                eprintln!("error: {}", output::escape_controls(&format!("{error:#}")));
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
                eprintln!(
                    "error: {}",
                    connascence::detectors::unknown_rule_message(&id)
                );
                ExitCode::from(2)
            }
        },
    }
}

/// The configuration file's settings with the command line's on top.
fn effective_config(args: &CheckArgs) -> anyhow::Result<Config> {
    let found = match (&args.config, args.isolated) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => None,
        (None, false) => args.paths.first().and_then(|first| config::discover(first)),
    };
    let mut config = match &found {
        Some(path) => config::load(path)?,
        None => Config {
            root: PathBuf::from("."),
            ..Config::default()
        },
    };
    for id in args.select.iter().flatten().chain(&args.ignore) {
        if Rule::by_id(id).is_none() {
            anyhow::bail!("{}", connascence::detectors::unknown_rule_message(id));
        }
    }
    config.settings.select(args.select.as_deref(), &args.ignore);
    config.exclude.extend(args.exclude.iter().cloned());
    if let Some(fail_on) = args.fail_on {
        config.fail_on = Some(fail_on.into());
    }
    Ok(config)
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let config = effective_config(args)?;
    let options = AnalysisOptions {
        settings: if args.parse_only {
            connascence::Settings::only(&[])
        } else {
            config.settings.clone()
        },
        mode: match args.mode {
            ModeArg::Unified => Mode::Unified,
            ModeArg::PerDetector => Mode::PerDetector,
        },
        threads: args.threads,
        exclude: config.exclude.clone(),
        root: config.root.clone(),
        cache: (!args.no_cache && !args.parse_only).then(|| {
            let dir = args
                .cache_dir
                .clone()
                .unwrap_or_else(|| project_root(&config, &args.paths).join(cache::DEFAULT_DIR));
            CacheOptions::in_dir(dir)
        }),
        max_file_bytes: args.max_file_size.unwrap_or(config.max_file_bytes),
    };
    let (mut report, argument_errors) = engine::check(&args.paths, &options)?;
    if !args.report_unused_ignores {
        report.unused_suppressions.clear();
    }
    for notice in &report.notices {
        eprintln!("warning: {}", output::escape_controls(notice));
    }
    let extras = TextExtras {
        stats: args.stats,
        statistics: args.statistics,
    };
    match &args.output {
        Some(path) => connascence::atomic::write_file(path, |mut out| {
            output::write(&report, args.format, extras, &mut out)
        })
        .with_context(|| format!("cannot write the output to {}", path.display()))?,
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written =
                output::write(&report, args.format, extras, &mut out).and_then(|()| out.flush());
            if let Err(code) = stdout_result(written) {
                for error in &argument_errors {
                    eprintln!(
                        "error: {}: {}",
                        output::escape_controls(&error.path),
                        output::escape_controls(&error.message)
                    );
                }
                return Ok(code);
            }
        }
    }
    for error in &argument_errors {
        eprintln!(
            "error: {}: {}",
            output::escape_controls(&error.path),
            output::escape_controls(&error.message)
        );
    }
    if !argument_errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    let fail_on = config.fail_on.unwrap_or(Severity::High);
    let failed = !args.exit_zero
        && report
            .findings
            .iter()
            .any(|finding| finding.severity >= fail_on);
    // The process ends right after: freeing a large report piece by piece would only cost time.
    std::mem::forget(report);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `connascence rules --format markdown --out DIR`: the book's rule pages, each written atomically;
/// pages of rules that no longer exist are removed.
fn write_rule_pages(out: Option<&Path>) -> ExitCode {
    let Some(dir) = out else {
        eprintln!(
            "error: `--format markdown` writes one page per rule: give the folder with --out DIR"
        );
        return ExitCode::from(2);
    };
    let written = (|| -> anyhow::Result<usize> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let pages = rules::markdown_pages();
        for (name, text) in &pages {
            let path = dir.join(name);
            connascence::atomic::write_file(&path, |out| out.write_all(text.as_bytes()))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".md") && !pages.iter().any(|(page, _)| *page == name) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
        Ok(pages.len())
    })();
    match written {
        Ok(count) => print_or_fail(
            &format!("wrote {count} pages to {}\n", dir.display()),
            ExitCode::SUCCESS,
        ),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// What a write to standard output means for the exit code: a closed pipe (`| head`) ends the
/// output quietly and keeps the run's own code (`Ok`); any other failure (`> /dev/full`) is an
/// error, said on standard error, with exit 2.
fn stdout_result(written: std::io::Result<()>) -> Result<(), ExitCode> {
    match written {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => {
            eprintln!("error: cannot write to standard output: {error}");
            Err(ExitCode::from(2))
        }
    }
}

/// Prints `text` and returns `code`, or 2 when standard output cannot be written (see
/// [`stdout_result`]).
fn print_or_fail(text: &str, code: ExitCode) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match stdout_result(out.write_all(text.as_bytes()).and_then(|()| out.flush())) {
        Ok(()) => code,
        Err(failed) => failed,
    }
}

/// Where the project's cache lives: the configuration's folder, else the first path (a folder, or a
/// file's folder).
fn project_root(config: &Config, paths: &[PathBuf]) -> PathBuf {
    if config.source.is_some() {
        return config.root.clone();
    }
    match paths.first() {
        Some(first) if first.is_dir() => first.clone(),
        Some(first) => first
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    }
}

fn cache_command(action: &CacheAction) -> ExitCode {
    let (CacheAction::Clean(args) | CacheAction::Stats(args)) = action;
    let dir = args.cache_dir.clone().unwrap_or_else(|| {
        let config = config::discover(&args.path)
            .and_then(|path| config::load(&path).ok())
            .unwrap_or_default();
        project_root(&config, std::slice::from_ref(&args.path)).join(cache::DEFAULT_DIR)
    });
    let result = match action {
        CacheAction::Clean(_) => cache::clean(&dir).map(|removed| {
            if removed {
                format!("removed {}", dir.display())
            } else {
                format!("no cache at {}", dir.display())
            }
        }),
        CacheAction::Stats(_) => cache::stats(&dir).map(|stats| {
            format!(
                "cache: {}\nentries: {}\nsize: {} bytes\nbuild: {}",
                stats.path.display(),
                stats.entries,
                stats.bytes,
                stats.build_id
            )
        }),
    };
    match result {
        Ok(text) => print_or_fail(&format!("{text}\n"), ExitCode::SUCCESS),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
