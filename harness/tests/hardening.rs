//! Bad input as a hostile user gives it to the perfgate command line: never a silent pass, a panic
//! or a hang. FIFOs in place of files, standard output closed or full, results with values out of
//! range, temporaries of a killed `baseline accept`. (Scenario numbers: tests/scenarios.rs; the
//! corpora lock: tests/corpus.rs.)

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{clean, perfgate, text, tiny_repo};
use perfgate::synthetic::{results, scenario};

fn command(repo: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_perfgate"));
    command.arg("--repo").arg(repo).args(args);
    command
}

/// Runs `command` to its end, or kills it after 60 s and fails the test (a hang is the bug).
fn within_a_minute(mut command: Command) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("perfgate hung for a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[test]
fn a_fifo_as_a_scenario_or_settings_file_is_an_error_not_a_hang() {
    let repo = tiny_repo();
    let root = repo.path();
    mkfifo(&root.join("scenarios/x.toml"));
    let output = within_a_minute(command(root, &["scenarios"]));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: scenarios/x.toml:1:1: cannot read: not a regular file (a FIFO, device, socket or folder); perfgate reads only regular files\n"
    );
    std::fs::remove_file(root.join("scenarios/x.toml")).unwrap();
    std::fs::remove_file(root.join("perfgate.toml")).unwrap();
    mkfifo(&root.join("perfgate.toml"));
    let output = within_a_minute(command(
        root,
        &["run", "--filter", "tiny", "--engines", "counters"],
    ));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("perfgate.toml") && text(&output).contains("not a regular file"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_full_standard_output_is_an_error_naming_it() {
    let repo = tiny_repo();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = command(repo.path(), &["scenarios"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot write to standard output: No space left on device (os error 28)\n"
    );
}

/// Runs `args` with standard output a pipe whose reader is already gone (as `| head -0`).
fn with_closed_stdout(repo: &Path, args: &[&str]) -> std::process::Output {
    let mut child = command(repo, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_ends_the_output_quietly_with_the_verdicts_exit_code() {
    let repo = tiny_repo();
    let root = repo.path();
    let output = with_closed_stdout(root, &["scenarios"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    // A compare that finds a regression still exits 1, not 101 (a panic) nor 0.
    let old = root.join("old.json");
    let new = root.join("new.json");
    results(vec![scenario("alpha", 1.0, 2_000_000, 100_000)])
        .save(&old)
        .unwrap();
    results(vec![scenario("alpha", 1.0, 3_000_000, 100_000)])
        .save(&new)
        .unwrap();
    let args = [
        "compare",
        "--baseline",
        old.to_str().unwrap(),
        "--candidate",
        new.to_str().unwrap(),
    ];
    let piped = with_closed_stdout(root, &args);
    assert_eq!(piped.status.code(), Some(1), "{}", text(&piped));
    assert!(!text(&piped).contains("panicked"), "{}", text(&piped));
    // The same compare with its output read says why.
    let read = perfgate(root, &args);
    assert_eq!(read.status.code(), Some(1), "{}", text(&read));
    assert!(text(&read).contains("regressed"), "{}", text(&read));
}

#[test]
fn a_results_value_out_of_range_names_its_file_line_column_and_key() {
    let repo = tiny_repo();
    let root = repo.path();
    let path = root.join("bad.json");
    results(vec![scenario("alpha", 1.0, 2_000_000, 100_000)])
        .save(&path)
        .unwrap();
    let good = std::fs::read_to_string(&path).unwrap();
    let spoiled = good.replacen("\"Ir\": 2000000", "\"Ir\": -5", 1);
    assert_ne!(good, spoiled, "the synthetic results carry \"Ir\": 2000000");
    std::fs::write(&path, &spoiled).unwrap();
    let (line, column) = spoiled
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("-5").map(|c| (i + 1, c + 2)))
        .unwrap();
    let output = perfgate(
        root,
        &[
            "compare",
            "--baseline",
            path.to_str().unwrap(),
            "--candidate",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: {}:{line}:{column}: `scenarios[0].instructions.events.Ir`: invalid value: integer `-5`, expected u64\n",
            path.display()
        )
    );
}

#[test]
fn a_killed_accept_leaves_no_temporary_for_git_and_the_next_write_removes_it() {
    let repo = tiny_repo();
    let root = repo.path();
    let from = root.join("run.json");
    clean(results(vec![scenario("alpha", 1.0, 2_000_000, 100_000)]))
        .save(&from)
        .unwrap();
    // What a SIGKILL between create and rename leaves: a temporary of a process that is gone.
    let dir = root.join("baselines/ci");
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join(format!("{}4194305-Ab12Cd", perfgate::files::TEMP_PREFIX));
    std::fs::write(&stale, "half a baseline").unwrap();
    // git ignores it (the repository's .gitignore names the prefix).
    let ignore = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.gitignore");
    assert!(
        std::fs::read_to_string(ignore)
            .unwrap()
            .lines()
            .any(|line| line == format!("{}*", perfgate::files::TEMP_PREFIX))
    );
    let save = perfgate(
        root,
        &["baseline", "save", "main", "--from", from.to_str().unwrap()],
    );
    assert_eq!(save.status.code(), Some(0), "{}", text(&save));
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["main.json".to_owned()]);
}
