//! The JUnit export is valid against the Jenkins xunit plugin's `junit-10.xsd` (taken from the
//! pinned pytest sdist, validated with xmlschema) for every kind of test case — passed, failed,
//! skipped, missing, unbaselined, error — and hostile scenario names.

mod common;

use perfgate::compare::{Comparison, MetricComparison, Verdict};
use perfgate::export::{Report, by_name};
use perfgate::synthetic::{results, scenario};

fn metric(scenario: &str, metric: &str, verdict: Verdict, notes: &[&str]) -> MetricComparison {
    MetricComparison {
        scenario: scenario.into(),
        metric: metric.into(),
        verdict,
        baseline: Some(1_000_000.0),
        candidate: Some(1_050_000.0),
        ratio: Some(1.05),
        interval: Some((1.04, 1.06)),
        p: None,
        p_adjusted: None,
        q: None,
        mann_whitney_p: None,
        mde: None,
        threshold: 0.01,
        rounds: None,
        notes: notes.iter().map(|n| (*n).to_owned()).collect(),
        cross_host: false,
        cause: Vec::new(),
    }
}

fn every_kind() -> Comparison {
    let hostile = "a<b>&\"c'\u{1b}[31m\nforged";
    Comparison {
        metrics: vec![
            metric("alpha", "instructions", Verdict::Unchanged, &[]),
            metric("alpha", "time", Verdict::Improved, &[]),
            metric(hostile, "instructions", Verdict::Regressed, &[]),
            metric(
                "beta",
                "time",
                Verdict::Inconclusive,
                &["low power <5 rounds>"],
            ),
            metric("beta", "heap.total_bytes", Verdict::NotComparable, &[]),
            metric("beta", "heap.max_bytes", Verdict::NoBaseline, &[]),
        ],
        counter_changes: Vec::new(),
        missing: vec!["gone & lost".into()],
        added: Vec::new(),
        unbaselined: vec!["fresh".into()],
        errors: vec!["a <broken> file\u{0}".into()],
        notes: Vec::new(),
        not_run: Vec::new(),
        uncompared: Vec::new(),
    }
}

#[test]
fn the_junit_export_is_valid_against_junit_10_xsd() {
    let comparison = every_kind();
    let candidate = results(vec![scenario("alpha", 1.0, 1_000_000, 100_000)]);
    let xml = by_name("junit").unwrap().render(&Report {
        comparison: &comparison,
        candidate: &candidate,
        baseline: "main <&>",
        report_link: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("perfgate.junit.xml");
    std::fs::write(&file, &xml).unwrap();
    let xsd = common::pypi::junit_xsd();
    assert_eq!(common::pypi::xsd_errors(&xsd, &file), None, "{xml}");
    assert!(xml.contains(
        "<testsuite name=\"perfgate against main &lt;&amp;&gt;\" tests=\"9\" failures=\"3\" errors=\"1\" skipped=\"3\">"
    ));
    // The schema is really applied: the attribute it forbids on <testsuites> is reported.
    let forbidden = dir.path().join("forbidden.xml");
    std::fs::write(
        &forbidden,
        xml.replacen(
            "<testsuites name=\"perfgate\"",
            "<testsuites skipped=\"3\" name=\"perfgate\"",
            1,
        ),
    )
    .unwrap();
    let errors = common::pypi::xsd_errors(&xsd, &forbidden).expect("an invalid file must fail");
    assert!(errors.contains("skipped"), "{errors}");
}
