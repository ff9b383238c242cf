//! The wall-time decision for one scenario (docs/perfgate/statistics.md): is the candidate slower
//! than the baseline by more than the threshold t? Rounds are the unit; their medians are compared
//! on log scale with Welch's t-test, which gives continuous p-values on few rounds (an exact rank
//! test on five rounds a side cannot go below p = 1/252, so Holm over a suite of 13 scenarios
//! could never flag anything) and keeps its level when a change also changes the spread (the
//! pooled t does not, at the small levels Holm asks for). Regressed: the one-sided test of
//! log b − log(1 + t) against log a,
//! Holm-adjusted p < α over all wall-time tests of the run; improved: the mirror with log(1 − t);
//! unchanged: the t interval of the shift at 1 − 2α/m lies inside (1 − t, 1 + t) and the
//! scenario's minimum detectable effect is within what the gate promises to see; otherwise
//! inconclusive. Mann–Whitney and the Hodges–Lehmann shift stay as a distribution-free second
//! opinion in the reports.

use crate::stats::{self, StatsError, Tail};

/// Rounds per side below which no wall-time verdict is given.
pub const MIN_ROUNDS: usize = 3;
/// Rounds per side a gate verdict should have; fewer is "low power".
pub const GATE_ROUNDS: usize = 5;
/// The most rounds a side "needs N rounds" will ever suggest.
pub const ROUNDS_LIMIT: usize = 1000;

/// Everything computed for one scenario before the family-wide correction.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeTest {
    /// One-sided Welch p of "slower by more than t" and of "faster by more than t" (raw).
    pub p_regressed: f64,
    pub p_improved: f64,
    /// The ratio of the geometric means of the round medians, candidate / baseline.
    pub ratio: f64,
    /// Its Welch interval at 1 − 2α/m, as ratios.
    pub interval: (f64, f64),
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// The second opinion: one-sided Mann–Whitney p of "slower by more than t" (raw).
    pub mann_whitney_p: f64,
    /// The second opinion's shift: Hodges–Lehmann, as a ratio.
    pub hodges_lehmann: f64,
    /// Standard deviation of log round-medians used for the MDE.
    pub s: f64,
    /// The minimum detectable effect (a fraction) at these rounds, against the threshold.
    pub mde: f64,
    pub rounds: (usize, usize),
}

/// Why no test can be computed from these rounds, if so: too few, not positive, not finite.
pub fn usable(baseline: &[f64], candidate: &[f64]) -> Result<(), StatsError> {
    if baseline.len() < MIN_ROUNDS || candidate.len() < MIN_ROUNDS {
        return Err(StatsError::TooFew {
            needed: MIN_ROUNDS,
            x: baseline.len(),
            y: candidate.len(),
        });
    }
    if baseline.iter().chain(candidate).any(|v| !v.is_finite()) {
        return Err(StatsError::NotFinite);
    }
    if baseline.iter().chain(candidate).any(|v| *v <= 0.0) {
        return Err(StatsError::Invalid(
            "round medians must be positive times".into(),
        ));
    }
    Ok(())
}

/// The shifted one-sided t-tests, the ratio and its interval, the rank second opinion and the
/// MDE. `family` is the number of wall-time tests in the run (for the interval level and the MDE);
/// `s`, the spread from calibration, replaces the rounds' own spread when it is the larger.
pub fn test(
    baseline: &[f64],
    candidate: &[f64],
    threshold: f64,
    alpha: f64,
    family: usize,
    s: Option<f64>,
) -> Result<TimeTest, StatsError> {
    usable(baseline, candidate)?;
    let a: Vec<f64> = baseline.iter().map(|v| v.ln()).collect();
    let b: Vec<f64> = candidate.iter().map(|v| v.ln()).collect();
    let up = (1.0 + threshold).ln();
    let down = (1.0 - threshold).ln();
    let welch = stats::welch_log(&a, &b)?;
    let (se, df) = (welch.se, welch.df);
    let family = family.max(1);
    let (p_regressed, p_improved, half_width) = if se == 0.0 {
        // Identical rounds on each side: the difference is exact.
        let beyond = |delta: f64| delta > 1e-12;
        (
            if beyond(welch.difference - up) {
                0.0
            } else {
                1.0
            },
            if beyond(down - welch.difference) {
                0.0
            } else {
                1.0
            },
            0.0,
        )
    } else {
        (
            stats::t_sf(df, (welch.difference - up) / se),
            stats::t_sf(df, (down - welch.difference) / se),
            stats::t_upper_quantile(df, alpha / family as f64) * se,
        )
    };
    let shifted_up: Vec<f64> = b.iter().map(|v| v - up).collect();
    let mann_whitney_p = stats::mann_whitney(&shifted_up, &a, Tail::Greater)?.p;
    // The calibrated spread is the better estimate of a quiet machine, but a run noisier than that
    // cannot see as much: the MDE never claims more than either shows.
    let observed = stats::pooled_std_dev(&a, &b);
    let s = s.map_or(observed, |calibrated| calibrated.max(observed));
    Ok(TimeTest {
        p_regressed,
        p_improved,
        ratio: welch.ratio,
        interval: (
            (welch.difference - half_width).exp(),
            (welch.difference + half_width).exp(),
        ),
        df,
        mann_whitney_p,
        hodges_lehmann: stats::hodges_lehmann(&b, &a)?.exp(),
        s,
        mde: stats::mde(s, threshold, alpha, family, a.len(), b.len()),
        rounds: (a.len(), b.len()),
    })
}

/// The wall-time verdict, given the Holm-adjusted p-values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeVerdict {
    Regressed,
    Improved,
    Unchanged,
    Inconclusive,
}

/// Decides from a test and its adjusted p-values; `promise` is the smallest slowdown the gate
/// promises to see (`[gate] time_detect`): a scenario that cannot see it is never `unchanged`.
pub fn decide(
    test: &TimeTest,
    p_regressed_adjusted: f64,
    p_improved_adjusted: f64,
    threshold: f64,
    promise: f64,
    alpha: f64,
) -> TimeVerdict {
    if p_regressed_adjusted < alpha {
        TimeVerdict::Regressed
    } else if p_improved_adjusted < alpha {
        TimeVerdict::Improved
    } else if test.interval.0 > 1.0 - threshold
        && test.interval.1 < 1.0 + threshold
        && test.mde <= promise
    {
        TimeVerdict::Unchanged
    } else {
        TimeVerdict::Inconclusive
    }
}

/// Decides a whole family at once (Holm over the regression tests and over the improvement
/// tests); `limits` holds each test's (threshold, promise).
pub fn decide_family(tests: &[TimeTest], limits: &[(f64, f64)], alpha: f64) -> Vec<TimeVerdict> {
    let regressed = stats::holm(&tests.iter().map(|t| t.p_regressed).collect::<Vec<_>>());
    let improved = stats::holm(&tests.iter().map(|t| t.p_improved).collect::<Vec<_>>());
    tests
        .iter()
        .zip(limits)
        .enumerate()
        .map(|(i, (test, (threshold, promise)))| {
            decide(test, regressed[i], improved[i], *threshold, *promise, alpha)
        })
        .collect()
}

/// What a scenario whose MDE exceeds the promise says instead of `unchanged`.
pub fn cannot_see(
    test: &TimeTest,
    threshold: f64,
    promise: f64,
    alpha: f64,
    family: usize,
) -> String {
    let (n, m) = test.rounds;
    let needed = stats::rounds_needed(test.s, threshold, alpha, family, promise, ROUNDS_LIMIT);
    format!(
        "cannot see a {} slowdown with {} rounds a side (s = {}, MDE {}): {}",
        crate::report::format::percent(promise),
        n.min(m),
        crate::report::format::percent(test.s),
        crate::report::format::percent(test.mde),
        match needed {
            Some(rounds) => format!("needs {rounds} rounds a side"),
            None =>
                format!("not even {ROUNDS_LIMIT} rounds a side would; make the scenario less noisy"),
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHA: f64 = 0.05;

    fn verdict(a: &[f64], b: &[f64], threshold: f64) -> TimeVerdict {
        let test = test(a, b, threshold, ALPHA, 1, None).unwrap();
        decide_family(&[test], &[(threshold, 0.10)], ALPHA)[0]
    }

    #[test]
    fn clear_effects_get_clear_verdicts() {
        let a = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8];
        let slower: Vec<f64> = a.iter().map(|v| v * 1.10).collect();
        let faster: Vec<f64> = a.iter().map(|v| v * 0.90).collect();
        let same = [100.1, 99.9, 100.3, 99.7, 100.0, 100.4, 99.6];
        assert_eq!(verdict(&a, &slower, 0.03), TimeVerdict::Regressed);
        assert_eq!(verdict(&a, &faster, 0.03), TimeVerdict::Improved);
        assert_eq!(verdict(&a, &same, 0.03), TimeVerdict::Unchanged);
    }

    #[test]
    fn a_change_near_the_threshold_with_few_rounds_is_not_a_regression() {
        let a = [100.0, 103.0, 98.0];
        let b: Vec<f64> = a.iter().map(|v| v * 1.02).collect();
        // Three rounds: the interval cannot be inside ±3 %, and 2 % is below the threshold.
        assert_eq!(verdict(&a, &b, 0.03), TimeVerdict::Inconclusive);
        let test = test(&a, &b, 0.03, ALPHA, 1, None).unwrap();
        assert_eq!(test.rounds, (3, 3));
        assert!(test.mde > 0.03, "{}", test.mde);
    }

    #[test]
    fn too_few_rounds_or_bad_times_are_errors() {
        assert_eq!(
            test(&[1.0, 2.0], &[1.0, 2.0, 3.0], 0.03, ALPHA, 1, None)
                .unwrap_err()
                .to_string(),
            "each side needs at least 3 values (got 2 and 3)"
        );
        assert!(test(&[1.0, 0.0, 2.0], &[1.0, 2.0, 3.0], 0.03, ALPHA, 1, None).is_err());
    }
}
