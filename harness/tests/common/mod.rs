//! Helpers shared by the end-to-end tests: a tiny repository and running perfgate in it.

#![allow(dead_code)]

pub mod pypi;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use perfgate::results::Results;

/// Runs `perfgate run ARGS --out FILE`, expects success; returns the loaded results and stdout.
pub fn run_ok(repo: &Path, args: &[&str], out: &Path) -> (Results, String) {
    let output = perfgate(
        repo,
        &[&["run"], args, &["--out", out.to_str().unwrap()]].concat(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (
        Results::load(out).unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// The workspace root (the folder above `harness/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every file under `dir` (recursively) whose extension is one of `extensions`, sorted.
pub fn files_under(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Standard output and standard error, in that order, as text.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A full commit id for synthetic results that claim a clean tree (re-measurable, so a baseline
/// may hold them).
pub const CLEAN_COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// `results` as measured at [`CLEAN_COMMIT`] with a clean work tree.
pub fn clean(mut results: Results) -> Results {
    results.fingerprint.git_commit = Some(CLEAN_COMMIT.into());
    results.fingerprint.git_dirty = Some(false);
    results
}

pub fn perfgate(repo: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(repo)
        .args(args)
        .output()
        .unwrap()
}

/// `perfgate compare --baseline BASE --candidate CAND --output OUT` in `repo`.
pub fn compare_into(repo: &Path, base: &Path, cand: &Path, out: &Path) -> Output {
    let path = |p: &Path| p.to_str().expect("a UTF-8 path").to_owned();
    let (base, cand, out) = (path(base), path(cand), path(out));
    perfgate(
        repo,
        &[
            "compare",
            "--baseline",
            &base,
            "--candidate",
            &cand,
            "--output",
            &out,
        ],
    )
}

pub fn tiny_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("scenarios")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::write(root.join("Cargo.lock"), "# empty\n").unwrap();
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/corpora.toml");
    std::fs::copy(lock, root.join("scenarios/corpora.toml")).unwrap();
    std::fs::write(
        root.join("scenarios/tiny.toml"),
        "name = \"tiny\"\ntags = [\"pr\"]\n[corpus]\nsynthetic = { files = 3, lines_per_file = 60, seed = 4, profile = \"dense\" }\n[workload]\nkind = \"analyze\"\n",
    )
    .unwrap();
    // The default set (no --tags, no --filter): both scenarios.
    std::fs::write(
        root.join("perfgate.toml"),
        "[run]\ndefault_tags = [\"pr\", \"extra\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("code")).unwrap();
    std::fs::write(root.join("code/a.py"), "import time\ntime.sleep(1)\n").unwrap();
    std::fs::write(
        root.join("scenarios/path.toml"),
        "name = \"path\"\ntags = [\"extra\"]\n[corpus]\npath = \"code\"\n[workload]\nkind = \"cache-warm\"\n",
    )
    .unwrap();
    dir
}

/// [`perfgate`] with extra environment variables.
pub fn perfgate_env(repo: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(repo)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// Runs git in `repo` (as a fixed test user), expects success; returns trimmed stdout.
pub fn git(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=perfgate", "-c", "user.email=perfgate@test"])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A git repository with two commits: `c0` without a core, `c1` this workspace's layout (root
/// manifest with the core as its only member, the lock, the core's sources, the corpora lock) and
/// one scenario `scenarios/tiny.toml` with the text `tiny`. Returns it with both commits.
pub fn core_repo(tiny: &str) -> (tempfile::TempDir, String, String) {
    core_repo_with(tiny, |manifest| manifest)
}

/// [`core_repo`] whose release profile compiles without optimisation: each side
/// build of the current harness against one of its commits then takes seconds instead of minutes.
/// For the tests of the machinery (sides, worktrees, bisect), whose verdicts rest on a change of
/// thousands of instructions per node, not on what the optimiser does.
pub fn quick_core_repo(tiny: &str) -> (tempfile::TempDir, String, String) {
    core_repo_with(tiny, |manifest| {
        let quick = manifest.replace(
            "[profile.release]\n",
            "[profile.release]\nopt-level = 0\ncodegen-units = 256\n",
        );
        assert_ne!(
            quick, manifest,
            "the workspace manifest has no [profile.release]"
        );
        quick
    })
}

fn core_repo_with(
    tiny: &str,
    edit: impl Fn(String) -> String,
) -> (tempfile::TempDir, String, String) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(root.join(".gitignore"), "target/\nreports/\n").unwrap();
    std::fs::write(
        root.join("perfgate.toml"),
        "[run]\ndefault_tags = [\"pr\"]\n",
    )
    .unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "c0: no core yet"]);
    let c0 = git(root, &["rev-parse", "HEAD"]);
    let manifest = std::fs::read_to_string(workspace.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace("members = [\"core\", \"harness\"]", "members = [\"core\"]");
    assert!(manifest.contains("members = [\"core\"]"));
    std::fs::write(root.join("Cargo.toml"), edit(manifest)).unwrap();
    std::fs::copy(workspace.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    for part in ["src", "benches"] {
        copy_dir(
            &workspace.join("core").join(part),
            &root.join("core").join(part),
        );
    }
    for file in ["Cargo.toml", "build.rs"] {
        std::fs::copy(
            workspace.join("core").join(file),
            root.join("core").join(file),
        )
        .unwrap();
    }
    std::fs::create_dir_all(root.join("scenarios")).unwrap();
    std::fs::copy(
        workspace.join("scenarios/corpora.toml"),
        root.join("scenarios/corpora.toml"),
    )
    .unwrap();
    std::fs::write(root.join("scenarios/tiny.toml"), tiny).unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "c1: the core"]);
    let c1 = git(root, &["rev-parse", "HEAD"]);
    (dir, c0, c1)
}

/// Checks that the part of a docs page between `<!-- {name}: begin -->` and `<!-- {name}: end -->`
/// holds `measured` (after a one-line header naming how it was made), or rewrites it when
/// `PERFGATE_UPDATE_DOCS` is set: tables of measurements in the docs are written by the test that
/// measures them, never typed by hand. `page` is relative to the repository root; `command`
/// reproduces the measurement.
pub fn documented(page: &str, name: &str, measured: &str, command: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root.join(page);
    let text = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (
        format!("<!-- {name}: begin -->"),
        format!("<!-- {name}: end -->"),
    );
    let (Some(from), Some(to)) = (text.find(&begin), text.find(&end)) else {
        panic!("{page} lacks the markers {begin} … {end}");
    };
    let body = &text[from + begin.len()..to];
    let documented = body
        .split_once("\n\n")
        .map_or("", |(_, tables)| tables)
        .trim();
    if std::env::var_os("PERFGATE_UPDATE_DOCS").is_none() {
        assert_eq!(
            documented,
            measured.trim(),
            "{page} is stale: run PERFGATE_UPDATE_DOCS=1 {command}"
        );
        return;
    }
    let mut commit = git(&root, &["rev-parse", "--short=12", "HEAD"])
        .trim()
        .to_owned();
    if !git(&root, &["status", "--porcelain"]).trim().is_empty() {
        commit.push_str(" with uncommitted changes");
    }
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .unwrap();
    let host = perfgate::fingerprint::collect(&root);
    let header = format!(
        "Written by `PERFGATE_UPDATE_DOCS=1 {command}` on {} (commit {}), {} with {} cores; seeded, so any machine reproduces these counts.",
        String::from_utf8_lossy(&date.stdout).trim(),
        commit,
        host.cpu_model.as_deref().unwrap_or("an unknown CPU"),
        host.cores,
    );
    let new = format!(
        "{}{begin}\n{header}\n\n{}\n{}",
        &text[..from],
        measured.trim(),
        &text[to..]
    );
    let temporary = path.with_extension("md.tmp");
    std::fs::write(&temporary, new).unwrap();
    std::fs::rename(&temporary, &path).unwrap();
}
