//! Parallel analysis: the report is identical for 1, 2 and 8 threads, and the aggregator's ordering,
//! de-duplication and top-N behave exactly.

use std::path::PathBuf;

use connascence::aggregate::{Aggregator, OrderedAggregator};
use connascence::engine::{self, AnalysisOptions, FileOutcome, Report};
use connascence::synth::{self, Profile, SynthSpec};
use connascence::{Finding, Settings};

fn write_corpus(dir: &std::path::Path, files: usize) {
    for file in synth::generate(&SynthSpec {
        files,
        lines_per_file: 200,
        seed: 99,
        profile: Profile::Dense,
    }) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.source).unwrap();
    }
}

fn run(dir: &std::path::Path, threads: usize) -> Report {
    let options = AnalysisOptions {
        threads,
        ..AnalysisOptions::default()
    };
    engine::check(&[PathBuf::from(dir)], &options).unwrap().0
}

/// The counters that do not depend on timing or thread count.
fn exact_counts(report: &Report) -> String {
    let mut stats = report.stats.clone();
    stats.phases = Default::default();
    stats.threads = 0;
    serde_json::to_string(&stats).unwrap()
}

#[test]
fn reports_are_identical_with_one_two_and_eight_threads() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path(), 120);
    let one = run(dir.path(), 1);
    assert!(one.findings.len() > 500, "{}", one.findings.len());
    for threads in [2, 8] {
        let many = run(dir.path(), threads);
        assert_eq!(many.findings, one.findings, "{threads} threads");
        assert_eq!(many.diagnostics, one.diagnostics);
        assert_eq!(exact_counts(&many), exact_counts(&one));
        assert_eq!(many.stats.threads, threads as u64);
    }
    let all = one.findings.clone().into_vec();
    let sorted = all
        .windows(2)
        .all(|pair| pair[0].sort_key() <= pair[1].sort_key());
    assert!(sorted, "findings are in (file, line, column, rule) order");
}

fn finding(file: &str, line: u32, fingerprint: &str) -> Finding {
    let rule = connascence::Rule::by_id("timing").unwrap();
    Finding {
        rule,
        connascence_type: rule.info().connascence_type,
        severity: connascence::Severity::Medium,
        file: file.into(),
        line,
        column: 1,
        end_line: line,
        end_column: 5,
        message: "m".into(),
        recommendation: "r".into(),
        fingerprint: connascence::finding::Fingerprint(
            u64::from_str_radix(fingerprint, 16).unwrap(),
        ),
    }
}

fn outcome(file: &str, findings: Vec<Finding>) -> FileOutcome {
    FileOutcome {
        file: file.to_owned(),
        findings,
        ..FileOutcome::default()
    }
}

#[test]
fn outcomes_arriving_out_of_order_are_folded_in_order_and_wait_only_for_gaps() {
    let rules = Settings::default().compile().unwrap();
    let mut ordered = OrderedAggregator::default();
    ordered.add(2, outcome("c.py", vec![finding("c.py", 1, "c1")]));
    ordered.add(1, outcome("b.py", vec![finding("b.py", 1, "b1")]));
    assert_eq!(ordered.max_waiting, 2);
    ordered.add(0, outcome("a.py", vec![finding("a.py", 1, "a1")]));
    ordered.add(3, outcome("d.py", vec![finding("d.py", 1, "d1")]));
    assert_eq!(ordered.max_waiting, 2);
    let files: Vec<String> = ordered
        .finish(&rules)
        .findings
        .into_iter()
        .map(|f| f.file.to_string())
        .collect();
    assert_eq!(files, ["a.py", "b.py", "c.py", "d.py"]);
}

#[test]
fn exact_duplicates_are_dropped_and_counted() {
    let rules = Settings::default().compile().unwrap();
    let mut aggregator = Aggregator::default();
    let same = finding("a.py", 3, "f1");
    aggregator.add(outcome(
        "a.py",
        vec![
            same.clone(),
            same,
            finding("a.py", 3, "f2"),
            finding("a.py", 4, "f2"),
        ],
    ));
    let report = aggregator.finish(&rules);
    assert_eq!(report.findings.len(), 3);
    assert_eq!(report.stats.findings, 3);
    assert_eq!(report.stats.duplicates_dropped, 1);
    assert_eq!(report.stats.findings_by_rule.get("timing"), Some(&3));
}

#[test]
fn top_files_keeps_the_ten_with_most_findings_ties_by_name() {
    let rules = Settings::default().compile().unwrap();
    let mut aggregator = Aggregator::default();
    for index in 0..15u32 {
        let file = format!("f{index:02}.py");
        let count = if index < 5 { 3 } else { 1 + index % 2 };
        let findings = (0..count)
            .map(|line| finding(&file, line + 1, &format!("{index:02x}{line:02x}")))
            .collect();
        aggregator.add(outcome(&file, findings));
    }
    let top = aggregator.finish(&rules).stats.top_files;
    let names: Vec<(&str, u64)> = top.iter().map(|t| (t.file.as_str(), t.findings)).collect();
    assert_eq!(
        names,
        [
            ("f00.py", 3),
            ("f01.py", 3),
            ("f02.py", 3),
            ("f03.py", 3),
            ("f04.py", 3),
            ("f05.py", 2),
            ("f07.py", 2),
            ("f09.py", 2),
            ("f11.py", 2),
            ("f13.py", 2),
        ]
    );
}
