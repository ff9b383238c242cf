//! Rank statistics: the Mann–Whitney U test (exact without ties, from the exact null distribution of
//! U; statrs `mannwhitneyu`'s asymptotic method with tie and continuity correction otherwise, as
//! scipy), the Hodges–Lehmann shift and its distribution-free Moses interval.

use statrs::stats_tests::Alternative;
use statrs::stats_tests::mannwhitneyu::{MannWhitneyUMethod, mannwhitneyu};

use super::{StatsError, check};

/// The alternative hypothesis about `x` against `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// `x` is stochastically greater than `y`.
    Greater,
    /// `x` is stochastically less than `y`.
    Less,
    TwoSided,
}

/// A Mann–Whitney U test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of `x` (the number of pairs with x > y, ties counting one half).
    pub u: f64,
    pub p: f64,
    /// Whether `p` comes from the exact distribution (else the normal approximation).
    pub exact: bool,
}

/// Mann–Whitney U test of `x` against `y` (scipy's `mannwhitneyu(x, y, alternative=…)`). Without
/// ties and while n·m ≤ 40,000 the p-value is exact (from [`exact_u_cdf`]); otherwise it is
/// statrs' normal approximation with tie and continuity correction (scipy's asymptotic method).
///
/// statrs 0.19.1's own exact path is not used: it returns the complement of the p-value whenever
/// `x` is not longer than `y` (e.g. 1 − 1/3432 instead of 1/3432 for seven rounds all above seven),
/// and it enumerates every combination, which does not scale.
pub fn mann_whitney(x: &[f64], y: &[f64], tail: Tail) -> Result<MannWhitney, StatsError> {
    check(x, y, 1)?;
    let alternative = match tail {
        Tail::Greater => Alternative::Greater,
        Tail::Less => Alternative::Less,
        Tail::TwoSided => Alternative::TwoSided,
    };
    let (u, asymptotic_p) = mannwhitneyu(
        x,
        y,
        MannWhitneyUMethod::AsymptoticInclContinuityCorrection,
        alternative,
    )
    .map_err(|error| StatsError::Invalid(format!("{error:?}")))?;
    let mut all: Vec<f64> = x.iter().chain(y).copied().collect();
    all.sort_by(f64::total_cmp);
    let ties = all.windows(2).any(|pair| pair[0] == pair[1]);
    let (n, m) = (x.len(), y.len());
    if ties || n * m > 40_000 {
        return Ok(MannWhitney {
            u,
            p: asymptotic_p,
            exact: false,
        });
    }
    let cdf = exact_u_cdf(n, m);
    let u_index = u.round() as usize;
    // P(U ≥ u) and P(U ≤ u) of x's U.
    let greater = if u_index == 0 {
        1.0
    } else {
        1.0 - cdf[u_index - 1]
    };
    let less = cdf[u_index];
    let p = match tail {
        Tail::Greater => greater,
        Tail::Less => less,
        Tail::TwoSided => (2.0 * greater.min(less)).min(1.0),
    };
    Ok(MannWhitney {
        u,
        p: p.clamp(0.0, 1.0),
        exact: true,
    })
}

/// P(U ≤ u) under the null hypothesis, for samples of sizes `n` and `m` without ties, for every
/// u in 0..=n·m (index u), from the exact distribution (the number of arrangements with each U).
pub fn exact_u_cdf(n: usize, m: usize) -> Vec<f64> {
    // table[i][j][u]: arrangements of i x-values and j y-values with U = u, by the recurrence
    // f(i, j, u) = f(i − 1, j, u − j) + f(i, j − 1, u) (the largest value is an x or a y).
    let max = n * m;
    let mut table: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); m + 1]; n + 1];
    for row in table.iter_mut() {
        row[0] = vec![1.0];
    }
    for cell in table[0].iter_mut() {
        *cell = vec![1.0];
    }
    for i in 1..=n {
        for j in 1..=m {
            let mut freq = vec![0.0; i * j + 1];
            // The largest value is an x (it beats all j y-values) or a y.
            for (u, value) in table[i - 1][j].iter().enumerate() {
                freq[u + j] += value;
            }
            for (u, value) in table[i][j - 1].iter().enumerate() {
                freq[u] += value;
            }
            table[i][j] = freq;
        }
    }
    let freq = &table[n][m];
    let total: f64 = freq.iter().sum();
    let mut cdf = Vec::with_capacity(max + 1);
    let mut running = 0.0;
    for value in freq {
        running += value;
        cdf.push(running / total);
    }
    cdf
}

/// All pairwise differences `x[i] − y[j]`, sorted.
fn differences(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut d: Vec<f64> = x
        .iter()
        .flat_map(|a| y.iter().map(move |b| a - b))
        .collect();
    d.sort_by(f64::total_cmp);
    d
}

/// The Hodges–Lehmann estimate of the shift of `x` against `y`: the median of all pairwise
/// differences.
pub fn hodges_lehmann(x: &[f64], y: &[f64]) -> Result<f64, StatsError> {
    check(x, y, 1)?;
    Ok(super::median(&differences(x, y)))
}

/// The Moses confidence interval for the shift of `x` against `y` at `confidence` (e.g. 0.95): the
/// order statistics d₍C+1₎ and d₍nm−C₎ of the pairwise differences, with C the largest count such
/// that P(U ≤ C) ≤ (1 − confidence)/2 (from the exact distribution while n·m ≤ 40,000, the normal
/// approximation above). Unbounded (±∞) when the samples are too small for that confidence.
pub fn moses_interval(x: &[f64], y: &[f64], confidence: f64) -> Result<(f64, f64), StatsError> {
    check(x, y, 1)?;
    if !(0.0..1.0).contains(&confidence) {
        return Err(StatsError::Invalid(format!(
            "confidence must be in [0, 1), got {confidence}"
        )));
    }
    let (n, m) = (x.len(), y.len());
    let tail = (1.0 - confidence) / 2.0;
    let c: Option<usize> = if n * m <= 40_000 {
        let cdf = exact_u_cdf(n, m);
        cdf.iter().rposition(|&p| p <= tail)
    } else {
        let (nf, mf) = (n as f64, m as f64);
        let z = super::normal_quantile(1.0 - tail);
        let c = (nf * mf / 2.0 - z * (nf * mf * (nf + mf + 1.0) / 12.0).sqrt()).floor();
        (c >= 0.0).then_some(c as usize)
    };
    let d = differences(x, y);
    Ok(match c {
        Some(c) if c < d.len() / 2 => (d[c], d[d.len() - 1 - c]),
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) {
        assert!((a - b).abs() <= tolerance, "{a} vs {b}");
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        let x = [19.0, 22.0, 16.0, 29.0, 24.0];
        let y = [20.0, 11.0, 17.0, 12.0];
        // scipy.stats.mannwhitneyu([19,22,16,29,24], [20,11,17,12]) → U=17.0, p=0.1111111111111111
        let two = mann_whitney(&x, &y, Tail::TwoSided).unwrap();
        assert_eq!((two.u, two.exact), (17.0, true));
        close(two.p, 0.1111111111111111, 1e-12);
        // scipy.stats.mannwhitneyu(…, alternative="greater") → p=0.05555555555555555
        close(
            mann_whitney(&x, &y, Tail::Greater).unwrap().p,
            0.05555555555555555,
            1e-12,
        );
        // scipy.stats.mannwhitneyu(…, alternative="less") → p=0.9682539682539683
        close(
            mann_whitney(&x, &y, Tail::Less).unwrap().p,
            0.9682539682539683,
            1e-12,
        );
        // With ties, asymptotic with continuity correction:
        // scipy.stats.mannwhitneyu([1,2,3,4,4,5,6,7,8,9], [3,4,5,6,7,8,9,10,11,12],
        //     alternative="less") → U=26.0, p=0.03728100639399196
        let x: Vec<f64> = [1, 2, 3, 4, 4, 5, 6, 7, 8, 9].map(f64::from).to_vec();
        let y: Vec<f64> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(f64::from).to_vec();
        let less = mann_whitney(&x, &y, Tail::Less).unwrap();
        assert_eq!((less.u, less.exact), (26.0, false));
        close(less.p, 0.03728100639399196, 1e-9);
        // Seven rounds each, all of x above all of y: scipy … alternative="greater" →
        // p = 1/3432 = 0.0002913752913752914
        let x: Vec<f64> = (10..17).map(f64::from).collect();
        let y: Vec<f64> = (0..7).map(f64::from).collect();
        close(
            mann_whitney(&x, &y, Tail::Greater).unwrap().p,
            0.0002913752913752914,
            1e-15,
        );
    }

    #[test]
    fn the_exact_path_matches_scipy_beyond_eight_values_per_side() {
        let x = [3.1, 4.7, 2.2, 5.9, 6.4, 3.8, 7.7, 5.1, 4.4, 6.8];
        let y = [2.9, 1.5, 3.3, 4.1, 2.4, 5.5, 1.9, 3.6, 2.7, 4.9, 1.2, 3.9];
        // scipy.stats.mannwhitneyu(x, y, method="exact", alternative=…) → U=96.0 and
        // greater 0.00844975457978554, two-sided 0.01689950915957108, less 0.9931152438892377
        let greater = mann_whitney(&x, &y, Tail::Greater).unwrap();
        assert_eq!((greater.u, greater.exact), (96.0, true));
        close(greater.p, 0.00844975457978554, 1e-12);
        close(
            mann_whitney(&x, &y, Tail::TwoSided).unwrap().p,
            0.01689950915957108,
            1e-12,
        );
        close(
            mann_whitney(&x, &y, Tail::Less).unwrap().p,
            0.9931152438892377,
            1e-12,
        );
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(
            mann_whitney(&[], &[1.0], Tail::Greater)
                .unwrap_err()
                .to_string(),
            "each side needs at least 1 values (got 0 and 1)"
        );
        assert_eq!(
            hodges_lehmann(&[f64::NAN], &[1.0]).unwrap_err(),
            StatsError::NotFinite
        );
    }

    #[test]
    fn the_exact_distribution_of_u_is_symmetric_and_complete() {
        let cdf = exact_u_cdf(3, 4);
        assert_eq!(cdf.len(), 13);
        // P(U = 0) = 1 / C(7, 3) = 1/35
        close(cdf[0], 1.0 / 35.0, 1e-15);
        close(cdf[12], 1.0, 1e-15);
        for u in 0..12 {
            // symmetric: P(U ≤ u) = P(U ≥ 12 − u) = 1 − P(U ≤ 11 − u)
            close(cdf[u], 1.0 - cdf[11 - u], 1e-12);
        }
    }

    #[test]
    #[allow(clippy::approx_constant)] // 3.14 is a measurement here, not π
    fn hodges_lehmann_and_moses_match_numpy_and_brute_force() {
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
        // Reference (scipy has no Moses interval), in numpy:
        // d = np.sort(np.subtract.outer(x, y).ravel()); np.median(d) → 0.56; C = 17, the largest c
        // with P(U ≤ c) ≤ 0.025 for n = m = 9, from the U distribution enumerated by brute force
        // over itertools.combinations(range(18), 9); interval (d[17], d[63]) = (-0.37, 1.183),
        // R's convention for wilcox.test(x, y, conf.int=TRUE) (qwilcox(0.025, 9, 9) = 18, 1-based).
        close(hodges_lehmann(&x, &y).unwrap(), 0.56, 1e-12);
        let (low, high) = moses_interval(&x, &y, 0.95).unwrap();
        close(low, -0.37, 1e-12);
        close(high, 1.183, 1e-12);
        // Too few values for 99.9 %: unbounded.
        assert_eq!(
            moses_interval(&[1.0, 2.0], &[1.0, 3.0], 0.999).unwrap(),
            (f64::NEG_INFINITY, f64::INFINITY)
        );
    }
}
