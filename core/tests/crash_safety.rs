//! Crash safety and concurrency of the result cache: `connascence check` killed with SIGKILL at
//! random moments (seeded, so a failure repeats) never leaves a cache that breaks or changes the
//! next run, and two checks sharing one cache folder at once agree with an uncached run.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::connascence;

const CHECK: &[&str] = &["check", "src", "--format", "json", "--exit-zero"];

fn project(files: usize) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    support::synthetic_project(files, 23)
}

fn findings(output: &Output) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    value["findings"].clone()
}

fn corrupt(output: &Output) -> u64 {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    value["stats"]["cache"]["corrupt"].as_u64().unwrap_or(0)
}

fn append(path: &Path, text: &str) {
    let mut source = std::fs::read_to_string(path).unwrap();
    source.push_str(text);
    std::fs::write(path, source).unwrap();
}

fn spawn_check(dir: &Path, output: bool) -> std::process::Child {
    let pipe = || {
        if output {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    Command::new(env!("CARGO_BIN_EXE_connascence"))
        .args(CHECK)
        .current_dir(dir)
        .stdout(pipe())
        .stderr(pipe())
        .spawn()
        .unwrap()
}

#[test]
fn a_check_killed_at_random_moments_never_breaks_or_changes_the_next_run() {
    const TRIALS: usize = 50;
    let (dir, files) = project(300);
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let cold = connascence(CHECK, dir.path());
    assert_eq!(cold.status.code(), Some(0));
    // Every trial changes some files, so that every run has entries to write.
    let edit = |trial: usize, rng: &mut ChaCha8Rng| {
        for _ in 0..30 {
            let file = &files[rng.random_range(0..files.len())];
            append(file, &format!("\nTRIAL_{trial} = {trial} * 37\n"));
        }
    };
    // How long such a run takes here, to spread the kills over a whole run (process start,
    // walk, lookups, analysis of the changed files, the write transaction): the fastest of three,
    // since one slow run on a busy machine would spread the kills past the end of most runs.
    let mut span_us = u64::MAX;
    for timing in 0..3 {
        edit(TRIALS + timing, &mut rng);
        let started = Instant::now();
        assert_eq!(connascence(CHECK, dir.path()).status.code(), Some(0));
        span_us = span_us.min(started.elapsed().as_micros() as u64);
    }
    let span_us = span_us.max(5_000);
    let mut killed = 0;
    for trial in 0..TRIALS {
        edit(trial, &mut rng);
        let mut child = spawn_check(dir.path(), false);
        std::thread::sleep(Duration::from_micros(rng.random_range(0..span_us)));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let after = connascence(CHECK, dir.path());
        assert_eq!(
            after.status.code(),
            Some(0),
            "trial {trial}: {}",
            String::from_utf8_lossy(&after.stderr)
        );
        let stderr = String::from_utf8_lossy(&after.stderr);
        assert!(!stderr.contains("panicked"), "trial {trial}: {stderr}");
        let uncached = connascence(&[CHECK, &["--no-cache"]].concat(), dir.path());
        assert_eq!(findings(&after), findings(&uncached), "trial {trial}");
        assert_eq!(corrupt(&after), 0, "trial {trial}: {stderr}");
    }
    eprintln!("{killed} of {TRIALS} runs were killed while running (spread over {span_us} µs)");
    // Most kills must land while the run is still going (else this tests nothing).
    assert!(
        killed >= TRIALS / 2,
        "only {killed} of {TRIALS} runs were still running when killed"
    );
}

#[test]
fn two_checks_at_once_on_one_cache_agree_with_an_uncached_run() {
    let (dir, files) = project(200);
    let documented = "is in use by another process (waited 3.0 s); this run does not use it";
    for round in 0..10 {
        if round % 2 == 1 {
            append(
                &files[round * 7],
                &format!("\nROUND_{round} = {round} * 41\n"),
            );
        }
        let reference = connascence(&[CHECK, &["--no-cache"]].concat(), dir.path());
        let (first, second) = (spawn_check(dir.path(), true), spawn_check(dir.path(), true));
        for output in [
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        ] {
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert_eq!(output.status.code(), Some(0), "round {round}: {stderr}");
            assert_eq!(findings(&output), findings(&reference), "round {round}");
            assert_eq!(corrupt(&output), 0, "round {round}");
            // Either it had the cache (after waiting its turn) or it says, once, that it ran
            // without it.
            let warnings = stderr.matches("warning:").count();
            assert!(
                warnings == 0 || (warnings == 1 && stderr.contains(documented)),
                "round {round}: {stderr}"
            );
        }
    }
}
