//! The `connascence` command line's arguments (clap): `check`, `cache`, `rules`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::Severity;
use crate::output::Format;

#[derive(Parser)]
#[command(
    name = "connascence",
    version,
    about = "Find connascence and NASA-rule violations in Python code"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand)]
pub enum CacheAction {
    /// Remove the cache folder.
    Clean(CacheDirArgs),
    /// Print the cache's location, entries and size.
    Stats(CacheDirArgs),
}

#[derive(clap::Args)]
pub struct CacheDirArgs {
    /// The project folder whose cache is meant [default: the working folder].
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The cache folder itself [default: `.connascence_cache` at the project root].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Files or directories to analyze.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the output to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file (`connascence.toml`, or a `pyproject.toml` with `[tool.connascence]`);
    /// default: the nearest one at or above the first path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, conflicts_with = "config")]
    pub isolated: bool,
    /// Run exactly these rules (comma-separated ids); replaces the configuration's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub select: Option<Vec<String>>,
    /// Do not run these rules (comma-separated ids); added to the configuration's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub ignore: Vec<String>,
    /// Skip paths matching this glob while walking folders (repeatable); added to `exclude`.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// One traversal for all detectors, or one traversal per detector.
    #[arg(long, value_enum, default_value = "unified")]
    pub mode: ModeArg,
    /// Analysis threads (0: one per core; at most 256). The output is the same for every count.
    #[arg(long, default_value_t = 0, value_parser = parse_threads)]
    pub threads: usize,
    /// Exit 1 when a finding has at least this severity [default: the configuration's, else high].
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// Exit 0 even when findings are at or above `--fail-on`.
    #[arg(long)]
    pub exit_zero: bool,
    /// Report only findings of at least this severity (in every format; `--fail-on` judges those).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<SeverityArg>,
    /// SARIF: locations are relative to this folder (`%SRCROOT%`), which should be the checkout's
    /// top [default: the nearest folder at or above the working folder holding `.git`, else the
    /// working folder].
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,
    /// SARIF: a rule page's absolute URL for `helpUri`, `{id}` standing for the rule id (appended
    /// when absent), e.g. `https://example.org/docs/rules/{id}.html`.
    #[arg(long, value_name = "URL", value_parser = parse_docs_url)]
    pub docs_url: Option<String>,
    /// SARIF: more results than GitHub code scanning accepts in one run (25,000) is an error
    /// (exit 2, nothing written) instead of a warning.
    #[arg(long)]
    pub strict: bool,
    /// Print the number of findings per rule instead of the findings (text format).
    #[arg(long)]
    pub statistics: bool,
    /// Print counters and per-phase times after the findings (text format).
    #[arg(long)]
    pub stats: bool,
    /// List suppression comments that suppressed nothing (and unknown rule ids in them).
    #[arg(long)]
    pub report_unused_ignores: bool,
    /// Analyze every file; neither read nor write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Skip files larger than SIZE with a `too-large` diagnostic (`16MiB`, `512KiB`, `1GiB` or a
    /// number of bytes) [default: `max-file-size` of the configuration, else 16MiB].
    #[arg(long, value_name = "SIZE", value_parser = crate::discover::parse_size)]
    pub max_file_size: Option<u64>,
    /// The cache folder [default: `.connascence_cache` where the configuration was found, else in
    /// the first path].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Measurement floor: decode, parse and walk every file with no detector (no findings, no
    /// cache); what `perfgate peers` compares the analysis with.
    #[arg(long, conflicts_with_all = ["select", "cache_dir"])]
    pub parse_only: bool,
}

/// An absolute URL (`scheme:…`, as SARIF's `helpUri` must be).
fn parse_docs_url(text: &str) -> Result<String, String> {
    let scheme = text.split_once(':').map(|(scheme, _)| scheme);
    let absolute = scheme.is_some_and(|scheme| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if absolute && !text.contains(char::is_whitespace) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an absolute URL such as https://example.org/rules/{{id}}.html"
        ))
    }
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
pub enum ModeArg {
    Unified,
    PerDetector,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SeverityArg {
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
