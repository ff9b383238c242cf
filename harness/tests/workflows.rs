//! The GitHub Actions workflows in `ci/github/` parse as YAML, have triggers and jobs, and their
//! `run:` steps call only scripts of `ci/` that exist, are executable and parse as bash; no
//! expression is pasted into a script, every action is at a Node 24 major, and shellcheck (pinned,
//! from PyPI) finds nothing in the scripts.

mod common;

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// Every `run:` command of every step of every job.
fn run_steps(workflow: &Yaml) -> Vec<String> {
    let mut commands = Vec::new();
    let Some(jobs) = workflow["jobs"].as_hash() else {
        return commands;
    };
    for job in jobs.values() {
        for step in job["steps"].as_vec().into_iter().flatten() {
            if let Some(run) = step["run"].as_str() {
                commands.push(run.to_owned());
            }
        }
    }
    commands
}

#[test]
fn each_workflow_parses_and_only_calls_existing_ci_scripts() {
    let dir = root().join("ci/github");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "nightly.yml",
            "pull-request.yml",
            "release.yml",
            "sharded.yml"
        ]
    );
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let docs = YamlLoader::load_from_str(&text)
            .unwrap_or_else(|error| panic!("{name} is not valid YAML: {error}"));
        assert_eq!(docs.len(), 1, "{name}");
        let workflow = &docs[0];
        assert!(workflow["name"].as_str().is_some(), "{name}: no name");
        assert!(!workflow["on"].is_badvalue(), "{name}: no trigger");
        let commands = run_steps(workflow);
        assert!(!commands.is_empty(), "{name}: no run step");
        for command in commands {
            let script = command.split_whitespace().next().unwrap();
            assert!(
                script.starts_with("ci/")
                    && script.ends_with(".sh")
                    && command.lines().count() == 1,
                "{name}: `{command}` is not one call of a ci/ script"
            );
            let path = root().join(script);
            let mode = std::fs::metadata(&path)
                .unwrap_or_else(|_| panic!("{name}: {script} does not exist"))
                .permissions();
            assert!(
                std::os::unix::fs::PermissionsExt::mode(&mode) & 0o111 != 0,
                "{script} is not executable"
            );
            let syntax = std::process::Command::new("bash")
                .arg("-n")
                .arg(&path)
                .output()
                .unwrap();
            assert!(syntax.status.success(), "{script}: {syntax:?}");
        }
    }
}

#[test]
fn the_scripts_refuse_bad_usage_with_exit_2() {
    for (script, args) in [
        ("ci/shard.sh", vec!["1"]),
        ("ci/history.sh", vec!["fetch"]),
        ("ci/compare-branches.sh", vec![]),
        ("ci/publish-release.sh", vec![]),
        ("ci/pr-comment.sh", vec!["not-a-number"]),
        ("ci/rule-counts.sh", vec![]),
        ("ci/rule-counts.sh", vec!["--frobnicate"]),
        ("ci/timings.sh", vec!["--frobnicate"]),
        ("ci/timings.sh", vec!["--steps", "ci,lunch"]),
    ] {
        let output = std::process::Command::new("bash")
            .arg(root().join(script))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{script}");
        assert!(
            String::from_utf8_lossy(&output.stderr).starts_with("usage: "),
            "{script}: {output:?}"
        );
    }
}

/// Every `uses:` of every step of every job.
fn uses(workflow: &Yaml) -> Vec<String> {
    let mut actions = Vec::new();
    for job in workflow["jobs"]
        .as_hash()
        .into_iter()
        .flat_map(|j| j.values())
    {
        for step in job["steps"].as_vec().into_iter().flatten() {
            if let Some(action) = step["uses"].as_str() {
                actions.push(action.to_owned());
            }
        }
    }
    actions
}

/// The actions the workflows may use, at a major whose runtime is Node 24 (Node 20 is deprecated
/// on GitHub's runners; actionlint flags it).
const ACTIONS: [&str; 3] = [
    "actions/checkout@v6",
    "actions/upload-artifact@v6",
    "actions/download-artifact@v7",
];

#[test]
fn workflows_paste_no_expression_into_scripts_and_use_only_current_actions() {
    for name in [
        "nightly.yml",
        "pull-request.yml",
        "release.yml",
        "sharded.yml",
    ] {
        let text = std::fs::read_to_string(root().join("ci/github").join(name)).unwrap();
        let workflow = &YamlLoader::load_from_str(&text).unwrap()[0];
        for command in run_steps(workflow) {
            // `${{ … }}` in a script is expanded before bash parses it: a tag or branch named
            // `$(…)` would run. Values go through `env:`.
            assert!(
                !command.contains("${{"),
                "{name}: `{command}` pastes an expression into a script"
            );
        }
        for action in uses(workflow) {
            assert!(
                ACTIONS.contains(&action.as_str()),
                "{name}: `{action}` is not one of {ACTIONS:?}"
            );
        }
    }
}

#[test]
fn shellcheck_finds_nothing_in_the_ci_scripts() {
    let tools = common::pypi::install("shellcheck-0.11.0.1", common::pypi::SHELLCHECK);
    let mut scripts: Vec<_> = std::fs::read_dir(root().join("ci"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    scripts.push(root().join(".ci/run"));
    scripts.sort();
    assert!(scripts.len() >= 10, "{scripts:?}");
    let output = std::process::Command::new(tools.join("bin/shellcheck"))
        .args(&scripts)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // It does look: a script with an unquoted expansion is reported.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.sh");
    std::fs::write(&bad, "#!/usr/bin/env bash\nrm -rf $1/*\n").unwrap();
    let output = std::process::Command::new(tools.join("bin/shellcheck"))
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("SC2086"));
}
