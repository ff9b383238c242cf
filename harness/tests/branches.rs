//! `perfgate compare-branches` end to end on a temporary git repository that holds a copy of this
//! workspace's layout (root manifest, lock, the core's sources, one tiny scenario; its release
//! profile unoptimised, so that each side builds in seconds): a commit that
//! predates the workload API is refused, a dirty work tree is refused, a commit that adds work to a
//! detector is reported as an instruction regression (exit 1, attributed to that detector), and a
//! commit compared with itself (an A/A comparison of one build) passes (exit 0); the release report
//! of the two commits has its headline, claims and trend sections; `bisect` over four commits names
//! the one that added the work. The current harness
//! is built against each commit's core in the shared build folder, so after the first run only the
//! cores and the harness recompile.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{git, quick_core_repo, text};

/// The anchor in the magic-literal detector the second commit adds work after.
const ANCHOR: &str = "    fn enter(&mut self, node: AnyNodeRef<'_>, cx: &mut FileContext<'_>) {\n";

/// Six commits: `c0` without a core, `c1` this workspace's core and a tiny scenario, `c2`, `c4` and
/// `c5` only edit a note, `c3` adds a loop to every node the magic-literal detector visits.
fn fixture() -> (tempfile::TempDir, Vec<String>) {
    let (dir, c0, c1) = quick_core_repo(
        "name = \"tiny\"\ntags = [\"pr\", \"release\"]\n[corpus]\nsynthetic = { files = 3, lines_per_file = 60, seed = 4, profile = \"dense\" }\n[workload]\nkind = \"analyze\"\nthreads = 1\n[engines]\ntime = { rounds = 3, samples = 10, warm_up_ms = 10, measurement_ms = 50 }\n",
    );
    let root = dir.path();
    let mut commits = vec![c0, c1];
    for n in 2..=5 {
        if n == 3 {
            let detector = root.join("core/src/detectors/magic_literal.rs");
            let source = std::fs::read_to_string(&detector).unwrap();
            assert!(source.contains(ANCHOR), "the anchor moved: update ANCHOR");
            let slower = source.replace(
                ANCHOR,
                &format!(
                    "{ANCHOR}        for i in 0..400u32 {{\n            std::hint::black_box(i);\n        }}\n"
                ),
            );
            std::fs::write(&detector, slower).unwrap();
        } else {
            std::fs::write(root.join("NOTES.md"), format!("note {n}\n")).unwrap();
            git(root, &["add", "NOTES.md"]);
        }
        git(root, &["commit", "--quiet", "-am", &format!("c{n}")]);
        commits.push(git(root, &["rev-parse", "HEAD"]));
    }
    (dir, commits)
}

fn compare(root: &Path, base: &str, head: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(root)
        .args(["compare-branches", base, head])
        .args(extra)
        .output()
        .unwrap()
}

fn no_worktrees_left(root: &Path) {
    let left: Vec<_> = std::fs::read_dir(root.join("target/perfgate/worktrees"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(git(root, &["worktree", "list"]).lines().count(), 1);
}

#[test]
fn an_added_loop_in_a_detector_is_an_instruction_regression_found_by_bisect_too() {
    let (dir, commits) = fixture();
    let (c0, c1, c3) = (&commits[0], &commits[1], &commits[3]);
    let root = dir.path();
    let engines = ["--engines", "instructions,counters"];

    let old = compare(root, c0, c3, &engines);
    assert_eq!(old.status.code(), Some(2), "{}", text(&old));
    assert_eq!(
        String::from_utf8_lossy(&old.stderr),
        format!(
            "error: {c0} ({}) predates the stable workload API: its core has no core/src/workload.rs, so the current harness cannot be built against it; compare commits that have it\n",
            &c0[..12]
        )
    );
    no_worktrees_left(root);

    std::fs::write(root.join("notes.txt"), "draft").unwrap();
    let dirty = compare(root, c1, c3, &engines);
    assert_eq!(dirty.status.code(), Some(2), "{}", text(&dirty));
    assert_eq!(
        String::from_utf8_lossy(&dirty.stderr),
        format!(
            "error: the work tree of {} has uncommitted changes (?? notes.txt); commit or stash them, or pass --allow-dirty\n",
            root.display()
        )
    );
    std::fs::remove_file(root.join("notes.txt")).unwrap();

    let regressed = compare(root, c1, c3, &engines);
    let output = text(&regressed);
    assert_eq!(regressed.status.code(), Some(1), "{output}");
    let row = |output: &str, metric: &str| {
        output
            .lines()
            .find(|line| line.starts_with("tiny ") && line.contains(&format!(" {metric} ")))
            .unwrap_or_else(|| panic!("no {metric} row in {output}"))
            .to_owned()
    };
    assert!(
        row(&output, "instructions").contains("regressed"),
        "{output}"
    );
    let label = format!("compare-{c1}-{c3}");
    let report =
        std::fs::read_to_string(root.join("reports").join(&label).join("index.html")).unwrap();
    // The attribution names the detector the loop was added to.
    assert!(
        report.contains("magic_literal"),
        "no attribution in the report"
    );
    let summary =
        std::fs::read_to_string(root.join("reports").join(&label).join("summary.md")).unwrap();
    assert!(summary.contains("regressed"), "{summary}");
    no_worktrees_left(root);

    // The release report of c1 → c3 (both builds up to date), with a history of three runs in
    // that range and one after it.
    let fingerprint = perfgate::fingerprint::collect(root);
    let host = perfgate::history::host_id(&fingerprint);
    let history = root.join("target/history.jsonl");
    let mut lines = String::new();
    for (n, ir) in [(1, 1.0e6), (2, 1.0e6), (3, 1.2e6), (5, 1.2e6)] {
        lines.push_str(&format!(
            "{{\"schema_version\":1,\"timestamp\":{n},\"commit\":\"{}\",\"dirty\":false,\"host\":\"{host}\",\"host_label\":\"here\",\"profile\":\"ci\",\"baseline\":\"main\",\"exit_code\":0,\"verdicts\":{{}},\"scenarios\":{{\"tiny\":{{\"instructions\":{ir}}}}}}}\n",
            commits[n]
        ));
    }
    std::fs::write(&history, lines).unwrap();
    let release = Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(root)
        .args(["release-report", "--from", c1, "--to", c3])
        .args(["--engines", "instructions,counters", "--history"])
        .arg(&history)
        .output()
        .unwrap();
    let output = text(&release);
    assert_eq!(release.status.code(), Some(1), "{output}");
    assert!(output.contains("history: 3 run(s) of"), "{output}");
    let report = std::fs::read_to_string(
        root.join("reports")
            .join(format!("release-{c1}-{c3}"))
            .join("index.html"),
    )
    .unwrap();
    for part in [
        "<h2>Release headline</h2>",
        "<h2>What the replaced system claimed, measured</h2>",
        "<h2>Trends</h2>\n<p>3 runs in the history on this host",
    ] {
        assert!(report.contains(part), "{part}");
    }
    no_worktrees_left(root);

    // One commit against itself, with interleaved time rounds: nothing moves. (Three rounds a side
    // cannot give a wall-time verdict — the exact one-sided p of 3 against 3 is at least 1/20, not
    // below α = 0.05 — so two builds' layout differences cannot make this flaky.)
    let same = compare(
        root,
        c3,
        c3,
        &["--engines", "instructions,counters,time", "--rounds", "3"],
    );
    let output = text(&same);
    assert_eq!(same.status.code(), Some(0), "{output}");
    assert!(
        row(&output, "instructions").contains("unchanged"),
        "{output}"
    );
    for pair in ["time round 1/3 of", "time round 3/3 of"] {
        assert_eq!(output.matches(pair).count(), 2, "{output}");
    }
    let report = std::fs::read_to_string(
        root.join("reports")
            .join(format!("compare-{c3}-{c3}"))
            .join("index.html"),
    )
    .unwrap();
    assert!(report.contains("Order effect of the interleaved rounds"));
    no_worktrees_left(root);

    // Bisect over the four commits after c1: GOOD and BAD, then two steps (c3, c2); c1 and c3 are
    // up to date from the comparisons above (same worktree path, files dated by the commit).
    let bisect = Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(root)
        .args(["bisect", c1, &commits[5], "--scenario", "tiny"])
        .output()
        .unwrap();
    let output = text(&bisect);
    assert_eq!(bisect.status.code(), Some(0), "{output}");
    let stdout = String::from_utf8_lossy(&bisect.stdout).into_owned();
    let measured: Vec<&str> = stdout
        .lines()
        .skip(1)
        .take(4)
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    let short = |n: usize| &commits[n][..12];
    assert_eq!(
        measured,
        [short(1), short(5), short(3), short(2)],
        "{output}"
    );
    assert!(
        output.contains(&format!("first commit beyond 1 %: {} c3 (+", commits[3])),
        "{output}"
    );
    no_worktrees_left(root);
}
