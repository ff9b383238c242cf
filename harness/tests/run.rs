//! `perfgate run` end to end on a tiny repository: a results file with the fingerprint and exact
//! counters, failed scenarios recorded (never dropped) with exit 2, unknown engines refused, and a
//! slow set-up that keeps speaking in a log and is timed apart from the scenario.

use std::process::Command;

use perfgate::results::{Results, Status};

mod common;

use common::{perfgate, run_ok, tiny_repo};

#[test]
fn a_run_writes_a_results_file_with_fingerprint_and_exact_counters() {
    let repo = tiny_repo();
    let out = repo.path().join("out/results.json");
    let (results, summary) = run_ok(repo.path(), &["--engines", "counters"], &out);
    assert_eq!(results.schema_version, 2);
    assert_eq!(
        results.fingerprint.cores,
        std::thread::available_parallelism().unwrap().get()
    );
    assert!(
        results
            .fingerprint
            .rustc
            .as_deref()
            .unwrap_or("")
            .starts_with("rustc ")
    );
    assert_eq!(results.fingerprint.git_commit, None, "not a git repository");
    let names: Vec<&str> = results.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["path", "tiny"]);
    let path = &results.scenarios[0];
    assert_eq!(path.status, Status::Ok);
    assert_eq!(path.corpus_id, "path:code");
    let counters = path.counters.as_ref().unwrap();
    assert_eq!(
        (counters.files, counters.lines, counters.findings),
        (1, 2, 1)
    );
    assert_eq!(
        (counters.cache_hits, counters.cache_misses),
        (Some(1), Some(0))
    );
    assert_eq!(counters.findings_by_rule.get("timing"), Some(&1));
    let tiny = &results.scenarios[1];
    assert_eq!(tiny.corpus_id, "synthetic:3x60@4/dense");
    assert_eq!(tiny.counters.as_ref().unwrap().files, 3);
    // Round trip.
    let text = serde_json::to_string(&results).unwrap();
    assert_eq!(serde_json::from_str::<Results>(&text).unwrap(), results);
    assert!(summary.starts_with("scenario "), "{summary}");
}

#[test]
fn a_panicking_workload_is_a_failed_entry_and_exit_2() {
    let repo = tiny_repo();
    let out = repo.path().join("results.json");
    let output = Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(repo.path())
        .args([
            "run",
            "--engines",
            "counters",
            "--out",
            out.to_str().unwrap(),
        ])
        .env(perfgate::run::INJECT_PANIC, "tiny")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: some scenarios failed; they are recorded as failed in the results"),
        "{stderr}"
    );
    let results = Results::load(&out).unwrap();
    assert_eq!(results.scenarios.len(), 2);
    assert_eq!(results.scenarios[0].status, Status::Ok);
    assert_eq!(
        results.scenarios[1].status,
        Status::Failed {
            reason: "the workload panicked: injected panic (PERFGATE_INJECT_PANIC)".into()
        }
    );
}

#[test]
fn a_slow_set_up_step_speaks_at_every_interval_in_a_log_and_is_timed_apart() {
    let repo = tiny_repo();
    let out = repo.path().join("results.json");
    // 2.5 s of fake set-up, a line at least every 250 ms (10 s in real use).
    let output = common::perfgate_env(
        repo.path(),
        &[
            "run",
            "--engines",
            "counters",
            "--filter",
            "tiny",
            "--out",
            out.to_str().unwrap(),
        ],
        &[
            (perfgate::progress::INJECT_SLOW_SETUP, "2500"),
            (perfgate::progress::EVERY_ENV, "250"),
        ],
    );
    let stderr = common::stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let step = "an injected slow set-up step (PERFGATE_INJECT_SLOW_SETUP_MS)";
    assert!(
        stderr.contains(&format!("perfgate: {step} …\n")),
        "{stderr}"
    );
    let still = stderr
        .lines()
        .filter(|line| line.starts_with(&format!("perfgate: … still {step} (")))
        .count();
    // One line per 250 ms over about 2.25 s; a loaded machine may lose a few.
    assert!((4..=10).contains(&still), "{still} lines:\n{stderr}");
    assert!(
        stderr.contains(&format!("perfgate: {step}: done in ")),
        "{stderr}"
    );
    // The measuring step stays quiet while set-up speaks.
    assert!(!stderr.contains("still measuring"), "{stderr}");
    let line = stderr
        .lines()
        .find(|line| line.starts_with("tiny "))
        .unwrap_or_else(|| panic!("no scenario line in:\n{stderr}"));
    assert!(
        line.ends_with(" s set-up: builds, installs, downloads)"),
        "{line}"
    );
}

#[test]
fn unknown_engines_are_usage_errors() {
    let repo = tiny_repo();
    let unknown = perfgate(repo.path(), &["run", "--engines", "counters,speed"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr),
        "error: unknown engine `speed`; available: time, instructions, allocations, counters\n"
    );
}

#[test]
fn filters_and_tags_select_scenarios() {
    let repo = tiny_repo();
    let out = repo.path().join("r.json");
    let output = perfgate(
        repo.path(),
        &[
            "run",
            "--engines",
            "counters",
            "--tags",
            "pr",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(Results::load(&out).unwrap().scenarios.len(), 1);
    let none = perfgate(
        repo.path(),
        &["run", "--engines", "counters", "--filter", "nothing*"],
    );
    assert_eq!(none.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&none.stderr),
        "error: no scenario matches --filter nothing*; scenarios: path, tiny; tags: extra, pr (`perfgate scenarios` lists them)\n"
    );
}

#[test]
fn an_old_schema_or_broken_results_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    std::fs::write(&old, "{\"schema_version\": 0, \"scenarios\": []}").unwrap();
    assert_eq!(
        Results::load(&old).unwrap_err().to_string(),
        format!(
            "{} has schema version 0; this perfgate reads versions 1 to 2 (re-run it, or re-save the baseline with `perfgate baseline accept`)",
            old.display()
        )
    );
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"schema_version\": 1, \"scen").unwrap();
    assert!(
        Results::load(&broken)
            .unwrap_err()
            .to_string()
            .starts_with(&format!(
                "{} is not a perfgate results file: ",
                broken.display()
            ))
    );
}

#[test]
fn the_time_engine_runs_each_round_in_its_own_process_and_keeps_every_sample() {
    let repo = tiny_repo();
    std::fs::write(
        repo.path().join("scenarios/timed.toml"),
        "name = \"timed\"\n[corpus]\nsynthetic = { files = 2, lines_per_file = 40, seed = 2 }\n[workload]\nkind = \"analyze\"\n\
         [engines]\ntime = { rounds = 2, samples = 10, warm_up_ms = 20, measurement_ms = 60 }\n",
    )
    .unwrap();
    std::fs::write(
        repo.path().join("scenarios/aggregated.toml"),
        "name = \"aggregated\"\n[corpus]\nsynthetic = { files = 4, lines_per_file = 60, seed = 3, profile = \"dense\" }\n[workload]\nkind = \"aggregate\"\n\
         [engines]\ntime = { rounds = 1, samples = 10, warm_up_ms = 20, measurement_ms = 60 }\n",
    )
    .unwrap();
    let out = repo.path().join("timed.json");
    let (results, _) = run_ok(
        repo.path(),
        &[
            "--filter",
            "{timed,aggregated}",
            "--engines",
            "time,counters",
        ],
        &out,
    );
    let timed = results
        .scenarios
        .iter()
        .find(|s| s.name == "timed")
        .unwrap();
    let time = timed.time.as_ref().unwrap();
    assert_eq!(time.rounds.len(), 2);
    for round in &time.rounds {
        assert_eq!(round.iters.len(), 10);
        assert_eq!(round.times_ns.len(), 10);
        assert!(round.iters.iter().all(|&iters| iters >= 1.0));
        assert!(round.median_ns > 0.0);
        let per_iteration: Vec<f64> = round
            .times_ns
            .iter()
            .zip(&round.iters)
            .map(|(t, i)| t / i)
            .collect();
        let recomputed = perfgate::stats::median(&per_iteration);
        // Stored with serde_json's float_roundtrip; a tolerance keeps the test about the median, not printing.
        assert!(
            (round.median_ns - recomputed).abs() <= recomputed * 1e-12,
            "{} vs {recomputed}",
            round.median_ns
        );
    }
    assert!(
        repo.path()
            .join("target/perfgate/criterion/timed/round-2/perfgate/timed/new/sample.json")
            .is_file()
    );
    let aggregated = results
        .scenarios
        .iter()
        .find(|s| s.name == "aggregated")
        .unwrap();
    assert_eq!(aggregated.time.as_ref().unwrap().rounds.len(), 1);
}

#[test]
fn medians_of_odd_and_even_counts() {
    use perfgate::stats::median;
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    assert!(median(&[]).is_nan());
}

#[test]
fn the_heap_engine_runs_the_workload_under_dhat_in_its_own_build_and_repeats_exactly() {
    let repo = tiny_repo();
    let run = |out: &str| {
        let args = ["--filter", "tiny", "--engines", "allocations"];
        run_ok(repo.path(), &args, &repo.path().join(out))
            .0
            .scenarios
            .remove(0)
    };
    let first = run("heap1.json");
    let heap = first.heap.unwrap();
    assert!(
        heap.total_blocks > 100 && heap.total_bytes > heap.max_bytes && heap.max_blocks > 0,
        "{heap:?}"
    );
    assert_eq!(
        first.heap_profile.as_deref(),
        Some("target/perfgate/heap/tiny/dhat-heap.json")
    );
    let profile: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("target/perfgate/heap/tiny/dhat-heap.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(profile["dhatFileVersion"], 2);
    // One thread, fixed hashers: the same binary and input allocate exactly the same.
    assert_eq!(run("heap2.json").heap, Some(heap));
}

#[test]
fn heap_run_counts_allocations_in_perfgate_dhat_only() {
    let dir = tiny_repo();
    let out = dir.path().join("target/heap-run");
    std::fs::create_dir_all(&out).unwrap();
    let heap_run = [
        "heap-run",
        "--scenario",
        "tiny",
        "--out",
        out.to_str().unwrap(),
    ];
    let plain = perfgate(dir.path(), &heap_run);
    assert_eq!(plain.status.code(), Some(2), "{}", common::text(&plain));
    assert_eq!(
        common::stderr(&plain),
        "error: this perfgate does not allocate through dhat; `perfgate run --engines allocations` builds perfgate-dhat, which does, and runs it\n"
    );
    assert!(!out.join("heap.json").exists());
    let dhat = Command::new(env!("CARGO_BIN_EXE_perfgate-dhat"))
        .arg("--repo")
        .arg(dir.path())
        .args(heap_run)
        .output()
        .unwrap();
    assert_eq!(dhat.status.code(), Some(0), "{}", common::text(&dhat));
    let data: perfgate::results::HeapData =
        serde_json::from_str(&std::fs::read_to_string(out.join("heap.json")).unwrap()).unwrap();
    assert!(data.total_blocks > 0 && data.max_bytes > 0, "{data:?}");
    assert!(out.join("dhat-heap.json").is_file());
}
