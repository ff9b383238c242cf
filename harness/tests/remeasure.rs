//! The gate on "another machine", end to end in a temporary git repository holding this workspace's
//! core: a baseline whose CPU differs still gates instructions (and the `canary` core fails it,
//! naming `canary_regression`); a baseline whose rustc differs is re-measured from its commit with
//! that commit's own Cargo.lock, compared, and the second gate takes the re-measure from the cache;
//! a damaged cache entry is measured again; a baseline whose commit does not exist fails closed by
//! name.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{core_repo, text};
use perfgate::results::Results;

const TINY: &str = "name = \"tiny\"\ntags = [\"pr\"]\n[corpus]\nsynthetic = { files = 3, lines_per_file = 60, seed = 4, profile = \"dense\" }\n[workload]\nkind = \"analyze\"\nthreads = 1\n[engines]\ntime = { rounds = 3, samples = 10, warm_up_ms = 10, measurement_ms = 50 }\n";

const ENGINES: &str = "instructions,counters";

fn gate(root: &Path, cache: &Path, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(root)
        .args(["gate", "--engines", ENGINES, "--format", "table"])
        .env("XDG_CACHE_HOME", cache)
        // The runner stays where it is for every perfgate run of this user.
        .env(perfgate::tools::TOOLS_VARIABLE, tools())
        .env_remove("PERFGATE_CORE_FEATURES")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// The user's tools folder as this test process sees it (before a test isolates XDG_CACHE_HOME).
fn tools() -> std::path::PathBuf {
    perfgate::tools::user_tools().expect("HOME is set")
}

fn verdict_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// Rewrites the committed baseline's fingerprint (as if measured elsewhere).
fn edit_baseline(root: &Path, edit: impl Fn(&mut Results)) {
    let file = root.join("baselines/ci/main.json");
    let mut baseline = Results::load(&file).unwrap();
    edit(&mut baseline);
    baseline.save(&file).unwrap();
}

#[test]
fn a_baseline_from_another_host_or_toolchain_still_gates_and_the_canary_fails_it() {
    let (dir, c0, c1) = core_repo(TINY);
    let root = dir.path();
    let cache = root.join("target/cache");
    let out = root.join("target/base.json");
    let run = common::perfgate(
        root,
        &["run", "--engines", ENGINES, "--out", out.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let save = common::perfgate(
        root,
        &["baseline", "save", "main", "--from", out.to_str().unwrap()],
    );
    assert_eq!(save.status.code(), Some(0), "{}", text(&save));
    let saved = Results::load(&root.join("baselines/ci/main.json")).unwrap();
    assert_eq!(saved.fingerprint.git_commit.as_deref(), Some(c1.as_str()));
    assert_eq!(
        saved.fingerprint.core_tree.as_deref(),
        Some(common::git(root, &["rev-parse", "HEAD:core"]).as_str())
    );
    assert_eq!(saved.selection.as_ref().unwrap().tags, ["pr"]);

    // Another CPU, same toolchain: compared across hosts, nothing re-measured.
    edit_baseline(root, |b| {
        b.fingerprint.cpu_model = Some("Another CPU".into());
        b.fingerprint.cpu_flags_hash = Some("0000000000000000".into());
    });
    let same = gate(root, &cache, &[]);
    let output = text(&same);
    assert_eq!(same.status.code(), Some(0), "{output}");
    assert_eq!(
        verdict_line(&same),
        "gate: PASS against main — 1 unchanged",
        "{output}"
    );
    assert!(output.contains("compared across hosts (CPU model and CPU flags differ)"));
    assert!(output.contains("note: CPU flags differ (0000000000000000 vs"));
    assert!(!output.contains("re-measuring the baseline"), "{output}");

    // The canary core: about 3 % more instructions in one function; the gate must fail and name it.
    let canary = gate(root, &cache, &[("PERFGATE_CORE_FEATURES", "canary")]);
    let output = text(&canary);
    assert_eq!(canary.status.code(), Some(1), "{output}");
    assert!(
        verdict_line(&canary).starts_with("gate: FAIL (regression) against main — 1 regressed"),
        "{output}"
    );
    assert!(output.contains("canary_regression"), "{output}");
    let row = output
        .lines()
        .find(|l| l.starts_with("tiny ") && l.contains(" instructions "))
        .unwrap();
    let change: f64 = row
        .split_whitespace()
        .find(|w| w.starts_with('+') && w.len() > 1 && w[1..].parse::<f64>().is_ok())
        .map(|w| w[1..].parse().unwrap())
        .unwrap_or_else(|| panic!("no change in {row}"));
    assert!(
        (2.0..=6.0).contains(&change),
        "the canary adds {change} %: {row}"
    );

    // Another rustc: the baseline's commit is re-measured here, with its own lock, and cached.
    edit_baseline(root, |b| {
        b.fingerprint.rustc = Some("rustc 1.0.0 (elsewhere)".into())
    });
    let first = gate(root, &cache, &[]);
    let output = text(&first);
    assert_eq!(first.status.code(), Some(0), "{output}");
    assert!(
        output.contains(&format!(
            "re-measuring the baseline's commit {} on this host (tiny)",
            &c1[..12]
        )),
        "{output}"
    );
    assert!(
        output.contains(&format!(
            "note: baseline: main ({}) re-measured on this host for tiny",
            &c1[..12]
        )),
        "{output}"
    );
    assert_eq!(
        verdict_line(&first),
        "gate: PASS against main — 1 unchanged"
    );
    let entries: Vec<_> = std::fs::read_dir(cache.join("perfgate/remeasured"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let second = gate(root, &cache, &[]);
    let output = text(&second);
    assert_eq!(second.status.code(), Some(0), "{output}");
    assert!(
        output.contains("all 1 scenario(s) from the cache"),
        "{output}"
    );
    assert!(!output.contains("building the baseline"), "{output}");

    // Wall time against the baseline's commit, in interleaved rounds of both builds on this host
    // (the stored baseline has none); Ir left out, on purpose. Three rounds a side give no
    // verdict but a compared row.
    let timed = Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(root)
        .args([
            "gate",
            "--engines",
            "time",
            "--rounds",
            "3",
            "--remeasure-time",
            "--allow-uncompared",
            "instructions",
            "--format",
            "table",
        ])
        .env("XDG_CACHE_HOME", &cache)
        .env(perfgate::tools::TOOLS_VARIABLE, tools())
        .env_remove("PERFGATE_CORE_FEATURES")
        .output()
        .unwrap();
    let output = text(&timed);
    assert_eq!(timed.status.code(), Some(0), "{output}");
    assert_eq!(output.matches("time round 3/3 of").count(), 2, "{output}");
    let row = output
        .lines()
        .find(|l| l.starts_with("tiny ") && l.contains(" time "))
        .unwrap_or_else(|| panic!("no time row: {output}"));
    assert!(!row.contains("no baseline"), "{row}");
    assert!(row.contains(" 3/3 "), "{row}");
    // The report's rounds chart shows the interleaved rounds of both sides the verdict used.
    let chart = std::fs::read_to_string(root.join("reports/gate/charts/rounds-tiny.svg")).unwrap();
    assert!(
        chart.contains("\nbaseline\n</text>") && chart.contains("\ncandidate\n</text>"),
        "{chart}"
    );

    // A damaged cache entry is said and measured again.
    std::fs::write(&entries[0], "{ not json").unwrap();
    let damaged = gate(root, &cache, &[]);
    let output = text(&damaged);
    assert_eq!(damaged.status.code(), Some(0), "{output}");
    assert!(
        output.contains("is not a re-measure cache entry"),
        "{output}"
    );

    // A baseline whose commit cannot be built into this harness (c0 has no core): exit 2, by name.
    edit_baseline(root, |b| b.fingerprint.git_commit = Some(c0.clone()));
    let unbuildable = gate(root, &cache, &[]);
    let output = text(&unbuildable);
    assert_eq!(unbuildable.status.code(), Some(2), "{output}");
    assert!(
        output.contains(&format!(
            "building the baseline's commit {c0} failed: its tree has no core/src/workload.rs (it predates the stable workload API the harness builds against)"
        )),
        "{output}"
    );

    // A baseline whose commit this clone does not have (and cannot fetch): exit 2, by name.
    let unknown = "f".repeat(40);
    edit_baseline(root, |b| b.fingerprint.git_commit = Some(unknown.clone()));
    let lost = gate(root, &cache, &[]);
    let output = text(&lost);
    assert_eq!(lost.status.code(), Some(2), "{output}");
    assert!(
        output.contains(&format!(
            "the baseline's commit {unknown} is not in this clone and `git fetch --depth=1 origin {unknown}` failed"
        )),
        "{output}"
    );
    assert!(
        output.contains("error: scenario `tiny`: instructions not compared: rustc differs"),
        "{output}"
    );
}

/// The commit the first committed baseline was measured at: a core from before the workload API's
/// version constant, which the current harness must still build (the re-measure and
/// compare-branches depend on it).
const OLD_CORE: &str = "3c55ab7";

#[test]
fn the_current_harness_still_builds_a_core_from_before_the_api_version_constant() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let Ok(commit) = perfgate::git::resolve(workspace, OLD_CORE) else {
        // Only a checkout without that history (an exported tarball, a shallow clone) gets here.
        eprintln!("skipped: {OLD_CORE} is not in this checkout's history");
        assert!(
            perfgate::git::git(workspace, &["rev-parse", "--is-shallow-repository"])
                .map_or(true, |shallow| shallow == "true"),
            "a full clone must have {OLD_CORE}"
        );
        return;
    };
    let tree = perfgate::git::Worktree::add(
        workspace,
        &workspace
            .join("target/perfgate/worktrees")
            .join(format!("{OLD_CORE}-api-test")),
        &commit,
    )
    .unwrap();
    let old = std::fs::read_to_string(tree.path().join("core/src/workload.rs")).unwrap();
    assert!(
        !old.contains("API_VERSION"),
        "{OLD_CORE} predates the constant"
    );
    assert_eq!(perfgate::sides::api_version(&old), 1);
    let side = perfgate::sides::Side::prepare_with_lock(
        workspace,
        tree.path(),
        &format!("{OLD_CORE}-api-test"),
        OLD_CORE,
        &commit,
        &tree.path().join("Cargo.lock"),
    )
    .unwrap();
    let built = side.build().unwrap();
    assert!(built.binary.is_file());
}
