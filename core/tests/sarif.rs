//! SARIF output is valid SARIF 2.1.0: checked against the official JSON schema (the copy shipped in
//! the `serde-sarif` crate's package in cargo's registry cache; nothing is vendored here) and
//! deserialized into serde-sarif's typed model.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The schema file in the unpacked `serde-sarif` package of cargo's registry cache.
fn sarif_schema_path() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cargo")
        });
    let registries =
        std::fs::read_dir(cargo_home.join("registry/src")).expect("cargo's registry cache exists");
    for registry in registries.flatten() {
        for package in std::fs::read_dir(registry.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = package.file_name().to_string_lossy().into_owned();
            let schema = package.path().join("src/schema.json");
            if name.starts_with("serde-sarif-") && schema.is_file() {
                return schema;
            }
        }
    }
    panic!(
        "serde-sarif's schema.json not found under {}",
        cargo_home.display()
    );
}

fn run_sarif(dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_connascence"))
        .args(["check", ".", "--format", "sarif", "--exit-zero"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source =
        "import time\n\ndef f(a, b, c, d):\n    time.sleep(5)\n    while True:\n        pass\n";
    std::fs::write(dir.path().join("app.py"), source).unwrap();
    std::fs::write(dir.path().join("bad.py"), "def (:\n").unwrap();
    dir
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_schema_path()).unwrap()).unwrap();
    let mut compiler = boon::Compiler::new();
    let mut schemas = boon::Schemas::new();
    compiler
        .add_resource("file:///sarif-schema-2.1.0.json", schema)
        .unwrap();
    let index = compiler
        .compile("file:///sarif-schema-2.1.0.json", &mut schemas)
        .unwrap();
    let dir = sample_project();
    let instance: serde_json::Value = serde_json::from_str(&run_sarif(dir.path())).unwrap();
    if let Err(error) = schemas.validate(&instance, index) {
        panic!("SARIF output does not validate: {error:#}");
    }
    let mut broken = instance.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        schemas.validate(&broken, index).is_err(),
        "the schema check can fail"
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
        timing["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app.py"
    );
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
