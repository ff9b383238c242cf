//! Statistics for verdicts: pure functions, no I/O and no policy (thresholds and verdicts live in
//! `compare`). The method is described in docs/perfgate/statistics.md: rounds are the unit,
//! wall-time changes are tested one-sided against a threshold with a t-test on log round-medians,
//! Mann–Whitney and the Hodges–Lehmann shift with its Moses interval are the distribution-free
//! second opinion, Holm / Benjamini–Hochberg handle many scenarios, the minimum detectable effect
//! (noncentral t) and Clopper–Pearson intervals say what a run can and cannot see, and
//! [`changepoint`] finds steps in the nightly history.

pub mod changepoint;
mod multiple;
mod parametric;
mod rank;

pub use multiple::{benjamini_hochberg, holm};
pub use parametric::{
    MDE_POWER, Welch, clopper_pearson, mde, noncentral_t_sf, normal_quantile, rounds_needed, t_sf,
    t_test_df, t_upper_quantile, welch_log,
};
pub use rank::{MannWhitney, Tail, exact_u_cdf, hodges_lehmann, mann_whitney, moses_interval};

/// Inputs a statistic cannot be computed from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("each side needs at least {needed} values (got {x} and {y})")]
    TooFew { needed: usize, x: usize, y: usize },
    #[error("the values include a NaN or infinity")]
    NotFinite,
    #[error("{0}")]
    Invalid(String),
}

/// Refuses empty or non-finite inputs.
fn check(x: &[f64], y: &[f64], needed: usize) -> Result<(), StatsError> {
    if x.len() < needed || y.len() < needed {
        return Err(StatsError::TooFew {
            needed,
            x: x.len(),
            y: y.len(),
        });
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(StatsError::NotFinite);
    }
    Ok(())
}

/// The median of `values` (NaN when empty).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    }
}

/// Sample standard deviation (n − 1); 0 for fewer than two values.
pub fn std_dev(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    (squares / (values.len() - 1) as f64).sqrt()
}

/// The pooled standard deviation of two samples (weights n − 1).
pub fn pooled_std_dev(x: &[f64], y: &[f64]) -> f64 {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    if nx + ny < 3.0 {
        return 0.0;
    }
    let vx = std_dev(x).powi(2) * (nx - 1.0).max(0.0);
    let vy = std_dev(y).powi(2) * (ny - 1.0).max(0.0);
    ((vx + vy) / (nx + ny - 2.0)).sqrt()
}
