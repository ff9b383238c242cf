//! Property tests (proptest) of the statistics behind the gate: symmetries and bounds that must hold
//! for any samples, not only the worked examples of the unit tests.

use perfgate::compare::time::{TimeTest, TimeVerdict, decide_family, test};
use perfgate::stats::{self, Tail};
use proptest::prelude::*;

const ALPHA: f64 = 0.05;

/// Round medians as a benchmark produces them: positive times around 1 ms with a spread of a few
/// per cent, 3 to 20 rounds per side.
fn rounds() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.5e6f64..2.0e6, 3..20)
}

/// Two sides, the second shifted by a factor between −30 % and +30 % so that every verdict occurs.
fn sides() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (rounds(), rounds(), 0.7f64..1.3).prop_map(|(a, b, factor)| {
        let b = b.iter().map(|v| v * factor).collect();
        (a, b)
    })
}

/// Whether all log values, and all shifted comparisons the tests make, are apart by more than
/// rounding can move them (so that exact ranks cannot flip under scaling).
fn well_separated(a: &[f64], b: &[f64], threshold: f64) -> bool {
    let shifts = [0.0, (1.0 + threshold).ln(), (1.0 - threshold).ln()];
    a.iter().all(|x| {
        b.iter().all(|y| {
            shifts
                .iter()
                .all(|shift| (y.ln() - shift - x.ln()).abs() > 1e-9)
        })
    })
}

fn verdict(a: &[f64], b: &[f64], threshold: f64) -> (TimeTest, TimeVerdict) {
    let result = test(a, b, threshold, ALPHA, 1, None).expect("valid samples");
    let verdict = decide_family(std::slice::from_ref(&result), &[(threshold, 0.10)], ALPHA)[0];
    (result, verdict)
}

/// Equal within rounding; equal infinities (an unbounded interval end) count as equal.
fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    // A fixed seed: CI runs the same 1,000 cases every time (a failure repeats; another seed or
    // more cases explore further: 15 random seeds of 1,000 cases and one of 20,000 passed before
    // it was fixed), and nothing is written into the source tree.
    #![proptest_config(ProptestConfig {
        cases: 1000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(2026),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn swapping_the_sides_inverts_the_ratio_and_its_interval((a, b) in sides()) {
        let (forward, _) = verdict(&a, &b, 0.03);
        let (backward, _) = verdict(&b, &a, 0.03);
        prop_assert!(close(forward.ratio * backward.ratio, 1.0), "{} · {}", forward.ratio, backward.ratio);
        prop_assert!(close(forward.interval.0, 1.0 / backward.interval.1));
        prop_assert!(close(forward.interval.1, 1.0 / backward.interval.0));
        prop_assert!(close(forward.hodges_lehmann * backward.hodges_lehmann, 1.0));
    }

    #[test]
    fn scaling_both_sides_leaves_verdicts_unchanged(
        (a, b) in sides(),
        power in -20i32..20,
        threshold in prop::sample::select(vec![0.01, 0.03, 0.05, 0.10]),
    ) {
        prop_assume!(well_separated(&a, &b, threshold));
        let scale = 2f64.powi(power);
        let scaled_a: Vec<f64> = a.iter().map(|v| v * scale).collect();
        let scaled_b: Vec<f64> = b.iter().map(|v| v * scale).collect();
        let (original, original_verdict) = verdict(&a, &b, threshold);
        let (scaled, scaled_verdict) = verdict(&scaled_a, &scaled_b, threshold);
        prop_assert_eq!(original_verdict, scaled_verdict);
        prop_assert!(close(original.p_regressed, scaled.p_regressed));
        prop_assert!(close(original.p_improved, scaled.p_improved));
        prop_assert!(close(original.ratio, scaled.ratio));
    }

    #[test]
    fn p_values_lie_in_the_unit_interval((a, b) in sides(), ties in any::<bool>()) {
        // With `ties`, values are rounded to a coarse grid so that the tie-corrected path runs.
        let grid = |v: &Vec<f64>| -> Vec<f64> {
            if ties { v.iter().map(|x| (x / 1e5).round() * 1e5).collect() } else { v.clone() }
        };
        let (a, b) = (grid(&a), grid(&b));
        for tail in [Tail::Greater, Tail::Less, Tail::TwoSided] {
            let p = stats::mann_whitney(&a, &b, tail).unwrap().p;
            prop_assert!((0.0..=1.0).contains(&p), "Mann–Whitney {tail:?} p = {p}");
        }
        let log = |v: &[f64]| -> Vec<f64> { v.iter().map(|x| x.ln()).collect() };
        let welch = stats::welch_log(&log(&a), &log(&b)).unwrap().p;
        prop_assert!((0.0..=1.0).contains(&welch), "Welch p = {welch}");
        let (result, _) = verdict(&a, &b, 0.03);
        prop_assert!((0.0..=1.0).contains(&result.p_regressed));
        prop_assert!((0.0..=1.0).contains(&result.p_improved));
    }

    #[test]
    fn holm_never_rejects_more_than_the_unadjusted_tests(
        p in prop::collection::vec(0.0f64..=1.0, 1..40),
        alpha in 0.001f64..0.2,
    ) {
        let adjusted = stats::holm(&p);
        prop_assert_eq!(adjusted.len(), p.len());
        for (raw, adjusted) in p.iter().zip(&adjusted) {
            prop_assert!(adjusted >= raw, "Holm lowered {raw} to {adjusted}");
            prop_assert!((0.0..=1.0).contains(adjusted));
        }
        let rejected = |values: &[f64]| values.iter().filter(|v| **v < alpha).count();
        prop_assert!(rejected(&adjusted) <= rejected(&p));
        let q = stats::benjamini_hochberg(&p);
        prop_assert!(q.iter().all(|v| (0.0..=1.0).contains(v)));
        // Benjamini–Hochberg controls a weaker error rate: it rejects at least what Holm does.
        prop_assert!(rejected(&q) >= rejected(&adjusted));
    }

    #[test]
    fn the_minimum_detectable_effect_shrinks_as_rounds_grow(
        s in 0.001f64..0.5,
        tests in 1usize..50,
        n in 2usize..200,
        m in 2usize..200,
    ) {
        // Against the threshold: always above it, and closer to it as rounds grow on both sides
        // (with unequal rounds Welch's degrees of freedom can fall as one side grows, so only
        // finiteness is asserted there).
        prop_assert!(stats::mde(s, 0.03, ALPHA, tests, n, m) > 0.03);
        prop_assert!(stats::mde(s, 0.03, ALPHA, tests, n, m).is_finite());
        let now = stats::mde(s, 0.03, ALPHA, tests, n, n);
        // (Up to the integration's own error, which shows at s = 0.1 % and hundreds of rounds.)
        let below = |next: f64| next < now + 1e-9;
        prop_assert!(below(stats::mde(s, 0.03, ALPHA, tests, n + 1, n + 1)));
        prop_assert!(below(stats::mde(s, 0.03, ALPHA, tests, n + 5, n + 5)));
    }
}
