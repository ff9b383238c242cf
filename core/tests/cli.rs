//! The `connascence check` command line: output formats, exit codes, diagnostics and error messages.

mod support;

use std::process::Output;

use support::{connascence, project_bytes as project, stderr, stdout};

const MEDIUM_ONLY: &[u8] = b"import time\n\ntime.sleep(1)\n";
const HIGH: &[u8] = b"while True:\n    pass\n";

#[test]
fn text_output_lists_findings_like_ruff_and_ends_with_a_summary() {
    let dir = project(&[("src/app.py", MEDIUM_ONLY), ("src/loop.py", HIGH)]);
    let output = connascence(&["check", "src"], dir.path());
    assert_eq!(
        stdout(&output),
        "src/app.py:3:1: timing [medium] `time.sleep(...)` waits a fixed time: connascence of timing\n\
         src/loop.py:1:1: unbounded-loop [high] `while True:` loop has no `break` or `return`: it can end only by an exception\n\
         Found 2 findings (1 high, 1 medium) in 2 files; 0 diagnostics.\n"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn exit_code_follows_fail_on() {
    let dir = project(&[("app.py", MEDIUM_ONLY)]);
    assert_eq!(
        connascence(&["check", "app.py"], dir.path()).status.code(),
        Some(0)
    );
    assert_eq!(
        connascence(&["check", "app.py", "--fail-on", "medium"], dir.path())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        connascence(&["check", "app.py", "--fail-on", "low"], dir.path())
            .status
            .code(),
        Some(1)
    );
    let dir = project(&[("loop.py", HIGH)]);
    assert_eq!(
        connascence(&["check", "loop.py", "--fail-on", "critical"], dir.path())
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn a_missing_path_is_exit_2_and_the_rest_is_still_analyzed() {
    let dir = project(&[("app.py", MEDIUM_ONLY)]);
    let output = connascence(&["check", "missing.py", "app.py"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: missing.py: No such file or directory\n"
    );
    assert!(stdout(&output).starts_with("app.py:3:1: timing"));
}

#[test]
fn a_bad_option_value_is_a_usage_error() {
    let dir = project(&[("app.py", MEDIUM_ONLY)]);
    let output = connascence(&["check", "app.py", "--format", "xml"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid value 'xml' for '--format <FORMAT>'"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unparsable_files_are_diagnostics_that_do_not_change_the_exit_code() {
    let dir = project(&[
        ("a_syntax.py", b"def f(:\n    pass\n"),
        ("b_utf8.py", b"x = '\xff'\n"),
        ("c_binary.py", b"\x00\x01\x02"),
        ("d_ok.py", b"x = 1\n"),
    ]);
    let output = connascence(&["check", "."], dir.path());
    assert_eq!(
        stdout(&output),
        "./a_syntax.py:1:7: syntax-error syntax error: Expected a parameter or the end of the parameter list\n\
         ./b_utf8.py:1:6: encoding-error invalid UTF-8 (and no PEP 263 encoding declaration); expected UTF-8 source\n\
         ./c_binary.py:1:1: encoding-error source contains a NUL byte (binary file?); expected Python source text\n\
         Found 0 findings in 4 files; 3 diagnostics.\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn hidden_dirs_pycache_and_virtualenvs_are_skipped() {
    let dir = project(&[
        ("pkg/app.py", MEDIUM_ONLY),
        ("pkg/.hidden/x.py", MEDIUM_ONLY),
        ("pkg/__pycache__/x.py", MEDIUM_ONLY),
        ("pkg/env/pyvenv.cfg", b"home = /usr\n"),
        ("pkg/env/lib/x.py", MEDIUM_ONLY),
        ("pkg/notes.txt", MEDIUM_ONLY),
    ]);
    let output = connascence(&["check", "pkg"], dir.path());
    assert!(
        stdout(&output).ends_with("Found 1 finding (1 medium) in 1 file; 0 diagnostics.\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn json_output_has_findings_diagnostics_and_stats() {
    let dir = project(&[("app.py", MEDIUM_ONLY), ("bad.py", b"(\n")]);
    let output = connascence(
        &["check", "app.py", "bad.py", "--format", "json"],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "timing");
    assert_eq!(finding["connascence_type"], "timing");
    assert_eq!(finding["severity"], "medium");
    assert_eq!(finding["file"], "app.py");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        (finding["end_line"].as_u64(), finding["end_column"].as_u64()),
        (Some(3), Some(14))
    );
    assert_eq!(finding["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(json["diagnostics"][0]["file"], "bad.py");
    assert_eq!(json["diagnostics"][0]["kind"], "syntax");
    let stats = &json["stats"];
    assert_eq!(
        (stats["files"].as_u64(), stats["files_analyzed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(stats["findings_by_rule"]["timing"], 1);
    assert!(stats["phases"]["parse_ns"].as_u64().unwrap() > 0);
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let dir = project(&[("app.py", MEDIUM_ONLY)]);
    let output = connascence(
        &[
            "check", "app.py", "--output", "out.json", "--format", "json",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let written = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    assert!(written.contains("\"rule\": \"timing\""));
}

#[test]
fn an_unwritable_output_is_exit_2_with_the_path() {
    let dir = project(&[("app.py", MEDIUM_ONLY)]);
    let output = connascence(
        &["check", "app.py", "--output", "no/such/dir/out.txt"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: cannot write the output to no/such/dir/out.txt: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn per_detector_mode_gives_the_same_findings_and_more_visits() {
    // app.py: StmtImport, Alias, Identifier; StmtExpr, ExprCall, ExprAttribute, ExprName, Identifier,
    // Arguments, ExprNumberLiteral (10). loop.py: StmtWhile, ExprBooleanLiteral, StmtPass (3).
    // Detector calls of the 13 default rules (a `leave` only where the detector asks for it):
    // magic-literal enters the number and the while and leaves the while (3); repeated-value enters
    // the number (1); timing and recursion enter the call (1 + 1); unbounded-loop and deep-nesting
    // enter and leave the while (2 + 2), complexity enters it (1); duplicate-algorithm leaves
    // functions only (there are none; it counted statements after parsing): 11.
    let dir = project(&[("app.py", MEDIUM_ONLY), ("loop.py", HIGH)]);
    let unified = connascence(&["check", ".", "--stats", "--no-cache"], dir.path());
    let per_detector = connascence(
        &[
            "check",
            ".",
            "--stats",
            "--no-cache",
            "--mode",
            "per-detector",
        ],
        dir.path(),
    );
    let findings = |o: &Output| {
        stdout(o)
            .lines()
            .take(2)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(findings(&unified), findings(&per_detector));
    assert!(
        stdout(&unified).contains("nodes 13, node visits 13, detector calls 11, traversals 2\n"),
        "{}",
        stdout(&unified)
    );
    assert!(
        stdout(&per_detector)
            .contains("nodes 13, node visits 169, detector calls 11, traversals 26\n"),
        "{}",
        stdout(&per_detector)
    );
}

#[test]
fn symlink_loops_are_diagnostics_not_hangs() {
    let dir = project(&[("pkg/app.py", MEDIUM_ONLY)]);
    std::os::unix::fs::symlink(".", dir.path().join("pkg/loop")).unwrap();
    let output = connascence(&["check", "pkg"], dir.path());
    let text = stdout(&output);
    assert!(
        text.contains("pkg/loop:1:1: io-error symbolic link loop back to pkg; not followed\n"),
        "{text}"
    );
    assert!(text.contains("pkg/app.py:3:1: timing"), "{text}");
}

#[test]
fn links_to_files_and_folders_are_followed_and_a_broken_link_is_a_diagnostic() {
    let dir = project(&[
        ("real/app.py", MEDIUM_ONLY),
        ("outside/lib.py", MEDIUM_ONLY),
        ("skipped/x.py", MEDIUM_ONLY),
    ]);
    let link = |target: &str, at: &str| {
        std::os::unix::fs::symlink(dir.path().join(target), dir.path().join(at)).unwrap();
    };
    link("real/app.py", "real/linked.py");
    link("outside", "real/linked_folder");
    link("skipped", "real/excluded");
    link("real/missing.py", "real/broken.py");
    let output = connascence(
        &["check", "real", "--no-cache", "--exclude", "excluded"],
        dir.path(),
    );
    let text = stdout(&output);
    for expected in [
        "real/app.py:3:1: timing",
        "real/linked.py:3:1: timing",
        "real/linked_folder/lib.py:3:1: timing",
        "real/broken.py:1:1: io-error No such file or directory\n",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    assert!(!text.contains("excluded"), "{text}");
}

#[test]
fn a_linked_pyvenv_cfg_marks_a_virtualenv_too() {
    let dir = project(&[
        ("pkg/app.py", MEDIUM_ONLY),
        ("pkg/env/lib/x.py", MEDIUM_ONLY),
        ("cfg/pyvenv.cfg", b"home = /usr\n"),
    ]);
    std::os::unix::fs::symlink(
        dir.path().join("cfg/pyvenv.cfg"),
        dir.path().join("pkg/env/pyvenv.cfg"),
    )
    .unwrap();
    let text = stdout(&connascence(&["check", "pkg", "--no-cache"], dir.path()));
    assert!(text.contains("pkg/app.py:3:1: timing"), "{text}");
    assert!(!text.contains("env/lib/x.py"), "{text}");
}

#[test]
fn rules_lists_every_rule_with_type_threshold_severity_and_default() {
    let dir = project(&[]);
    let output = connascence(&["rules"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 15, "{text}");
    assert!(lines[0].starts_with("rule "), "{text}");
    let row = |id: &str| {
        lines
            .iter()
            .find(|line| line.starts_with(&format!("{id} ")))
            .copied()
            .unwrap()
    };
    let fields = |id: &str| {
        row(id)
            .split("  ")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        fields("assertion-density"),
        [
            "assertion-density",
            "nasa-rule-5",
            "> 10 lines, < 2 asserts",
            "low",
            "no"
        ]
    );
    assert_eq!(
        fields("god-object"),
        [
            "god-object",
            "—",
            "> 20 methods / > 500 lines",
            "high; critical at twice a limit",
            "yes"
        ]
    );
}

#[test]
fn rules_as_json_has_fourteen_entries() {
    let dir = project(&[]);
    let output = connascence(&["rules", "--format", "json"], dir.path());
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rules = json.as_array().unwrap();
    assert_eq!(rules.len(), 14);
    assert_eq!(rules[1]["id"], "magic-literal");
    assert_eq!(rules[1]["connascence_type"], "meaning");
    assert_eq!(rules[1]["enabled_by_default"], true);
}

#[test]
fn rules_with_an_id_prints_the_detector_documentation() {
    let dir = project(&[]);
    let output = connascence(&["rules", "recursion"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.starts_with(
            "recursion (nasa-rule-1; on by default)\n\n`recursion` — NASA power-of-ten rule 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("Default threshold: none (every such function). Severity: high."),
        "{text}"
    );
}

#[test]
fn rules_with_an_unknown_id_is_exit_2_listing_the_known_ones() {
    let dir = project(&[]);
    let output = connascence(&["rules", "magic"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(
            "error: unknown rule `magic`; known rules: positional-params, magic-literal, "
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn output_to_dev_stdout_goes_to_standard_output_and_appends_like_it() {
    let dir = project(&[("app.py", MEDIUM_ONLY)]);
    let log = dir.path().join("log.txt");
    std::fs::write(&log, "earlier line\n").unwrap();
    let appending = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_connascence"))
        .args(["check", "app.py", "--output", "/dev/stdout"])
        .current_dir(dir.path())
        .stdout(appending)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "earlier line\napp.py:3:1: timing [medium] `time.sleep(...)` waits a fixed time: connascence of timing\n\
         Found 1 finding (1 medium) in 1 file; 0 diagnostics.\n"
    );
    // The log is still the same file (not a new one renamed over it).
    assert!(std::fs::symlink_metadata(&log).unwrap().is_file());
}
