//! The wall-time decision for one scenario (STATISTICS.md): is the candidate slower than the
//! baseline by more than the threshold t? Rounds are the unit; their medians are compared on log
//! scale. Regressed: one-sided Mann–Whitney of log b − log(1 + t) against log a, Holm-adjusted
//! p < α over all wall-time tests of the run; improved: the mirror with log(1 − t); unchanged: the
//! Moses interval of the Hodges–Lehmann shift, at the level matching the adjusted test
//! (1 − 2α/m), lies inside (log(1 − t), log(1 + t)); otherwise inconclusive.

use crate::stats::{self, StatsError, Tail};

/// Rounds per side below which no wall-time verdict is given.
pub const MIN_ROUNDS: usize = 3;
/// Rounds per side a gate verdict should have; fewer is "low power".
pub const GATE_ROUNDS: usize = 5;

/// Everything computed for one scenario before the family-wide correction.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeTest {
    /// One-sided p of "slower by more than t" and of "faster by more than t" (raw).
    pub p_regressed: f64,
    pub p_improved: f64,
    /// Hodges–Lehmann shift of the logs, as a ratio candidate / baseline.
    pub ratio: f64,
    /// Its Moses interval at 1 − 2α/m, as ratios.
    pub interval: (f64, f64),
    pub welch_p: f64,
    /// Standard deviation of log round-medians used for the MDE.
    pub s: f64,
    /// The minimum detectable effect (a fraction) at these rounds.
    pub mde: f64,
    pub rounds: (usize, usize),
}

/// The shifted one-sided tests, the shift and its interval, Welch and the MDE. `family` is the
/// number of wall-time tests in the run (for the interval level and the MDE); `s` overrides the
/// spread (from calibration) when given.
pub fn test(
    baseline: &[f64],
    candidate: &[f64],
    threshold: f64,
    alpha: f64,
    family: usize,
    s: Option<f64>,
) -> Result<TimeTest, StatsError> {
    if baseline.len() < MIN_ROUNDS || candidate.len() < MIN_ROUNDS {
        return Err(StatsError::TooFew {
            needed: MIN_ROUNDS,
            x: baseline.len(),
            y: candidate.len(),
        });
    }
    if baseline.iter().chain(candidate).any(|v| *v <= 0.0) {
        return Err(StatsError::Invalid(
            "round medians must be positive times".into(),
        ));
    }
    let a: Vec<f64> = baseline.iter().map(|v| v.ln()).collect();
    let b: Vec<f64> = candidate.iter().map(|v| v.ln()).collect();
    let up = (1.0 + threshold).ln();
    let down = (1.0 - threshold).ln();
    let shifted_up: Vec<f64> = b.iter().map(|v| v - up).collect();
    let shifted_down: Vec<f64> = b.iter().map(|v| v - down).collect();
    let p_regressed = stats::mann_whitney(&shifted_up, &a, Tail::Greater)?.p;
    let p_improved = stats::mann_whitney(&shifted_down, &a, Tail::Less)?.p;
    let shift = stats::hodges_lehmann(&b, &a)?;
    let confidence = 1.0 - 2.0 * alpha / family.max(1) as f64;
    let (low, high) = stats::moses_interval(&b, &a, confidence)?;
    let welch = stats::welch_log(&a, &b)?;
    let s = s.unwrap_or_else(|| stats::pooled_std_dev(&a, &b));
    Ok(TimeTest {
        p_regressed,
        p_improved,
        ratio: shift.exp(),
        interval: (low.exp(), high.exp()),
        welch_p: welch.p,
        s,
        mde: stats::mde(s, alpha, family, a.len(), b.len()),
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

/// Decides from a test and its adjusted p-values.
pub fn decide(
    test: &TimeTest,
    p_regressed_adjusted: f64,
    p_improved_adjusted: f64,
    threshold: f64,
    alpha: f64,
) -> TimeVerdict {
    if p_regressed_adjusted < alpha {
        TimeVerdict::Regressed
    } else if p_improved_adjusted < alpha {
        TimeVerdict::Improved
    } else if test.interval.0 > 1.0 - threshold && test.interval.1 < 1.0 + threshold {
        TimeVerdict::Unchanged
    } else {
        TimeVerdict::Inconclusive
    }
}

/// Decides a whole family at once (Holm over the regression tests and over the improvement tests).
pub fn decide_family(tests: &[TimeTest], thresholds: &[f64], alpha: f64) -> Vec<TimeVerdict> {
    let regressed = stats::holm(&tests.iter().map(|t| t.p_regressed).collect::<Vec<_>>());
    let improved = stats::holm(&tests.iter().map(|t| t.p_improved).collect::<Vec<_>>());
    tests
        .iter()
        .zip(thresholds)
        .enumerate()
        .map(|(i, (test, threshold))| decide(test, regressed[i], improved[i], *threshold, alpha))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHA: f64 = 0.05;

    fn verdict(a: &[f64], b: &[f64], threshold: f64) -> TimeVerdict {
        let test = test(a, b, threshold, ALPHA, 1, None).unwrap();
        decide_family(&[test], &[threshold], ALPHA)[0]
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
