//! `perfgate bisect GOOD BAD --scenario S --metric instructions`: the first commit on the ancestry
//! path from GOOD to BAD whose count moves beyond the threshold, by binary search over the commits
//! (GOOD and BAD, then about log₂ n more), each measured as a side of `compare-branches`: its core
//! built into this harness, the scenario file as BAD has it. Only deterministic counts (instructions,
//! heap) can be bisected: one measurement per commit must be trusted.

use std::path::Path;

use crate::git::{self, Worktree};
use crate::sides::Side;

use super::branches::{ensure_clean, run_side, say, scenarios};
use crate::cli::args::BisectArgs;
use crate::cli::{CliError, Result, fail};

/// The engine that measures a metric.
fn engine_of(metric: &str) -> Result<&'static str> {
    let engines = &crate::engine::ENGINES;
    match engines
        .iter()
        .find(|engine| engine.metrics().contains(&metric))
    {
        Some(engine) if !engine.host_bound() => Ok(engine.name()),
        Some(_) => fail!(
            "--metric {metric} cannot be bisected: one wall-time measurement per commit is noise; use instructions or a heap count"
        ),
        None => {
            let names: Vec<&str> = engines
                .iter()
                .filter(|engine| !engine.host_bound())
                .flat_map(|engine| engine.metrics().iter().copied())
                .collect();
            let (last, rest) = names.split_last().expect("a deterministic engine");
            fail!(
                "unknown --metric `{metric}`; expected {} or {last}",
                rest.join(", ")
            )
        }
    }
}

/// One measured commit.
#[derive(serde::Serialize)]
struct Step {
    commit: String,
    subject: String,
    value: f64,
    change: f64,
    moved: bool,
}

pub fn bisect(root: &Path, args: BisectArgs) -> Result<u8> {
    super::branches::progress_as("bisect");
    let engine = engine_of(&args.metric)?;
    ensure_clean(root, args.allow_dirty)?;
    let good = git::resolve(root, &args.good)?;
    let bad = git::resolve(root, &args.bad)?;
    if git::git(root, &["merge-base", "--is-ancestor", &good, &bad]).is_err() {
        fail!(
            "{} is not an ancestor of {}: bisect needs GOOD before BAD on one line of history",
            args.good,
            args.bad
        );
    }
    let path = git::git(
        root,
        &[
            "rev-list",
            "--ancestry-path",
            "--reverse",
            &format!("{good}..{bad}"),
        ],
    )?;
    let commits: Vec<String> = path.lines().map(str::to_owned).collect();
    if commits.is_empty() {
        fail!(
            "{} and {} are the same commit: nothing to bisect",
            args.good,
            args.bad
        );
    }
    let workspace = crate::engine::build_workspace(root);
    let worktrees = root.join("target/perfgate/worktrees");
    let corpora = root.join("target/perfgate/corpora");
    let runner = match engine {
        "instructions" => Some(crate::tools::ensure_runner(&workspace, &|line| say(line))?),
        _ => None,
    };
    // The scenario as BAD defines it, and its threshold.
    let threshold = {
        let tree = Worktree::add(root, &worktrees.join(&bad[..12]), &bad)?;
        let (selected, _) =
            scenarios(root, tree.path(), Some(&args.scenario), &[]).map_err(|_| {
                CliError::Invalid(format!(
                    "{} has no scenario named `{}`",
                    args.bad, args.scenario
                ))
            })?;
        let settings = crate::settings::load(&root.join("perfgate.toml"))?;
        let scenario = &selected[0];
        args.threshold.unwrap_or_else(|| {
            crate::metric::threshold(&args.metric, &settings.gate, &scenario.gate)
        })
    };
    if !(threshold > 0.0 && threshold.is_finite()) {
        fail!("--threshold must be a positive percentage, got {threshold}");
    }
    let measure = |commit: &str| -> Result<f64> {
        let short = &commit[..12];
        let tree = Worktree::add(root, &worktrees.join(short), commit)?;
        if commit != bad {
            tree.take_dir_from(&bad, "scenarios")?;
        }
        let side = Side::prepare(&workspace, tree.path(), short, short, commit)?;
        say(&format!("building and counting {short}"));
        let binary = side.build()?.binary;
        let results = run_side(
            &side,
            &binary,
            std::slice::from_ref(&args.scenario),
            &[engine.to_owned()],
            &corpora,
            runner.as_deref(),
        )?;
        let result = results
            .scenarios
            .iter()
            .find(|s| s.name == args.scenario)
            .ok_or_else(|| {
                CliError::Invalid(format!("{short}: no result for `{}`", args.scenario))
            })?;
        if let crate::results::Status::Failed { reason } = &result.status {
            fail!("{short}: `{}` failed: {reason}", args.scenario);
        }
        crate::history::metric_values(result)
            .get(&args.metric)
            .copied()
            .ok_or_else(|| {
                CliError::Invalid(format!(
                    "{short}: `{}` has no {}",
                    args.scenario, args.metric
                ))
            })
    };
    say(&format!(
        "{} commits after {}; {} moves beyond {threshold} %? at most {} steps after GOOD and BAD",
        commits.len(),
        &good[..12],
        args.metric,
        (commits.len() as f64).log2().ceil() as u32
    ));
    let subject =
        |commit: &str| git::git(root, &["show", "-s", "--format=%s", commit]).unwrap_or_default();
    let reference = measure(&good)?;
    let mut steps = vec![Step {
        commit: good.clone(),
        subject: subject(&good),
        value: reference,
        change: 0.0,
        moved: false,
    }];
    let mut step = |commit: &str, value: f64| -> bool {
        let change = value / reference - 1.0;
        let moved = change.abs() * 100.0 > threshold;
        steps.push(Step {
            commit: commit.to_owned(),
            subject: subject(commit),
            value,
            change,
            moved,
        });
        moved
    };
    let last = measure(&bad)?;
    if !step(&bad, last) {
        print_steps(&steps, &args.metric)?;
        fail!(
            "{} {} changed by {} from {} to {}: not beyond {threshold} %, nothing to bisect",
            args.scenario,
            args.metric,
            crate::report::format::change(last / reference),
            args.good,
            args.bad
        );
    }
    // Invariant: commits[..=lo] (GOOD for lo = -1) are within, commits[hi] is beyond.
    let (mut lo, mut hi): (isize, isize) = (-1, commits.len() as isize - 1);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        let commit = &commits[mid as usize];
        let value = measure(commit)?;
        if step(commit, value) {
            hi = mid
        } else {
            lo = mid
        }
    }
    let first = &commits[hi as usize];
    print_steps(&steps, &args.metric)?;
    let found = steps.iter().find(|s| &s.commit == first).expect("measured");
    crate::outln!(
        "first commit beyond {threshold} %: {} {} ({} {} against {})",
        first,
        found.subject,
        crate::report::format::change(1.0 + found.change),
        args.metric,
        args.good
    );
    let out = root.join("target/perfgate/bisect").join(format!(
        "{}-{}-{}.json",
        args.scenario,
        &good[..12],
        &bad[..12]
    ));
    crate::write_atomic(&out, &serde_json::to_string_pretty(&steps)?)
        .map_err(CliError::io(format!("cannot write {}", out.display())))?;
    say(&format!(
        "steps: {}",
        out.strip_prefix(root).unwrap_or(&out).display()
    ));
    Ok(0)
}

fn print_steps(steps: &[Step], metric: &str) -> Result<()> {
    crate::outln!(
        "{:<12} {:>16} {:>9}  {:<6}  subject",
        "commit",
        metric,
        "change",
        "moved"
    );
    for step in steps {
        crate::outln!(
            "{:<12} {:>16.0} {:>8.3}%  {:<6}  {}",
            &step.commit[..12],
            step.value,
            step.change * 100.0,
            if step.moved { "yes" } else { "no" },
            step.subject
        );
    }
    Ok(())
}
