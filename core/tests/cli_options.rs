//! `connascence check` options beyond the basics: configuration, selection, exclusion, suppression
//! comments, exit policy, and the SARIF, GitHub and statistics outputs.

mod support;

use support::{connascence, project, stderr, stdout};

const SLEEPS: &str = "import time\n\ntime.sleep(1)\ntime.sleep(1)  # connascence: ignore[timing]\ntime.sleep(1)  # connascence: ignore\n";

#[test]
fn suppression_comments_remove_findings_on_their_line() {
    let dir = project(&[("app.py", SLEEPS)]);
    let output = connascence(&["check", "app.py", "--select", "timing"], dir.path());
    assert_eq!(
        stdout(&output),
        "app.py:3:1: timing [medium] `time.sleep(...)` waits a fixed time: connascence of timing\n\
         Found 1 finding (1 medium) in 1 file; 0 diagnostics.\n"
    );
}

#[test]
fn unused_suppressions_are_listed_on_request() {
    let text = "x = 1  # connascence: ignore\ny = 2  # connascence: ignore[timing, nope]\nimport time\ntime.sleep(1)  # connascence: ignore[timing, complexity]\n";
    let dir = project(&[("app.py", text)]);
    let plain = connascence(&["check", "app.py", "--select", "timing"], dir.path());
    assert!(!stdout(&plain).contains("unused-ignore"));
    let output = connascence(
        &[
            "check",
            "app.py",
            "--select",
            "timing",
            "--report-unused-ignores",
        ],
        dir.path(),
    );
    assert_eq!(
        stdout(&output),
        "app.py:1:8: unused-ignore unused suppression: nothing to ignore on this line\n\
         app.py:2:8: unused-ignore unused suppression of `timing`: no such finding on this line\n\
         app.py:2:8: unused-ignore unknown rule `nope` in suppression\n\
         app.py:4:16: unused-ignore unused suppression of `complexity`: no such finding on this line\n\
         Found 0 findings in 1 file; 0 diagnostics.\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn suppressions_also_cover_cross_file_duplicate_findings() {
    let body = "    a = x\n    b = a\n    c = b\n    return c\n";
    let dir = project(&[
        (
            "a.py",
            &format!("def one(x):  # connascence: ignore[duplicate-algorithm]\n{body}"),
        ),
        ("b.py", &format!("def two(x):\n{body}")),
    ]);
    let output = connascence(
        &[
            "check",
            ".",
            "--select",
            "duplicate-algorithm",
            "--report-unused-ignores",
        ],
        dir.path(),
    );
    assert_eq!(
        stdout(&output),
        "./b.py:1:1: duplicate-algorithm [medium] function `two` has the same algorithm (4 statements) as `one` (./a.py:1)\n\
         Found 1 finding (1 medium) in 2 files; 0 diagnostics.\n"
    );
}

#[test]
fn configuration_is_discovered_and_the_command_line_wins() {
    let config =
        "select = [\"timing\"]\nfail-on = \"medium\"\n[rules.timing]\nseverity = \"high\"\n";
    let dir = project(&[
        ("connascence.toml", config),
        ("src/app.py", "import time\ntime.sleep(1)\nx = y > 77\n"),
    ]);
    let output = connascence(&["check", "src"], dir.path());
    assert_eq!(
        stdout(&output),
        "src/app.py:2:1: timing [high] `time.sleep(...)` waits a fixed time: connascence of timing\n\
         Found 1 finding (1 high) in 1 file; 0 diagnostics.\n"
    );
    assert_eq!(output.status.code(), Some(1));
    let output = connascence(
        &[
            "check",
            "src",
            "--select",
            "magic-literal",
            "--fail-on",
            "high",
        ],
        dir.path(),
    );
    assert_eq!(
        stdout(&output),
        "src/app.py:3:9: magic-literal [medium] magic number 77 in a comparison\nFound 1 finding (1 medium) in 1 file; 0 diagnostics.\n"
    );
    assert_eq!(output.status.code(), Some(0));
    let isolated = connascence(
        &["check", "src", "--isolated", "--select", "timing"],
        dir.path(),
    );
    assert!(
        stdout(&isolated).contains("timing [medium]"),
        "{}",
        stdout(&isolated)
    );
}

#[test]
fn a_bad_configuration_is_exit_2_with_its_location() {
    let dir = project(&[
        (
            "connascence.toml",
            "[rules.long-function]\nmax_lines = \"x\"\n",
        ),
        ("app.py", "x = 1\n"),
    ]);
    let output = connascence(&["check", "app.py"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let expected = format!(
        "error: {}:2:13: invalid type: string \"x\", expected a whole number ≥ 0\n",
        std::path::absolute(dir.path().join("connascence.toml"))
            .unwrap()
            .display()
    );
    assert_eq!(stderr(&output), expected);
}

#[test]
fn unknown_rules_on_the_command_line_are_exit_2() {
    let dir = project(&[("app.py", "x = 1\n")]);
    let output = connascence(&["check", "app.py", "--ignore", "timing,nope"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: unknown rule `nope`; known rules: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn exclude_globs_skip_paths_below_folders_but_not_named_files() {
    let sleep = "import time\ntime.sleep(1)\n";
    let dir = project(&[
        ("pkg/keep.py", sleep),
        ("pkg/gen/skip.py", sleep),
        ("pkg/x_pb2.py", sleep),
    ]);
    let output = connascence(
        &[
            "check",
            "pkg",
            "--exclude",
            "pkg/gen",
            "--exclude",
            "*_pb2.py",
        ],
        dir.path(),
    );
    assert!(
        stdout(&output).ends_with("Found 1 finding (1 medium) in 1 file; 0 diagnostics.\n"),
        "{}",
        stdout(&output)
    );
    let named = connascence(
        &["check", "pkg/x_pb2.py", "--exclude", "*_pb2.py"],
        dir.path(),
    );
    assert!(stdout(&named).contains("in 1 file"), "{}", stdout(&named));
    let bad = connascence(&["check", "pkg", "--exclude", "a[b"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).starts_with("error: invalid exclude glob `a[b`: "),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn exit_zero_overrides_the_failure() {
    let dir = project(&[("app.py", "while True:\n    pass\n")]);
    assert_eq!(
        connascence(&["check", "app.py"], dir.path()).status.code(),
        Some(1)
    );
    assert_eq!(
        connascence(&["check", "app.py", "--exit-zero"], dir.path())
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn statistics_prints_counts_per_rule_instead_of_findings() {
    let dir = project(&[(
        "app.py",
        "import time\ntime.sleep(3)\ntime.sleep(3)\ntime.sleep(3)\n",
    )]);
    std::fs::write(
        dir.path().join("connascence.toml"),
        "[rules.magic-literal]\nscope = \"anywhere\"\n",
    )
    .unwrap();
    let output = connascence(
        &[
            "check",
            "app.py",
            "--statistics",
            "--select",
            "timing,magic-literal,repeated-value",
        ],
        dir.path(),
    );
    assert_eq!(
        stdout(&output),
        "3  magic-literal        meaning\n3  timing               timing\n1  repeated-value       values\n\
         Found 7 findings (3 medium, 4 low) in 1 file; 0 diagnostics.\n"
    );
}

#[test]
fn github_format_writes_workflow_annotations() {
    let dir = project(&[(
        "app.py",
        "import time\ntime.sleep(1)\nwhile True:\n    pass\n",
    )]);
    let output = connascence(
        &[
            "check",
            "app.py",
            "--format",
            "github",
            "--select",
            "timing,unbounded-loop",
        ],
        dir.path(),
    );
    assert_eq!(
        stdout(&output),
        "::warning title=connascence timing,file=app.py,line=2,col=1,endLine=2,endColumn=14::[medium] `time.sleep(...)` waits a fixed time%3A connascence of timing\n\
         ::error title=connascence unbounded-loop,file=app.py,line=3,col=1,endLine=3,endColumn=11::[high] `while True:` loop has no `break` or `return`%3A it can end only by an exception\n"
            .replace("%3A", ":")
    );
}

#[test]
fn json_stats_carry_the_configuration_hash() {
    let dir = project(&[("app.py", "x = 1\n")]);
    let hash = |args: &[&str]| {
        let output = connascence(args, dir.path());
        let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        json["stats"]["config_hash"].as_str().unwrap().to_owned()
    };
    let default = hash(&["check", "app.py", "--format", "json"]);
    assert_eq!(default.len(), 16);
    assert_eq!(
        default,
        hash(&["check", "app.py", "--format", "json", "--threads", "1"])
    );
    assert_ne!(
        default,
        hash(&["check", "app.py", "--format", "json", "--ignore", "timing"])
    );
}

#[test]
fn parse_only_parses_and_walks_without_detectors_or_cache() {
    let dir = project(&[("app.py", SLEEPS), ("bad.py", "def f(:\n")]);
    let output = connascence(
        &["check", ".", "--parse-only", "--format", "json"],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            json["stats"]["files"].as_u64(),
            json["stats"]["files_analyzed"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(json["stats"]["detector_calls"], 0);
    assert_eq!(json["stats"]["nodes"], json["stats"]["node_visits"]);
    assert!(json["stats"]["nodes"].as_u64().unwrap() > 10);
    assert!(!dir.path().join(".connascence_cache").exists());
    let refused = connascence(
        &["check", ".", "--parse-only", "--select", "timing"],
        dir.path(),
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("cannot be used with"),
        "{}",
        stderr(&refused)
    );
}
