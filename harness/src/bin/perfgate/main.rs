//! The `perfgate` command line: scenarios, run (and --shard), merge, gate, compare, report,
//! baseline, calibrate, corpus here; compare-branches (`branches`), bisect, release-report
//! (`release`) and history in their own modules. Exit codes: 0 success, 1 a regression (gate,
//! compare, compare-branches, release-report), 2 usage, configuration or input errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// In the dhat build (feature `dhat-heap`, built by the heap engine into target/perfgate/build, run from target/perfgate/bin/perfgate-dhat) every
/// allocation goes through dhat; the timing binaries never carry it.
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Elsewhere the allocator `connascence` itself uses (mimalloc), so the workloads measured here
/// allocate as the shipped command does.
#[cfg(not(feature = "dhat-heap"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use perfgate::corpus::{CorpusLock, Fetcher, LOCK_FILE};
use perfgate::scenario::{self, Context, Scenario};

mod args;
mod baseline;
mod bisect;
mod branches;
mod history;
mod peers;
mod release;

use args::{Cli, Command, CorpusAction, OutputArgs, SelectArgs, StoredBaselineArgs};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause left out when the text before already says it (a typed
/// error that prints its source, `cannot read X: No such file…`, would otherwise say it twice).
fn describe(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// The selected scenarios, all scenarios and the settings of a repository.
fn select(
    root: &Path,
    lock: &CorpusLock,
    filter: Option<&str>,
    tags: &[String],
) -> anyhow::Result<(Vec<Scenario>, Vec<Scenario>, perfgate::settings::Settings)> {
    select_in(root, root, lock, filter, tags)
}

/// [`select`] of the scenario files in `source` (another checkout, with its corpora lock `lock`),
/// with the settings of `root`.
fn select_in(
    root: &Path,
    source: &Path,
    lock: &CorpusLock,
    filter: Option<&str>,
    tags: &[String],
) -> anyhow::Result<(Vec<Scenario>, Vec<Scenario>, perfgate::settings::Settings)> {
    let rules = perfgate::subject::rule_ids();
    let context = Context {
        repo_root: source,
        lock,
        rules: &rules,
    };
    let all = scenario::load_dir(&source.join("scenarios"), &context)?;
    let settings =
        perfgate::settings::load(&root.join("perfgate.toml")).map_err(anyhow::Error::msg)?;
    // Without --tags and --filter, the default set of perfgate.toml.
    let tags = if tags.is_empty() && filter.is_none() {
        settings.run.default_tags.clone()
    } else {
        tags.to_vec()
    };
    let selected = perfgate::run::select(all.clone(), filter, &tags).map_err(anyhow::Error::msg)?;
    if selected.is_empty() {
        anyhow::bail!("no scenario matches the filter and tags");
    }
    Ok((selected, all, settings))
}

/// The `--engines` of a run, parsed.
fn engines(select: &SelectArgs) -> anyhow::Result<Vec<perfgate::run::Engine>> {
    select
        .engines
        .iter()
        .map(|engine| perfgate::run::Engine::parse(engine))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)
}

/// The selection `select` stands for: its tags (perfgate.toml's default set when neither tags nor a
/// filter were given) and filter.
fn selection(
    select: &SelectArgs,
    settings: &perfgate::settings::Settings,
) -> perfgate::results::Selection {
    let tags = if select.tags.is_empty() && select.filter.is_none() {
        settings.run.default_tags.clone()
    } else {
        select.tags.clone()
    };
    perfgate::results::Selection {
        tags,
        filter: select.filter.clone(),
    }
}

/// Runs the selected scenarios and saves the results; returns them and their file.
fn run_and_save(
    root: &Path,
    lock: &CorpusLock,
    selected: &[Scenario],
    select: &SelectArgs,
    selection: perfgate::results::Selection,
    out: Option<PathBuf>,
) -> anyhow::Result<(perfgate::results::Results, PathBuf)> {
    let engines = engines(select)?;
    if select.rounds == Some(0) {
        anyhow::bail!("--rounds must be at least 1");
    }
    let options = perfgate::run::RunOptions {
        engines,
        rounds: select.rounds,
        selection: Some(selection),
    };
    let results = perfgate::run::run(selected, root, lock, &options);
    let path = out.unwrap_or_else(|| perfgate::run::default_results_path(root, &results));
    results.save(&path)?;
    Ok((results, path))
}

/// `--baseline NAME|FILE` of a profile, loaded.
fn load_baseline(
    root: &Path,
    profile: &str,
    name_or_file: &str,
) -> anyhow::Result<perfgate::results::Results> {
    let file =
        perfgate::baseline::resolve(root, profile, name_or_file).map_err(anyhow::Error::msg)?;
    Ok(perfgate::results::Results::load(&file)?)
}

/// `--baseline NAME|FILE` as it is at revision `rev` (`git show REV:PATH`).
fn load_baseline_at(
    root: &Path,
    profile: &str,
    name_or_file: &str,
    rev: &str,
) -> anyhow::Result<perfgate::results::Results> {
    let path = if name_or_file.ends_with(".json") || name_or_file.contains('/') {
        PathBuf::from(name_or_file)
    } else {
        perfgate::baseline::path(root, profile, name_or_file).map_err(anyhow::Error::msg)?
    };
    let relative = path.strip_prefix(root).unwrap_or(&path);
    let spec = format!("{rev}:{}", relative.display());
    let text = perfgate::git::git(root, &["show", &spec])
        .map_err(|error| anyhow::anyhow!("cannot read the baseline {spec}: {error}"))?;
    let mut results = perfgate::results::Results::parse(&text, &spec)?;
    if let Ok(here) = perfgate::results::Results::load(&path)
        && here.history.len() > results.history.len()
    {
        for entry in &here.history[results.history.len()..] {
            results.load_notes.push(format!(
                "this change re-{}s the baseline ({}): {}; it is gated against {spec}",
                entry.action,
                path.strip_prefix(root).unwrap_or(&path).display(),
                entry.reason.as_deref().unwrap_or("no reason given")
            ));
        }
    }
    Ok(results)
}

/// The comparison options of the command line: perfgate.toml's thresholds, the scenarios'
/// overrides, the calibration, `--allow-foreign`, `--allow-uncompared` (checked).
fn options_of(
    root: &Path,
    output: &OutputArgs,
    stored: &StoredBaselineArgs,
    settings: &perfgate::settings::Settings,
    all: &[Scenario],
) -> anyhow::Result<perfgate::compare::CompareOptions> {
    let mut options =
        perfgate::gate::compare_options(root, &output.profile, settings, all, stored.allow_foreign);
    for family in &stored.allow_uncompared {
        if !perfgate::compare::FAMILIES.contains(&family.as_str()) {
            anyhow::bail!(
                "--allow-uncompared: unknown metric family `{family}`; available: {}",
                perfgate::compare::FAMILIES.join(", ")
            );
        }
    }
    options.allow_uncompared = stored.allow_uncompared.clone();
    Ok(options)
}

/// Checks --format names (all formats when none is given).
fn formats(output: &OutputArgs) -> anyhow::Result<Vec<String>> {
    if output.format.is_empty() {
        return Ok(perfgate::export::FORMATS.map(str::to_owned).to_vec());
    }
    for name in &output.format {
        perfgate::export::by_name(name).map_err(anyhow::Error::msg)?;
    }
    Ok(output.format.clone())
}

fn run(cli: Cli) -> anyhow::Result<u8> {
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
                perfgate::outln!(
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
            perfgate::outln!("{name}: {findings} findings");
        }
        Command::Run {
            select: args,
            shard,
            out,
        } => {
            let (mut selected, _, settings) =
                select(&root, &lock, args.filter.as_deref(), &args.tags)?;
            if let Some(shard) = &shard {
                let shard = perfgate::merge::Shard::parse(shard).map_err(anyhow::Error::msg)?;
                selected.retain(|s| shard.contains(&s.name));
                eprintln!(
                    "shard {}/{}: {} scenario(s){}",
                    shard.k,
                    shard.n,
                    selected.len(),
                    if selected.is_empty() {
                        " (an empty shard: nothing to run)"
                    } else {
                        ""
                    }
                );
            }
            let selection = selection(&args, &settings);
            let (results, path) = run_and_save(&root, &lock, &selected, &args, selection, out)?;
            perfgate::out!("{}", perfgate::run::summary(&results));
            perfgate::outln!("results: {}", path.display());
            if results.any_failed() {
                return Err(anyhow::anyhow!(
                    "some scenarios failed; they are recorded as failed in the results"
                ));
            }
        }
        Command::Baseline { action } => return baseline::baseline(&root, action),
        Command::Merge { files, out } => {
            let mut loaded = Vec::new();
            for file in &files {
                loaded.push((
                    file.display().to_string(),
                    perfgate::results::Results::load(file)?,
                ));
            }
            let merged = perfgate::merge::merge(&loaded).map_err(anyhow::Error::msg)?;
            merged.save(&out)?;
            perfgate::outln!(
                "merged {} file(s), {} scenario(s): {}",
                files.len(),
                merged.scenarios.len(),
                out.display()
            );
        }
        Command::Compare {
            baseline,
            candidate,
            stored,
            output,
        } => {
            let formats = formats(&output)?;
            let base = load_baseline(&root, &output.profile, &baseline)?;
            let cand = perfgate::results::Results::load(&candidate)?;
            let (_, all, settings) = select(&root, &lock, Some("*"), &[])?;
            let options = options_of(&root, &output, &stored, &settings, &all)?;
            let comparison = perfgate::compare::compare(&base, &cand, &options);
            let dir = output
                .output
                .unwrap_or_else(|| root.join("target/perfgate/compare"));
            perfgate::gate::emit(&comparison, &cand, &baseline, &formats, &dir)
                .map_err(anyhow::Error::msg)?;
            return Ok(comparison.exit_code());
        }
        Command::Gate {
            baseline,
            select: args,
            confirm,
            allow_new,
            history,
            remeasure,
            remeasure_time,
            baseline_from,
            stored,
            output,
        } => {
            let formats = formats(&output)?;
            let mut base = match &baseline_from {
                Some(rev) => load_baseline_at(&root, &output.profile, &baseline, rev)?,
                None => load_baseline(&root, &output.profile, &baseline)?,
            };
            let (selected, all, settings) =
                select(&root, &lock, args.filter.as_deref(), &args.tags)?;
            let explicit = args.filter.is_some() || !args.tags.is_empty();
            let coverage = perfgate::gate::coverage(&mut base, &selected, &all, explicit);
            if base.scenarios.is_empty() && coverage.missing.is_empty() {
                anyhow::bail!(
                    "the baseline `{baseline}` has none of the {} selected scenario(s) ({}): nothing to gate against; save a baseline of these scenarios or select others",
                    selected.len(),
                    selected
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let engine_list = engines(&args)?;
            let mut options = options_of(&root, &output, &stored, &settings, &all)?;
            let not_gated = perfgate::gate::restrict_to_engines(&mut base, &engine_list);
            // Leaving out an engine the baseline has is leaving a gated metric uncompared.
            let refused: Vec<&String> = not_gated
                .iter()
                .filter(|family| !options.allow_uncompared.contains(family))
                .collect();
            if !refused.is_empty() {
                anyhow::bail!(
                    "the baseline `{baseline}` has {} data that --engines leaves out: a gated metric would go uncompared; add the engine(s) to --engines or pass --allow-uncompared {}",
                    refused
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    refused
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
            let loosened = match &baseline_from {
                Some(rev) => perfgate::gate::stricter_of(&root, rev, &mut options, &all),
                None => Vec::new(),
            };
            let selection = selection(&args, &settings);
            let run_tags = selection.tags.clone();
            let (cand, path) = run_and_save(&root, &lock, &selected, &args, selection, None)?;
            eprintln!("results: {}", path.display());
            let mut comparison = perfgate::compare::compare(&base, &cand, &options);
            perfgate::gate::apply_coverage(&mut comparison, coverage);
            let accept = perfgate::gate::accept_command(
                &base,
                &baseline,
                &output.profile,
                &comparison.added,
                &run_tags,
            );
            perfgate::gate::require_baselines(&mut comparison, allow_new, &accept);
            comparison.notes.extend(loosened);
            if !not_gated.is_empty() {
                comparison.notes.push(format!(
                    "not gated (not in --engines, --allow-uncompared): {}",
                    not_gated.join(", ")
                ));
                for family in not_gated {
                    if !comparison.uncompared.contains(&family) {
                        comparison.uncompared.push(family);
                    }
                }
            }
            let wanted = perfgate::gate::to_remeasure(&base, &cand, &comparison, remeasure);
            if !wanted.is_empty() {
                let deterministic: Vec<String> = [
                    (perfgate::run::Engine::Instructions, "instructions"),
                    (perfgate::run::Engine::Allocations, "allocations"),
                    (perfgate::run::Engine::Counters, "counters"),
                ]
                .into_iter()
                .filter(|(engine, _)| engine_list.contains(engine))
                .map(|(_, name)| name.to_owned())
                .collect();
                let progress = |line: &str| eprintln!("perfgate: {line}");
                let corpus_paths = perfgate::remeasure::path_corpora(&selected);
                let request = perfgate::remeasure::Request {
                    root: &root,
                    baseline: &base,
                    candidate: &cand,
                    scenarios: &wanted,
                    engines: &deterministic,
                    corpus_paths: &corpus_paths,
                    progress: &progress,
                };
                match perfgate::remeasure::remeasure(&request) {
                    Ok(remeasured) => {
                        perfgate::gate::apply_remeasure(
                            &mut comparison,
                            &remeasured.results,
                            &cand,
                            &options,
                        );
                        comparison.notes.extend(remeasured.notes);
                        comparison.notes.push(format!(
                            "baseline: {baseline} ({}) re-measured on this host for {}",
                            base.fingerprint
                                .git_commit
                                .as_deref()
                                .map_or("-", perfgate::results::short),
                            wanted
                                .iter()
                                .map(|(n, _)| n.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    Err(error) => {
                        eprintln!("perfgate: {error}");
                        perfgate::gate::remeasure_failed(
                            &mut comparison,
                            &wanted,
                            &error.to_string(),
                        );
                    }
                }
            }
            if remeasure_time && engine_list.contains(&perfgate::run::Engine::Time) {
                let timed: Vec<Scenario> = selected
                    .iter()
                    .filter(|s| s.engines.time.is_some())
                    .cloned()
                    .collect();
                // The most any selected scenario asks for (each has its own `rounds`).
                let rounds = args.rounds.unwrap_or_else(|| {
                    timed
                        .iter()
                        .filter_map(|s| s.engines.time.map(|t| t.rounds))
                        .max()
                        .unwrap_or(perfgate::scenario::DEFAULT_ROUNDS)
                });
                let progress = |line: &str| eprintln!("perfgate: {line}");
                match perfgate::remeasure::remeasure_time(&root, &base, &timed, rounds, &progress) {
                    Ok((base_time, head_time)) => perfgate::gate::apply_time_remeasure(
                        &mut comparison,
                        &base_time,
                        &head_time,
                        &options,
                    ),
                    Err(error) => {
                        eprintln!("perfgate: {error}");
                        comparison.errors.push(format!("--remeasure-time: {error}"));
                    }
                }
            }
            if confirm {
                let progress = |line: &str| eprintln!("perfgate: {line}");
                perfgate::gate::confirm_suspects(
                    (&root, &lock),
                    &base,
                    &selected,
                    args.rounds,
                    &options,
                    &mut comparison,
                    &progress,
                );
            }
            let dir = output
                .output
                .unwrap_or_else(|| root.join("target/perfgate/gate"));
            let written = perfgate::gate::emit(&comparison, &cand, &baseline, &formats, &dir)
                .map_err(anyhow::Error::msg)?;
            let history = match &history {
                Some(file) => Some(history::record(
                    &cand,
                    &comparison,
                    &output.profile,
                    &baseline,
                    file,
                )?),
                None => None,
            };
            let report_dir = root.join("reports/gate");
            let mut gate_command = format!(
                "cargo run --release -p perfgate -- gate --baseline {baseline} --engines {}",
                args.engines.join(",")
            );
            if let Some(filter) = &args.filter {
                gate_command.push_str(&format!(" --filter {}", perfgate::shell_quote(filter)));
            }
            if !args.tags.is_empty() {
                gate_command.push_str(&format!(" --tags {}", args.tags.join(",")));
            }
            let report_command = format!(
                "cargo run --release -p perfgate -- report --baseline {baseline} --candidate {} --out reports/gate",
                path.strip_prefix(&root).unwrap_or(&path).display()
            );
            let index = perfgate::gate::write_report(
                &root,
                &output.profile,
                &comparison,
                (&base, &baseline),
                (&cand, &path.display().to_string()),
                &all,
                &report_dir,
                vec![gate_command, report_command],
                history.as_deref(),
            )
            .map_err(anyhow::Error::msg)?;
            eprintln!(
                "report: {}",
                index.strip_prefix(&root).unwrap_or(&index).display()
            );
            eprintln!(
                "exports: {}",
                written
                    .iter()
                    .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Ok(comparison.exit_code());
        }
        Command::CompareBranches(args) => return branches::compare_branches(&root, args),
        Command::History { action } => return history::history(&root, action),
        Command::Bisect(args) => return bisect::bisect(&root, args),
        Command::ReleaseReport(args) => return release::release_report(&root, args),
        Command::Peers(args) => return peers::peers(&root, &args),
        Command::Report {
            baseline,
            candidate,
            out,
            profile,
            allow_foreign,
            targets_markdown,
        } => {
            let base = load_baseline(&root, &profile, &baseline)?;
            let cand = perfgate::results::Results::load(&candidate)?;
            let (_, all, settings) = select(&root, &lock, Some("*"), &[])?;
            let options =
                perfgate::gate::compare_options(&root, &profile, &settings, &all, allow_foreign);
            let comparison = perfgate::compare::compare(&base, &cand, &options);
            let stem = candidate
                .file_stem()
                .map_or("report".into(), |s| s.to_string_lossy().into_owned());
            let out = out.unwrap_or_else(|| root.join("reports").join(stem));
            let mut command = format!(
                "cargo run --release -p perfgate -- report --baseline {baseline} --candidate {} --out {}",
                candidate.display(),
                out.strip_prefix(&root).unwrap_or(&out).display()
            );
            if let Some(file) = &targets_markdown {
                command.push_str(&format!(" --targets-markdown {}", file.display()));
            }
            let index = perfgate::gate::write_report(
                &root,
                &profile,
                &comparison,
                (&base, &baseline),
                (&cand, &candidate.display().to_string()),
                &all,
                &out,
                vec![command],
                None,
            )
            .map_err(anyhow::Error::msg)?;
            perfgate::outln!("report: {}", index.display());
            if let Some(file) = &targets_markdown {
                let written = out.join("targets.md");
                let page = perfgate::files::read_regular(&written).map_err(|error| {
                    anyhow::anyhow!("cannot read {}: {error}", written.display())
                })?;
                perfgate::export::write_atomic(file, &page).map_err(anyhow::Error::msg)?;
                perfgate::outln!("targets: {}", file.display());
            }
        }
        Command::Calibrate {
            pairs,
            write,
            filter,
            tags,
            rounds,
            profile,
        } => {
            if pairs == 0 || rounds == Some(0) {
                anyhow::bail!("--pairs and --rounds must be at least 1");
            }
            let (selected, _, settings) = select(&root, &lock, filter.as_deref(), &tags)?;
            let rounds = rounds.unwrap_or_else(|| {
                selected
                    .iter()
                    .filter_map(|s| s.engines.time.map(|t| t.rounds))
                    .max()
                    .unwrap_or(7)
            });
            let sets = perfgate::calibrate::measure(&selected, &root, pairs, rounds, &|line| {
                eprintln!("calibrate: {line}")
            })
            .map_err(anyhow::Error::msg)?;
            let thresholds = selected
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        s.gate.time.unwrap_or(settings.gate.time) / 100.0,
                    )
                })
                .collect();
            let entries = perfgate::calibrate::score(&sets, &thresholds, rounds as usize);
            perfgate::out!("{}", perfgate::calibrate::table(&entries, rounds));
            if write {
                let calibration = perfgate::calibrate::Calibration {
                    fingerprint: perfgate::fingerprint::collect(&root),
                    rounds,
                    pairs: u64::from(pairs),
                    scenarios: entries,
                };
                let path = calibration
                    .save(&root, &profile)
                    .map_err(anyhow::Error::msg)?;
                perfgate::outln!("written: {}", path.display());
            }
        }
        Command::Corpus {
            action: CorpusAction::List,
        } => {
            let fetcher = Fetcher::new(&root);
            perfgate::outln!(
                "{:<16} {:<10} {:>7} {:>9}  cached",
                "name",
                "version",
                "files",
                "lines"
            );
            for corpus in &lock.corpora {
                match fetcher.cached(corpus) {
                    Some(info) => perfgate::outln!(
                        "{:<16} {:<10} {:>7} {:>9}  yes",
                        corpus.name,
                        corpus.version,
                        info.files,
                        info.lines
                    ),
                    None => perfgate::outln!(
                        "{:<16} {:<10} {:>7} {:>9}  no",
                        corpus.name,
                        corpus.version,
                        "-",
                        "-"
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
                perfgate::outln!(
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
    Ok(0)
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
