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
    let fifo = dir.path().join("fifo.py");
    let made_fifo = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut args = vec![
        "binary.py",
        "latin.py",
        "syntax.py",
        "empty.py",
        "nested.py",
        "chain.py",
        "good.py",
    ];
    if made_fifo {
        args.push("fifo.py");
    }
    let output = check(dir.path(), &args);
    let text = String::from_utf8(output.stdout).unwrap();
    let expected = [
        "good.py:2:1: timing [medium]",
        "binary.py:1:5: encoding-error source contains a NUL byte (binary file?); expected Python source text",
        "chain.py:1:20004: syntax-error expression nested more than 10000 operators deep",
        "latin.py:1:6: encoding-error invalid UTF-8 (and no PEP 263 encoding declaration); expected UTF-8 source",
        "nested.py:1:205: syntax-error brackets nested more than 200 deep (CPython's limit); not analyzed",
        "syntax.py:1:7: syntax-error syntax error: Expected a parameter or the end of the parameter list",
    ];
    for line in expected {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    if made_fifo {
        assert!(
            text.contains(
                "fifo.py:1:1: io-error not a regular file; expected a Python source file"
            ),
            "{text}"
        );
    }
    let diagnostics = if made_fifo { 6 } else { 5 };
    assert!(
        text.ends_with(&format!(
            "Found 1 finding (1 medium) in {} files; {diagnostics} diagnostics.\n",
            args.len()
        )),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(0));
}
