//! Fail-closed: every way the gate could pass without having measured exits 2 with a reason. The
//! comparison is checked on hand-made results (exact errors), the command end to end where the
//! path is in the command (selection, baseline, a crashed round, engines not asked for).

mod common;

use std::path::Path;

use common::{perfgate, stderr, tiny_repo};
use perfgate::compare::{CompareOptions, Comparison, compare};
use perfgate::results::Results;
use perfgate::synthetic::{results, scenario};

fn options() -> CompareOptions {
    perfgate::synthetic::options()
}

fn ok() -> perfgate::results::ScenarioResult {
    scenario("a", 1.0, 1_000_000, 100_000)
}

fn errors_of(baseline: &Results, candidate: &Results) -> (Vec<String>, u8) {
    let comparison: Comparison = compare(baseline, candidate, &options());
    let code = comparison.exit_code();
    (comparison.errors, code)
}

#[test]
fn an_engine_skipped_against_a_baseline_that_has_its_data_is_an_error() {
    for family in ["time", "instructions", "heap"] {
        let mut skipped = ok();
        match family {
            "time" => skipped.time = None,
            "instructions" => skipped.instructions = None,
            _ => skipped.heap = None,
        }
        let (errors, code) = errors_of(&results(vec![ok()]), &results(vec![skipped]));
        assert_eq!(
            errors,
            [format!(
                "scenario `a`: the baseline has {family} data but this run did not measure it (engine skipped or disabled)"
            )]
        );
        assert_eq!(code, 2);
    }
}

/// The library half of `--engines`: the families left out are dropped from the baseline and named;
/// the gate command then refuses them (exit 2) unless `--allow-uncompared` lists them (tested
/// below, with the exact message).
#[test]
fn restrict_to_engines_drops_and_names_the_families_left_out() {
    let mut baseline = results(vec![ok()]);
    let dropped = perfgate::gate::restrict_to_engines(
        &mut baseline,
        &[
            perfgate::engine::counters::ENGINE,
            perfgate::engine::instructions::ENGINE,
        ],
    );
    assert_eq!(dropped, ["time", "heap"]);
    let mut candidate = ok();
    candidate.time = None;
    candidate.heap = None;
    let (errors, code) = errors_of(&baseline, &results(vec![candidate]));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(code, 0);
}

#[test]
fn an_empty_baseline_is_an_error() {
    let (errors, code) = errors_of(&results(vec![]), &results(vec![ok()]));
    assert_eq!(
        errors,
        ["the baseline holds no scenarios: nothing to compare with"]
    );
    assert_eq!(code, 2);
}

#[test]
fn a_baseline_with_nothing_measured_comparably_is_an_error() {
    let mut bare = ok();
    bare.time = None;
    bare.instructions = None;
    bare.heap = None;
    let (errors, code) = errors_of(&results(vec![bare.clone()]), &results(vec![bare]));
    assert_eq!(
        errors,
        ["nothing was compared: no metric of the baseline was measured comparably by this run"]
    );
    assert_eq!(code, 2);
}

#[test]
fn ir_zero_is_an_error_on_either_side_and_in_a_new_scenario() {
    let zero = || scenario("a", 1.0, 0, 100_000);
    let (errors, code) = errors_of(&results(vec![zero()]), &results(vec![ok()]));
    assert_eq!(
        errors,
        ["scenario `a`: Ir == 0 is not a measurement (baseline)"]
    );
    assert_eq!(code, 2);
    let (errors, _) = errors_of(&results(vec![ok()]), &results(vec![zero()]));
    assert_eq!(
        errors,
        ["scenario `a`: Ir == 0 is not a measurement (this run)"]
    );
    let added = scenario("new", 1.0, 0, 100_000);
    let (errors, code) = errors_of(&results(vec![ok()]), &results(vec![ok(), added]));
    assert_eq!(
        errors,
        ["scenario `new`: Ir == 0 is not a measurement (this run)"]
    );
    assert_eq!(code, 2);
}

#[test]
fn zero_samples_too_few_rounds_and_non_positive_medians_are_errors() {
    let mut empty = ok();
    empty.time.as_mut().unwrap().rounds.clear();
    let (errors, code) = errors_of(&results(vec![empty.clone()]), &results(vec![ok()]));
    assert_eq!(
        errors,
        ["scenario `a`: the time engine recorded zero samples (baseline)"]
    );
    assert_eq!(code, 2);
    let (errors, _) = errors_of(&results(vec![ok()]), &results(vec![empty]));
    assert_eq!(
        errors,
        ["scenario `a`: the time engine recorded zero samples (this run)"]
    );

    let mut two = ok();
    two.time.as_mut().unwrap().rounds.truncate(2);
    let (errors, code) = errors_of(&results(vec![ok()]), &results(vec![two]));
    assert_eq!(
        errors,
        [
            "scenario `a`: 2 time round(s) (this run); a wall-time verdict needs at least 3 per side (`time = { rounds = … }` or `--rounds`)"
        ]
    );
    assert_eq!(code, 2);

    for bad in [0.0, -1.0, f64::NAN] {
        let mut broken = ok();
        broken.time.as_mut().unwrap().rounds[3].median_ns = bad;
        let (errors, code) = errors_of(&results(vec![ok()]), &results(vec![broken]));
        assert_eq!(
            errors,
            [format!(
                "scenario `a`: a time round median of {bad} ns is not a measurement (this run)"
            )]
        );
        assert_eq!(code, 2);
    }
}

#[test]
fn a_heap_profile_of_zero_blocks_is_an_error() {
    let mut none = ok();
    none.heap.as_mut().unwrap().total_blocks = 0;
    let (errors, code) = errors_of(&results(vec![ok()]), &results(vec![none]));
    assert_eq!(
        errors,
        ["scenario `a`: a heap profile of 0 blocks is not a measurement (this run)"]
    );
    assert_eq!(code, 2);
}

#[test]
fn a_round_without_criterion_samples_is_an_error_and_stale_output_is_removed_first() {
    // Criterion in test mode (or any run that benchmarks nothing) writes no `sample.json`.
    let home = tempfile::tempdir().unwrap();
    let error = perfgate::engine::time::read_round(home.path(), "tiny")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("no samples at "), "{error}");
    assert!(error.contains("perfgate/tiny/new/sample.json"), "{error}");
    // An earlier round's samples are removed before a measurement, so they cannot be read as its.
    let stale = home.path().join("perfgate/tiny/new");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(
        stale.join("sample.json"),
        r#"{"iters":[1.0],"times":[5.0]}"#,
    )
    .unwrap();
    perfgate::engine::remove_stale(home.path()).unwrap();
    assert!(!home.path().exists());
    assert!(perfgate::engine::time::read_round(home.path(), "tiny").is_err());
}

fn save_baseline(root: &Path, baseline: &Results) {
    let file = root.join("baselines/ci/main.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    baseline.save(&file).unwrap();
}

#[test]
fn the_gate_refuses_a_filter_matching_nothing_and_a_baseline_without_the_selected_scenarios() {
    let repo = tiny_repo();
    let root = repo.path();
    // A scenario that exists but that this run's filter leaves out ("not run").
    save_baseline(root, &results(vec![scenario("path", 1.0, 5, 5)]));
    let output = perfgate(root, &["gate", "--filter", "nothing-*"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("error: no scenario matches --filter nothing-*; scenarios: path, tiny; tags: extra, pr (`perfgate scenarios` lists them)"),
        "{}",
        stderr(&output)
    );
    let output = perfgate(root, &["gate", "--filter", "tiny", "--engines", "counters"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "error: the baseline `main` has none of the 1 selected scenario(s) (tiny): nothing to gate against"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_gate_fails_closed_on_a_crashed_round_and_on_counters_alone() {
    let repo = tiny_repo();
    let root = repo.path();
    save_baseline(root, &results(vec![scenario("tiny", 1.0, 5, 5)]));
    // Only counters measured against a baseline of time, Ir and heap: leaving those out is leaving
    // gated metrics uncompared, refused before anything runs, exit 2 …
    let output = perfgate(root, &["gate", "--filter", "tiny", "--engines", "counters"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: the baseline `main` has time, instructions, heap data that --engines leaves out: a gated metric would go uncompared; add the engine(s) to --engines or pass --allow-uncompared time,instructions,heap\n"
    );
    // … and allowed, nothing is gated at all: still exit 2.
    let output = perfgate(
        root,
        &[
            "gate",
            "--filter",
            "tiny",
            "--engines",
            "counters",
            "--allow-uncompared",
            "time,instructions,heap",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stdout}{}", stderr(&output));
    assert!(
        stdout.contains("nothing was compared"),
        "{stdout}{}",
        stderr(&output)
    );
    // A workload that crashes: the scenario failed, exit 2.
    let output = common::perfgate_env(
        root,
        &[
            "gate",
            "--filter",
            "tiny",
            "--engines",
            "counters",
            "--allow-uncompared",
            "time,instructions,heap",
        ],
        &[(perfgate::run::INJECT_PANIC, "tiny")],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stdout}{}", stderr(&output));
    assert!(
        stdout.contains("scenario `tiny` failed: the workload panicked"),
        "{stdout}"
    );
}

#[test]
fn options_that_would_do_nothing_are_not_offered() {
    // Both builds of compare-branches and release-report run on this host with the same engines:
    // `--allow-foreign` and `--allow-uncompared` exist only where a stored baseline is compared.
    let repo = tiny_repo();
    for (command, flag) in [
        (&["compare-branches", "HEAD", "HEAD"][..], "--allow-foreign"),
        (&["release-report", "--from", "HEAD"], "--allow-uncompared"),
    ] {
        let output = perfgate(repo.path(), &[command, &[flag, "heap"]].concat());
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!("error: unexpected argument '{flag}'")),
            "{stderr}"
        );
    }
}
