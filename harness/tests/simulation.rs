//! Seeded simulations of the wall-time decision (STATISTICS.md, "Worked examples"): lognormal round
//! medians with a random per-round offset (the process effect, without which such a test cannot
//! fail), seven rounds a side, threshold 3 %, 200 trials each.

use perfgate::compare::time::{TimeVerdict, decide_family, test};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TRIALS: usize = 200;
const ROUNDS: usize = 7;
const THRESHOLD: f64 = 0.03;
const ALPHA: f64 = 0.05;

/// A standard normal value (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Round medians: 100 ms × factor × exp(σ = 2 % noise) × exp(σ = 1 % per-round offset).
fn rounds(rng: &mut ChaCha8Rng, factor: f64) -> Vec<f64> {
    (0..ROUNDS)
        .map(|_| 100e6 * factor * (0.02 * normal(rng)).exp() * (0.01 * normal(rng)).exp())
        .collect()
}

fn verdicts(seed: u64, factor: f64) -> Vec<TimeVerdict> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..TRIALS)
        .map(|_| {
            let a = rounds(&mut rng, 1.0);
            let b = rounds(&mut rng, factor);
            let test = test(&a, &b, THRESHOLD, ALPHA, 1, None).unwrap();
            decide_family(&[test], &[THRESHOLD], ALPHA)[0]
        })
        .collect()
}

fn count(verdicts: &[TimeVerdict], wanted: TimeVerdict) -> usize {
    let n = verdicts.iter().filter(|v| **v == wanted).count();
    eprintln!("{wanted:?}: {n} of {}", verdicts.len());
    n
}

#[test]
fn no_change_is_called_a_regression_in_at_most_5_percent_of_trials() {
    let verdicts = verdicts(7, 1.0);
    let regressed = count(&verdicts, TimeVerdict::Regressed);
    let improved = count(&verdicts, TimeVerdict::Improved);
    assert!(
        regressed <= TRIALS / 20,
        "regressed {regressed} of {TRIALS}"
    );
    assert!(improved <= TRIALS / 20, "improved {improved} of {TRIALS}");
}

#[test]
fn ten_percent_slower_is_called_a_regression_in_at_least_95_percent_of_trials() {
    let verdicts = verdicts(11, 1.10);
    let regressed = count(&verdicts, TimeVerdict::Regressed);
    assert!(
        regressed * 100 >= TRIALS * 95,
        "regressed {regressed} of {TRIALS}"
    );
}

#[test]
fn ten_percent_faster_is_called_an_improvement_in_at_least_95_percent_of_trials() {
    let verdicts = verdicts(13, 1.0 / 1.10);
    let improved = count(&verdicts, TimeVerdict::Improved);
    assert!(
        improved * 100 >= TRIALS * 95,
        "improved {improved} of {TRIALS}"
    );
}

#[test]
fn many_scenarios_at_once_keep_the_family_wise_error_rate() {
    // 10 unchanged scenarios per run, Holm over them: a run with any false regression is rare.
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut runs_with_alarm = 0;
    for _ in 0..TRIALS {
        let tests: Vec<_> = (0..10)
            .map(|_| {
                let (a, b) = (rounds(&mut rng, 1.0), rounds(&mut rng, 1.0));
                test(&a, &b, THRESHOLD, ALPHA, 10, None).unwrap()
            })
            .collect();
        let verdicts = decide_family(&tests, &[THRESHOLD; 10], ALPHA);
        if verdicts.contains(&TimeVerdict::Regressed) {
            runs_with_alarm += 1;
        }
    }
    assert!(
        runs_with_alarm <= TRIALS / 20,
        "{runs_with_alarm} of {TRIALS} runs"
    );
}
