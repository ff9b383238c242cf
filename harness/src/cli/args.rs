//! The command line's arguments (clap): commands, their options and the shared option groups.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The end of `gate --help`: exit codes and where things go.
const GATE_AFTER_HELP: &str = "\
Exit codes:
  0  pass: nothing regressed (improved, unchanged and inconclusive metrics pass)
  1  fail: a regression, a scenario missing from the candidate, or a selected scenario the baseline lacks (see --allow-new)
  2  error: bad usage or configuration, a failed scenario, or a gated metric that could not be compared (see --allow-uncompared)

Where things go:
  the verdict table            standard output
  progress and notes           standard error (a line at least every 10 s in a log)
  the results of this run      target/perfgate/results/<time>-<commit>.json
  the exports (--format)       target/perfgate/gate/perfgate.{txt,md,junit.xml,json,bmf.json} (--output DIR)
  the HTML report              reports/gate/index.html (the Markdown links it; --report-url)
  cargo's output of builds     target/perfgate/logs/";

/// The end of `compare --help`.
const COMPARE_AFTER_HELP: &str = "\
Exit codes: 0 pass, 1 a regression or a missing scenario, 2 errors (as for `gate`).
The exports go to target/perfgate/compare/ (--output DIR); `perfgate report` makes the HTML report.";

#[derive(Parser)]
#[command(
    name = "perfgate",
    version,
    about = "Performance gate for the connascence analyzer"
)]
pub struct Cli {
    /// The repository root [default: found from the working folder].
    #[arg(long, global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Parse and validate every scenario; print one line per scenario.
    Scenarios,
    /// Run scenarios and write one results file.
    Run(RunArgs),
    /// Merge results files (shards of one run, maybe from several machines) into one.
    Merge {
        /// The results files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The merged results file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// One round of the time engine, in its own process (run by `perfgate run`).
    #[command(hide = true)]
    TimeRound {
        #[arg(long)]
        scenario: String,
        #[arg(long)]
        samples: u32,
        #[arg(long)]
        warm_up_ms: u64,
        #[arg(long)]
        measurement_ms: u64,
    },
    /// One heap run under dhat (run by `perfgate run` from the dhat build).
    #[command(hide = true)]
    HeapRun {
        #[arg(long)]
        scenario: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// One measured workload run, under callgrind (run by the instruction engine's gungraun bench).
    #[command(hide = true)]
    Workload {
        #[arg(long)]
        scenario: String,
        /// The scratch folder whose one-time setup `perfgate run` already did (repository-relative).
        #[arg(long)]
        scratch: PathBuf,
    },
    /// Baselines in baselines/<profile>/: save, accept, list, show.
    Baseline {
        #[command(subcommand)]
        action: BaselineAction,
    },
    /// Compare a candidate results file with a baseline; exit 1 on a regression, 2 on errors.
    #[command(after_help = COMPARE_AFTER_HELP)]
    Compare(CompareArgs),
    /// Run the scenarios, compare with the baseline, print the verdicts and write the exports.
    #[command(after_help = GATE_AFTER_HELP)]
    Gate(GateArgs),
    /// Compare two commits on this machine: each one's core built into this harness, the same
    /// scenarios and corpora, wall time in interleaved rounds; exit 1 on a regression, 2 on errors.
    CompareBranches(BranchArgs),
    /// Find the first commit between GOOD and BAD whose count of one scenario moves beyond the
    /// threshold (binary search; each step builds that commit's core into this harness).
    Bisect(BisectArgs),
    /// A release's performance report: both tags built into this harness, the `release`
    /// scenarios, a headline table, trends between the tags and the measured claims.
    ReleaseReport(ReleaseArgs),
    /// connascence against ruff (pinned in scenarios/peers.toml) and against its parse-only floor,
    /// whole processes in alternating rounds on the pinned corpora: a reported comparison.
    Peers(PeersArgs),
    /// Write an HTML report (index.html, SVG charts, artifacts) of a comparison.
    Report(ReportArgs),
    /// A/A calibration: pairs of round sets of this build; spreads, MDE and false alarms.
    Calibrate(CalibrateArgs),
    /// The run history of `gate --history`: list the runs, or find change points and draw trends.
    History {
        #[command(subcommand)]
        action: HistoryAction,
    },
    /// Pinned corpora: list them, or fetch them (pip download by name, version and sha256).
    Corpus {
        #[command(subcommand)]
        action: CorpusAction,
    },
}

// The arguments of `perfgate run`.
#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Only shard K of N (1-based; by a hash of the scenario name, stable as scenarios are added).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// The results file [default: target/perfgate/results/<timestamp>-<commit>.json].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

// The arguments of `perfgate compare`.
#[derive(clap::Args)]
pub struct CompareArgs {
    /// A baseline name (of --profile) or a results/baseline file.
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: String,
    /// The candidate results file.
    #[arg(long, value_name = "FILE")]
    pub candidate: PathBuf,
    #[command(flatten)]
    pub stored: StoredBaselineArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

// The arguments of `perfgate gate`.
#[derive(clap::Args)]
pub struct GateArgs {
    /// A baseline name (of --profile) or file.
    #[arg(long, value_name = "NAME|FILE", default_value = "main")]
    pub baseline: String,
    #[command(flatten)]
    pub select: SelectArgs,
    /// The second stage of the wall-time decision: suspects (regressed, or raw one-sided
    /// p < 0.05) get fresh interleaved rounds of the baseline's commit built here and of this
    /// build, and are decided on those alone (Holm over the suspects). When the baseline cannot
    /// be built, new rounds of this build are reported and the verdicts stay.
    #[arg(long)]
    pub confirm: bool,
    /// Let selected scenarios that the baseline lacks pass (gated by nothing); by default such
    /// a scenario fails the gate (exit 1) with the command that adds it to the baseline.
    #[arg(long)]
    pub allow_new: bool,
    /// Append this run to a history file (JSON lines) and show its trends in the report.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Re-measure the baseline's commit on this host (deterministic engines, cached) even when
    /// the stored baseline could be compared as it is.
    #[arg(long)]
    pub remeasure: bool,
    /// Compare wall time against the baseline's commit built here, in interleaved rounds of
    /// both builds on this host (a stored baseline's wall time from another host is not
    /// compared otherwise). Never cached.
    #[arg(long)]
    pub remeasure_time: bool,
    /// Read the baseline as it is at this revision (`git show REV:baselines/<profile>/NAME.json`),
    /// e.g. a pull request's target branch, so a change that re-accepts the baseline is gated
    /// against the one it replaces.
    #[arg(long, value_name = "REV")]
    pub baseline_from: Option<String>,
    #[command(flatten)]
    pub stored: StoredBaselineArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

// The arguments of `perfgate report`.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// A baseline name (of --profile) or a results/baseline file.
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: String,
    /// The candidate results file.
    #[arg(long, value_name = "FILE")]
    pub candidate: PathBuf,
    /// The report folder [default: reports/<candidate file stem>/] (`--out` is an older name).
    #[arg(long = "output", alias = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Baseline profile (a folder of baselines/) that the baseline name and the calibration come
    /// from.
    #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
    pub profile: String,
    /// Compare wall time across different hosts anyway.
    #[arg(long)]
    pub allow_foreign: bool,
    /// Also write the targets table (`targets.md` of the report) to FILE, e.g.
    /// `docs/measured/targets.md`.
    #[arg(long, value_name = "FILE")]
    pub targets_markdown: Option<PathBuf>,
}

// The arguments of `perfgate calibrate`.
#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// Pairs of round sets per scenario.
    #[arg(long, default_value_t = 10)]
    pub pairs: u32,
    /// Keep the spreads in baselines/<profile>/calibration.json.
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub which: WhichArgs,
    /// Rounds per set [default: each scenario's rounds].
    #[arg(long)]
    pub rounds: Option<u32>,
    #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
    pub profile: String,
}

/// Which scenarios: `--filter GLOB` and `--tags TAG,...` (neither: perfgate.toml's default set).
#[derive(clap::Args)]
pub struct WhichArgs {
    /// Only scenarios whose name matches this glob.
    #[arg(long, value_name = "GLOB")]
    pub filter: Option<String>,
    /// Only scenarios with one of these tags (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TAG,...")]
    pub tags: Vec<String>,
}

/// Which scenarios and engines a run uses.
#[derive(clap::Args)]
pub struct SelectArgs {
    #[command(flatten)]
    pub which: WhichArgs,
    /// Engines to run (comma-separated): time, instructions, allocations, counters.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "time,instructions,allocations,counters"
    )]
    pub engines: Vec<String>,
    /// Time rounds per scenario, overriding the scenarios' `rounds` (3 is "low power").
    #[arg(long)]
    pub rounds: Option<u32>,
}

/// Which commit's scenario files both sides run.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenariosFrom {
    Base,
    Head,
}

/// `compare-branches BASE HEAD`.
#[derive(clap::Args)]
pub struct BranchArgs {
    /// The baseline revision (branch, tag or commit).
    pub base: String,
    /// The candidate revision.
    pub head: String,
    /// Time rounds per side, interleaved A B B A A B … (one process each).
    #[arg(long, default_value_t = 7)]
    pub rounds: u32,
    /// Whose scenario files (and corpora lock) both sides run.
    #[arg(long, value_enum, default_value = "head")]
    pub scenarios_from: ScenariosFrom,
    /// Decide wall time on the first rounds alone (Holm over every scenario). By default the
    /// suspects of that first stage (regressed, or raw one-sided p < 0.05) get as many fresh
    /// interleaved rounds of both builds and are decided on those alone (Holm over the suspects).
    #[arg(long)]
    pub single_stage: bool,
    /// Run even though the work tree has uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    #[command(flatten)]
    pub which: WhichArgs,
    /// Engines (comma-separated): time, instructions, allocations, counters.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "time,instructions,allocations,counters"
    )]
    pub engines: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `peers [--corpus NAME]... [--path DIR]... [--without NAME]... [--rounds N]`.
#[derive(clap::Args)]
pub struct PeersArgs {
    /// Pinned corpora to compare on (repeatable) [default: scenarios/peers.toml's].
    #[arg(long = "corpus", value_name = "NAME")]
    pub corpora: Vec<String>,
    /// Also compare on this folder (repeatable), e.g. a Python standard library (`ci/peers.sh` adds
    /// this machine's).
    #[arg(long = "path", value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// With --path: also compare on each folder without the folders of this name (repeatable), a
    /// second row `DIR without NAME, …`; given as `--exclude` to connascence and `--extend-exclude`
    /// to ruff (`ci/peers.sh` leaves out the standard library's `test` and `idlelib`).
    #[arg(long = "without", value_name = "NAME", requires = "paths")]
    pub without: Vec<String>,
    /// Rounds (at least 10) [default: scenarios/peers.toml's].
    #[arg(long)]
    pub rounds: Option<usize>,
    /// The results file [default: target/perfgate/peers/peers.json; a Markdown table beside it].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the table as a page of the book, e.g. `docs/measured/peers.md`: a title, then the
    /// table stamped with the command, commit, date and host that measured it.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

/// `release-report --from TAG --to TAG`.
#[derive(clap::Args)]
pub struct ReleaseArgs {
    /// The previous release (tag, branch or commit).
    #[arg(long, value_name = "REV")]
    pub from: String,
    /// The release being reported.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub to: String,
    /// Time rounds per side, interleaved.
    #[arg(long, default_value_t = 7)]
    pub rounds: u32,
    /// The scenarios reported (comma-separated tags).
    #[arg(long, value_delimiter = ',', default_value = "release")]
    pub tags: Vec<String>,
    /// Engines (comma-separated): time, instructions, allocations, counters.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "time,instructions,allocations,counters"
    )]
    pub engines: Vec<String>,
    /// The nightly history for the trend between the tags [default: reports/history/<profile>.jsonl
    /// when it exists].
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Run even though the work tree has uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `bisect GOOD BAD`.
#[derive(clap::Args)]
pub struct BisectArgs {
    /// A commit whose count is the reference (an ancestor of BAD).
    pub good: String,
    /// A commit whose count moved.
    pub bad: String,
    /// The scenario to count (its file as BAD has it).
    #[arg(long)]
    pub scenario: String,
    /// instructions, heap.total_bytes, heap.total_blocks or heap.max_bytes (deterministic counts).
    #[arg(long, default_value = "instructions")]
    pub metric: String,
    /// The change that counts, in percent [default: the gate's threshold of the metric].
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Run even though the work tree has uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
}

/// Where verdicts go.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Baseline profile (a folder of baselines/).
    #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
    pub profile: String,
    /// Export formats (repeatable or comma-separated): table, markdown, junit, json, bmf [default: all].
    #[arg(long, value_delimiter = ',', value_name = "FORMAT")]
    pub format: Vec<String>,
    /// Folder for the exports [default: the command's folder, target/perfgate/<command>/, with
    /// <from>-<to>/ below it for compare-branches and release-report].
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Where readers of the Markdown export find the HTML report (the link under the verdict)
    /// [default: on GitHub Actions the run's page, which lists its artifacts
    /// ($GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID); else the report's path].
    #[arg(long, value_name = "URL")]
    pub report_url: Option<String>,
}

/// What a comparison with a stored baseline may leave out (`compare`, `gate`; the two builds of
/// `compare-branches` and `release-report` run on one host with the same engines, so there these
/// do not exist).
#[derive(clap::Args)]
pub struct StoredBaselineArgs {
    /// Compare wall time across different hosts anyway (the report says so).
    #[arg(long)]
    pub allow_foreign: bool,
    /// Metric families (comma-separated: time, instructions, heap) that the baseline has and that
    /// may go uncompared without failing; the verdict line names them [default: none — a gated
    /// metric not compared is an error, exit 2].
    #[arg(long, value_delimiter = ',', value_name = "FAMILY,...")]
    pub allow_uncompared: Vec<String>,
}

#[derive(Subcommand)]
pub enum BaselineAction {
    /// Promote a results file to baselines/<profile>/<NAME>.json (atomically).
    Save {
        name: String,
        /// The results file [default: the newest in target/perfgate/results].
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
        profile: String,
        /// Save a run that cannot be re-made from its commit (uncommitted changes under core/,
        /// harness/, scenarios/, Cargo.toml or Cargo.lock; no commit); such a baseline is never
        /// re-measured.
        #[arg(long)]
        allow_dirty: bool,
    },
    /// Re-save a baseline after an intended change, recording why.
    Accept {
        name: String,
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
        profile: String,
        /// As for `save`.
        #[arg(long)]
        allow_dirty: bool,
    },
    /// The baselines of a profile.
    List {
        #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
        profile: String,
    },
    /// One baseline: where it was measured, its scenarios and history.
    Show {
        name: String,
        #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
        profile: String,
    },
}

#[derive(Subcommand)]
pub enum HistoryAction {
    /// One line per run: date, commit, host, exit code, verdicts.
    Show {
        /// The history file [default: reports/history/<profile>.jsonl].
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
        profile: String,
    },
    /// Change points of every (host, scenario, metric) series, and trend charts.
    Trend {
        /// The history file [default: reports/history/<profile>.jsonl].
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        #[arg(long, default_value = crate::baseline::DEFAULT_PROFILE)]
        profile: String,
        /// Only scenarios whose name matches this glob.
        #[arg(long, value_name = "GLOB")]
        filter: Option<String>,
        /// Only this metric (time, instructions, heap.max_bytes, …).
        #[arg(long)]
        metric: Option<String>,
        /// Folder for index.html and the trend charts [default: reports/history/trend].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum CorpusAction {
    /// Name, version, files, lines and whether it is cached.
    List,
    /// Download, verify and unpack one corpus, or all of them.
    Fetch { name: Option<String> },
}
