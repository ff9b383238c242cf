//! The command line fails closed: output that cannot be written is an error (exit 2) while a closed
//! pipe ends quietly with the check's own code; a FIFO as configuration is refused, not waited on;
//! `--threads` is bounded; a bad `exclude` glob is shown at its place; a file name cannot forge an
//! output line; a path named on the command line that does not exist or cannot be read is an error.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn connascence(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connascence"));
    command.args(args).current_dir(dir);
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    connascence(dir, args).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A folder with one file of a medium and a low finding.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.py"),
        "def f(a, b, c, d, e, f):\n    return 42\n",
    )
    .unwrap();
    dir
}

/// Runs with standard output on `/dev/full`: every write fails with ENOSPC.
fn to_dev_full(dir: &Path, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    connascence(dir, args)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Runs with standard output a pipe whose reading end is closed at once: writes fail with EPIPE.
fn to_closed_pipe(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = connascence(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_full_standard_output_is_an_error_with_exit_2() {
    let dir = project();
    for args in [
        &["check", "--no-cache", "a.py"][..],
        &["check", "--no-cache", "--format", "json", "a.py"],
        &["check", "--no-cache", "--format", "sarif", "a.py"],
        &["check", "--no-cache", "--format", "github", "a.py"],
        &["rules"],
        &["rules", "magic-literal"],
    ] {
        let output = to_dev_full(dir.path(), args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(
            stderr(&output),
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn cache_stats_to_a_full_standard_output_is_an_error() {
    let dir = project();
    assert_eq!(run(dir.path(), &["check", "a.py"]).status.code(), Some(0));
    let output = to_dev_full(dir.path(), &["cache", "stats"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: cannot write to standard output: No space left on device (os error 28)\n"
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_checks_own_exit_code() {
    let dir = project();
    for (args, code) in [
        (&["check", "--no-cache", "a.py"][..], 0),
        (&["check", "--no-cache", "--fail-on", "low", "a.py"], 1),
        (
            &[
                "check",
                "--no-cache",
                "--fail-on",
                "low",
                "--format",
                "json",
                "a.py",
            ],
            1,
        ),
        (&["rules"], 0),
    ] {
        let (status, err) = to_closed_pipe(dir.path(), args);
        assert_eq!(status, Some(code), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
}

#[test]
fn a_fifo_as_configuration_is_refused_without_waiting() {
    let dir = project();
    let fifo = dir.path().join("fifo.toml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let started = std::time::Instant::now();
    let output = run(dir.path(), &["check", "--config", "fifo.toml", "a.py"]);
    assert!(started.elapsed().as_secs() < 20);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: fifo.toml:1:1: cannot read the configuration: not a regular file\n"
    );
}

#[test]
fn threads_are_bounded() {
    let dir = project();
    let output = run(dir.path(), &["check", "--threads", "100000", "a.py"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(
            "error: invalid value '100000' for '--threads <THREADS>': 100000 threads: at most 256 (0 means one per core)\n"
        ),
        "{}",
        stderr(&output)
    );
    // The most allowed runs.
    let output = run(
        dir.path(),
        &["check", "--no-cache", "--threads", "256", "a.py"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_bad_exclude_glob_is_shown_at_its_place() {
    let dir = project();
    std::fs::write(
        dir.path().join("connascence.toml"),
        "select = [\"magic-literal\"]\nexclude = [\n  \"ok/**\",\n  \"[unclosed\",\n]\n",
    )
    .unwrap();
    let output = run(
        dir.path(),
        &["check", "--config", "connascence.toml", "a.py"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: connascence.toml:4:3: `exclude`: invalid exclude glob `[unclosed`: unclosed character class; missing ']'\n"
    );
    std::fs::write(dir.path().join("connascence.toml"), "exclude = \"x\"\n").unwrap();
    let output = run(
        dir.path(),
        &["check", "--config", "connascence.toml", "a.py"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: connascence.toml:1:11: `exclude` must be an array of globs, such as [\"tests/data/**\"], found string\n"
    );
}

#[test]
fn a_file_name_with_a_newline_cannot_forge_a_line() {
    let dir = project();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let name = "x\nsrc:1:1: forged [high] y.py";
    std::fs::copy(dir.path().join("a.py"), src.join(name)).unwrap();
    let output = run(dir.path(), &["check", "--no-cache", "src"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "src/x\\nsrc:1:1: forged [high] y.py:1:1: positional-params [medium] function `f` takes 6 positional parameters (limit 3)\n\
         Found 1 finding (1 medium) in 1 file; 0 diagnostics.\n"
    );
    // Named on the command line and missing: the error on standard error is one line too.
    let missing = "gone\u{1b}[2J.py";
    let output = run(dir.path(), &["check", "--no-cache", missing]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: gone\\u{1b}[2J.py: No such file or directory\n"
    );
}

/// Runs the analyzer as the unprivileged user `nobody` (uid 65534) when the tests run as root, so
/// that a folder or file without read permission really cannot be read.
fn run_unprivileged(dir: &Path, args: &[&str]) -> Output {
    let root = running_as_root();
    let mut command = if root {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_connascence"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_connascence"))
    };
    command
        .args(args)
        .current_dir(dir)
        .output()
        .expect("setpriv (util-linux) runs the check as nobody")
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("Uid:"))
                .map(|line| line.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

#[cfg(unix)]
#[test]
fn a_path_named_on_the_command_line_that_cannot_be_read_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let closed = dir.path().join("closed");
    std::fs::create_dir(&closed).unwrap();
    std::fs::write(closed.join("a.py"), "import time\ntime.sleep(1)\n").unwrap();
    let secret = dir.path().join("secret.py");
    std::fs::write(&secret, "import time\ntime.sleep(1)\n").unwrap();
    std::fs::write(dir.path().join("ok.py"), "x = 1\n").unwrap();
    for path in [&closed, &secret] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    for (args, message) in [
        (&["closed"][..], "error: closed: Permission denied\n"),
        (&["secret.py"][..], "error: secret.py: Permission denied\n"),
        (
            &["ok.py", "closed"][..],
            "error: closed: Permission denied\n",
        ),
    ] {
        let mut all = vec!["check", "--no-cache", "--exit-zero"];
        all.extend_from_slice(args);
        let output = run_unprivileged(dir.path(), &all);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stderr(&output), message, "{args:?}");
    }
    // A FIFO named on the command line is not source: an error at once, never a wait.
    let made = Command::new("mkfifo")
        .arg(dir.path().join("fifo.py"))
        .status()
        .unwrap();
    assert!(made.success());
    let output = run(
        dir.path(),
        &["check", "--no-cache", "--exit-zero", "fifo.py"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: fifo.py: not a regular file; expected a Python source file or a folder\n"
    );
}
