//! `perfgate release-report --from TAG --to TAG|HEAD`: `compare-branches` of two releases on the
//! `release` scenarios, written as a release report (`reports/release-<from>-<to>/`): the headline
//! table, the claims of the replaced system measured, the trend of the nightly history between the
//! two tags when there is one, then the verdicts and everything the gate's report shows.

use std::path::Path;

use crate::git;
use crate::history;

use super::branches::{finish, measure, say};
use crate::cli::Result;
use crate::cli::args::{BranchArgs, ReleaseArgs, ScenariosFrom, WhichArgs};

pub fn release_report(root: &Path, args: ReleaseArgs) -> Result<u8> {
    super::branches::progress_as("release-report");
    let history_file = args
        .history
        .clone()
        .unwrap_or_else(|| history::default_path(root, &args.output.profile));
    let explicit_history = args.history.is_some();
    let branch = BranchArgs {
        base: args.from.clone(),
        head: args.to.clone(),
        rounds: args.rounds,
        scenarios_from: ScenariosFrom::Head,
        single_stage: false,
        allow_dirty: args.allow_dirty,
        which: WhichArgs {
            filter: None,
            tags: args.tags.clone(),
        },
        engines: args.engines.clone(),
        output: args.output,
    };
    let measured = measure(root, &branch, "release-report")?;
    // The history between the two releases, when there is one.
    let records = if history_file.is_file() || explicit_history {
        let all = history::load(&history_file)?;
        // Runs of the commits from the first release to the second (both included).
        let range = format!("{}..{}", measured.base.commit, measured.head.commit);
        let mut commits: Vec<String> = git::git(root, &["rev-list", &range])?
            .lines()
            .map(str::to_owned)
            .collect();
        commits.push(measured.base.commit.clone());
        let between: Vec<history::Record> = all
            .into_iter()
            .filter(|r| r.commit.as_ref().is_some_and(|c| commits.contains(c)))
            .collect();
        say(&format!(
            "history: {} run(s) of {} between the two releases",
            between.len(),
            history_file.display()
        ));
        Some(between)
    } else {
        None
    };
    let command = format!(
        "cargo run --release -p perfgate -- release-report --from {} --to {} --rounds {} --tags {} --engines {}",
        branch.base,
        branch.head,
        branch.rounds,
        branch.which.tags.join(","),
        branch.engines.join(",")
    );
    let report_dir = root
        .join("reports")
        .join(format!("release-{}", measured.label));
    finish(
        root,
        &branch,
        &measured,
        &report_dir,
        command,
        records.as_deref(),
        true,
    )
}
