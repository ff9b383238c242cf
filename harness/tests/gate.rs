//! `perfgate gate` end to end on a tiny repository: no baseline is an error, a baseline of the same
//! build passes, a baseline that used less memory makes the gate fail, with every export written.

mod common;

use common::{perfgate, tiny_repo};
use perfgate::results::Results;

const ENGINES: &str = "counters,allocations";

#[test]
fn the_gate_passes_against_its_own_baseline_and_fails_on_a_regression() {
    let repo = tiny_repo();
    let root = repo.path();
    let gate = || perfgate(root, &["gate", "--filter", "tiny", "--engines", ENGINES]);
    let missing = gate();
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        format!(
            "error: no baseline `main` in {} (save one with `perfgate baseline save main`)\n",
            root.join("baselines/ci").display()
        )
    );
    let run = perfgate(
        root,
        &[
            "run",
            "--filter",
            "tiny",
            "--engines",
            ENGINES,
            "--out",
            "r.json",
        ],
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let save = perfgate(
        root,
        &[
            "baseline",
            "save",
            "main",
            "--from",
            "r.json",
            "--allow-dirty",
        ],
    );
    assert_eq!(save.status.code(), Some(0));
    let pass = gate();
    let stdout = String::from_utf8_lossy(&pass.stdout).into_owned();
    assert_eq!(pass.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.ends_with("gate: PASS against main — 3 unchanged\n"),
        "{stdout}"
    );
    for file in [
        "perfgate.txt",
        "perfgate.md",
        "perfgate.junit.xml",
        "perfgate.json",
        "perfgate.bmf.json",
    ] {
        assert!(
            root.join("target/perfgate/gate").join(file).is_file(),
            "{file}"
        );
    }
    // A baseline that allocated 10 % less: the candidate regressed.
    let file = root.join("baselines/ci/main.json");
    let mut baseline = Results::load(&file).unwrap();
    let heap = baseline.scenarios[0].heap.as_mut().unwrap();
    heap.total_bytes = heap.total_bytes * 9 / 10;
    baseline.save(&file).unwrap();
    let fail = gate();
    let stdout = String::from_utf8_lossy(&fail.stdout).into_owned();
    assert_eq!(fail.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.ends_with("gate: FAIL (regression) against main — 1 regressed, 2 unchanged\n"),
        "{stdout}"
    );
}

#[test]
fn a_comment_keeps_a_scenario_compared_a_lost_tag_is_missing_and_a_narrower_filter_is_not_run() {
    let repo = tiny_repo();
    let root = repo.path();
    // The default selection (perfgate.toml: pr and extra), counters only: quick.
    let run = perfgate(root, &["run", "--engines", "counters", "--out", "r.json"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let save = perfgate(
        root,
        &[
            "baseline",
            "save",
            "main",
            "--from",
            "r.json",
            "--allow-dirty",
        ],
    );
    assert_eq!(save.status.code(), Some(0));
    let gate = |extra: &[&str]| {
        perfgate(
            root,
            &[
                &["gate", "--engines", "counters", "--format", "table"],
                extra,
            ]
            .concat(),
        )
    };
    // Counters only: nothing the gate could compare is an error, never a pass.
    let nothing = gate(&[]);
    assert_eq!(nothing.status.code(), Some(2));
    // A comment and a new description: the same workload, compared as before.
    let file = root.join("scenarios/tiny.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("# tuned later\ndescription = \"edited\"\n{text}"),
    )
    .unwrap();
    let run = perfgate(root, &["run", "--engines", "counters", "--out", "c.json"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let compared = perfgate(
        root,
        &[
            "compare",
            "--baseline",
            "main",
            "--candidate",
            "c.json",
            "--format",
            "table",
        ],
    );
    let stdout = String::from_utf8_lossy(&compared.stdout).into_owned();
    assert!(!stdout.contains("changed scenario"), "{stdout}");
    assert!(!stdout.contains("counters that changed"), "{stdout}");
    // A narrower filter: the other baseline scenario is not run (listed, not failing).
    let narrow = gate(&["--filter", "tiny"]);
    let stdout = String::from_utf8_lossy(&narrow.stdout).into_owned();
    assert!(
        stdout.contains("not run (outside this run's selection): path\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("missing"), "{stdout}");
    // The pr tag removed from a baseline scenario: missing, exit 1, with the reason.
    std::fs::write(
        &file,
        text.replace("tags = [\"pr\"]", "tags = [\"nightly\"]"),
    )
    .unwrap();
    let lost = gate(&[]);
    let stdout = String::from_utf8_lossy(&lost.stdout).into_owned();
    assert_eq!(lost.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("note: missing `tiny`: scenarios/tiny.toml no longer carries the baseline's tags (pr, extra); re-accept the baseline without it, with a reason\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing from the candidate: tiny\n"),
        "{stdout}"
    );
}

#[test]
fn a_selected_scenario_without_a_baseline_fails_the_gate_unless_allowed() {
    let repo = tiny_repo();
    let root = repo.path();
    let engines = ENGINES;
    let run = perfgate(
        root,
        &[
            "run",
            "--tags",
            "pr",
            "--engines",
            engines,
            "--out",
            "r.json",
        ],
    );
    assert_eq!(run.status.code(), Some(0));
    let save = perfgate(
        root,
        &[
            "baseline",
            "save",
            "main",
            "--from",
            "r.json",
            "--allow-dirty",
        ],
    );
    assert_eq!(save.status.code(), Some(0));
    // `path` (tag `extra`) has no baseline.
    let gate = |extra: &[&str]| {
        let mut args = vec!["gate", "--tags", "pr,extra", "--engines", engines];
        args.extend_from_slice(extra);
        perfgate(root, &args)
    };
    let fail = gate(&[]);
    let stdout = String::from_utf8_lossy(&fail.stdout).into_owned();
    assert_eq!(fail.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("new, no baseline (fails the gate; --allow-new accepts it): path\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "note: 1 selected scenario(s) have no baseline and are gated by nothing: path. To add them: \
             `cargo run --release -p perfgate -- run --tags pr,extra --engines allocations,counters --out target/perfgate/main-with-new.json` on a clean commit, \
             then `cargo run --release -p perfgate -- baseline accept main --profile ci --from target/perfgate/main-with-new.json --reason 'add path'` (or pass --allow-new)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "gate: FAIL (no baseline for 1 selected scenario(s)) against main — 3 unchanged\n"
        ),
        "{stdout}"
    );
    let pass = gate(&["--allow-new"]);
    let stdout = String::from_utf8_lossy(&pass.stdout).into_owned();
    assert_eq!(pass.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("note: no baseline (allowed by --allow-new, gated by nothing): path\n"),
        "{stdout}"
    );
}
