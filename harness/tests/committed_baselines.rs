//! The committed baselines still fit the repository: every scenario of a baseline's selection is in
//! it with the identity its scenario file has now (none would be `new` or `changed` at the gate),
//! each is re-measurable from its commit, and on the small synthetic subset of the nightly suite a
//! fresh counters run (exact on any host and toolchain) finds what the nightly baseline recorded.
//! The full nightly suite is measured by the nightly workflow, not here (it takes minutes).

mod common;

use std::path::{Path, PathBuf};

use perfgate::results::Results;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The scenario files' names, identities and tags, read the way the harness reads them.
fn scenarios() -> Vec<perfgate::scenario::Scenario> {
    let root = root();
    let lock = perfgate::corpus::CorpusLock::load(&root.join("scenarios/corpora.toml")).unwrap();
    let rules = perfgate::subject::rule_ids();
    let context = perfgate::scenario::Context {
        repo_root: &root,
        lock: &lock,
        rules: &rules,
    };
    perfgate::scenario::load_dir(&root.join("scenarios"), &context).unwrap()
}

fn check(name: &str, tags: &[&str]) -> Results {
    let file = root().join(format!("baselines/ci/{name}.json"));
    let baseline = Results::load(&file).unwrap();
    let selection = baseline
        .selection
        .clone()
        .expect("a baseline records its selection");
    let mut wanted: Vec<&str> = selection.tags.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    let mut expected = tags.to_vec();
    expected.sort_unstable();
    assert_eq!(wanted, expected, "{name}.json: its selection");
    for scenario in scenarios() {
        if !scenario.tags.iter().any(|t| tags.contains(&t.as_str())) {
            continue;
        }
        let entry = baseline
            .scenarios
            .iter()
            .find(|s| s.name == scenario.name)
            .unwrap_or_else(|| {
                panic!(
                    "{name}.json lacks `{}`: the gate would fail on it as new",
                    scenario.name
                )
            });
        assert_eq!(
            entry.scenario_hash, scenario.identity,
            "{name}.json: `{}` was measured with another definition of the scenario; re-measure and accept it",
            scenario.name
        );
        assert!(
            entry.counters.is_some(),
            "{name}.json: `{}` has no counters",
            scenario.name
        );
        assert!(
            !scenario.engines.instructions || entry.instructions.is_some(),
            "{name}.json: `{}` has no instructions",
            scenario.name
        );
    }
    baseline
        .fingerprint
        .reproducible()
        .unwrap_or_else(|why| panic!("{name}.json cannot be re-measured: {why}"));
    baseline
}

#[test]
fn the_pr_baseline_covers_every_pr_scenario() {
    check("main", &["pr"]);
}

#[test]
fn the_nightly_baseline_covers_every_nightly_and_release_scenario() {
    check("nightly", &["nightly", "release"]);
}

#[test]
fn a_fresh_counters_run_of_the_synthetic_nightly_scenarios_finds_what_the_baseline_recorded() {
    let baseline = check("nightly", &["nightly", "release"]);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("r.json");
    let run = common::perfgate(
        &root(),
        &[
            "run",
            "--filter",
            "synthetic-1x*",
            "--engines",
            "counters",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fresh = Results::load(&file).unwrap();
    assert_eq!(fresh.scenarios.len(), 2);
    for scenario in &fresh.scenarios {
        let recorded = baseline
            .scenarios
            .iter()
            .find(|s| s.name == scenario.name)
            .unwrap();
        let (now, then) = (
            scenario.counters.as_ref().unwrap(),
            recorded.counters.as_ref().unwrap(),
        );
        assert_eq!(
            (
                now.files,
                now.lines,
                now.nodes,
                now.node_visits,
                now.findings,
                &now.findings_digest
            ),
            (
                then.files,
                then.lines,
                then.nodes,
                then.node_visits,
                then.findings,
                &then.findings_digest
            ),
            "`{}`: the core finds something else than nightly.json recorded; re-measure and accept the baseline with a reason",
            scenario.name
        );
    }
}
