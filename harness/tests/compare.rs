//! Verdicts on synthetic results with known effects, and the exit-code table case by case
//! (docs/perfgate/statistics.md): wall time, instructions and heap, counters and behaviour changes,
//! comparability across hosts and toolchains, failed or missing scenarios.

use perfgate::compare::{CompareOptions, Comparison, Verdict, compare, confirm};
use perfgate::results::{Results, Status};
use perfgate::synthetic::{BASE_MS, counters, results, scenario, time};

fn options() -> CompareOptions {
    perfgate::synthetic::options()
}

fn verdict(comparison: &Comparison, scenario: &str, metric: &str) -> Verdict {
    comparison
        .metrics
        .iter()
        .find(|m| m.scenario == scenario && m.metric == metric)
        .unwrap_or_else(|| panic!("no {scenario} {metric}"))
        .verdict
}

/// A scenario with wall time only (what the second stage measures).
fn time_only(name: &str, factor: f64) -> perfgate::results::ScenarioResult {
    let mut only = scenario(name, factor, 1_000_000, 100_000);
    only.instructions = None;
    only.heap = None;
    only.counters = None;
    only
}

fn base() -> Results {
    results(vec![scenario("a", 1.0, 1_000_000, 100_000)])
}

#[test]
fn wall_time_verdicts_follow_the_threshold_test() {
    let base = results(vec![
        scenario("slower", 1.0, 1_000_000, 100_000),
        scenario("same", 1.0, 1_000_000, 100_000),
        scenario("faster", 1.0, 1_000_000, 100_000),
    ]);
    let mut same = scenario("same", 1.0, 1_000_000, 100_000);
    // Identical rounds in another order: no change.
    same.time = Some(time(&[99.8, 100.5, 99.0, 101.0, 100.0, 99.5, 100.2]));
    let candidate = results(vec![
        scenario("slower", 1.10, 1_000_000, 100_000),
        same,
        scenario("faster", 0.90, 1_000_000, 100_000),
    ]);
    let comparison = compare(&base, &candidate, &options());
    assert_eq!(verdict(&comparison, "slower", "time"), Verdict::Regressed);
    assert_eq!(verdict(&comparison, "same", "time"), Verdict::Unchanged);
    assert_eq!(verdict(&comparison, "faster", "time"), Verdict::Improved);
    let slower = comparison
        .metrics
        .iter()
        .find(|m| m.scenario == "slower" && m.metric == "time")
        .unwrap();
    assert!((slower.ratio.unwrap() - 1.10).abs() < 0.01);
    let (low, high) = slower.interval.unwrap();
    assert!(low > 1.03 && high < 1.2, "{low} {high}");
    // Holm over 3 tests: Welch's one-sided p of "more than 3 % slower", times 3.
    assert!(slower.p_adjusted.unwrap() < 1e-5, "{:?}", slower.p_adjusted);
    assert!((slower.p_adjusted.unwrap() - 3.0 * slower.p.unwrap()).abs() < 1e-15);
    assert_eq!(slower.rounds, Some((7, 7)));
    assert_eq!(comparison.exit_code(), 1);
}

#[test]
fn two_percent_at_a_three_percent_threshold_with_three_rounds_is_not_a_regression() {
    let mut old = scenario("a", 1.0, 1_000_000, 100_000);
    old.time = Some(time(&BASE_MS[..3]));
    let mut new = scenario("a", 1.0, 1_000_000, 100_000);
    new.time = Some(time(
        &BASE_MS[..3].iter().map(|m| m * 1.02).collect::<Vec<_>>(),
    ));
    let comparison = compare(&results(vec![old]), &results(vec![new]), &options());
    let metric = &comparison.metrics[0];
    assert_eq!(metric.verdict, Verdict::Inconclusive);
    // The interval of three rounds a side reaches past +3 %: not shown to be unchanged either.
    assert_eq!(
        metric.notes,
        [
            "low power: 3 rounds per side (a gate verdict wants 5)",
            "the interval [+0.240 %, +3.79 %] reaches past ±3.00 %: neither a regression shown nor a change within the threshold"
        ]
    );
    assert!(metric.interval.unwrap().1 > 1.03, "{:?}", metric.interval);
    assert_eq!(comparison.exit_code(), 0);
}

#[test]
fn instructions_and_heap_are_deterministic_threshold_checks() {
    let cases = [
        (1_005_000, 100_000, Verdict::Unchanged, Verdict::Unchanged),
        (1_020_000, 103_000, Verdict::Regressed, Verdict::Regressed),
        (980_000, 97_000, Verdict::Improved, Verdict::Improved),
        (1_009_999, 101_999, Verdict::Unchanged, Verdict::Unchanged),
    ];
    for (ir, bytes, ir_verdict, heap_verdict) in cases {
        let candidate = results(vec![scenario("a", 1.0, ir, bytes)]);
        let comparison = compare(&base(), &candidate, &options());
        assert_eq!(
            verdict(&comparison, "a", "instructions"),
            ir_verdict,
            "{ir}"
        );
        assert_eq!(
            verdict(&comparison, "a", "heap.total_bytes"),
            heap_verdict,
            "{bytes}"
        );
        assert_eq!(
            verdict(&comparison, "a", "heap.max_bytes"),
            Verdict::Unchanged
        );
    }
}

#[test]
fn counter_changes_are_listed_and_findings_are_behaviour() {
    let mut new = scenario("a", 1.0, 1_000_000, 100_000);
    new.counters = Some(counters(101));
    new.counters.as_mut().unwrap().nodes = 5001;
    let comparison = compare(&base(), &results(vec![new]), &options());
    let changes: Vec<(String, String, String, bool)> = comparison
        .counter_changes
        .iter()
        .map(|c| {
            (
                c.counter.clone(),
                c.baseline.clone(),
                c.candidate.clone(),
                c.behaviour,
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("nodes".into(), "5000".into(), "5001".into(), false),
            ("findings".into(), "100".into(), "101".into(), true),
            (
                "findings[magic-literal]".into(),
                "100".into(),
                "101".into(),
                true
            ),
            (
                "findings_digest".into(),
                "digest-100".into(),
                "digest-101".into(),
                true
            ),
        ]
    );
    // Listed apart; the gate's exit code is about performance.
    assert_eq!(comparison.exit_code(), 0);
}

#[test]
fn the_exit_code_table_case_by_case() {
    let ok = || scenario("a", 1.0, 1_000_000, 100_000);
    // All unchanged: 0.
    assert_eq!(
        compare(&base(), &results(vec![ok()]), &options()).exit_code(),
        0
    );
    // A failed scenario: 2, with its reason.
    let mut failed = ok();
    failed.status = Status::Failed {
        reason: "the workload panicked".into(),
    };
    let comparison = compare(&base(), &results(vec![failed]), &options());
    assert_eq!(
        comparison.errors,
        ["scenario `a` failed: the workload panicked"]
    );
    assert_eq!(comparison.exit_code(), 2);
    // Ir == 0: 2.
    let comparison = compare(
        &base(),
        &results(vec![scenario("a", 1.0, 0, 100_000)]),
        &options(),
    );
    assert_eq!(
        comparison.errors,
        ["scenario `a`: Ir == 0 is not a measurement (this run)"]
    );
    assert_eq!(comparison.exit_code(), 2);
    // Zero samples: 2.
    let mut empty = ok();
    empty.time.as_mut().unwrap().rounds.clear();
    let comparison = compare(&base(), &results(vec![empty]), &options());
    assert_eq!(
        comparison.errors,
        ["scenario `a`: the time engine recorded zero samples (this run)"]
    );
    assert_eq!(comparison.exit_code(), 2);
    // A scenario missing from the candidate: 1.
    let comparison = compare(&base(), &results(vec![]), &options());
    assert_eq!(comparison.missing, ["a"]);
    assert_eq!(comparison.exit_code(), 1);
    // A new scenario without baseline: noted, 0.
    let comparison = compare(
        &base(),
        &results(vec![ok(), scenario("b", 1.0, 5, 5)]),
        &options(),
    );
    assert_eq!(comparison.added, ["b"]);
    assert_eq!(comparison.exit_code(), 0);
}

#[test]
fn wall_time_from_another_host_is_not_compared_and_fails_closed_unless_allowed() {
    let mut candidate = results(vec![scenario("a", 1.5, 1_000_000, 100_000)]);
    candidate.fingerprint.cpu_model = Some("Other CPU".into());
    let comparison = compare(&base(), &candidate, &options());
    let time = comparison
        .metrics
        .iter()
        .find(|m| m.metric == "time")
        .unwrap();
    assert_eq!(time.verdict, Verdict::NotComparable);
    assert_eq!(time.notes, ["CPU model differs (Test CPU vs Other CPU)"]);
    // Both sides' values are shown all the same.
    assert_eq!((time.baseline, time.candidate), (Some(1.0e8), Some(1.5e8)));
    // Instructions and heap still gate across hosts.
    assert_eq!(
        verdict(&comparison, "a", "instructions"),
        Verdict::Unchanged
    );
    // The baseline's wall time went uncompared: fail closed…
    assert_eq!(comparison.exit_code(), 2);
    assert_eq!(
        comparison.errors,
        [
            "scenario `a`: time not compared: CPU model differs (Test CPU vs Other CPU) (a gated metric; pass --allow-uncompared time to accept that)"
        ]
    );
    assert!(comparison.notes[0].starts_with("the baseline comes from another host"));
    // Measured by compare-branches (no --allow-uncompared there), the error says what to do instead.
    let mut two_builds = options();
    two_builds.two_builds = true;
    assert_eq!(
        compare(&base(), &candidate, &two_builds).errors,
        [
            "scenario `a`: time not compared: CPU model differs (Test CPU vs Other CPU) (a gated metric; leave the scenario out (--filter) or compare it with `perfgate compare --allow-uncompared time`)"
        ]
    );
    // … unless allowed, and then the verdict line says so.
    let mut uncompared = options();
    uncompared.allow_uncompared = vec!["time".into()];
    let comparison = compare(&base(), &candidate, &uncompared);
    assert_eq!(comparison.exit_code(), 0);
    assert_eq!(comparison.uncompared, ["time"]);
    // --allow-foreign compares it anyway, and says so.
    let mut allow = options();
    allow.allow_foreign = true;
    let comparison = compare(&base(), &candidate, &allow);
    let time = comparison
        .metrics
        .iter()
        .find(|m| m.metric == "time")
        .unwrap();
    assert_eq!(time.verdict, Verdict::Regressed);
    assert!(time.notes[0].starts_with("compared across hosts (--allow-foreign)"));
}

#[test]
fn another_toolchain_makes_counts_not_comparable_and_cpu_flags_do_not() {
    let mut candidate = results(vec![scenario("a", 1.0, 1_100_000, 100_000)]);
    candidate.fingerprint.rustc = Some("rustc 1.96.0".into());
    let comparison = compare(&base(), &candidate, &options());
    assert!(
        comparison
            .metrics
            .iter()
            .all(|m| m.verdict == Verdict::NotComparable)
    );
    assert_eq!(
        comparison.metrics[0].notes,
        ["rustc differs (rustc 1.95.0 vs rustc 1.96.0)"]
    );
    assert_eq!(comparison.exit_code(), 2);
    let mut candidate = results(vec![scenario("a", 1.0, 1_100_000, 100_000)]);
    candidate.fingerprint.cpu_flags_hash = Some("other".into());
    let comparison = compare(&base(), &candidate, &options());
    assert_eq!(
        verdict(&comparison, "a", "instructions"),
        Verdict::Regressed
    );
    assert_eq!(
        verdict(&comparison, "a", "heap.total_bytes"),
        Verdict::Unchanged
    );
    // A changed scenario: nothing of that scenario is comparable with the stored baseline.
    let mut changed = scenario("a", 1.0, 1_100_000, 100_000);
    changed.scenario_hash = "s2".into();
    let mut allow_all = options();
    allow_all.allow_uncompared = vec!["time".into(), "instructions".into(), "heap".into()];
    let comparison = compare(&base(), &results(vec![changed]), &allow_all);
    assert!(
        comparison
            .metrics
            .iter()
            .all(|m| m.verdict == Verdict::NotComparable)
    );
    // ... and a gate that compared nothing fails closed, even when every family may go uncompared.
    assert_eq!(
        comparison.errors,
        ["nothing was compared: no metric of the baseline was measured comparably by this run"]
    );
    assert_eq!(comparison.exit_code(), 2);
}

#[test]
fn a_metric_only_the_candidate_measured_has_no_baseline_and_gates_nothing() {
    let mut old = scenario("a", 1.0, 1_000_000, 100_000);
    old.time = None;
    old.instructions = None;
    let comparison = compare(
        &results(vec![old]),
        &results(vec![scenario("a", 1.0, 1_000_000, 100_000)]),
        &options(),
    );
    let rows: Vec<(&str, Verdict, &str)> = comparison
        .metrics
        .iter()
        .map(|m| {
            (
                m.metric.as_str(),
                m.verdict,
                m.notes.first().map_or("", String::as_str),
            )
        })
        .collect();
    assert_eq!(
        rows[..2],
        [
            (
                "time",
                Verdict::NoBaseline,
                "the baseline has no time data (wall time is compared only where both sides ran on one host)"
            ),
            (
                "instructions",
                Verdict::NoBaseline,
                "the baseline has no instructions data"
            ),
        ]
    );
    assert_eq!(comparison.exit_code(), 0);
}

#[test]
fn confirm_decides_on_fresh_rounds_of_both_sides_alone_and_keeps_the_first_verdict() {
    let baseline = results(vec![
        scenario("noisy", 1.0, 1_000_000, 100_000),
        scenario("steady", 1.0, 1_000_000, 100_000),
    ]);
    let candidate = results(vec![
        scenario("noisy", 1.10, 1_000_000, 100_000),
        scenario("steady", 1.0, 1_000_000, 100_000),
    ]);
    let mut comparison = compare(&baseline, &candidate, &options());
    assert_eq!(verdict(&comparison, "noisy", "time"), Verdict::Regressed);
    assert_eq!(confirm::suspects(&comparison), ["noisy"]);
    // Holm p: 2 × scipy.stats.ttest_ind(log b − log 1.03, log a, alternative="greater").pvalue
    // = 2.9e-10. Fresh rounds of both builds show no change.
    let fresh = |factor: f64| results(vec![time_only("noisy", factor)]);
    confirm::decide_on_fresh_rounds(&mut comparison, &fresh(1.0), &fresh(1.0), &options());
    let noisy = comparison
        .metrics
        .iter()
        .find(|m| m.scenario == "noisy" && m.metric == "time")
        .unwrap();
    assert_eq!(noisy.verdict, Verdict::Unchanged);
    assert_eq!(
        noisy.notes[0],
        "stage 1: regressed (+10.0 %, Holm p 2.9e-10); stage 2 decided on 7 + 7 fresh rounds of both builds (Holm over 1 suspect(s))"
    );
    assert_eq!(verdict(&comparison, "steady", "time"), Verdict::Unchanged);
    assert_eq!(comparison.exit_code(), 0);
}

#[test]
fn confirm_without_a_baseline_build_reports_new_rounds_and_keeps_the_verdict() {
    let baseline = results(vec![scenario("noisy", 1.0, 1_000_000, 100_000)]);
    let candidate = results(vec![scenario("noisy", 1.10, 1_000_000, 100_000)]);
    let mut comparison = compare(&baseline, &candidate, &options());
    confirm::report_candidate_only(
        &mut comparison,
        &baseline,
        &results(vec![time_only("noisy", 1.0)]),
        &options(),
        "the baseline has no commit",
    );
    let noisy = &comparison
        .metrics
        .iter()
        .find(|m| m.metric == "time")
        .unwrap();
    assert_eq!(noisy.verdict, Verdict::Regressed);
    assert_eq!(
        noisy.notes.last().unwrap(),
        "not confirmed: 7 new rounds of this build against the stored baseline rounds show unchanged (0 %); \
         they cannot decide (those baseline rounds chose the suspect), so the verdict stays; \
         a confirmed verdict needs the baseline built (the baseline has no commit)"
    );
    assert_eq!(comparison.exit_code(), 1);
}

#[test]
fn a_scenario_whose_test_cannot_run_is_not_counted_in_the_family() {
    // Two rounds cannot be tested: Holm and the interval level count one test, not two.
    let mut short_old = scenario("short", 1.0, 1_000_000, 100_000);
    short_old.time = Some(time(&BASE_MS[..2]));
    let mut short_new = scenario("short", 1.0, 1_000_000, 100_000);
    short_new.time = Some(time(&BASE_MS[..2]));
    let comparison = compare(
        &results(vec![short_old, scenario("slower", 1.0, 1_000_000, 100_000)]),
        &results(vec![
            short_new,
            scenario("slower", 1.10, 1_000_000, 100_000),
        ]),
        &options(),
    );
    let slower = comparison
        .metrics
        .iter()
        .find(|m| m.scenario == "slower" && m.metric == "time")
        .unwrap();
    assert_eq!(slower.p_adjusted, slower.p);
    let short = comparison
        .metrics
        .iter()
        .find(|m| m.scenario == "short" && m.metric == "time")
        .unwrap();
    assert_eq!(
        short.notes,
        ["no wall-time verdict: each side needs at least 3 values (got 2 and 2)"]
    );
}

#[test]
fn a_scenario_too_noisy_for_the_promise_is_inconclusive_and_says_how_many_rounds_it_needs() {
    let noisy = [100.0, 112.0, 91.0, 106.0, 95.0];
    let mut old = scenario("noisy", 1.0, 1_000_000, 100_000);
    old.time = Some(time(&noisy));
    let mut new = scenario("noisy", 1.0, 1_000_000, 100_000);
    new.time = Some(time(&[101.0, 95.0, 108.0, 93.0, 104.0]));
    let comparison = compare(&results(vec![old]), &results(vec![new]), &options());
    let metric = &comparison.metrics[0];
    assert_eq!(metric.verdict, Verdict::Inconclusive);
    let note = metric.notes.last().unwrap();
    assert!(
        note.starts_with("cannot see a 10.0 % slowdown with 5 rounds a side (s = "),
        "{note}"
    );
    let needed: usize = note
        .strip_suffix(" rounds a side")
        .and_then(|rest| rest.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{note}"));
    let s = {
        let log = |v: &[f64]| v.iter().map(|x| x.ln()).collect::<Vec<_>>();
        perfgate::stats::pooled_std_dev(&log(&noisy), &log(&[101.0, 95.0, 108.0, 93.0, 104.0]))
    };
    assert!(metric.mde.unwrap() > 0.10);
    assert!(perfgate::stats::mde(s, 0.03, 0.05, 1, needed, needed) <= 0.10);
    assert!(perfgate::stats::mde(s, 0.03, 0.05, 1, needed - 1, needed - 1) > 0.10);
    assert_eq!(comparison.exit_code(), 0);
}

#[test]
fn a_suspect_the_second_stage_could_not_time_is_an_error() {
    let baseline = results(vec![scenario("noisy", 1.0, 1_000_000, 100_000)]);
    let candidate = results(vec![scenario("noisy", 1.10, 1_000_000, 100_000)]);
    let mut comparison = compare(&baseline, &candidate, &options());
    let mut failed = time_only("noisy", 1.0);
    failed.time = None;
    failed.status = Status::Failed {
        reason: "time round 2 exited with 101".into(),
    };
    let mut fine = time_only("noisy", 1.10);
    fine.time = None;
    confirm::decide_on_fresh_rounds(
        &mut comparison,
        &results(vec![failed]),
        &results(vec![fine]),
        &options(),
    );
    assert!(
        comparison.errors.contains(
            &"scenario `noisy`: the second stage could not time both builds: time round 2 exited with 101"
                .to_owned()
        ),
        "{:?}",
        comparison.errors
    );
    assert_eq!(comparison.exit_code(), 2);
}
