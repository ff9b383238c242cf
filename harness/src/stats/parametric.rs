//! Normal-theory helpers: the normal quantile, Welch's t-test on logs (the wall-time decision),
//! Student's t tails computed without cancellation (a p of 1e-30 stays 1e-30), the noncentral t
//! power behind the minimum detectable effect, and the Clopper–Pearson binomial interval for
//! calibration false-alarm rates (on statrs `Beta`).

use statrs::distribution::{Beta, ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::{beta_reg, ln_beta};

use super::{StatsError, check};

/// The standard normal quantile z(p).
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Welch's t-test of candidate against baseline, both already on log scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// exp(mean(candidate) − mean(baseline)): the ratio of geometric means.
    pub ratio: f64,
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p.
    pub p: f64,
    /// mean(candidate) − mean(baseline) on log scale, and its standard error.
    pub difference: f64,
    pub se: f64,
}

/// P(T > t) for Student's t with `df` degrees of freedom, from the regularised incomplete beta
/// function, so that the far tail keeps its relative precision (1 − cdf would round it to 0).
pub fn t_sf(df: f64, t: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    if df.is_infinite() {
        return Normal::standard().sf(t);
    }
    let tail = 0.5 * beta_reg(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 { tail } else { 1.0 - tail }
}

/// The t quantile: the value exceeded with probability `upper` (e.g. 0.05 / k).
pub fn t_upper_quantile(df: f64, upper: f64) -> f64 {
    // Bisection on the precise tail: monotone, and exact to the last few bits.
    let (mut low, mut high) = (-1e3_f64, 1e3_f64);
    // Very small levels at 2 or 3 df lie beyond ±1000.
    while t_sf(df, high) > upper && high < 1e300 {
        high *= 10.0;
    }
    while t_sf(df, low) < upper && low > -1e300 {
        low *= 10.0;
    }
    for _ in 0..400 {
        let middle = 0.5 * (low + high);
        if t_sf(df, middle) > upper {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

/// P(T' > c) for the noncentral t with `df` degrees of freedom and noncentrality `delta`:
/// T' = (Z + δ) / √(V/df) with V ~ χ²(df), so P(T' > c) = E[Φ(δ − c·√(V/df))], integrated over
/// V = u² (which removes the density's singularity at 0 for small df) by Simpson's rule.
pub fn noncentral_t_sf(df: f64, delta: f64, c: f64) -> f64 {
    let Ok(chi) = ChiSquared::new(df) else {
        return f64::NAN;
    };
    let normal = Normal::standard();
    let top = (df + 14.0 * (2.0 * df).sqrt() + 40.0).sqrt();
    let steps = 2000;
    let h = top / steps as f64;
    let f = |u: f64| {
        let v = u * u;
        // On log scale: the density itself overflows its gamma function from ~300 df on.
        let density = if v == 0.0 {
            0.0
        } else {
            (chi.ln_pdf(v) + (2.0 * u).ln()).exp()
        };
        density * normal.cdf(delta - c * (v / df).sqrt())
    };
    let mut sum = f(0.0) + f(top);
    for i in 1..steps {
        sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    (sum * h / 3.0).clamp(0.0, 1.0)
}

/// Welch's unequal-variance t-test on log values (scipy's `ttest_ind(candidate, baseline,
/// equal_var=False)`).
pub fn welch_log(baseline: &[f64], candidate: &[f64]) -> Result<Welch, StatsError> {
    check(baseline, candidate, 2)?;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(baseline), mean(candidate));
    let (na, nb) = (baseline.len() as f64, candidate.len() as f64);
    let va = super::std_dev(baseline).powi(2) / na;
    let vb = super::std_dev(candidate).powi(2) / nb;
    let se = (va + vb).sqrt();
    if se == 0.0 {
        let p = if ma == mb { 1.0 } else { 0.0 };
        return Ok(Welch {
            ratio: (mb - ma).exp(),
            t: if ma == mb { 0.0 } else { f64::INFINITY },
            df: na + nb - 2.0,
            p,
            difference: mb - ma,
            se: 0.0,
        });
    }
    let t = (mb - ma) / se;
    let df = (va + vb).powi(2) / (va.powi(2) / (na - 1.0) + vb.powi(2) / (nb - 1.0));
    StudentsT::new(0.0, 1.0, df)
        .map_err(|error| StatsError::Invalid(format!("Student's t with {df} df: {error}")))?;
    let p = (2.0 * t_sf(df, t.abs())).clamp(0.0, 1.0);
    Ok(Welch {
        ratio: (mb - ma).exp(),
        t,
        df,
        p,
        difference: mb - ma,
        se,
    })
}

/// The power the minimum detectable effect is solved for.
pub const MDE_POWER: f64 = 0.90;

/// The minimum detectable effect: the smallest true slowdown (a fraction) that the one-sided test
/// against the threshold — candidate slower by more than `threshold` — flags with 90 % power at
/// level `alpha / tests` (Holm's first step, the hardest), with `s` the standard deviation of log
/// round-medians and `n`, `m` the rounds per side. Solved with the noncentral t at the test's
/// degrees of freedom ([`t_test_df`]): δ such that P(T'(df, δ) > t₁₋α/k) = 0.90, then
/// MDE = (1 + threshold) · exp(δ · s · √(1/n + 1/m)) − 1. Infinite below two rounds a side.
pub fn mde(s: f64, threshold: f64, alpha: f64, tests: usize, n: usize, m: usize) -> f64 {
    if n < 2 || m < 2 || !s.is_finite() {
        return f64::INFINITY;
    }
    let shift = (1.0 + threshold).ln();
    if s == 0.0 {
        return threshold;
    }
    let delta = noncentrality(t_test_df(n, m), alpha / tests.max(1) as f64);
    (shift + delta * s * (1.0 / n as f64 + 1.0 / m as f64).sqrt()).exp() - 1.0
}

/// The degrees of freedom the MDE is solved at for Welch's test with `n` and `m` rounds: the mean
/// of the Welch–Satterthwaite df over the sampling distribution of the two variances when the
/// spreads are equal (their ratio is F(n − 1, m − 1)). The df a run computes is random and below
/// n + m − 2; solving at n + m − 2 overstated the power, most at few rounds and small levels
/// (checked by `harness/tests/simulation.rs`). Remembered per (n, m).
pub fn t_test_df(n: usize, m: usize) -> f64 {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<Mutex<HashMap<(usize, usize), f64>>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(df) = known.lock().ok().and_then(|k| k.get(&(n, m)).copied()) {
        return df;
    }
    let (nf, mf) = (n as f64, m as f64);
    let welch = |ratio: f64| {
        let (a, b) = (ratio / nf, 1.0 / mf);
        (a + b).powi(2) / (a * a / (nf - 1.0) + b * b / (mf - 1.0))
    };
    // The log density of F(d1, d2), written out (statrs' loses it for large d).
    let (d1, d2) = (nf - 1.0, mf - 1.0);
    let ln_f = |r: f64| {
        0.5 * d1 * (d1 / d2).ln() + (0.5 * d1 - 1.0) * r.ln()
            - 0.5 * (d1 + d2) * (1.0 + d1 * r / d2).ln()
            - ln_beta(0.5 * d1, 0.5 * d2)
    };
    let df = match n >= 2 && m >= 2 {
        true => {
            // E[welch(R)] over x = ln R by Simpson's rule, ±12 standard deviations of ln R.
            let width = 12.0 * (2.0 / d1 + 2.0 / d2).sqrt() + 1.0;
            let (low, high, steps) = (-width, width, 4000);
            let h = (high - low) / steps as f64;
            let g = |x: f64| {
                let value = welch(x.exp()) * (ln_f(x.exp()) + x).exp();
                if value.is_finite() { value } else { 0.0 }
            };
            let mut sum = g(low) + g(high);
            for i in 1..steps {
                sum += g(low + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
            }
            sum * h / 3.0
        }
        false => nf + mf - 2.0,
    };
    let df = if df.is_finite() && df > 0.0 {
        df
    } else {
        nf + mf - 2.0
    };
    if let Ok(mut known) = known.lock() {
        known.insert((n, m), df);
    }
    df
}

/// δ with P(T'(df, δ) > t(df, 1 − level)) = [`MDE_POWER`], by bisection; remembered per
/// (df, level), since a run asks for the same few many times.
fn noncentrality(freedom: f64, level: f64) -> f64 {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<Mutex<HashMap<(u64, u64), f64>>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (freedom.to_bits(), level.to_bits());
    if let Some(delta) = known.lock().ok().and_then(|k| k.get(&key).copied()) {
        return delta;
    }
    let critical = t_upper_quantile(freedom, level);
    let (mut low, mut high) = (0.0_f64, critical + 20.0);
    while noncentral_t_sf(freedom, high, critical) < MDE_POWER && high < 1e6 {
        high *= 2.0;
    }
    for _ in 0..60 {
        let middle = 0.5 * (low + high);
        if noncentral_t_sf(freedom, middle, critical) < MDE_POWER {
            low = middle;
        } else {
            high = middle;
        }
    }
    let delta = 0.5 * (low + high);
    if let Ok(mut known) = known.lock() {
        known.insert(key, delta);
    }
    delta
}

/// The fewest rounds a side (the same on both) at which [`mde`] is at most `promise`; `None` when
/// not even `limit` rounds would do.
pub fn rounds_needed(
    s: f64,
    threshold: f64,
    alpha: f64,
    tests: usize,
    promise: f64,
    limit: usize,
) -> Option<usize> {
    if mde(s, threshold, alpha, tests, limit, limit) > promise {
        return None;
    }
    // The MDE falls as rounds grow: bisect for the first that meets the promise.
    let (mut low, mut high) = (2usize, limit);
    while low < high {
        let middle = (low + high) / 2;
        if mde(s, threshold, alpha, tests, middle, middle) <= promise {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low)
}

/// The Clopper–Pearson (exact) two-sided interval for a rate of `k` events in `n` trials.
pub fn clopper_pearson(k: u64, n: u64, confidence: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let tail = (1.0 - confidence) / 2.0;
    let (k, n) = (k.min(n) as f64, n as f64);
    let low = if k == 0.0 {
        0.0
    } else {
        Beta::new(k, n - k + 1.0).map_or(0.0, |beta| beta.inverse_cdf(tail))
    };
    let high = if k == n {
        1.0
    } else {
        Beta::new(k + 1.0, n - k).map_or(1.0, |beta| beta.inverse_cdf(1.0 - tail))
    };
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) {
        assert!((a - b).abs() <= tolerance, "{a} vs {b}");
    }

    #[test]
    fn normal_quantiles_match_scipy() {
        // scipy.stats.norm.ppf(0.975), ppf(0.95), ppf(1 - 0.05/4)
        close(normal_quantile(0.975), 1.959963984540054, 1e-9);
        close(normal_quantile(0.95), 1.6448536269514722, 1e-9);
        close(normal_quantile(1.0 - 0.05 / 4.0), 2.241402727604947, 1e-9);
    }

    #[test]
    fn welch_matches_scipy() {
        let a: Vec<f64> = [100.0, 102.0, 99.0, 101.0, 103.0, 100.0, 98.0]
            .map(f64::ln)
            .to_vec();
        let b: Vec<f64> = [104.0, 106.0, 103.0, 105.0, 108.0, 104.0, 102.0]
            .map(f64::ln)
            .to_vec();
        // scipy.stats.ttest_ind(np.log(b), np.log(a), equal_var=False) →
        // statistic=4.189807342731052, pvalue=0.0012822224320192118, df=11.877040374693754
        let welch = welch_log(&a, &b).unwrap();
        close(welch.t, 4.189807342731052, 1e-9);
        close(welch.p, 0.0012822224320192118, 1e-9);
        close(welch.df, 11.877040374693754, 1e-9);
        // np.exp(np.mean(np.log(b)) - np.mean(np.log(a)))
        close(welch.ratio, 1.041221864401162, 1e-12);
        assert!(welch_log(&a[..1], &b).is_err());
    }

    #[test]
    fn t_tails_match_scipy_far_out() {
        // scipy.stats.t.sf(2.5, 10) → 0.01572342211830441
        close(t_sf(10.0, 2.5), 0.01572342211830441, 1e-12);
        // scipy.stats.t.sf(40, 12) → 1.925614790386016e-14 (1 − cdf would print 0 or worse)
        close(t_sf(12.0, 40.0) / 1.925614790386016e-14, 1.0, 1e-6);
        // scipy.stats.t.sf(-1.2, 5) → 0.8580544716469487
        close(t_sf(5.0, -1.2), 0.8580544716469487, 1e-12);
        // scipy.stats.t.isf(0.05 / 100, 12) → 4.3177912836061845
        close(t_upper_quantile(12.0, 0.0005), 4.3177912836061845, 1e-9);
    }

    #[test]
    fn noncentral_t_matches_scipy() {
        // scipy.stats.nct.sf(2.0, 12, 3.0) → 0.8328704262148003
        close(noncentral_t_sf(12.0, 3.0, 2.0), 0.8328704262148003, 1e-6);
        // scipy.stats.nct.sf(4.3, 4, 6.0) → 0.8626691763803587
        close(noncentral_t_sf(4.0, 6.0, 4.3), 0.8626691763803587, 1e-6);
        // scipy.stats.nct.sf(1.0, 2, 0.5) → 0.3655335375676566
        close(noncentral_t_sf(2.0, 0.5, 1.0), 0.3655335375676566, 1e-6);
        // scipy.stats.nct.sf(t.isf(0.05, 312), 312, 2.9) → 0.8941399919344837 (many rounds)
        close(
            noncentral_t_sf(312.0, 2.9, t_upper_quantile(312.0, 0.05)),
            0.8941399919344837,
            1e-6,
        );
    }

    #[test]
    fn mde_is_measured_against_the_threshold() {
        // The mean Welch df under equal spreads, scipy.integrate.quad of
        // welch(r) · scipy.stats.f(6, 6).pdf(r) over r → 10.685834705770356 (n = m = 7), and
        // with f(4, 8) and n = 5, m = 9 → 8.714971670170453.
        close(t_test_df(7, 7), 10.685834705770356, 1e-6);
        close(t_test_df(5, 9), 8.714971670170453, 1e-6);
        // δ with scipy.stats.nct.sf(t.isf(0.05/4, df), df, δ) = 0.9 (scipy.optimize.brentq) at
        // that df is 4.0147274198912495; 1.03 · np.exp(δ · 0.02 · np.sqrt(2/7)) − 1 →
        // 0.07516919908140718
        close(mde(0.02, 0.03, 0.05, 4, 7, 7), 0.07516919908140718, 1e-6);
        // No noise: the threshold itself; no rounds: nothing is detectable.
        assert_eq!(mde(0.0, 0.03, 0.05, 4, 7, 7), 0.03);
        assert_eq!(mde(0.02, 0.03, 0.05, 4, 0, 7), f64::INFINITY);
        let needed = rounds_needed(0.02, 0.03, 0.05, 20, 0.10, 1000).unwrap();
        assert!(mde(0.02, 0.03, 0.05, 20, needed, needed) <= 0.10);
        assert!(mde(0.02, 0.03, 0.05, 20, needed - 1, needed - 1) > 0.10);
        assert_eq!(rounds_needed(0.5, 0.03, 0.05, 20, 0.04, 50), None);
    }

    #[test]
    fn clopper_pearson_matches_scipy() {
        // scipy.stats.binomtest(0, 10).proportion_ci(method="exact") → (0.0, 0.30849710781876294)
        let (low, high) = clopper_pearson(0, 10, 0.95);
        assert_eq!(low, 0.0);
        close(high, 0.30849710781876294, 1e-9);
        // binomtest(3, 20) → (0.03207093718554477, 0.37892682654529564)
        let (low, high) = clopper_pearson(3, 20, 0.95);
        close(low, 0.03207093718554477, 1e-9);
        close(high, 0.37892682654529564, 1e-9);
        // binomtest(10, 10) → (0.6915028921812371, 1.0)
        let (low, high) = clopper_pearson(10, 10, 0.95);
        close(low, 0.6915028921812371, 1e-9);
        assert_eq!(high, 1.0);
    }
}
