//! Change points in a series of runs (the nightly history): E-divisive means (Matteson & James,
//! 2014), as Apache Otava (Hunter) uses it, with a seeded permutation test.
//!
//! For a split of `x` at `τ` into `L = x[..τ]` and `R = x[τ..]` the energy statistic is
//! `Q(τ) = n₁n₂/(n₁+n₂) · (2·mean|L−R| − mean|L−L'| − mean|R−R'|)` (U-statistics: pairs of distinct
//! points within a side). The best split maximises Q over `min_size ≤ τ ≤ n − min_size`; its p-value
//! is the share of random permutations of the segment whose best Q reaches it,
//! `(1 + exceedances) / (1 + permutations)`, with Besag–Clifford early stopping (a segment whose
//! permutations exceed it `stop_after` times is clearly not significant and stops there). A
//! significant split is kept and both halves are searched again (binary segmentation), each test
//! with its own p-value. [`detect_all`] collects the candidates of many series and keeps those whose
//! Benjamini–Hochberg adjusted p-value is below α across **all** of them, so watching more
//! scenarios and metrics does not raise the false-alarm rate. Each kept change is then placed at the
//! least-squares split between its neighbours ([`refine`]): energy finds that something changed,
//! least squares says most precisely where a step is. Everything is deterministic for a
//! seed: a rerun over the same history finds the same change points.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Detection settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Shortest segment on either side of a change (5: a step alerts after five nightly runs).
    pub min_size: usize,
    /// Permutations per test (the smallest p-value is 1 / (permutations + 1)).
    pub permutations: usize,
    /// Stop a test after this many permutations reach the observed statistic.
    pub stop_after: usize,
    /// Significance after Benjamini–Hochberg across every candidate of every series.
    pub alpha: f64,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_size: 5,
            permutations: 1999,
            stop_after: 20,
            alpha: 0.01,
            seed: 0x5eed,
        }
    }
}

/// A detected change: the series is different from `index` on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// The first point of the new segment.
    pub index: usize,
    /// The permutation p-value of the split (before adjustment).
    pub p: f64,
    /// The BH-adjusted p-value across all tested candidates (set by [`detect_all`]).
    pub p_adjusted: f64,
    /// Mean of the segment before and after (between the neighbouring change points).
    pub before: f64,
    pub after: f64,
}

/// Q(τ) for every τ in `min_size..=n-min_size` from pairwise-distance prefix sums; the best split.
fn best_split(x: &[f64], min_size: usize) -> Option<(usize, f64)> {
    let n = x.len();
    let min_size = min_size.max(2);
    if n < 2 * min_size {
        return None;
    }
    // prefix[i][j] = Σ_{a<i, b<j} |x_a − x_b|
    let width = n + 1;
    let mut prefix = vec![0.0; width * width];
    for i in 0..n {
        let mut row = 0.0;
        for j in 0..n {
            row += (x[i] - x[j]).abs();
            prefix[(i + 1) * width + j + 1] = prefix[i * width + j + 1] + row;
        }
    }
    let sum = |a: usize, b: usize, c: usize, d: usize| {
        prefix[b * width + d] - prefix[a * width + d] - prefix[b * width + c]
            + prefix[a * width + c]
    };
    let mut best: Option<(usize, f64)> = None;
    for tau in min_size..=n - min_size {
        let (n1, n2) = (tau as f64, (n - tau) as f64);
        let between = sum(0, tau, tau, n) / (n1 * n2);
        let left = sum(0, tau, 0, tau) / (n1 * (n1 - 1.0));
        let right = sum(tau, n, tau, n) / (n2 * (n2 - 1.0));
        let q = n1 * n2 / (n1 + n2) * (2.0 * between - left - right);
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((tau, q));
        }
    }
    best
}

/// The best split of `x` and its permutation p-value.
fn test_split(x: &[f64], options: &Options, rng: &mut ChaCha8Rng) -> Option<(usize, f64)> {
    let (tau, q) = best_split(x, options.min_size)?;
    let mut shuffled = x.to_vec();
    let mut exceed = 0usize;
    let mut done = 0usize;
    while done < options.permutations {
        shuffled.shuffle(rng);
        done += 1;
        if best_split(&shuffled, options.min_size).is_some_and(|(_, qp)| qp >= q * (1.0 - 1e-12)) {
            exceed += 1;
            if exceed >= options.stop_after {
                // Besag–Clifford: p = h / l after l permutations with h exceedances.
                return Some((tau, exceed as f64 / done as f64));
            }
        }
    }
    Some((tau, (1 + exceed) as f64 / (1 + done) as f64))
}

/// Candidate change points of one series (binary segmentation, each split kept when its own
/// p-value is below `threshold`), sorted by index, not yet adjusted.
fn candidates(
    x: &[f64],
    options: &Options,
    threshold: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<(usize, f64)> {
    let mut found = Vec::new();
    let mut segments = vec![(0usize, x.len())];
    while let Some((start, end)) = segments.pop() {
        let Some((tau, p)) = test_split(&x[start..end], options, rng) else {
            continue;
        };
        if p < threshold {
            found.push((start + tau, p));
            segments.push((start, start + tau));
            segments.push((start + tau, end));
        }
    }
    found.sort_by_key(|&(index, _)| index);
    found
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// The mean-shift location within `x[start..end)` (the least-squares split, `n₁n₂/n·(x̄_L − x̄_R)²`
/// maximal), for a change the energy statistic found there: energy locates a pure step less
/// precisely than least squares does, and performance changes are steps.
fn refine(x: &[f64], start: usize, end: usize, min_size: usize) -> Option<usize> {
    let segment = &x[start..end];
    let n = segment.len();
    let min_size = min_size.max(1);
    if n < 2 * min_size {
        return None;
    }
    let total: f64 = segment.iter().sum();
    let mut left = 0.0;
    let mut best: Option<(usize, f64)> = None;
    for (i, value) in segment[..n - min_size].iter().enumerate() {
        left += value;
        let tau = i + 1;
        if tau < min_size {
            continue;
        }
        let (n1, n2) = (tau as f64, (n - tau) as f64);
        let difference = left / n1 - (total - left) / n2;
        let score = n1 * n2 / n as f64 * difference * difference;
        if best.is_none_or(|(_, b)| score > b) {
            best = Some((tau, score));
        }
    }
    best.map(|(tau, _)| start + tau)
}

/// Change points of many series at once, with Benjamini–Hochberg across every candidate of every
/// series; one result per series, in input order. Non-finite values make a series be skipped.
pub fn detect_all(series: &[&[f64]], options: &Options) -> Vec<Vec<ChangePoint>> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    // Candidates are searched at the unadjusted level (nothing weaker can survive BH).
    let found: Vec<Vec<(usize, f64)>> = series
        .iter()
        .map(|x| {
            // Each series gets its own stream: adding a series does not change another's result.
            let mut own = ChaCha8Rng::seed_from_u64(rng.next_u64());
            if x.iter().all(|v| v.is_finite()) {
                candidates(x, options, options.alpha, &mut own)
            } else {
                Vec::new()
            }
        })
        .collect();
    let all_p: Vec<f64> = found.iter().flatten().map(|&(_, p)| p).collect();
    let adjusted = super::benjamini_hochberg(&all_p);
    let mut next = 0;
    series
        .iter()
        .zip(&found)
        .map(|(x, candidates)| {
            let kept: Vec<(usize, f64, f64)> = candidates
                .iter()
                .map(|&(index, p)| {
                    let adjusted = adjusted[next];
                    next += 1;
                    (index, p, adjusted)
                })
                .filter(|&(_, _, adjusted)| adjusted < options.alpha)
                .collect();
            let mut indices: Vec<usize> = kept.iter().map(|&(index, _, _)| index).collect();
            for k in 0..indices.len() {
                let start = if k == 0 { 0 } else { indices[k - 1] };
                let end = indices.get(k + 1).copied().unwrap_or(x.len());
                if let Some(better) = refine(x, start, end, options.min_size) {
                    indices[k] = better;
                }
            }
            let bounds: Vec<usize> = std::iter::once(0)
                .chain(indices.iter().copied())
                .chain(std::iter::once(x.len()))
                .collect();
            kept.iter()
                .enumerate()
                .map(|(k, &(_, p, p_adjusted))| ChangePoint {
                    index: indices[k],
                    p,
                    p_adjusted,
                    before: mean(&x[bounds[k]..indices[k]]),
                    after: mean(&x[indices[k]..bounds[k + 2]]),
                })
                .collect()
        })
        .collect()
}

/// The change points of one series.
pub fn detect(x: &[f64], options: &Options) -> Vec<ChangePoint> {
    detect_all(&[x], options).remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn noisy(rng: &mut ChaCha8Rng, levels: &[(usize, f64)]) -> Vec<f64> {
        levels
            .iter()
            .flat_map(|&(count, level)| std::iter::repeat_n(level, count).collect::<Vec<_>>())
            .map(|level| level * (1.0 + 0.02 * normal(rng)))
            .collect()
    }

    #[test]
    fn the_best_split_of_a_clean_step_is_at_the_step() {
        let x: Vec<f64> = (0..20).map(|i| if i < 12 { 1.0 } else { 2.0 }).collect();
        assert_eq!(best_split(&x, 5).unwrap().0, 12);
        assert_eq!(best_split(&x[..9], 5), None);
    }

    #[test]
    fn a_five_percent_step_in_two_percent_noise_is_found_at_its_index() {
        // A 5 % step is 2.5 σ: even the least-squares location (the maximum-likelihood one) is
        // off by two in about one series of ten, so: every series finds it within ±2, and at
        // least 17 of 20 within ±1.
        let (mut exact, mut others) = (0, 0);
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let x = noisy(&mut rng, &[(30, 100.0), (20, 105.0)]);
            let found = detect(&x, &Options::default());
            let point = found
                .iter()
                .find(|p| p.index.abs_diff(30) <= 2)
                .unwrap_or_else(|| panic!("seed {seed}: {found:?}"));
            exact += usize::from(point.index.abs_diff(30) <= 1);
            assert!(
                (point.after / point.before - 1.05).abs() < 0.03,
                "{point:?}"
            );
            others += found.iter().filter(|p| p.index.abs_diff(30) > 2).count();
        }
        assert!(
            exact >= 17,
            "found within ±1 of the step in {exact} of 20 seeds"
        );
        // Each extra point is a false alarm of one test at α = 0.01 (about two tests a series).
        assert!(
            others <= 2,
            "{others} change points away from the step in 20 series"
        );
    }

    #[test]
    fn a_step_alerts_once_five_runs_follow_it() {
        let mut found = 0;
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
            let x = noisy(&mut rng, &[(30, 100.0), (5, 105.0)]);
            let points = detect(&x, &Options::default());
            found += usize::from(points.iter().any(|p| p.index.abs_diff(30) <= 1));
        }
        assert!(
            found >= 15,
            "five runs after a 5 % step: found in {found} of 20 seeds"
        );
    }

    #[test]
    fn a_flat_noisy_series_of_100_points_has_no_change_point_in_95_percent_of_seeds() {
        let clean = (0..100)
            .filter(|&seed| {
                let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
                detect(&noisy(&mut rng, &[(100, 100.0)]), &Options::default()).is_empty()
            })
            .count();
        assert!(
            clean >= 95,
            "{clean} of 100 flat series had no change point"
        );
    }

    #[test]
    fn two_steps_are_both_found_and_results_repeat_for_a_seed() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let x = noisy(&mut rng, &[(20, 100.0), (20, 110.0), (20, 100.0)]);
        let first = detect(&x, &Options::default());
        let indices: Vec<usize> = first.iter().map(|p| p.index).collect();
        assert_eq!(indices.len(), 2, "{first:?}");
        assert!(
            indices[0].abs_diff(20) <= 1 && indices[1].abs_diff(40) <= 1,
            "{indices:?}"
        );
        assert_eq!(detect(&x, &Options::default()), first);
    }

    #[test]
    fn many_flat_series_together_keep_the_false_alarm_rate() {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let series: Vec<Vec<f64>> = (0..40).map(|_| noisy(&mut rng, &[(60, 100.0)])).collect();
        let refs: Vec<&[f64]> = series.iter().map(Vec::as_slice).collect();
        let alarms: usize = detect_all(&refs, &Options::default())
            .iter()
            .map(Vec::len)
            .sum();
        assert!(alarms <= 1, "{alarms} alarms in 40 flat series");
    }
}
