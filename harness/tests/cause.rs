//! The cause where reviewers look: for an instruction regression the functions whose self Ir grew,
//! for a heap regression the allocation sites that grew, each with its share of the change, in the
//! terminal table, the Markdown comment (which also links the report) and the JUnit failure.

use perfgate::compare::{CompareOptions, Comparison, Verdict, compare};
use perfgate::engine::instructions::FunctionIr;
use perfgate::export::{Report, by_name, terminal_table};
use perfgate::results::{HeapSite, Results};
use perfgate::synthetic::{results, scenario};

fn options() -> CompareOptions {
    perfgate::synthetic::options()
}

fn functions(list: &[(&str, u64, u64)]) -> Vec<FunctionIr> {
    list.iter()
        .map(|(name, inclusive, self_ir)| FunctionIr {
            name: (*name).into(),
            inclusive: *inclusive,
            self_ir: *self_ir,
            calls: Default::default(),
        })
        .collect()
}

fn sites(list: &[(&str, u64)]) -> Vec<HeapSite> {
    list.iter()
        .map(|(name, bytes)| HeapSite {
            frames: vec![
                "with_capacity<u8> (src/vec/mod.rs)".to_owned(),
                format!("{name} (core/src/engine.rs)"),
            ],
            bytes: *bytes,
            blocks: 500,
            peak_bytes: 0,
        })
        .collect()
}

fn instructions(side: &mut Results) -> &mut perfgate::engine::instructions::InstructionData {
    side.scenarios[0].instructions.as_mut().unwrap()
}

fn heap(side: &mut Results) -> &mut perfgate::results::HeapData {
    side.scenarios[0].heap.as_mut().unwrap()
}

/// `beta`: +5 % Ir, 90 % of it in the magic-literal detector; +4.14 % heap bytes, all in one site.
fn injected() -> (Results, Comparison) {
    let mut base = results(vec![scenario("beta", 1.0, 1_000_000, 100_000)]);
    let mut cand = results(vec![scenario("beta", 1.0, 1_050_000, 104_140)]);
    for side in [&mut base, &mut cand] {
        side.scenarios[0].time = None;
    }
    instructions(&mut base).functions = functions(&[
        ("main", 1_000_000, 400_000),
        ("connascence::visit::walk", 600_000, 400_000),
        (
            "connascence::detectors::magic_literal::visit",
            200_000,
            200_000,
        ),
    ]);
    instructions(&mut cand).functions = functions(&[
        ("main", 1_050_000, 400_000),
        ("connascence::visit::walk", 650_000, 405_000),
        (
            "connascence::detectors::magic_literal::visit",
            245_000,
            245_000,
        ),
    ]);
    heap(&mut base).sites = sites(&[("read_file", 60_000), ("analyze_file", 40_000)]);
    heap(&mut cand).sites = sites(&[("read_file", 60_000), ("analyze_file", 44_140)]);
    let comparison = compare(&base, &cand, &options());
    (cand, comparison)
}

fn report<'a>(comparison: &'a Comparison, candidate: &'a Results) -> Report<'a> {
    Report {
        comparison,
        candidate,
        baseline: "main",
        report_link: Some("https://ci.example/o/r/actions/runs/7".into()),
    }
}

#[test]
fn the_comparison_carries_the_functions_and_sites_behind_a_change() {
    let (_, comparison) = injected();
    let row = |metric: &str| {
        comparison
            .metrics
            .iter()
            .find(|m| m.metric == metric)
            .unwrap()
    };
    let ir = row("instructions");
    assert_eq!(ir.verdict, Verdict::Regressed);
    let named: Vec<(&str, i64)> = ir
        .cause
        .iter()
        .map(|c| (c.site.as_str(), c.delta))
        .collect();
    assert_eq!(
        named,
        [("connascence::detectors::magic_literal::visit", 45_000)]
    );
    let bytes = row("heap.total_bytes");
    assert_eq!(bytes.verdict, Verdict::Regressed);
    assert_eq!(bytes.cause.len(), 1);
    assert_eq!(
        bytes.cause[0].site,
        "with_capacity<u8> in analyze_file (core/src/engine.rs)"
    );
    assert_eq!(bytes.cause[0].delta, 4_140);
    // An unchanged metric carries none.
    assert!(row("heap.total_blocks").cause.is_empty());
}

#[test]
fn the_terminal_names_the_functions_and_sites() {
    let (cand, comparison) = injected();
    let text = terminal_table(&report(&comparison, &cand), false);
    assert!(
        text.contains(
            "\nwhere beta instructions regressed: ΔIr = +50,000 (+5.00 %), by function (self Ir)\n  +45,000 Ir (90.0 %) connascence::detectors::magic_literal::visit\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "\nwhere beta heap.total_bytes regressed: Δtotal_bytes = +4,140 (+4.14 %), by allocation site\n  +4,140 B (100 %) with_capacity<u8> in analyze_file (core/src/engine.rs)\n"
        ),
        "{text}"
    );
}

#[test]
fn the_markdown_links_the_report_and_tables_the_cause() {
    let (cand, comparison) = injected();
    let text = by_name("markdown")
        .unwrap()
        .render(&report(&comparison, &cand));
    assert!(
        text.contains("Report: [the HTML report](https://ci.example/o/r/actions/runs/7)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "#### Where it changed\n\n**beta · instructions** 🔴 regressed: ΔIr = +50,000 (+5.00 %)\n\n| change | share | function (self Ir) |\n|---:|---:|---|\n| +45,000 Ir | 90.0 % | connascence::detectors::magic\\_literal::visit |\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("| +4,140 B | 100 % | with\\_capacity&lt;u8&gt; in analyze\\_file (core/src/engine.rs) |\n"),
        "{text}"
    );
    // A path (no web address) is shown as text, not as a link.
    let mut local = report(&comparison, &cand);
    local.report_link = Some("reports/gate/index.html".into());
    let text = by_name("markdown").unwrap().render(&local);
    assert!(text.contains("Report: reports/gate/index.html\n"), "{text}");
}

#[test]
fn the_junit_failure_says_where_the_change_went() {
    let (cand, comparison) = injected();
    let xml = by_name("junit")
        .unwrap()
        .render(&report(&comparison, &cand));
    assert!(
        xml.contains(
            "<failure message=\"regressed: ΔIr = +50,000 (+5.00 %); 90.0 % in connascence::detectors::magic_literal::visit\">"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(
            "by function (self Ir):\n  +45,000 Ir (90.0 %) connascence::detectors::magic_literal::visit</failure>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<failure message=\"regressed: Δtotal_bytes = +4,140 (+4.14 %); 100 % in with_capacity&lt;u8&gt; in analyze_file (core/src/engine.rs)\">"
        ),
        "{xml}"
    );
}

#[test]
fn an_old_baseline_without_sites_says_how_to_get_them() {
    let mut base = results(vec![scenario("beta", 1.0, 1_000_000, 100_000)]);
    let mut cand = results(vec![scenario("beta", 1.0, 1_000_000, 110_000)]);
    cand.scenarios[0].heap.as_mut().unwrap().sites = sites(&[("analyze_file", 110_000)]);
    base.scenarios[0].time = None;
    cand.scenarios[0].time = None;
    let comparison = compare(&base, &cand, &options());
    let bytes = comparison
        .metrics
        .iter()
        .find(|m| m.metric == "heap.total_bytes")
        .unwrap();
    assert_eq!(bytes.verdict, Verdict::Regressed);
    assert!(bytes.cause.is_empty());
    assert!(
        bytes
            .notes
            .iter()
            .any(|n| n.starts_with("the baseline has no allocation sites")),
        "{:?}",
        bytes.notes
    );
}
