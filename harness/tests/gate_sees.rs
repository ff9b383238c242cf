//! A gate that sees: deterministic counts compare across hosts when the toolchain matches, a gated
//! metric that cannot be compared fails closed (exit 2) unless allowed, a changed scenario is
//! named, a schema-1 baseline is read with its identities unknown, duplicates are refused, and the
//! gate knows which baseline scenarios it must re-measure and which are missing or not run.

use perfgate::compare::{CompareOptions, Comparison, Verdict, compare};
use perfgate::gate::{coverage, to_remeasure};
use perfgate::results::Results;
use perfgate::synthetic::{results, scenario};

fn options() -> CompareOptions {
    perfgate::synthetic::options()
}

/// A baseline and candidate of one scenario without wall time (as the committed baseline is).
fn pair(base_ir: u64, cand_ir: u64) -> (Results, Results) {
    let mut base = results(vec![scenario("s", 1.0, base_ir, 100_000)]);
    let mut cand = results(vec![scenario("s", 1.0, cand_ir, 100_000)]);
    base.scenarios[0].time = None;
    cand.scenarios[0].time = None;
    (base, cand)
}

fn row<'a>(comparison: &'a Comparison, metric: &str) -> &'a perfgate::compare::MetricComparison {
    comparison
        .metrics
        .iter()
        .find(|m| m.metric == metric)
        .unwrap_or_else(|| panic!("no {metric} row"))
}

#[test]
fn another_cpu_with_the_same_toolchain_still_compares_and_catches_four_percent() {
    let (mut base, cand) = pair(1_000_000, 1_040_000);
    base.fingerprint.cpu_model = Some("Intel Xeon".into());
    base.fingerprint.cpu_flags_hash = Some("other-flags".into());
    let comparison = compare(&base, &cand, &options());
    let ir = row(&comparison, "instructions");
    assert_eq!(ir.verdict, Verdict::Regressed);
    assert!(ir.cross_host);
    assert_eq!(
        ir.notes,
        [
            "compared across hosts (CPU model and CPU flags differ): counts depend on the binary and its input, not on the CPU"
        ]
    );
    assert_eq!(
        row(&comparison, "heap.total_bytes").verdict,
        Verdict::Unchanged
    );
    assert!(comparison.errors.is_empty(), "{:?}", comparison.errors);
    assert_eq!(comparison.exit_code(), 1);
}

#[test]
fn another_toolchain_fails_closed_unless_allowed_and_shows_both_values() {
    let (mut base, cand) = pair(1_000_000, 1_000_000);
    base.fingerprint.rustc = Some("rustc 1.94.0".into());
    let comparison = compare(&base, &cand, &options());
    let ir = row(&comparison, "instructions");
    assert_eq!(ir.verdict, Verdict::NotComparable);
    assert_eq!((ir.baseline, ir.candidate), (Some(1e6), Some(1e6)));
    assert_eq!(comparison.exit_code(), 2);
    assert_eq!(
        comparison.errors[0],
        "scenario `s`: instructions not compared: rustc differs (rustc 1.94.0 vs rustc 1.95.0) (a gated metric; pass --allow-uncompared instructions to accept that)"
    );
    let mut allowed = options();
    allowed.allow_uncompared = vec!["instructions".into(), "heap".into()];
    let comparison = compare(&base, &cand, &allowed);
    // Nothing else was compared: still an error, a pass must stand on a measurement.
    assert_eq!(comparison.exit_code(), 2);
    assert_eq!(comparison.uncompared, ["heap", "instructions"]);
}

#[test]
fn glibc_and_valgrind_are_part_of_the_toolchain() {
    let (mut base, cand) = pair(1_000_000, 1_000_000);
    base.fingerprint.valgrind = Some("valgrind-3.19.0".into());
    let mut allowed = options();
    allowed.allow_uncompared = vec!["instructions".into()];
    let comparison = compare(&base, &cand, &allowed);
    assert_eq!(
        row(&comparison, "instructions").verdict,
        Verdict::NotComparable
    );
    assert_eq!(
        row(&comparison, "heap.total_bytes").verdict,
        Verdict::Unchanged
    );
    assert_eq!(comparison.exit_code(), 0);
    let text = perfgate::export::terminal_table(
        &perfgate::export::Report {
            comparison: &comparison,
            candidate: &cand,
            baseline: "main",
            report_link: None,
        },
        false,
    );
    assert!(
        text.ends_with(
            "gate: PASS against main — 3 unchanged, 1 not comparable; instructions not compared (--allow-uncompared)\n"
        ),
        "{text}"
    );
    base.fingerprint.valgrind = None;
    base.fingerprint.glibc = Some("2.31".into());
    let comparison = compare(&base, &cand, &options());
    assert_eq!(
        row(&comparison, "heap.max_bytes").verdict,
        Verdict::NotComparable
    );
}

#[test]
fn exactly_at_the_threshold_is_unchanged() {
    let (base, cand) = pair(1_000_000, 1_010_000);
    assert_eq!(
        row(&compare(&base, &cand, &options()), "instructions").verdict,
        Verdict::Unchanged
    );
    let (base, cand) = pair(1_000_000, 990_000);
    assert_eq!(
        row(&compare(&base, &cand, &options()), "instructions").verdict,
        Verdict::Unchanged
    );
    let (base, cand) = pair(1_000_000, 1_010_001);
    assert_eq!(
        row(&compare(&base, &cand, &options()), "instructions").verdict,
        Verdict::Regressed
    );
}

#[test]
fn a_changed_scenario_is_named_and_not_silently_skipped() {
    let (base, mut cand) = pair(1_000_000, 1_100_000);
    cand.scenarios[0].scenario_hash = "another".into();
    let comparison = compare(&base, &cand, &options());
    let ir = row(&comparison, "instructions");
    assert_eq!(ir.verdict, Verdict::NotComparable);
    assert_eq!(
        ir.notes,
        [
            "changed scenario: the workload or corpus source in scenarios/s.toml is not the baseline's"
        ]
    );
    assert_eq!(comparison.exit_code(), 2);
    // The gate re-measures it with the new definition.
    assert_eq!(
        to_remeasure(&base, &cand, &comparison, false),
        [(
            "s".to_owned(),
            "changed scenario: the workload or corpus source in scenarios/s.toml is not the baseline's".to_owned()
        )]
    );
}

#[test]
fn a_cross_host_change_near_its_threshold_is_re_measured_and_a_merged_baseline_never() {
    let (mut base, cand) = pair(1_000_000, 1_012_000);
    base.fingerprint.cpu_model = Some("Intel Xeon".into());
    let comparison = compare(&base, &cand, &options());
    assert_eq!(
        to_remeasure(&base, &cand, &comparison, false),
        [(
            "s".to_owned(),
            "instructions changed +1.20 % across hosts, within 0.5 points of its threshold"
                .to_owned()
        )]
    );
    let (far_base, far) = {
        let (mut b, c) = pair(1_000_000, 1_100_000);
        b.fingerprint.cpu_model = Some("Intel Xeon".into());
        (b, c)
    };
    let far_comparison = compare(&far_base, &far, &options());
    assert!(to_remeasure(&far_base, &far, &far_comparison, false).is_empty());
    base.scenarios[0].fingerprint = Some(base.fingerprint.clone());
    assert!(to_remeasure(&base, &cand, &comparison, true).is_empty());
}

#[test]
fn another_toolchain_is_re_measured_and_remeasure_forces_it() {
    let (mut base, cand) = pair(1_000_000, 1_000_000);
    base.fingerprint.glibc = Some("2.31".into());
    let comparison = compare(&base, &cand, &options());
    assert_eq!(
        to_remeasure(&base, &cand, &comparison, false),
        [("s".to_owned(), "glibc differs (2.31 vs unknown)".to_owned())]
    );
    let (base, cand) = pair(1_000_000, 1_000_000);
    let comparison = compare(&base, &cand, &options());
    assert!(to_remeasure(&base, &cand, &comparison, false).is_empty());
    assert_eq!(
        to_remeasure(&base, &cand, &comparison, true),
        [("s".to_owned(), "--remeasure".to_owned())]
    );
}

#[test]
fn a_schema_1_file_is_read_with_its_identities_unknown() {
    let (base, cand) = pair(1_000_000, 1_000_000);
    let mut text = serde_json::to_value(&base).unwrap();
    text["schema_version"] = 1.into();
    let old = Results::parse(&text.to_string(), "old.json").unwrap();
    assert_eq!(old.scenarios[0].scenario_hash, "v1:s");
    assert_eq!(
        old.load_notes,
        [
            "old.json has schema version 1: its scenario identities hash the files' text, so every scenario counts as changed (re-measured where possible); re-save it with `perfgate baseline accept`"
        ]
    );
    let comparison = compare(&old, &cand, &options());
    assert_eq!(
        row(&comparison, "instructions").notes,
        ["changed scenario: the baseline (schema 1) does not record what its workload was"]
    );
    assert_eq!(comparison.notes[0], old.load_notes[0]);
}

#[test]
fn a_scenario_twice_in_a_results_file_is_refused() {
    let twice = results(vec![
        scenario("s", 1.0, 1_000_000, 1),
        scenario("s", 1.5, 1_500_000, 1),
    ]);
    let text = serde_json::to_string(&twice).unwrap();
    assert_eq!(
        Results::parse(&text, "twice.json").unwrap_err().to_string(),
        "twice.json is not a perfgate results file: scenario `s` appears twice; a results file holds each scenario once"
    );
}

fn scenario_file(name: &str, tags: &[&str]) -> perfgate::scenario::Scenario {
    let lock = perfgate::corpus::CorpusLock::default();
    let context = perfgate::scenario::Context {
        repo_root: std::path::Path::new("/nonexistent"),
        lock: &lock,
        rules: &[],
    };
    let text = format!(
        "name = \"{name}\"\ntags = [{}]\n[corpus]\nsynthetic = {{ files = 3, lines_per_file = 60, seed = 4, profile = \"dense\" }}\n[workload]\nkind = \"analyze\"\n",
        tags.iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    perfgate::scenario::parse(&text, &format!("scenarios/{name}.toml"), &context).unwrap()
}

#[test]
fn a_baseline_scenario_that_lost_its_tag_or_file_is_missing_and_a_narrower_filter_is_not_run() {
    let mut base = results(vec![
        scenario("kept", 1.0, 1, 1),
        scenario("untagged", 1.0, 1, 1),
        scenario("deleted", 1.0, 1, 1),
        scenario("filtered", 1.0, 1, 1),
    ]);
    base.selection = Some(perfgate::results::Selection {
        tags: vec!["pr".into()],
        filter: None,
    });
    let all = vec![
        scenario_file("kept", &["pr"]),
        scenario_file("untagged", &["nightly"]),
        scenario_file("filtered", &["pr"]),
    ];
    let selected = vec![all[0].clone()];
    let found = coverage(&mut base, &selected, &all, true);
    assert_eq!(
        found.missing,
        [
            (
                "untagged".to_owned(),
                "scenarios/untagged.toml no longer carries the baseline's tags (pr); re-accept the baseline without it, with a reason".to_owned()
            ),
            (
                "deleted".to_owned(),
                "no scenario file defines `deleted` any more".to_owned()
            ),
        ]
    );
    assert_eq!(found.not_run, ["filtered"]);
    assert_eq!(base.scenarios.len(), 1);
    let mut comparison = compare(&base, &base.clone(), &options());
    perfgate::gate::apply_coverage(&mut comparison, found);
    assert_eq!(comparison.exit_code(), 1);
    // A baseline without a recorded selection (schema 1) expects all it holds from the default set.
    let mut old = results(vec![
        scenario("kept", 1.0, 1, 1),
        scenario("filtered", 1.0, 1, 1),
    ]);
    let found = coverage(&mut old, &selected, &all, false);
    assert_eq!(found.missing.len(), 1);
    assert!(
        found.missing[0]
            .1
            .starts_with("the default selection no longer includes scenarios/filtered.toml")
    );
    let mut old = results(vec![
        scenario("kept", 1.0, 1, 1),
        scenario("filtered", 1.0, 1, 1),
    ]);
    assert_eq!(
        coverage(&mut old, &selected, &all, true).not_run,
        ["filtered"]
    );
}

#[test]
fn a_comment_or_a_tag_does_not_change_a_scenarios_identity_but_its_workload_does() {
    let plain = scenario_file("x", &["pr"]);
    let lock = perfgate::corpus::CorpusLock::default();
    let context = perfgate::scenario::Context {
        repo_root: std::path::Path::new("/nonexistent"),
        lock: &lock,
        rules: &[],
    };
    let commented = perfgate::scenario::parse(
        "# a comment\nname = \"x\"\ndescription = \"now described\"\ntags = [\"pr\", \"nightly\"]\n\n[corpus]\nsynthetic = { files = 3, lines_per_file = 60, seed = 4, profile = \"dense\" }\n[workload]\nkind   = \"analyze\"  # aligned\n[gate]\ninstructions = 2.0\n",
        "scenarios/x.toml",
        &context,
    )
    .unwrap();
    assert_eq!(plain.identity, commented.identity);
    let other_seed = perfgate::scenario::parse(
        "name = \"x\"\n[corpus]\nsynthetic = { files = 3, lines_per_file = 60, seed = 5, profile = \"dense\" }\n[workload]\nkind = \"analyze\"\n",
        "scenarios/x.toml",
        &context,
    )
    .unwrap();
    assert_ne!(plain.identity, other_seed.identity);
}
