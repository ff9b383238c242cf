//! Baselines and `perfgate compare` from the command line: save, list, show, accept with history;
//! bad baseline files refused by name; a save killed with SIGKILL leaves the old file whole; the
//! compare exports and exit codes.

mod common;

use std::path::Path;
use std::process::Command;

use common::{clean, compare_into, perfgate, stderr, tiny_repo};
use perfgate::results::Results;
use perfgate::synthetic::{results, scenario};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn write_results(path: &Path, time_factor: f64, ir: u64) {
    clean(results(vec![
        scenario("alpha", 1.0, 2_000_000, 100_000),
        scenario("beta", time_factor, ir, 100_000),
    ]))
    .save(path)
    .unwrap();
}

#[test]
fn save_list_show_and_accept_keep_a_history() {
    let repo = tiny_repo();
    let root = repo.path();
    let first = root.join("first.json");
    write_results(&first, 1.0, 1_000_000);
    // A run that cannot be re-made from its commit is no baseline without --allow-dirty.
    let dirty = root.join("dirty.json");
    let mut results = Results::load(&first).unwrap();
    results.fingerprint.dirty_paths = vec!["core/src/visit.rs".into()];
    results.save(&dirty).unwrap();
    let refused = perfgate(
        root,
        &[
            "baseline",
            "save",
            "main",
            "--from",
            dirty.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        stderr(&refused),
        format!(
            "error: {} cannot be a baseline: it was measured with uncommitted changes at 0123456789ab (core/src/visit.rs). A baseline must be re-measurable from its commit on another host; commit the changes and run again, or pass --allow-dirty (recorded: such a baseline is never re-measured)\n",
            dirty.display()
        )
    );
    assert!(!root.join("baselines/ci/main.json").exists());
    let save = perfgate(
        root,
        &[
            "baseline",
            "save",
            "main",
            "--from",
            first.to_str().unwrap(),
        ],
    );
    assert_eq!(save.status.code(), Some(0), "{}", stderr(&save));
    let file = root.join("baselines/ci/main.json");
    let saved = Results::load(&file).unwrap();
    assert_eq!(saved.scenarios.len(), 2);
    assert_eq!(saved.history.len(), 1);
    assert_eq!(saved.history[0].action, "save");
    assert_eq!(saved.history[0].reason, None);
    // accept needs a reason (clap: usage error) and an existing baseline.
    let no_reason = perfgate(root, &["baseline", "accept", "main", "--from", "x.json"]);
    assert_eq!(no_reason.status.code(), Some(2));
    let absent = perfgate(
        root,
        &[
            "baseline",
            "accept",
            "other",
            "--from",
            first.to_str().unwrap(),
            "--reason",
            "r",
        ],
    );
    assert_eq!(absent.status.code(), Some(2));
    assert_eq!(
        stderr(&absent),
        format!(
            "error: no baseline `other` to accept into ({}); use `perfgate baseline save`\n",
            root.join("baselines/ci/other.json").display()
        )
    );
    let second = root.join("second.json");
    write_results(&second, 1.0, 1_050_000);
    let accept = perfgate(
        root,
        &[
            "baseline",
            "accept",
            "main",
            "--from",
            second.to_str().unwrap(),
            "--reason",
            "beta does more work on purpose",
        ],
    );
    assert_eq!(accept.status.code(), Some(0), "{}", stderr(&accept));
    let accepted = Results::load(&file).unwrap();
    assert_eq!(accepted.history.len(), 2);
    assert_eq!(accepted.history[1].action, "accept");
    assert_eq!(
        accepted.history[1].reason.as_deref(),
        Some("beta does more work on purpose")
    );
    let list = perfgate(root, &["baseline", "list"]);
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(
        list.starts_with("main                   2 scenarios  commit 0123456789ab  accept by "),
        "{list}"
    );
    assert!(
        list.ends_with(": beta does more work on purpose\n"),
        "{list}"
    );
    let show = perfgate(root, &["baseline", "show", "main"]);
    let show = String::from_utf8_lossy(&show.stdout).into_owned();
    assert!(show.starts_with("baseline main ("), "{show}");
    assert!(show.contains("Test CPU (2 cores, kernel 6.1)"), "{show}");
    assert!(show.contains(" accept by "), "{show}");
    // Names are names, not paths.
    let bad = perfgate(
        root,
        &[
            "baseline",
            "save",
            "../x",
            "--from",
            first.to_str().unwrap(),
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        stderr(&bad),
        "error: invalid baseline name `../x`: expected letters, digits, `-`, `_` or `.` (not starting with `.`)\n"
    );
}

#[test]
fn unusable_baseline_files_are_refused_by_name_with_exit_2() {
    let repo = tiny_repo();
    let root = repo.path();
    let candidate = root.join("candidate.json");
    write_results(&candidate, 1.0, 1_000_000);
    let compare = |baseline: &str| {
        perfgate(
            root,
            &[
                "compare",
                "--baseline",
                baseline,
                "--candidate",
                candidate.to_str().unwrap(),
            ],
        )
    };
    let missing = compare("main");
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        stderr(&missing),
        format!(
            "error: no baseline `main` in {} (save one with `perfgate baseline save main`)\n",
            root.join("baselines/ci").display()
        )
    );
    let old = root.join("old.json");
    std::fs::write(&old, "{\"schema_version\": 0, \"scenarios\": []}").unwrap();
    let output = compare(old.to_str().unwrap());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: {} has schema version 0; this perfgate reads versions 1 to 2 (re-run it, or re-save the baseline with `perfgate baseline accept`)\n",
            old.display()
        )
    );
    let truncated = root.join("truncated.json");
    let text = std::fs::read_to_string(&candidate).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let output = compare(truncated.to_str().unwrap());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!(
            "error: {} is not a perfgate results file: EOF while parsing",
            truncated.display()
        )),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_save_killed_midway_leaves_the_previous_baseline_whole() {
    let repo = tiny_repo();
    let root = repo.path();
    // A large results file, so that saving takes long enough to be interrupted.
    let big = root.join("big.json");
    results(
        (0..4000)
            .map(|i| scenario(&format!("s{i}"), 1.0, 1_000_000 + i, 100_000))
            .collect(),
    )
    .save(&big)
    .unwrap();
    let small = root.join("small.json");
    write_results(&small, 1.0, 1_000_000);
    let save = perfgate(
        root,
        &[
            "baseline",
            "save",
            "main",
            "--from",
            small.to_str().unwrap(),
        ],
    );
    assert_eq!(save.status.code(), Some(0));
    let file = root.join("baselines/ci/main.json");
    let save_big = || {
        Command::new(env!("CARGO_BIN_EXE_perfgate"))
            .arg("--repo")
            .arg(root)
            .args(["baseline", "save", "main", "--from", big.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long a save takes here, to spread the kills over a whole save.
    let started = std::time::Instant::now();
    save_big().wait().unwrap();
    // (Four fifths of it: a save that finished before its kill tests nothing.)
    let span_us = (started.elapsed().as_micros() * 4 / 5).max(5_000) as u64;
    // 50 kills at seeded random moments (a failure repeats): the baseline always loads, old or new.
    let mut rng = ChaCha8Rng::seed_from_u64(50);
    let mut killed = 0;
    for trial in 0..50 {
        let mut child = save_big();
        let delay_us = rng.random_range(0..span_us);
        std::thread::sleep(std::time::Duration::from_micros(delay_us));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let loaded = Results::load(&file).unwrap_or_else(|error| {
            panic!("trial {trial}: after SIGKILL at {delay_us} µs the baseline is damaged: {error}")
        });
        assert!(matches!(loaded.scenarios.len(), 2 | 4000));
        // Every other trial starts again from the small baseline, so both outcomes stay possible.
        if trial % 2 == 0 {
            let again = perfgate(
                root,
                &[
                    "baseline",
                    "save",
                    "main",
                    "--from",
                    small.to_str().unwrap(),
                ],
            );
            assert_eq!(again.status.code(), Some(0));
        }
    }
    eprintln!("{killed} of 50 saves were killed while running (spread over {span_us} µs)");
    assert!(
        killed >= 17,
        "only {killed} of 50 saves were still running when killed"
    );
}

#[test]
fn compare_prints_verdicts_writes_every_export_and_exits_1_on_a_regression() {
    let repo = tiny_repo();
    let root = repo.path();
    let (base, cand) = (root.join("base.json"), root.join("cand.json"));
    write_results(&base, 1.0, 1_000_000);
    write_results(&cand, 1.10, 1_020_000);
    let out = root.join("exports");
    let output = compare_into(root, &base, &cand, &out);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        table.ends_with(&format!(
            "gate: FAIL (regression) against {} — 2 regressed, 8 unchanged\n",
            base.display()
        )),
        "{table}"
    );
    for file in [
        "perfgate.txt",
        "perfgate.md",
        "perfgate.junit.xml",
        "perfgate.json",
        "perfgate.bmf.json",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let junit = std::fs::read_to_string(out.join("perfgate.junit.xml")).unwrap();
    let junit = junit.replace(&base.display().to_string(), "BASE");
    insta::assert_snapshot!("compare_junit", junit);
    let markdown = std::fs::read_to_string(out.join("perfgate.md")).unwrap();
    insta::assert_snapshot!(
        "compare_markdown",
        markdown.replace(&base.display().to_string(), "BASE")
    );
    let bmf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("perfgate.bmf.json")).unwrap())
            .unwrap();
    assert_eq!(bmf["beta"]["instructions"]["value"], 1_020_000.0);
    assert_eq!(bmf["beta"]["latency"]["lower_value"], 99.0 * 1.10 * 1e6);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("perfgate.json")).unwrap()).unwrap();
    assert_eq!(json["exit_code"], 1);
    // GitHub's job summary gets the Markdown appended.
    let summary = root.join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(root)
        .args(["compare", "--baseline", base.to_str().unwrap()])
        .args(["--candidate", cand.to_str().unwrap(), "--format", "json"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let appended = std::fs::read_to_string(&summary).unwrap();
    assert!(
        appended.starts_with("earlier step\n### perfgate\n\n**gate: FAIL (regression)"),
        "{appended}"
    );
    // Only some formats.
    let output = perfgate(
        root,
        &[
            "compare",
            "--baseline",
            base.to_str().unwrap(),
            "--candidate",
            base.to_str().unwrap(),
            "--format",
            "markdown",
            "--format",
            "nonsense",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: unknown format `nonsense`; available: table, markdown, junit, json, bmf\n"
    );
}
