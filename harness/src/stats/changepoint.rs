//! Change points in a series of runs (the nightly history): shifts of the mean, found by a scan of
//! t tests with analytic p-values, Bonferroni within a series and Benjamini–Hochberg across series.
//! The method, its choices and its simulations are described in `docs/perfgate/statistics.md`.
//!
//! **One series.** Every way of cutting the series `x` (n points) into parts of at least `min_size`
//! points is tried: every single split τ (`x[..τ]` against `x[τ..]`: a step) and every pair a < b,
//! the stretch `x[a..b]` against the rest, `x[..a]` and `x[b..]` together (an "epidemic": a change
//! later undone, which a single split sees only diluted). Each cut is a two-sample t test of the
//! means:
//! - a split: the pooled (equal-variance) t, n − 2 degrees of freedom;
//! - a pair: the middle's mean against the rest's, with the variance pooled from the residuals
//!   about **three** segment means, n − 3 degrees of freedom. The two outer parts keep their own
//!   means in the variance, so when they differ (a step only partly undone, or another step) that
//!   difference does not inflate the variance and hide the middle; with no change at all it is
//!   still exactly Student's t. (Treating the rest as one group, n − 2 df, did as well on the
//!   simulations of `harness/tests/changepoints.rs` and worse on partly undone steps.)
//!
//! Each cut's p is the exact two-sided p of Student's t (`statrs`, from the upper tail `sf`, so
//! small p do not round to 0; one below the smallest normal double is kept at that double, never 0
//! or NaN). Prefix sums of x and x² make the scan O(n²), and only the largest t of each kind needs
//! a p (p falls as |t| rises). Parts with no variance (instruction counts repeat exactly) are
//! exact: p = 0 when the means differ, 1 when they do not.
//!
//! The series' p-value is `min(1, K · smallest p)`, K the number of cuts tried (51 splits and 1,081
//! pairs for 60 points and `min_size` 5): Bonferroni within the series. The cuts of one series
//! share most of their points, so their tests are strongly dependent, and reporting the best of K
//! needs a correction valid under any dependence; Benjamini–Hochberg over them is not justified
//! (and its question, which of many cuts, is not the one asked). Bonferroni is conservative here,
//! never anti-conservative.
//!
//! **Many series.** [`detect_all`] applies Benjamini–Hochberg to the M series' p-values at q =
//! `alpha`: among the series it flags, the expected share of unchanged ones stays ≤ q however many
//! (host, scenario, metric) series are watched. The default q is 0.05: now that it is really
//! controlled across all series (the old 0.01 applied to each candidate after the fact and
//! corrected nothing), and Bonferroni within a series makes it conservative, 0.05 keeps whole flat
//! histories quiet and finds more real steps.
//!
//! **Where.** A flagged series takes the winning cut's split(s); the largest-|t| split is the
//! least-squares location of a step. A pair's two splits are kept only when each, as a split of its
//! two neighbouring parts, is significant on its own (Bonferroni over that stretch's splits, at the
//! level below) — else a step with a stray stretch of noise at one end would pass as a pair — and
//! otherwise the best single split is taken. Each resulting segment of at least `2 · min_size`
//! points is scanned again the same way with its own K, and its cut kept when that Bonferroni p is
//! below the level Benjamini–Hochberg used across series, `q · R / M` (R series flagged of M); new
//! segments are scanned in turn. Last, each change is moved to the least-squares split between its
//! neighbours (a split found before its neighbour was known is placed better once it is). Nothing
//! is random: a rerun over the same history finds the same change points.
//!
//! **Measured**: `harness/tests/changepoints.rs` runs seeded families of 200 series × 60 runs and
//! writes the false-alarm rate and power into docs/perfgate/statistics.md.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Detection settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Shortest segment on either side of a change (5: a step alerts after five nightly runs; at
    /// least 2 is used).
    pub min_size: usize,
    /// The false discovery rate q of Benjamini–Hochberg across all series.
    pub alpha: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_size: 5,
            alpha: 0.05,
        }
    }
}

/// A detected change: the series is different from `index` on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// The first point of the new segment.
    pub index: usize,
    /// The Bonferroni p-value of the scan that found it (of the series, or of the segment
    /// searched).
    pub p: f64,
    /// Benjamini–Hochberg adjusted across all series: the series' own for the first change(s), and
    /// `p · M / R` (never below the series') for those found within a segment afterwards.
    pub p_adjusted: f64,
    /// Mean of the segment before and after (between the neighbouring change points).
    pub before: f64,
    pub after: f64,
}

/// Prefix sums of one series (centred on its mean) and where each run of equal values ends.
struct Prefix<'a> {
    x: &'a [f64],
    sum: Vec<f64>,
    squares: Vec<f64>,
    /// `run_end[i]`: the first index after i whose value differs from `x[i]`.
    run_end: Vec<usize>,
    /// A residual sum of squares this small is rounding (or constant parts), not variance.
    floor: f64,
}

impl<'a> Prefix<'a> {
    fn new(x: &'a [f64]) -> Self {
        let n = x.len();
        let centre = x.iter().sum::<f64>() / n.max(1) as f64;
        let (mut sum, mut squares) = (vec![0.0; n + 1], vec![0.0; n + 1]);
        for (i, value) in x.iter().enumerate() {
            let c = value - centre;
            sum[i + 1] = sum[i] + c;
            squares[i + 1] = squares[i] + c * c;
        }
        let mut run_end = vec![n; n];
        for i in (0..n.saturating_sub(1)).rev() {
            run_end[i] = if x[i + 1] == x[i] {
                run_end[i + 1]
            } else {
                i + 1
            };
        }
        let floor = ((1024.0 + 4.0 * n as f64) * f64::EPSILON * squares[n]).max(f64::MIN_POSITIVE);
        Prefix {
            x,
            sum,
            squares,
            run_end,
            floor,
        }
    }

    fn sum(&self, a: usize, b: usize) -> f64 {
        self.sum[b] - self.sum[a]
    }

    fn squares(&self, a: usize, b: usize) -> f64 {
        self.squares[b] - self.squares[a]
    }

    fn constant(&self, a: usize, b: usize) -> bool {
        a >= b || self.run_end[a] >= b
    }

    fn mean(&self, a: usize, b: usize) -> f64 {
        self.x[a..b].iter().sum::<f64>() / (b - a).max(1) as f64
    }
}

/// t² = df · between / within; `exact` says, when `within` is at the rounding floor, whether every
/// part is constant (`Some(means differ)`): then t² is ∞ or 0 exactly.
fn t_squared(
    prefix: &Prefix,
    between: f64,
    within: f64,
    df: f64,
    exact: impl FnOnce() -> Option<bool>,
) -> f64 {
    if within <= prefix.floor {
        match exact() {
            Some(true) => return f64::INFINITY,
            Some(false) => return 0.0,
            None => {}
        }
    }
    df * between / within.max(prefix.floor)
}

/// The exact two-sided p of Student's t with `df` degrees of freedom, from t².
fn p_value(t_squared: f64, df: f64) -> f64 {
    if t_squared == f64::INFINITY {
        return 0.0;
    }
    if t_squared.is_nan() || t_squared <= 0.0 || df <= 0.0 {
        return 1.0;
    }
    let Ok(t) = StudentsT::new(0.0, 1.0, df) else {
        return 1.0;
    };
    let p = 2.0 * t.sf(t_squared.sqrt());
    if p.is_nan() {
        // Only a t far beyond the tail's precision gets here: as small as a double goes.
        return f64::MIN_POSITIVE;
    }
    p.clamp(f64::MIN_POSITIVE, 1.0)
}

/// t² of the split of `[s, e)` at `tau` (pooled two-sample t, `e − s − 2` df).
fn split_t_squared(prefix: &Prefix, s: usize, tau: usize, e: usize) -> f64 {
    let (n1, n2) = ((tau - s) as f64, (e - tau) as f64);
    let (left, right) = (prefix.sum(s, tau), prefix.sum(tau, e));
    let difference = left / n1 - right / n2;
    let between = difference * difference * n1 * n2 / (n1 + n2);
    let within = prefix.squares(s, e) - left * left / n1 - right * right / n2;
    t_squared(prefix, between, within, n1 + n2 - 2.0, || {
        (prefix.constant(s, tau) && prefix.constant(tau, e)).then(|| prefix.x[s] != prefix.x[tau])
    })
}

/// The largest-t² split of `[s, e)` with both sides at least `min_size`, and how many were tried.
fn best_split(prefix: &Prefix, s: usize, e: usize, min_size: usize) -> Option<(usize, f64, usize)> {
    if e - s < 2 * min_size {
        return None;
    }
    let mut best = (s + min_size, -1.0);
    for tau in s + min_size..=e - min_size {
        let t2 = split_t_squared(prefix, s, tau, e);
        if t2 > best.1 {
            best = (tau, t2);
        }
    }
    Some((best.0, best.1, e - s - 2 * min_size + 1))
}

/// The largest-t² pair (a, b) of `[s, e)`: `[a, b)` against the rest, residuals about three means
/// (`e − s − 3` df), every part at least `min_size`; and how many were tried.
fn best_pair(
    prefix: &Prefix,
    s: usize,
    e: usize,
    min_size: usize,
) -> Option<((usize, usize), f64, usize)> {
    if e - s < 3 * min_size {
        return None;
    }
    let m = (e - s) as f64;
    let (total, total_squares) = (prefix.sum(s, e), prefix.squares(s, e));
    let mut best = ((s + min_size, s + 2 * min_size), -1.0);
    let mut count = 0;
    for a in s + min_size..=e - 2 * min_size {
        let left = prefix.sum(s, a);
        let n_left = (a - s) as f64;
        let left_part = left * left / n_left;
        for b in a + min_size..=e - min_size {
            count += 1;
            let middle = prefix.sum(a, b);
            let right = total - left - middle;
            let (n_middle, n_right) = ((b - a) as f64, (e - b) as f64);
            let n_rest = m - n_middle;
            let difference = middle / n_middle - (left + right) / n_rest;
            let between = difference * difference * n_middle * n_rest / m;
            let within =
                total_squares - left_part - middle * middle / n_middle - right * right / n_right;
            let t2 = t_squared(prefix, between, within, m - 3.0, || {
                let x = prefix.x;
                let constant =
                    prefix.constant(s, a) && prefix.constant(a, b) && prefix.constant(b, e);
                constant.then(|| {
                    if x[s] == x[b] {
                        x[a] != x[s]
                    } else {
                        x[a] != (n_left * x[s] + n_right * x[b]) / n_rest
                    }
                })
            });
            if t2 > best.1 {
                best = ((a, b), t2);
            }
        }
    }
    Some((best.0, best.1, count))
}

/// The winning cut of a segment: its split(s), the best single split, and the Bonferroni p.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scan {
    /// One split, or the two of a pair.
    splits: (usize, Option<usize>),
    /// The best single split (taken when a pair's splits do not both separate their neighbours).
    single: usize,
    p: f64,
}

/// Scans `[s, e)`: every split and pair, the smallest p times the number of cuts tried.
fn scan(prefix: &Prefix, s: usize, e: usize, min_size: usize) -> Option<Scan> {
    let (tau, split_t2, split_count) = best_split(prefix, s, e, min_size)?;
    let df = (e - s) as f64;
    let split_p = p_value(split_t2, df - 2.0);
    let mut scan = Scan {
        splits: (tau, None),
        single: tau,
        p: split_p,
    };
    let mut count = split_count;
    if let Some(((a, b), pair_t2, pair_count)) = best_pair(prefix, s, e, min_size) {
        count += pair_count;
        let pair_p = p_value(pair_t2, df - 3.0);
        // On a tie (both 0, or both at the smallest double) the simpler cut wins unless the pair's
        // t is larger.
        if pair_p < split_p || (pair_p == split_p && pair_t2 > split_t2) {
            scan.splits = (a, Some(b));
            scan.p = pair_p;
        }
    }
    scan.p = (scan.p * count as f64).min(1.0);
    Some(scan)
}

/// Where the winning cut of `[s, e)` puts its change(s): a pair's two splits when each, as a split
/// of its two neighbouring parts, is significant at `level` (Bonferroni over the splits of those
/// parts); else the best single split.
fn locate(
    prefix: &Prefix,
    scan: &Scan,
    s: usize,
    e: usize,
    level: f64,
    min_size: usize,
) -> Vec<usize> {
    match scan.splits {
        (tau, None) => vec![tau],
        (a, Some(b)) => {
            let separates = |from: usize, at: usize, to: usize| {
                let p = p_value(
                    split_t_squared(prefix, from, at, to),
                    (to - from - 2) as f64,
                );
                p * ((to - from - 2 * min_size + 1) as f64) < level
            };
            if separates(s, a, b) && separates(a, b, e) {
                vec![a, b]
            } else {
                vec![scan.single]
            }
        }
    }
}

/// The change points of a flagged series whose whole-series scan is `first`: (index, p), sorted;
/// segments are searched again while their scan's p is below `level`, and each change is finally
/// placed at the least-squares split between its neighbours.
fn segment(prefix: &Prefix, first: &Scan, level: f64, min_size: usize) -> Vec<(usize, f64)> {
    let n = prefix.x.len();
    let mut found: Vec<(usize, f64)> = Vec::new();
    let mut pending = vec![(0, n, Some(*first))];
    while let Some((s, e, known)) = pending.pop() {
        let Some(scan) = known.or_else(|| scan(prefix, s, e, min_size)) else {
            continue;
        };
        // The whole series was flagged by Benjamini–Hochberg already.
        if known.is_none() && scan.p >= level {
            continue;
        }
        let splits = locate(prefix, &scan, s, e, level, min_size);
        let mut start = s;
        for &split in &splits {
            found.push((split, scan.p));
            pending.push((start, split, None));
            start = split;
        }
        pending.push((start, e, None));
    }
    found.sort_by_key(|&(index, _)| index);
    for k in 0..found.len() {
        let start = if k == 0 { 0 } else { found[k - 1].0 };
        let end = found.get(k + 1).map_or(n, |&(index, _)| index);
        if let Some((better, _, _)) = best_split(prefix, start, end, min_size) {
            found[k].0 = better;
        }
    }
    found
}

/// Change points of many series at once: each series scanned, Benjamini–Hochberg at `alpha` across
/// the series' p-values, the flagged ones segmented. One result per series, in input order. A
/// series with a non-finite value, or too short to split (under `2 · min_size` points), is skipped
/// and does not count among the M series.
pub fn detect_all(series: &[&[f64]], options: &Options) -> Vec<Vec<ChangePoint>> {
    let min_size = options.min_size.max(2);
    let prefixes: Vec<Option<Prefix>> = series
        .iter()
        .map(|x| x.iter().all(|v| v.is_finite()).then(|| Prefix::new(x)))
        .collect();
    let scans: Vec<Option<Scan>> = prefixes
        .iter()
        .map(|prefix| {
            prefix
                .as_ref()
                .and_then(|p| scan(p, 0, p.x.len(), min_size))
        })
        .collect();
    let tested: Vec<usize> = (0..series.len()).filter(|&i| scans[i].is_some()).collect();
    let p: Vec<f64> = tested
        .iter()
        .filter_map(|&i| scans[i])
        .map(|s| s.p)
        .collect();
    let adjusted = super::benjamini_hochberg(&p);
    let flagged = adjusted.iter().filter(|&&q| q < options.alpha).count();
    let mut results = vec![Vec::new(); series.len()];
    if flagged == 0 {
        return results;
    }
    // BH rejected exactly the series with p < q·R/M: the level for further splits.
    let scale = tested.len() as f64 / flagged as f64;
    let level = options.alpha / scale;
    for (&i, &series_adjusted) in tested.iter().zip(&adjusted) {
        if series_adjusted >= options.alpha {
            continue;
        }
        let (Some(prefix), Some(first)) = (&prefixes[i], &scans[i]) else {
            continue;
        };
        let found = segment(prefix, first, level, min_size);
        let n = prefix.x.len();
        results[i] = (0..found.len())
            .map(|k| {
                let (index, p) = found[k];
                let start = if k == 0 { 0 } else { found[k - 1].0 };
                let end = found.get(k + 1).map_or(n, |&(next, _)| next);
                ChangePoint {
                    index,
                    p,
                    p_adjusted: (p * scale).min(1.0).max(series_adjusted),
                    before: prefix.mean(start, index),
                    after: prefix.mean(index, end),
                }
            })
            .collect();
    }
    results
}

/// The change points of one series.
pub fn detect(x: &[f64], options: &Options) -> Vec<ChangePoint> {
    detect_all(&[x], options).remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs()
    }

    /// Small deterministic wobble (±0.3 %) around `level`.
    fn wobbly(levels: &[(usize, f64)]) -> Vec<f64> {
        levels
            .iter()
            .flat_map(|&(count, level)| std::iter::repeat_n(level, count))
            .enumerate()
            .map(|(i, level)| level * (1.0 + 0.003 * (i as f64 * 2.7).sin()))
            .collect()
    }

    #[test]
    fn p_values_are_exact_and_never_zero_nor_nan_for_a_finite_t() {
        // scipy.stats.t.sf(2, 10) * 2
        assert!(close(p_value(4.0, 10.0), 0.07338803477074037));
        assert_eq!(p_value(f64::INFINITY, 10.0), 0.0);
        assert_eq!(p_value(0.0, 10.0), 1.0);
        for t2 in [1e10, 1e100, 1e300, f64::MAX] {
            let p = p_value(t2, 58.0);
            assert!(p > 0.0 && p < 1e-100, "{t2}: {p}");
        }
    }

    #[test]
    fn one_split_is_the_pooled_t_test_and_one_pair_the_three_segment_residual_t() {
        let x = [10.1, 9.8, 10.3, 9.9, 10.0, 10.6, 10.4, 10.9, 10.5, 10.7];
        let prefix = Prefix::new(&x);
        let found = scan(&prefix, 0, x.len(), 5).unwrap();
        // scipy.stats.ttest_ind(x[:5], x[5:]).pvalue; a single cut, K = 1
        assert!(close(found.p, 0.0011465920428410151), "{found:?}");
        let x = [
            10.1, 9.8, 10.3, 9.9, 10.0, 10.6, 10.4, 10.9, 10.5, 10.7, 10.2, 9.9, 10.0, 10.1, 9.7,
        ];
        let prefix = Prefix::new(&x);
        let found = scan(&prefix, 0, x.len(), 5).unwrap();
        // t = 5.8848 on 12 df (residuals about three means): 2·sf = 7.42585992732308e-05, times
        // K = 6 splits + 1 pair; the best split alone has p = 0.0756.
        assert_eq!(found.splits, (5, Some(10)));
        assert!(close(found.p, 7.0 * 7.42585992732308e-05), "{found:?}");
    }

    #[test]
    fn the_number_of_cuts_of_60_points_is_51_splits_and_1081_pairs() {
        let x: Vec<f64> = (0..60).map(|i| (i as f64 * 1.3).sin()).collect();
        let prefix = Prefix::new(&x);
        assert_eq!(best_split(&prefix, 0, 60, 5).unwrap().2, 51);
        assert_eq!(best_pair(&prefix, 0, 60, 5).unwrap().2, 1081);
        assert_eq!(best_pair(&prefix, 0, 14, 5), None);
        assert_eq!(best_split(&prefix, 0, 9, 5), None);
    }

    #[test]
    fn a_clean_step_is_found_exactly_at_its_index() {
        let x = wobbly(&[(23, 100.0), (17, 104.0)]);
        let found = detect(&x, &Options::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].index, 23);
        assert!(found[0].p > 0.0 && found[0].p < 1e-20, "{found:?}");
        assert!((found[0].after / found[0].before - 1.04).abs() < 0.002);
    }

    #[test]
    fn an_exact_step_has_p_zero_at_its_index_and_a_constant_series_nothing() {
        let x: Vec<f64> = (0..20)
            .map(|i| if i < 12 { 1e9 } else { 1e9 + 7.0 })
            .collect();
        let found = detect(&x, &Options::default());
        assert_eq!(
            found,
            [ChangePoint {
                index: 12,
                p: 0.0,
                p_adjusted: 0.0,
                before: 1e9,
                after: 1e9 + 7.0
            }]
        );
        assert!(detect(&[3.5; 40], &Options::default()).is_empty());
        assert!(detect(&x[..9], &Options::default()).is_empty());
        let mut broken = x.clone();
        broken[3] = f64::NAN;
        assert!(detect(&broken, &Options::default()).is_empty());
    }

    #[test]
    fn exact_steps_up_and_back_and_a_staircase_are_both_found() {
        let options = Options::default();
        let back: Vec<f64> = [(20, 7.0), (20, 9.0), (20, 7.0)]
            .iter()
            .flat_map(|&(count, level)| std::iter::repeat_n(level, count))
            .collect();
        let indices =
            |x: &[f64]| -> Vec<usize> { detect(x, &options).iter().map(|p| p.index).collect() };
        assert_eq!(indices(&back), [20, 40]);
        let stairs: Vec<f64> = (0..45).map(|i| (i / 15) as f64).collect();
        assert_eq!(indices(&stairs), [15, 30]);
        // A step at the end is a split, not a pair with a short tail.
        let late: Vec<f64> = (0..30).map(|i| if i < 22 { 5.0 } else { 6.0 }).collect();
        assert_eq!(indices(&late), [22]);
    }

    #[test]
    fn a_step_then_its_revert_in_noise_is_found_and_a_rerun_gives_the_same() {
        let x = wobbly(&[(20, 100.0), (20, 103.0), (20, 100.0)]);
        let first = detect(&x, &Options::default());
        let indices: Vec<usize> = first.iter().map(|p| p.index).collect();
        assert_eq!(indices, [20, 40], "{first:?}");
        assert_eq!(first[0].p, first[1].p);
        assert_eq!(detect(&x, &Options::default()), first);
    }

    #[test]
    fn many_series_share_one_benjamini_hochberg_and_flat_ones_stay_quiet() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
        let mut normal = || {
            let u1: f64 = 1.0 - rng.random::<f64>();
            let u2: f64 = rng.random::<f64>();
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        };
        let series: Vec<Vec<f64>> = (0..10)
            .map(|k| {
                let level = |i: usize| if k == 4 && i >= 30 { 103.0 } else { 100.0 };
                (0..60)
                    .map(|i| level(i) * (1.0 + 0.01 * normal()))
                    .collect()
            })
            .collect();
        let refs: Vec<&[f64]> = series.iter().map(Vec::as_slice).collect();
        let found = detect_all(&refs, &Options::default());
        let counts: Vec<usize> = found.iter().map(Vec::len).collect();
        assert_eq!(counts, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "{found:?}");
        let point = found[4][0];
        assert!(point.index.abs_diff(30) <= 1, "{point:?}");
        // One of ten series flagged: its adjusted p is ten times its p.
        assert!(close(point.p_adjusted, point.p * 10.0), "{point:?}");
        assert_eq!(detect_all(&refs, &Options::default()), found);
    }
}
