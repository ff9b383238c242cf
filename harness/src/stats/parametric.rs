//! Normal-theory helpers: the normal quantile, Welch's t-test on logs (the second opinion on wall
//! time, on statrs `StudentsT`), the minimum detectable effect, and the Clopper–Pearson binomial
//! interval for calibration false-alarm rates (on statrs `Beta`).

use statrs::distribution::{Beta, ContinuousCDF, Normal, StudentsT};

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
        });
    }
    let t = (mb - ma) / se;
    let df = (va + vb).powi(2) / (va.powi(2) / (na - 1.0) + vb.powi(2) / (nb - 1.0));
    let distribution = StudentsT::new(0.0, 1.0, df)
        .map_err(|error| StatsError::Invalid(format!("Student's t with {df} df: {error}")))?;
    let p = (2.0 * (1.0 - distribution.cdf(t.abs()))).clamp(0.0, 1.0);
    Ok(Welch {
        ratio: (mb - ma).exp(),
        t,
        df,
        p,
    })
}

/// The smallest relative change a one-sided test at `alpha` (Bonferroni over `tests`) detects with
/// 95 % power: exp((z₁₋α/tests + z₀.₉₅) · s · √(1/n + 1/m)) − 1, with `s` the standard deviation of
/// log round-medians and `n`, `m` the rounds per side.
pub fn mde(s: f64, alpha: f64, tests: usize, n: usize, m: usize) -> f64 {
    if n == 0 || m == 0 {
        return f64::INFINITY;
    }
    let z = normal_quantile(1.0 - alpha / tests.max(1) as f64) + normal_quantile(0.95);
    (z * s * (1.0 / n as f64 + 1.0 / m as f64).sqrt()).exp() - 1.0
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
    fn mde_follows_the_formula() {
        // np.exp((norm.ppf(1 - 0.05/4) + norm.ppf(0.95)) * 0.02 * np.sqrt(1/7 + 1/7)) - 1
        close(mde(0.02, 0.05, 4, 7, 7), 0.0424209328112084, 1e-9);
        assert_eq!(mde(0.02, 0.05, 4, 0, 7), f64::INFINITY);
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
