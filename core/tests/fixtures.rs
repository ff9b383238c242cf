//! Fixture tests: every `core/tests/fixtures/<rule-id>/*.py` is analyzed with only that rule enabled.
//!
//! A fixture marks each line where a finding must be reported with `# expect: <rule-id>`; the test
//! demands exactly those lines (no more, no fewer). The full findings (columns, severity, message) are
//! pinned by an insta snapshot per fixture file. Both traversal modes must agree on every fixture.

use std::path::{Path, PathBuf};

use connascence::engine::{self, AnalysisOptions};
use connascence::{Finding, Mode, Rule, Settings};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// (rule id, fixture path) for every fixture file, sorted.
fn fixtures() -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir(fixture_root()).unwrap() {
        let dir = dir.unwrap().path();
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "py") {
                found.push((rule.clone(), file));
            }
        }
    }
    found.sort();
    found
}

fn analyze(path: &Path, settings: Settings, mode: Mode) -> Vec<Finding> {
    let options = AnalysisOptions { settings, mode };
    let outcome = engine::check_file(path, &options).unwrap();
    assert!(
        outcome.diagnostics.is_empty(),
        "{}: {:?}",
        path.display(),
        outcome.diagnostics
    );
    outcome.findings
}

fn expected_lines(source: &str, rule: &str) -> Vec<u32> {
    let marker = format!("# expect: {rule}");
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains(&marker))
        .map(|(index, _)| index as u32 + 1)
        .collect()
}

fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}-{}:{} {} [{}] {}\n",
                f.line, f.column, f.end_line, f.end_column, f.rule, f.severity, f.message
            )
        })
        .collect()
}

#[test]
fn every_registered_rule_has_a_fixture_folder() {
    for rule in Rule::all() {
        assert!(
            fixture_root().join(rule.id()).is_dir(),
            "no fixtures for {rule}"
        );
    }
}

#[test]
fn fixtures_produce_exactly_the_marked_findings() {
    for (rule_id, path) in fixtures() {
        let rule =
            Rule::by_id(&rule_id).unwrap_or_else(|| panic!("fixture folder {rule_id} is no rule"));
        let findings = analyze(&path, Settings::only(&[rule]), Mode::Unified);
        let source = std::fs::read_to_string(&path).unwrap();
        let actual: Vec<u32> = findings.iter().map(|f| f.line).collect();
        assert_eq!(
            actual,
            expected_lines(&source, &rule_id),
            "{}",
            path.display()
        );
        let name = format!("{rule_id}__{}", path.file_stem().unwrap().to_string_lossy());
        insta::assert_snapshot!(name, render(&findings));
    }
}

#[test]
fn both_modes_agree_on_every_fixture_with_all_rules() {
    let all: Vec<Rule> = Rule::all().collect();
    for (_, path) in fixtures() {
        let unified = analyze(&path, Settings::only(&all), Mode::Unified);
        let per_detector = analyze(&path, Settings::only(&all), Mode::PerDetector);
        assert_eq!(unified, per_detector, "{}", path.display());
    }
}
