//! Fixture tests: every `core/tests/fixtures/<rule-id>/` folder is analyzed in one run (so run-level
//! rules see all its files) with only that rule enabled.
//!
//! A fixture marks each line where a finding must be reported with `# expect: <rule-id>` (or
//! `# expect: <rule-id> x2` for two findings on one line); the test demands exactly those lines, no
//! more, no fewer. The full findings (columns, severity, message) are
//! pinned by an insta snapshot per fixture file. Both traversal modes must agree on every fixture.
//! A subfolder of a rule's folder with a `connascence.toml` holds fixtures analyzed with the options
//! that file sets (e.g. `magic-literal/anywhere/`).

use std::path::{Path, PathBuf};

use connascence::engine::{self, AnalysisOptions};
use connascence::{Finding, Mode, Rule, Settings};

/// Relative to the package root (cargo's working directory for tests), so that labels in findings
/// and snapshots do not depend on where the repository is checked out.
fn fixture_root() -> PathBuf {
    assert!(
        Path::new("tests/fixtures").is_dir(),
        "tests run from the package root"
    );
    PathBuf::from("tests/fixtures")
}

/// (rule id, fixture path) for every fixture file, sorted; files of a subfolder with options too.
fn fixtures() -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir(fixture_root()).unwrap() {
        let dir = dir.unwrap().path();
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "py") {
                found.push((rule.clone(), file));
            } else if file.join("connascence.toml").is_file() {
                for inner in std::fs::read_dir(&file).unwrap() {
                    let inner = inner.unwrap().path();
                    if inner.extension().is_some_and(|e| e == "py") {
                        found.push((rule.clone(), inner));
                    }
                }
            }
        }
    }
    found.sort();
    found
}

/// The settings a fixture is analyzed with: its rule alone, with the options of its folder's
/// `connascence.toml` when it has one (which must select exactly that rule).
fn settings_for(rule: Rule, folder: &Path) -> Settings {
    let config = folder.join("connascence.toml");
    if !config.is_file() {
        return Settings::only(&[rule]);
    }
    let settings = connascence::config::load(&config).unwrap().settings;
    let enabled = settings.enabled_rules();
    assert_eq!(
        enabled,
        [rule],
        "{} must select only {rule}",
        config.display()
    );
    settings
}

/// Runs the analyzer over paths and returns the findings of each file label.
fn analyze(paths: &[PathBuf], settings: Settings, mode: Mode) -> Vec<Finding> {
    let options = AnalysisOptions {
        settings,
        mode,
        threads: 2,
        ..AnalysisOptions::default()
    };
    let (report, argument_errors) = engine::check(paths, &options).unwrap();
    assert!(argument_errors.is_empty(), "{argument_errors:?}");
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    report.findings.into_vec()
}

fn expected_lines(source: &str, rule: &str) -> Vec<u32> {
    let marker = format!("# expect: {rule}");
    let mut lines = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let Some(at) = line.find(&marker) else {
            continue;
        };
        let rest = &line[at + marker.len()..];
        let times = rest
            .trim()
            .strip_prefix('x')
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        lines.extend(std::iter::repeat_n(index as u32 + 1, times));
    }
    lines
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
        let folder = path.parent().unwrap().to_path_buf();
        let label = path.display().to_string();
        let settings = settings_for(rule, &folder);
        let findings: Vec<Finding> =
            analyze(std::slice::from_ref(&folder), settings, Mode::Unified)
                .into_iter()
                .filter(|finding| *finding.file == *label)
                .collect();
        let source = std::fs::read_to_string(&path).unwrap();
        let actual: Vec<u32> = findings.iter().map(|f| f.line).collect();
        assert_eq!(
            actual,
            expected_lines(&source, &rule_id),
            "{}",
            path.display()
        );
        let stem = path.file_stem().unwrap().to_string_lossy();
        let name = match folder.file_name().unwrap().to_string_lossy() {
            variant if variant != rule_id => format!("{rule_id}__{variant}__{stem}"),
            _ => format!("{rule_id}__{stem}"),
        };
        insta::assert_snapshot!(name, render(&findings));
    }
}

#[test]
fn both_modes_agree_on_every_fixture_with_all_rules() {
    let all: Vec<Rule> = Rule::all().collect();
    let root = vec![fixture_root()];
    let unified = analyze(&root, Settings::only(&all), Mode::Unified);
    let per_detector = analyze(&root, Settings::only(&all), Mode::PerDetector);
    assert!(unified.len() > 100, "{} findings", unified.len());
    assert_eq!(unified, per_detector);
}
