//! Helpers shared by the end-to-end tests: a tiny repository and running perfgate in it.

#![allow(dead_code)]

use std::path::Path;
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

pub fn perfgate(repo: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(repo)
        .args(args)
        .output()
        .unwrap()
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
