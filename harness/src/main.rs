//! The `perfgate` command line. Implemented so far: `perfgate run` (all engines),
//! `perfgate scenarios` (parse and validate every scenario), `perfgate corpus list` and
//! `perfgate corpus fetch [NAME]`. Exit codes: 0 success, 2 usage,
//! configuration or input errors.

use std::path::PathBuf;
use std::process::ExitCode;

/// In the dhat build (feature `dhat-heap`, built by the heap engine into target/perfgate/dhat) every
/// allocation goes through dhat; the timing binaries never carry it.
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

use clap::{Parser, Subcommand};
use perfgate::corpus::{CorpusLock, Fetcher, LOCK_FILE};
use perfgate::scenario::{self, Context};

#[derive(Parser)]
#[command(
    name = "perfgate",
    version,
    about = "Performance gate for the connascence analyzer"
)]
struct Cli {
    /// The repository root [default: found from the working folder].
    #[arg(long, global = true, value_name = "DIR")]
    repo: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and validate every scenario; print one line per scenario.
    Scenarios,
    /// Run scenarios and write one results file.
    Run {
        /// Only scenarios whose name matches this glob.
        #[arg(long, value_name = "GLOB")]
        filter: Option<String>,
        /// Only scenarios with one of these tags (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "TAG,...")]
        tags: Vec<String>,
        /// Engines to run (comma-separated): time, instructions, allocations, counters.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "time,instructions,allocations,counters"
        )]
        engines: Vec<String>,
        /// Time rounds per scenario, overriding the scenarios' `rounds` (3 is "low power").
        #[arg(long)]
        rounds: Option<u32>,
        /// The results file [default: target/perfgate/results/<timestamp>-<commit>.json].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
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
    /// Pinned corpora: list them, or fetch them (pip download by name, version and sha256).
    Corpus {
        #[command(subcommand)]
        action: CorpusAction,
    },
}

#[derive(Subcommand)]
enum CorpusAction {
    /// Name, version, files, lines and whether it is cached.
    List,
    /// Download, verify and unpack one corpus, or all of them.
    Fetch { name: Option<String> },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let root = match cli.repo {
        Some(root) => root,
        None => perfgate::repo_root(&std::env::current_dir()?)
            .ok_or_else(|| anyhow::anyhow!("no repository here: expected a folder with scenarios/ and Cargo.toml at or above the working folder (or pass --repo DIR)"))?,
    };
    let root = std::path::absolute(&root)?;
    // Workloads use repository-relative paths, so that instruction counts repeat across checkouts.
    std::env::set_current_dir(&root)?;
    let lock = CorpusLock::load(&root.join("scenarios").join(LOCK_FILE))?;
    match cli.command {
        Command::Scenarios => {
            let rules = perfgate::subject::rule_ids();
            let context = Context {
                repo_root: &root,
                lock: &lock,
                rules: &rules,
            };
            for scenario in scenario::load_dir(&root.join("scenarios"), &context)? {
                println!(
                    "{:<28} {:<11} {:<14} [{}]  {}",
                    scenario.name,
                    scenario.kind.as_str(),
                    scenario.file.display(),
                    scenario.tags.join(","),
                    scenario.description
                );
            }
        }
        Command::TimeRound {
            scenario: name,
            samples,
            warm_up_ms,
            measurement_ms,
        } => {
            let scenario = find_scenario(&root, &lock, &name)?;
            let input =
                perfgate::subject::prepare(&scenario, &root, &lock).map_err(anyhow::Error::msg)?;
            let settings = perfgate::scenario::TimeEngine {
                rounds: 1,
                samples,
                warm_up_ms,
                measurement_ms,
            };
            let scratch = root
                .join("target/perfgate/scratch")
                .join(format!("{}-time", scenario.id));
            perfgate::engine::time::measure_round(&scenario, &input, &scratch, &settings)
                .map_err(anyhow::Error::msg)?;
        }
        Command::HeapRun {
            scenario: name,
            out,
        } => heap_run(&root, &lock, &name, &out)?,
        Command::Workload {
            scenario: name,
            scratch,
        } => {
            let mut scenario = find_scenario(&root, &lock, &name)?;
            // One thread, as the instruction engine promises: counts repeat.
            scenario.threads = 1;
            let input =
                perfgate::subject::prepare(&scenario, &root, &lock).map_err(anyhow::Error::msg)?;
            let workload = perfgate::subject::Workload::resume(&scenario, &input, &scratch)
                .map_err(anyhow::Error::msg)?;
            let iteration = workload.setup();
            let findings = std::hint::black_box(workload.routine(iteration));
            if findings == u64::MAX {
                anyhow::bail!("the workload of scenario `{name}` failed");
            }
            println!("{name}: {findings} findings");
        }
        Command::Run {
            filter,
            tags,
            engines,
            rounds,
            out,
        } => {
            let engines = engines
                .iter()
                .map(|engine| perfgate::run::Engine::parse(engine))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            if rounds == Some(0) {
                anyhow::bail!("--rounds must be at least 1");
            }
            let rules = perfgate::subject::rule_ids();
            let context = Context {
                repo_root: &root,
                lock: &lock,
                rules: &rules,
            };
            let all = scenario::load_dir(&root.join("scenarios"), &context)?;
            let settings = perfgate::settings::load(&root.join("perfgate.toml"))
                .map_err(anyhow::Error::msg)?;
            // Without --tags and --filter, the default set of perfgate.toml.
            let tags = if tags.is_empty() && filter.is_none() {
                settings.run.default_tags.clone()
            } else {
                tags
            };
            let selected =
                perfgate::run::select(all, filter.as_deref(), &tags).map_err(anyhow::Error::msg)?;
            if selected.is_empty() {
                anyhow::bail!("no scenario matches the filter and tags");
            }
            let options = perfgate::run::RunOptions { engines, rounds };
            let results = perfgate::run::run(&selected, &root, &lock, &options);
            let path = out.unwrap_or_else(|| perfgate::run::default_results_path(&root, &results));
            results.save(&path)?;
            print!("{}", perfgate::run::summary(&results));
            println!("results: {}", path.display());
            if results.any_failed() {
                return Err(anyhow::anyhow!(
                    "some scenarios failed; they are recorded as failed in the results"
                ));
            }
        }
        Command::Corpus {
            action: CorpusAction::List,
        } => {
            let fetcher = Fetcher::new(&root);
            println!(
                "{:<16} {:<10} {:>7} {:>9}  cached",
                "name", "version", "files", "lines"
            );
            for corpus in &lock.corpora {
                match fetcher.cached(corpus) {
                    Some(info) => println!(
                        "{:<16} {:<10} {:>7} {:>9}  yes",
                        corpus.name, corpus.version, info.files, info.lines
                    ),
                    None => println!(
                        "{:<16} {:<10} {:>7} {:>9}  no",
                        corpus.name, corpus.version, "-", "-"
                    ),
                }
            }
        }
        Command::Corpus {
            action: CorpusAction::Fetch { name },
        } => {
            let fetcher = Fetcher::new(&root);
            let corpora = match &name {
                Some(name) => vec![lock.require(name)?.clone()],
                None => lock.corpora.clone(),
            };
            for corpus in corpora {
                let cached = fetcher.cached(&corpus).is_some();
                if !cached {
                    eprintln!(
                        "fetching {} {} (pip download, sha256 {}…)",
                        corpus.package,
                        corpus.version,
                        &corpus.sha256[..12]
                    );
                }
                let info = fetcher.fetch(&corpus)?;
                println!(
                    "{} {}: {} files, {} lines{}",
                    info.name,
                    info.version,
                    info.files,
                    info.lines,
                    if cached { " (cached)" } else { "" }
                );
            }
        }
    }
    Ok(())
}

fn find_scenario(
    root: &std::path::Path,
    lock: &CorpusLock,
    name: &str,
) -> anyhow::Result<scenario::Scenario> {
    let rules = perfgate::subject::rule_ids();
    let context = Context {
        repo_root: root,
        lock,
        rules: &rules,
    };
    scenario::load_dir(&root.join("scenarios"), &context)?
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| anyhow::anyhow!("no scenario named `{name}`"))
}

#[cfg(feature = "dhat-heap")]
fn heap_run(
    root: &std::path::Path,
    lock: &CorpusLock,
    name: &str,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let mut scenario = find_scenario(root, lock, name)?;
    // One thread: rayon's work stealing would make the allocation profile vary.
    scenario.threads = 1;
    let input = perfgate::subject::prepare(&scenario, root, lock).map_err(anyhow::Error::msg)?;
    let scratch = root
        .join("target/perfgate/scratch")
        .join(format!("{}-heap", scenario.id));
    let workload = perfgate::subject::Workload::new(&scenario, &input, &scratch)
        .map_err(anyhow::Error::msg)?;
    let iteration = workload.setup();
    let profiler = dhat::Profiler::builder()
        .file_name(out.join("dhat-heap.json"))
        .build();
    std::hint::black_box(workload.routine(iteration));
    let stats = dhat::HeapStats::get();
    drop(profiler);
    let data = perfgate::engine::heap::HeapData {
        total_bytes: stats.total_bytes,
        total_blocks: stats.total_blocks,
        max_bytes: stats.max_bytes as u64,
        max_blocks: stats.max_blocks as u64,
    };
    std::fs::write(out.join("heap.json"), serde_json::to_string_pretty(&data)?)?;
    Ok(())
}

#[cfg(not(feature = "dhat-heap"))]
fn heap_run(
    _: &std::path::Path,
    _: &CorpusLock,
    _: &str,
    _: &std::path::Path,
) -> anyhow::Result<()> {
    anyhow::bail!(
        "this perfgate was built without the `dhat-heap` feature; `perfgate run --engines allocations` builds the one that has it"
    )
}
