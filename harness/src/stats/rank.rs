//! Rank statistics: the Mann–Whitney U test (exact without ties, from the exact null distribution of
//! U; scipy's asymptotic method, the normal approximation with tie and continuity correction,
//! otherwise), the Hodges–Lehmann shift and its distribution-free Moses interval.

use statrs::distribution::{ContinuousCDF, Normal};

use super::{StatsError, check};

/// The largest n·m (pairs of values) for which p-values and Moses intervals come from the exact
/// distribution of U ([`exact_u_cdf`]); the normal approximation is used above.
///
/// Why 40,000 (e.g. 200 rounds a side) and not scipy's `method='auto'` (exact only when a side
/// has at most 8 values): [`exact_u_cdf`] needs two vectors of n·m + 1 floats and
/// ~min(n, m)·n·m/4 additions (fast at 200 × 200, as a test checks), and the normal approximation
/// is conservative in the far tails where a Holm-adjusted gate decides, by more the fewer the
/// rounds (compare scipy's `_MWU(n, n).cdf` with `norm.cdf((u + 0.5 − nm/2)/σ)`). Above the bound
/// the work grows with min(n, m)·n·m and the approximation is close enough.
const EXACT_PAIRS: usize = 40_000;

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
/// ties and while n·m ≤ 40,000 the p-value is exact (scipy's `method='exact'`, from
/// [`exact_u_cdf`]); otherwise it is the normal approximation with tie and continuity correction
/// (scipy's `method='asymptotic'`). See `EXACT_PAIRS` for why the bound is not scipy's `'auto'`.
///
/// Tiny p-values are kept: the exact upper tail is read from the lower one by symmetry
/// (P(U ≥ u) = P(U ≤ nm − u), not 1 − P(U ≤ u − 1)), and the approximation uses the normal
/// survival function (as scipy's `norm.sf`), not 1 − Φ(z), which is 0 below ~1e-16.
///
/// statrs 0.19.1's `mannwhitneyu` is not used: its exact path returns the complement of the
/// p-value whenever `x` is not longer than `y` (e.g. 1 − 1/3432 instead of 1/3432 for seven rounds
/// all above seven) and enumerates every combination, which does not scale, and its asymptotic path
/// computes 1 − Φ(z).
pub fn mann_whitney(x: &[f64], y: &[f64], tail: Tail) -> Result<MannWhitney, StatsError> {
    check(x, y, 1)?;
    let (n, m) = (x.len(), y.len());
    let pairs = n * m;
    let (u, tie_term) = u_statistic(x, y);
    if tie_term > 0.0 || pairs > EXACT_PAIRS {
        return Ok(MannWhitney {
            u,
            p: asymptotic_p(u, n, m, tie_term, tail),
            exact: false,
        });
    }
    let cdf = exact_u_cdf(n, m);
    let u_index = u.round() as usize;
    // P(U ≤ u) and, by symmetry, P(U ≥ u) = P(U ≤ nm − u) of x's U.
    let less = cdf[u_index];
    let greater = cdf[pairs - u_index];
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

/// U of `x` (from midranks of both samples together) and the tie term Σ(t³ − t) over groups of t
/// equal values (0 without ties).
fn u_statistic(x: &[f64], y: &[f64]) -> (f64, f64) {
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut tie_term) = (0.0, 0.0);
    let mut start = 0;
    while start < all.len() {
        let mut end = start + 1;
        while end < all.len() && all[end].0 == all[start].0 {
            end += 1;
        }
        // Ranks start + 1 ..= end (1-based), each value getting their mean.
        let midrank = (start + 1 + end) as f64 / 2.0;
        let from_x = all[start..end].iter().filter(|(_, is_x)| *is_x).count();
        rank_sum += midrank * from_x as f64;
        let t = (end - start) as f64;
        tie_term += t * t * t - t;
        start = end;
    }
    let n = x.len() as f64;
    (rank_sum - n * (n + 1.0) / 2.0, tie_term)
}

/// scipy's asymptotic p-value (`_get_mwu_z` and `norm.sf`): z = (U − nm/2 − ½)/σ with
/// σ² = nm/12 · (n + m + 1 − Σ(t³ − t)/((n + m)(n + m − 1))), U being x's U for `Greater`, y's for
/// `Less` and the larger of the two (doubling p) for `TwoSided`.
fn asymptotic_p(u: f64, n: usize, m: usize, tie_term: f64, tail: Tail) -> f64 {
    let (nf, mf) = (n as f64, m as f64);
    let total = nf + mf;
    let pairs = nf * mf;
    let variance = pairs / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
    // All values equal: σ = 0 and z = −½/0 = −∞, p = 1 (as scipy).
    let sigma = variance.max(0.0).sqrt();
    let (u, factor) = match tail {
        Tail::Greater => (u, 1.0),
        Tail::Less => (pairs - u, 1.0),
        Tail::TwoSided => (u.max(pairs - u), 2.0),
    };
    let z = (u - pairs / 2.0 - 0.5) / sigma;
    (factor * Normal::standard().sf(z)).clamp(0.0, 1.0)
}

/// P(U ≤ u) under the null hypothesis, for samples of sizes `n` and `m` without ties, for every
/// u in 0..=n·m (index u), from the exact distribution.
///
/// The number of arrangements with U = u is the coefficient of q^u in the Gaussian binomial
/// [n+m choose n]_q = Π_{k=1..a} (1 − q^{b+k})/(1 − q^k), a = min(n, m), b = max(n, m). It is built
/// one factor at a time, each step giving the distribution for sizes (k, b) (multiply by
/// 1 − q^{b+k}, divide by 1 − q^k as a running sum with stride k) and scaled by
/// C(b+k−1, k−1)/C(b+k, k) = k/(b+k) so that it stays a probability distribution: no overflow of
/// C(n+m, n), and within the exact bound (n·m ≤ 40,000) the smallest probability,
/// 1/C(n+m, n) ≥ 1/C(400, 200) ≈ 1e-119, does not underflow. Memory is two vectors of n·m + 1
/// floats and time ~a·n·m/4 (the previous table over all (i, j) held ~n²m²/4 floats: ~1 GB at
/// 150 × 150).
///
/// Only the lower half is computed and the upper half mirrored (the distribution is symmetric), and
/// P(U ≤ u) above the middle is 1 − P(U ≤ nm − 1 − u): the subtraction in the recurrence then
/// only loses precision near the centre (the tests compare it with scipy's exact distribution at
/// 200 × 200).
pub fn exact_u_cdf(n: usize, m: usize) -> Vec<f64> {
    let (a, b) = (n.min(m), n.max(m));
    let max = n * m;
    // pmf[u] = P(U = u) for sizes (k − 1, b); next becomes that of (k, b).
    let mut pmf = vec![0.0; max + 1];
    let mut next = vec![0.0; max + 1];
    pmf[0] = 1.0;
    for k in 1..=a {
        let degree = k * b;
        let previous = degree - b;
        let half = degree / 2;
        let scale = k as f64 / (b + k) as f64;
        for u in 0..=half {
            let mut value = if u <= previous { pmf[u] } else { 0.0 };
            if u >= b + k {
                value -= pmf[u - b - k];
            }
            value *= scale;
            if u >= k {
                value += next[u - k];
            }
            next[u] = value;
        }
        for u in half + 1..=degree {
            next[u] = next[degree - u];
        }
        std::mem::swap(&mut pmf, &mut next);
    }
    let mut cdf = vec![1.0; max + 1];
    let mut running = 0.0;
    for u in 0..max {
        cdf[u] = if 2 * u < max {
            running += pmf[u];
            running
        } else {
            // P(U ≤ u) = 1 − P(U ≥ u + 1) = 1 − P(U ≤ nm − 1 − u).
            1.0 - cdf[max - 1 - u]
        };
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

/// Relative slack when comparing P(U ≤ c) with the tail (1 − confidence)/2: the two are often equal
/// in exact arithmetic (n = m = 3: P(U ≤ 0) = 1/20 and (1 − 0.90)/2 = 0.05) but not in floating
/// point ((1.0 − 0.9)/2 = 0.04999999999999999), which would cost a whole order statistic.
const TAIL_SLACK: f64 = 1e-9;

/// The Moses confidence interval for the shift of `x` against `y` at `confidence` (e.g. 0.95): the
/// order statistics d₍C+1₎ and d₍nm−C₎ of the pairwise differences, with C the largest count such
/// that P(U ≤ C) ≤ (1 − confidence)/2 (from the exact distribution while n·m ≤ 40,000, the normal
/// approximation above); its coverage is 1 − 2·P(U ≤ C) ≥ confidence, equality included (up to a
/// relative 1e-9 for rounding), so n = m = 3 at 0.90 gives [min, max] of the differences, whose
/// coverage is exactly 1 − 2/20 = 90 %.
///
/// Unbounded (±∞) only when even that full range does not reach the confidence, i.e. when
/// 2/C(n+m, n) > 1 − confidence (e.g. n = m = 3 at 0.95). C never passes the middle: at confidence
/// 0 the interval is the median difference (the Hodges–Lehmann estimate) when n·m is odd.
pub fn moses_interval(x: &[f64], y: &[f64], confidence: f64) -> Result<(f64, f64), StatsError> {
    check(x, y, 1)?;
    if !(0.0..1.0).contains(&confidence) {
        return Err(StatsError::Invalid(format!(
            "confidence must be in [0, 1), got {confidence}"
        )));
    }
    let (n, m) = (x.len(), y.len());
    let tail = (1.0 - confidence) / 2.0;
    let c: Option<usize> = if n * m <= EXACT_PAIRS {
        let cdf = exact_u_cdf(n, m);
        let limit = tail * (1.0 + TAIL_SLACK);
        // The cdf is increasing: the number of counts with P(U ≤ c) ≤ limit, less one.
        cdf.partition_point(|&p| p <= limit).checked_sub(1)
    } else {
        let (nf, mf) = (n as f64, m as f64);
        let z = super::normal_quantile(1.0 - tail);
        let c = (nf * mf / 2.0 - z * (nf * mf * (nf + mf + 1.0) / 12.0).sqrt()).floor();
        (c >= 0.0).then_some(c as usize)
    };
    let d = differences(x, y);
    Ok(match c {
        // At most the middle, so that d[c] ≤ d[nm − 1 − c] (a smaller C only widens the interval).
        Some(c) => {
            let c = c.min((d.len() - 1) / 2);
            (d[c], d[d.len() - 1 - c])
        }
        None => (f64::NEG_INFINITY, f64::INFINITY),
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

    /// `n` values `1.02·i + offset` against `0, 1, …, n − 1` (no ties for offset 10.01), as numpy
    /// builds them: `np.array([i*1.02 + offset for i in range(n)])`, `np.arange(n, dtype=float)`.
    fn ramp(n: usize, offset: f64) -> (Vec<f64>, Vec<f64>) {
        let x = (0..n).map(|i| i as f64 * 1.02 + offset).collect();
        let y = (0..n).map(|j| j as f64).collect();
        (x, y)
    }

    #[test]
    fn large_samples_are_fast_and_match_scipy() {
        let start = std::time::Instant::now();
        // scipy 1.17.1: x, y = ramp(n, 10.01);
        // mannwhitneyu(x, y, alternative="greater", method="exact") → U=12897.0,
        //     p=0.014129193642422145 (method="asymptotic": 0.01420118158425633)
        // mannwhitneyu(x, y, alternative="two-sided", method="exact") → p=0.02825838728484429
        let (x, y) = ramp(150, 10.01);
        let greater = mann_whitney(&x, &y, Tail::Greater).unwrap();
        assert_eq!((greater.u, greater.exact), (12897.0, true));
        close(greater.p, 0.014129193642422145, 1e-13);
        close(
            mann_whitney(&x, &y, Tail::TwoSided).unwrap().p,
            0.02825838728484429,
            1e-13,
        );
        // 200 × 200 = 40,000 pairs, the largest exact case: U=22309.0,
        // method="exact" greater p=0.022887126919082332 (asymptotic 0.022927516312281234),
        // two-sided p=0.045774253838164664
        let (x, y) = ramp(200, 10.01);
        let greater = mann_whitney(&x, &y, Tail::Greater).unwrap();
        assert_eq!((greater.u, greater.exact), (22309.0, true));
        close(greater.p, 0.022887126919082332, 1e-12);
        close(
            mann_whitney(&x, &y, Tail::TwoSided).unwrap().p,
            0.045774253838164664,
            1e-12,
        );
        // Moses at 200 × 200 (exact path) runs too.
        let (low, high) = moses_interval(&x, &y, 0.95).unwrap();
        assert!(low < high && low.is_finite() && high.is_finite());
        // 201 × 201 = 40,401 pairs: the normal approximation, scipy's default there (statrs' erfc
        // and scipy's ndtr agree to ~1e-11, hence the looser tolerance):
        // mannwhitneyu(*ramp(201, 10.01), alternative="greater") → U=22523.0,
        //     p=0.023106370194899223; two-sided → p=0.046212740389798446
        let (x, y) = ramp(201, 10.01);
        let greater = mann_whitney(&x, &y, Tail::Greater).unwrap();
        assert_eq!((greater.u, greater.exact), (22523.0, false));
        close(greater.p, 0.023106370194899223, 1e-10);
        close(
            mann_whitney(&x, &y, Tail::TwoSided).unwrap().p,
            0.046212740389798446,
            1e-10,
        );
        // 150 × 150 with ties (x rounded down, np.floor(x)): asymptotic with tie correction,
        // mannwhitneyu(np.floor(x), y, alternative=…) → U=12828.0, greater p=0.017870195701933947,
        // less p=0.9821882868451123, two-sided p=0.035740391403867894
        let (x, y) = ramp(150, 10.01);
        let x: Vec<f64> = x.iter().map(|v| v.floor()).collect();
        let greater = mann_whitney(&x, &y, Tail::Greater).unwrap();
        assert_eq!((greater.u, greater.exact), (12828.0, false));
        close(greater.p, 0.017870195701933947, 1e-10);
        close(
            mann_whitney(&x, &y, Tail::Less).unwrap().p,
            0.9821882868451123,
            1e-10,
        );
        close(
            mann_whitney(&x, &y, Tail::TwoSided).unwrap().p,
            0.035740391403867894,
            1e-10,
        );
        // The previous table over all (i, j) needed ~1 GB at 150 × 150 and ~3 GB at 200 × 200.
        let elapsed = start.elapsed();
        assert!(elapsed.as_secs_f64() < 1.0, "took {elapsed:?}");
    }

    #[test]
    fn tiny_p_values_are_not_rounded_to_zero() {
        let relative = |a: f64, b: f64| assert!((a / b - 1.0).abs() < 1e-9, "{a} vs {b}");
        // All of x above all of y, 200 a side (exact): scipy
        // mannwhitneyu(np.arange(200, 400.), np.arange(200.), alternative="greater",
        //     method="exact") → p=9.713217247609635e-120 (= 1/scipy.special.comb(400, 200))
        let x: Vec<f64> = (200..400).map(f64::from).collect();
        let y: Vec<f64> = (0..200).map(f64::from).collect();
        relative(
            mann_whitney(&x, &y, Tail::Greater).unwrap().p,
            9.713217247609635e-120,
        );
        assert_eq!(mann_whitney(&x, &y, Tail::Less).unwrap().p, 1.0);
        // 250 a side (asymptotic): mannwhitneyu(np.arange(250, 500.), np.arange(250.),
        //     alternative="greater") → p=1.1171280830367031e-83; two-sided 2.2342561660734062e-83
        let x: Vec<f64> = (250..500).map(f64::from).collect();
        let y: Vec<f64> = (0..250).map(f64::from).collect();
        relative(
            mann_whitney(&x, &y, Tail::Greater).unwrap().p,
            1.1171280830367031e-83,
        );
        relative(
            mann_whitney(&x, &y, Tail::TwoSided).unwrap().p,
            2.2342561660734062e-83,
        );
        // All values equal: σ = 0, p = 1 (scipy: mannwhitneyu([1., 1.], [1., 1., 1.]) → p=1.0).
        assert_eq!(
            mann_whitney(&[1.0, 1.0], &[1.0, 1.0, 1.0], Tail::TwoSided)
                .unwrap()
                .p,
            1.0
        );
    }

    #[test]
    fn the_exact_distribution_matches_scipy_at_200_a_side() {
        let cdf = exact_u_cdf(200, 200);
        assert_eq!(cdf.len(), 40_001);
        // P(U ≤ u) from scipy 1.17.1 `scipy.stats._mannwhitneyu._MWU(200, 200).cdf(u)` (its
        // method="exact"), which itself is within 2e-13 (relative) of the exact fractions
        // (Python integer counts over math.comb(400, 200)); near the centre this function is
        // within ~1e-9 (see the doc comment).
        for (u, scipy, tolerance) in [
            (0, 9.713217247609635e-120, 1e-12),
            (1, 1.942643449521927e-119, 1e-12),
            (17, 1.1772419304102876e-116, 1e-12),
            (5_000, 3.023777933276766e-45, 1e-12),
            (15_000, 6.792399144102773e-06, 1e-12),
            (19_000, 0.19385428287519157, 1e-9),
            (19_999, 0.49982766282657665, 1e-9),
        ] {
            close(cdf[u] / scipy, 1.0, tolerance);
        }
        assert_eq!(cdf[40_000], 1.0);
        for u in [0, 1, 17, 5_000, 19_999] {
            // symmetric: P(U ≤ u) = 1 − P(U ≤ nm − 1 − u)
            close(cdf[u], 1.0 - cdf[39_999 - u], 1e-15);
        }
        assert!(
            cdf.windows(2).all(|pair| pair[0] <= pair[1]),
            "not monotone"
        );
    }

    #[test]
    fn moses_reaches_exactly_the_requested_coverage() {
        // n = m = 3: C(6, 3) = 20 arrangements, P(U ≤ 0) = 1/20, so [min, max] of the nine
        // differences has coverage 1 − 2/20 = 0.90 exactly (the gate asks for 1 − 2·0.05/1).
        let x = [1.0, 2.5, 4.0];
        let y = [0.5, 2.0, 3.75];
        // min x − max y = 1 − 3.75, max x − min y = 4 − 0.5
        assert_eq!(moses_interval(&x, &y, 0.90).unwrap(), (-2.75, 3.5));
        assert_eq!(
            moses_interval(&x, &y, 1.0 - 2.0 * 0.05 / 1.0).unwrap(),
            (-2.75, 3.5)
        );
        // 95 % needs more than the full range covers: unbounded.
        assert_eq!(
            moses_interval(&x, &y, 0.95).unwrap(),
            (f64::NEG_INFINITY, f64::INFINITY)
        );
        // Confidence 0: C stops at the middle, the median difference (d = −2.75, −1.25, −1.0,
        // 0.25, 0.5, 0.5, 2.0, 2.0, 3.5 sorted), which is the Hodges–Lehmann estimate.
        assert_eq!(moses_interval(&x, &y, 0.0).unwrap(), (0.5, 0.5));
        assert_eq!(hodges_lehmann(&x, &y).unwrap(), 0.5);
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

    #[test]
    fn a_two_sided_p_is_never_above_one() {
        // U = 2 of 4 pairs at n = m = 2: each one-sided exact p is 4/6, doubled 4/3, clamped.
        let two = mann_whitney(&[1.0, 4.0], &[2.0, 3.0], Tail::TwoSided).unwrap();
        assert_eq!(two.p, 1.0);
    }
}
