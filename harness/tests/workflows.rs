//! The GitHub Actions workflows in `ci/github/` parse as YAML, have triggers and jobs, and their
//! `run:` steps call only scripts of `ci/` that exist, are executable and parse as bash.

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
