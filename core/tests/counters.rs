//! Counters are exact: hand-counted trees and files give exactly these numbers.

use connascence::detectors::Settings;
use connascence::engine::{analyze_bytes, analyze_source};
use connascence::{Mode, Rule};

/// The five rules of Core 1/4: the hand counts below are for exactly these.
fn five_rules() -> Vec<Rule> {
    [
        "positional-params",
        "timing",
        "god-object",
        "unbounded-loop",
        "long-function",
    ]
    .map(|id| Rule::by_id(id).unwrap())
    .to_vec()
}

fn rules_all() -> connascence::detectors::RuleSet {
    Settings::only(&five_rules()).compile().unwrap()
}

#[test]
fn an_assignment_has_three_nodes() {
    // StmtAssign, ExprName `x`, ExprNumberLiteral `1`.
    let outcome = analyze_source("one.py", "x = 1\n", &rules_all(), Mode::Unified);
    assert_eq!(outcome.counters.traversal.nodes, 3);
    assert_eq!(outcome.counters.traversal.node_visits, 3);
    assert_eq!(outcome.counters.traversal.detector_calls, 0);
}

#[test]
fn a_function_counts_identifiers_and_parameters_as_nodes() {
    // StmtFunctionDef, Identifier `f`, Parameters, ParameterWithDefault, Parameter, Identifier `a`,
    // StmtReturn, ExprName `a`.
    let text = "def f(a):\n    return a\n";
    let unified = analyze_source("two.py", text, &rules_all(), Mode::Unified)
        .counters
        .traversal;
    assert_eq!(
        (unified.nodes, unified.node_visits, unified.traversals),
        (8, 8, 1)
    );
    // Enter of the FunctionDef for positional-params and long-function (2, they ask for no
    // `leave`), enter and leave of the FunctionDef and of the Return for unbounded-loop (4).
    assert_eq!(unified.detector_calls, 6);
    let per_detector = analyze_source("two.py", text, &rules_all(), Mode::PerDetector)
        .counters
        .traversal;
    let detectors = five_rules().len() as u64;
    assert_eq!(per_detector.nodes, 8);
    assert_eq!(per_detector.node_visits, 8 * detectors);
    assert_eq!(per_detector.traversals, detectors);
    assert_eq!(per_detector.detector_calls, 6);
}

#[test]
fn lines_and_bytes_are_counted_exactly() {
    let counters = analyze_bytes("f.py", b"a = 1\nb = 2", &rules_all(), Mode::Unified).counters;
    assert_eq!(
        (
            counters.files,
            counters.files_analyzed,
            counters.lines,
            counters.bytes
        ),
        (1, 1, 2, 11)
    );
    let empty = analyze_bytes("e.py", b"", &rules_all(), Mode::Unified).counters;
    assert_eq!(
        (
            empty.files,
            empty.files_analyzed,
            empty.lines,
            empty.traversal.nodes
        ),
        (1, 1, 0, 0)
    );
}

#[test]
fn a_file_that_does_not_parse_counts_one_diagnostic_and_no_analysis() {
    let outcome = analyze_bytes("bad.py", b"def f(:\n", &rules_all(), Mode::Unified);
    assert_eq!(outcome.counters.diagnostics, 1);
    assert_eq!(outcome.counters.files_analyzed, 0);
    assert_eq!(outcome.counters.traversal.nodes, 0);
    assert_eq!(
        outcome.diagnostics[0].kind,
        connascence::DiagnosticKind::Syntax
    );
}

#[test]
fn findings_are_counted_by_rule_and_severity() {
    let text = "import time\ntime.sleep(1)\nwhile True:\n    pass\n";
    let counters = analyze_source("c.py", text, &rules_all(), Mode::Unified).counters;
    assert_eq!(counters.findings, 2);
    let outcome = analyze_source("c.py", text, &rules_all(), Mode::Unified);
    let mut aggregator = connascence::aggregate::Aggregator::default();
    aggregator.add(outcome);
    let report = aggregator.finish(&rules_all());
    assert_eq!(report.stats.findings_by_rule.get("timing"), Some(&1));
    assert_eq!(
        report.stats.findings_by_rule.get("unbounded-loop"),
        Some(&1)
    );
    assert_eq!(
        report
            .stats
            .findings_by_severity
            .get(&connascence::Severity::High),
        Some(&1)
    );
    assert_eq!(
        report
            .stats
            .findings_by_severity
            .get(&connascence::Severity::Medium),
        Some(&1)
    );
}
