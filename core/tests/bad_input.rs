//! Bad input never panics: each file gives a diagnostic and the rest of the run completes.

use std::path::Path;
use std::process::{Command, Output};

fn check(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connascence"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn every_kind_of_bad_file_is_a_diagnostic_and_good_files_are_still_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    write("binary.py", &[0x7f, b'E', b'L', b'F', 0, 1, 2, 3]);
    write("latin.py", b"x = '\xe9t\xe9'\n");
    write("syntax.py", b"def f(:\n");
    // CPython refuses it ("encoding problem: utf8 with BOM"), so it is not analyzed (no timing finding).
    write(
        "bom.py",
        b"\xef\xbb\xbf# coding: utf8\nimport time\ntime.sleep(1)\n",
    );
    write("empty.py", b"");
    write(
        "nested.py",
        format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000)).as_bytes(),
    );
    write(
        "chain.py",
        format!("x = a{}\n", ".b".repeat(100_000)).as_bytes(),
    );
    write("good.py", b"import time\ntime.sleep(1)\n");
    std::fs::create_dir(dir.path().join("folder.py")).unwrap();
    let args = vec![
        "binary.py",
        "latin.py",
        "syntax.py",
        "bom.py",
        "empty.py",
        "nested.py",
        "chain.py",
        "good.py",
    ];
    let output = check(dir.path(), &args);
    let text = String::from_utf8(output.stdout).unwrap();
    let expected = [
        "good.py:2:1: timing [medium]",
        "bom.py:1:1: encoding-error encoding problem: utf8 with BOM (PEP 263: a file that starts with a UTF-8 byte-order mark may only declare utf-8)",
        "binary.py:1:5: encoding-error source contains a NUL byte (binary file?); expected Python source text",
        "chain.py:1:20004: syntax-error expression nested more than 10000 operators deep",
        "latin.py:1:6: encoding-error invalid UTF-8 (and no PEP 263 encoding declaration); expected UTF-8 source",
        "nested.py:1:205: syntax-error brackets nested more than 200 deep (CPython's limit); not analyzed",
        "syntax.py:1:7: syntax-error syntax error: Expected a parameter or the end of the parameter list",
    ];
    for line in expected {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    let diagnostics = 6;
    assert!(
        text.ends_with(&format!(
            "Found 1 finding (1 medium) in {} files; {diagnostics} diagnostics.\n",
            args.len()
        )),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_file_above_the_size_limit_is_skipped_unread_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.py"), "import time\ntime.sleep(1)\n").unwrap();
    // A sparse 1 GiB file: no disk used, and never read (the run would need tens of GiB).
    let huge = std::fs::File::create(dir.path().join("huge.py")).unwrap();
    huge.set_len(1 << 30).unwrap();
    let output = check(dir.path(), &[".", "--no-cache", "--exit-zero"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "./huge.py:1:1: too-large file of 1 GiB is above the 16 MiB limit; skipped (raise `max-file-size` or `--max-file-size` to analyze it)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("./good.py:2:1: timing"), "{stdout}");
    // The limit from the command line, then from the configuration (a number of bytes).
    let output = check(
        dir.path(),
        &["good.py", "--no-cache", "--max-file-size", "10"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "good.py:1:1: too-large file of 26 bytes is above the 10 bytes limit; skipped"
        ),
        "{stdout}"
    );
    std::fs::write(
        dir.path().join("connascence.toml"),
        "max-file-size = \"1KiB\"\n",
    )
    .unwrap();
    let output = check(dir.path(), &["huge.py", "--no-cache"]);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("huge.py:1:1: too-large file of 1 GiB is above the 1 KiB limit; skipped")
    );
    // Bad sizes: usage errors naming the place and the expected form.
    std::fs::write(
        dir.path().join("connascence.toml"),
        "max-file-size = \"big\"\n",
    )
    .unwrap();
    let output = check(dir.path(), &["good.py", "--no-cache"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "connascence.toml:1:17: `max-file-size` `big`: expected a size such as `16MiB`, `512KiB`, `1GiB` or a number of bytes"
        ),
        "{stderr}"
    );
    std::fs::remove_file(dir.path().join("connascence.toml")).unwrap();
    let output = check(dir.path(), &["good.py", "--max-file-size", "5GiB"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "`5GiB`: the size must be between 1 byte and 4.0 GiB (4294967295 bytes) (the parser's limit)"
        )
    );
}
