//! `perfgate compare-branches BASE HEAD`: both commits' cores built into this harness, measured on
//! this machine with the same scenario files and corpora, wall time in interleaved rounds; the
//! verdicts, exports and report of the gate, and its exit codes.

use std::path::{Path, PathBuf};

use crate::branches;
use crate::corpus::{CorpusLock, LOCK_FILE};
use crate::engine::build;
use crate::git::{self, Worktree};
use crate::results::Results;
use crate::run::Engine;
use crate::scenario::Scenario;
use crate::sides::Side;

use crate::cli::args::{BranchArgs, ScenariosFrom};
use crate::cli::{CliError, Result, fail};

/// A revision as a folder name: `feature/x` → `feature-x`.
fn slug(rev: &str) -> String {
    let slug: String = rev
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    slug.trim_matches('-').to_owned()
}

/// The command whose progress `say` prints (`compare-branches`, `release-report`, `bisect`).
static COMMAND: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Names the command in the progress lines of this process (the first call counts).
pub(crate) fn progress_as(command: &'static str) {
    let _ = COMMAND.set(command);
}

pub(crate) fn say(line: &str) {
    eprintln!("{}: {line}", COMMAND.get().unwrap_or(&"compare-branches"));
}

/// Refuses a work tree with uncommitted changes unless `allow_dirty`.
pub(crate) fn ensure_clean(root: &Path, allow_dirty: bool) -> Result<()> {
    if allow_dirty {
        return Ok(());
    }
    let changes = git::changes(root)?;
    if !changes.is_empty() {
        fail!(
            "the work tree of {} has uncommitted changes ({}{}); commit or stash them, or pass --allow-dirty",
            root.display(),
            changes[..changes.len().min(3)].join(", "),
            if changes.len() > 3 { ", …" } else { "" }
        );
    }
    Ok(())
}

/// The scenario files of `source` (its `scenarios/`), selected like `perfgate run` selects.
pub(crate) fn scenarios(
    root: &Path,
    source: &Path,
    filter: Option<&str>,
    tags: &[String],
) -> Result<(Vec<Scenario>, Vec<Scenario>)> {
    let lock = CorpusLock::load(&source.join("scenarios").join(LOCK_FILE))?;
    let (selected, all, _) = super::common::select_in(root, source, &lock, filter, tags)?;
    Ok((selected, all))
}

/// [`Side::run`], its error for the command line.
pub(crate) fn run_side(
    side: &Side,
    binary: &Path,
    names: &[String],
    engines: &[String],
    corpora: &Path,
    runner: Option<&Path>,
) -> Result<Results> {
    Ok(side.run(binary, names, engines, corpora, runner)?)
}

/// Both sides measured and compared; the worktrees live until this is dropped (the report copies
/// artifacts out of them).
pub(crate) struct Measured {
    pub base: Side,
    pub head: Side,
    pub base_results: Results,
    pub head_results: Results,
    pub all: Vec<Scenario>,
    pub comparison: crate::compare::Comparison,
    /// `<base>-<head>` as folder names.
    pub label: String,
    /// `target/perfgate/<kind>/<label>/`: both results files, and the exports by default.
    pub out_dir: PathBuf,
    _trees: (Worktree, Option<Worktree>),
}

/// The whole command; returns the exit code (0 pass, 1 regression, 2 errors).
pub fn compare_branches(root: &Path, args: BranchArgs) -> Result<u8> {
    let measured = measure(root, &args, "compare-branches")?;
    let command = format!(
        "cargo run --release -p perfgate -- compare-branches {} {} --rounds {} --engines {}{}{}{}",
        args.base,
        args.head,
        args.rounds,
        args.engines.join(","),
        args.which.filter.as_ref().map_or(String::new(), |f| {
            format!(" --filter {}", crate::shell_quote(f))
        }),
        if args.which.tags.is_empty() {
            String::new()
        } else {
            format!(" --tags {}", args.which.tags.join(","))
        },
        match args.scenarios_from {
            ScenariosFrom::Head => "",
            ScenariosFrom::Base => " --scenarios-from base",
        }
    );
    let report_dir = root
        .join("reports")
        .join(format!("compare-{}", measured.label));
    finish(root, &args, &measured, &report_dir, command, None, false)
}

/// Builds and measures both sides and compares them; `kind` names the folder of the results
/// (`target/perfgate/<kind>/<base>-<head>/`).
pub(crate) fn measure(root: &Path, args: &BranchArgs, kind: &str) -> Result<Measured> {
    if args.rounds == 0 {
        fail!("--rounds must be at least 1");
    }
    let engines: Vec<Engine> = args
        .engines
        .iter()
        .map(|name| crate::run::parse_engine(name))
        .collect::<Result<_, _>>()?;
    super::common::formats(&args.output)?;
    ensure_clean(root, args.allow_dirty)?;
    let base_commit = git::resolve(root, &args.base)?;
    let head_commit = git::resolve(root, &args.head)?;
    let workspace = crate::engine::build_workspace(root);
    let worktrees = root.join("target/perfgate/worktrees");
    // A commit against itself is an A/A comparison of one build: one worktree, one side.
    let same = base_commit == head_commit;
    let base_tree = Worktree::add(root, &worktrees.join(&base_commit[..12]), &base_commit)?;
    let head_tree = match same {
        true => None,
        false => Some(Worktree::add(
            root,
            &worktrees.join(&head_commit[..12]),
            &head_commit,
        )?),
    };
    let source = match (&head_tree, args.scenarios_from) {
        (Some(head_tree), ScenariosFrom::Head) => {
            base_tree.take_dir_from(head_tree.commit(), "scenarios")?;
            head_tree.path()
        }
        (Some(head_tree), ScenariosFrom::Base) => {
            head_tree.take_dir_from(base_tree.commit(), "scenarios")?;
            base_tree.path()
        }
        (None, _) => base_tree.path(),
    };
    let (selected, all) = scenarios(root, source, args.which.filter.as_deref(), &args.which.tags)?;
    let names: Vec<String> = selected.iter().map(|s| s.name.clone()).collect();

    let side = |tree: &Worktree, label: &str| {
        Side::prepare(
            &workspace,
            tree.path(),
            &tree.commit()[..12],
            label,
            tree.commit(),
        )
        .map_err(CliError::from)
    };
    let base = side(&base_tree, &args.base)?;
    let head = match &head_tree {
        Some(tree) => side(tree, &args.head)?,
        None => Side {
            label: args.head.clone(),
            ..base.clone()
        },
    };
    let mut binaries: Vec<PathBuf> = Vec::new();
    for side in [&base, &head] {
        if same && !binaries.is_empty() {
            binaries.push(binaries[0].clone());
            continue;
        }
        say(&format!(
            "building {} ({}) into {}",
            side.label,
            side.short(),
            build::target_dir(&workspace).display()
        ));
        binaries.push(side.build()?.binary);
    }
    let runner = match engines.contains(&crate::engine::instructions::ENGINE) {
        true => Some(crate::tools::ensure_runner(&workspace, &|line| say(line))?),
        false => None,
    };
    // The side runs: every engine but time (interleaved below); counters always.
    let mut side_engines: Vec<String> = args
        .engines
        .iter()
        .filter(|e| e.as_str() != "time")
        .cloned()
        .collect();
    if !side_engines.iter().any(|e| e == "counters") {
        side_engines.push("counters".into());
    }
    let corpora = root.join("target/perfgate/corpora");
    let mut results = Vec::new();
    for (side, binary) in [&base, &head].into_iter().zip(&binaries) {
        say(&format!(
            "running {} on {} ({})",
            side_engines.join(","),
            side.label,
            side.short()
        ));
        results.push(run_side(
            side,
            binary,
            &names,
            &side_engines,
            &corpora,
            runner.as_deref(),
        )?);
    }
    let [mut base_results, mut head_results]: [Results; 2] = results.try_into().expect("two sides");
    if engines.contains(&crate::engine::time::ENGINE) {
        branches::time_rounds(
            &selected,
            [
                (&base, &binaries[0], &mut base_results),
                (&head, &binaries[1], &mut head_results),
            ],
            args.rounds,
            &corpora,
            &say,
        );
    }
    let label = format!("{}-{}", slug(&args.base), slug(&args.head));
    let out_dir = root.join("target/perfgate").join(kind).join(&label);
    base_results.save(&out_dir.join("base.json"))?;
    head_results.save(&out_dir.join("head.json"))?;
    let settings = crate::settings::load(&root.join("perfgate.toml"))?;
    let mut options =
        crate::gate::compare_options(root, &args.output.profile, &settings, &all, false);
    options.two_builds = true;
    let mut comparison = crate::compare::compare(&base_results, &head_results, &options);
    let suspects = crate::compare::confirm::suspects(&comparison);
    if engines.contains(&crate::engine::time::ENGINE) && !args.single_stage && !suspects.is_empty()
    {
        say(&format!(
            "stage 2: fresh interleaved rounds of {} (suspects of the first rounds)",
            suspects.join(", ")
        ));
        let chosen: Vec<Scenario> = selected
            .iter()
            .filter(|s| suspects.contains(&s.name))
            .cloned()
            .collect();
        let fresh = |results: &Results| {
            let mut fresh = results.clone();
            fresh.scenarios.retain(|s| suspects.contains(&s.name));
            for scenario in &mut fresh.scenarios {
                for engine in &crate::engine::ENGINES {
                    engine.clear(scenario);
                }
            }
            fresh
        };
        let (mut base_fresh, mut head_fresh) = (fresh(&base_results), fresh(&head_results));
        branches::time_rounds(
            &chosen,
            [
                (&base, &binaries[0], &mut base_fresh),
                (&head, &binaries[1], &mut head_fresh),
            ],
            args.rounds,
            &corpora,
            &say,
        );
        crate::compare::confirm::decide_on_fresh_rounds(
            &mut comparison,
            &base_fresh,
            &head_fresh,
            &options,
        );
    }
    Ok(Measured {
        base,
        head,
        base_results,
        head_results,
        all,
        comparison,
        label,
        out_dir,
        _trees: (base_tree, head_tree),
    })
}

/// The outputs of a measured comparison: the table, the exports, the HTML report (with the
/// release sections when `release`), the PR-comment Markdown; returns the exit code.
pub(crate) fn finish(
    root: &Path,
    args: &BranchArgs,
    measured: &Measured,
    report_dir: &Path,
    command: String,
    history: Option<&[crate::history::Record]>,
    release: bool,
) -> Result<u8> {
    let formats = super::common::formats(&args.output)?;
    let comparison = &measured.comparison;
    let exports = args
        .output
        .output
        .clone()
        .unwrap_or_else(|| measured.out_dir.clone());
    let local_index = report_dir.join("index.html");
    let report_link = crate::export::report_link(
        args.output.report_url.as_deref(),
        &local_index
            .strip_prefix(root)
            .unwrap_or(&local_index)
            .display()
            .to_string(),
    );
    let written = crate::gate::emit(
        comparison,
        &measured.head_results,
        &args.base,
        &formats,
        &exports,
        Some(report_link.clone()),
    )?;
    let calibration = crate::calibrate::Calibration::load(root, &args.output.profile).ok();
    let base_label = format!("{} ({})", args.base, measured.base.short());
    let head_label = format!("{} ({})", args.head, measured.head.short());
    let peers = if release {
        crate::peers::PeersReport::load_or_warn(root)
    } else {
        None
    };
    let input = crate::report::ReportInput {
        comparison,
        baseline: &measured.base_results,
        candidate: &measured.head_results,
        baseline_label: &base_label,
        candidate_label: &head_label,
        scenarios: &measured.all,
        calibration: calibration.as_ref(),
        root,
        commands: vec![command],
        history,
        release,
        peers: peers.as_ref(),
    };
    let index = crate::report::write(&input, report_dir)?;
    let markdown = report_dir.join("summary.md");
    crate::export::write_atomic(
        &markdown,
        &crate::export::by_name("markdown")?.render(&crate::export::Report {
            comparison,
            candidate: &measured.head_results,
            baseline: &args.base,
            report_link: Some(report_link),
        }),
    )?;
    let relative = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    eprintln!("report: {}", relative(&index));
    eprintln!("PR comment (Markdown): {}", relative(&markdown));
    eprintln!(
        "exports: {}",
        written
            .iter()
            .map(|p| relative(p))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(comparison.exit_code())
}
