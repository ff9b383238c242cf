//! Seeded simulations of the whole wall-time decision — `compare` on synthetic results files, then
//! the second stage on fresh rounds of both sides where a target allows it — against the targets
//! in docs/perfgate/statistics.md. Round medians are lognormal: σ between rounds, plus a random
//! per-round offset where said (each round is a process of its own, with its own luck), a larger σ
//! on the candidate's side where said, and contaminated rounds (× 1.3 at random) where said.
//! Threshold 3 %, α 0.05, promise 10 %.
//!
//! The page's tables are this file's output: `the_documented_tables_are_what_the_simulation_measures`
//! fails when they differ, and `PERFGATE_UPDATE_DOCS=1 cargo test -p perfgate --test simulation`
//! rewrites them (with the command, date, commit and host).

mod common;

use perfgate::compare::{CompareOptions, Comparison, Verdict, compare, confirm};
use perfgate::results::{Results, ScenarioResult};
use perfgate::settings::GateDefaults;
use perfgate::synthetic;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const THRESHOLD: f64 = 0.03;
const ALPHA: f64 = 0.05;

/// A standard normal value (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A suite of scenarios measured twice.
#[derive(Clone, Copy)]
struct Suite {
    scenarios: usize,
    rounds: usize,
    /// σ of log round-medians between rounds, and of a per-round offset on top.
    sigma: f64,
    offset: f64,
    /// Share of rounds × 1.3 at random (a noisy neighbour).
    contamination: f64,
    /// The candidate's σ as a multiple of the baseline's (a change that also adds noise).
    spread: f64,
    /// The candidate's factor: `first` for scenario 0, `rest` for the others.
    first: f64,
    rest: f64,
    /// Whether the suspects get fresh rounds of both sides (compare-branches, `gate --confirm`).
    two_stage: bool,
}

impl Suite {
    fn plain(scenarios: usize, rounds: usize, sigma: f64) -> Suite {
        Suite {
            scenarios,
            rounds,
            sigma,
            offset: 0.0,
            contamination: 0.0,
            spread: 1.0,
            first: 1.0,
            rest: 1.0,
            two_stage: true,
        }
    }

    fn factor(&self, scenario: usize) -> f64 {
        if scenario == 0 { self.first } else { self.rest }
    }

    /// Round medians (milliseconds) of one scenario on one side.
    fn rounds(&self, rng: &mut ChaCha8Rng, factor: f64, spread: f64) -> Vec<f64> {
        (0..self.rounds)
            .map(|_| {
                let noise =
                    (self.sigma * spread * normal(rng)).exp() * (self.offset * normal(rng)).exp();
                let wild = if rng.random::<f64>() < self.contamination {
                    1.3
                } else {
                    1.0
                };
                100.0 * factor * noise * wild
            })
            .collect()
    }

    /// Results files of both sides for `names` (time only).
    fn sides(&self, rng: &mut ChaCha8Rng, names: &[usize]) -> (Results, Results) {
        let one = |index: usize, ms: Vec<f64>| -> ScenarioResult {
            let mut scenario = synthetic::scenario(&format!("s{index:03}"), 1.0, 1, 1);
            scenario.time = Some(synthetic::time(&ms));
            scenario.instructions = None;
            scenario.heap = None;
            scenario.counters = None;
            scenario
        };
        let (mut base, mut head) = (Vec::new(), Vec::new());
        for &index in names {
            base.push(one(index, self.rounds(rng, 1.0, 1.0)));
            head.push(one(
                index,
                self.rounds(rng, self.factor(index), self.spread),
            ));
        }
        (synthetic::results(base), synthetic::results(head))
    }

    /// One trial: the final comparison.
    fn trial(&self, rng: &mut ChaCha8Rng) -> Comparison {
        let all: Vec<usize> = (0..self.scenarios).collect();
        let (base, head) = self.sides(rng, &all);
        let mut comparison = compare(&base, &head, &options());
        if self.two_stage {
            let suspects: Vec<usize> = confirm::suspects(&comparison)
                .iter()
                .map(|name| name[1..].parse().unwrap())
                .collect();
            if !suspects.is_empty() {
                let (base, head) = self.sides(rng, &suspects);
                confirm::decide_on_fresh_rounds(&mut comparison, &base, &head, &options());
            }
        }
        comparison
    }

    /// Over `trials` seeded trials: the share where scenario 0 came out regressed, and the share
    /// where any other scenario did.
    fn rates(&self, seed: u64, trials: usize) -> Rates {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut first, mut others, mut any) = (0, 0, 0);
        for _ in 0..trials {
            let comparison = self.trial(&mut rng);
            let regressed =
                |m: &&perfgate::compare::MetricComparison| m.verdict == Verdict::Regressed;
            let hits: Vec<&str> = comparison
                .metrics
                .iter()
                .filter(regressed)
                .map(|m| m.scenario.as_str())
                .collect();
            first += usize::from(hits.contains(&"s000"));
            others += usize::from(hits.iter().any(|h| *h != "s000"));
            any += usize::from(!hits.is_empty());
        }
        Rates {
            trials,
            first: first as f64 / trials as f64,
            others: others as f64 / trials as f64,
            any: any as f64 / trials as f64,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Rates {
    trials: usize,
    first: f64,
    others: f64,
    any: f64,
}

fn options() -> CompareOptions {
    CompareOptions::new(GateDefaults {
        time: THRESHOLD * 100.0,
        instructions: 1.0,
        heap: 2.0,
        time_detect: 10.0,
    })
}

/// The suite targets: (label, suite, seed); each runs [`TRIALS`] trials, or [`MANY_TRIALS`]
/// where the rate lies near its target.
fn targets() -> Vec<(&'static str, Suite, u64)> {
    let boundary = Suite {
        first: 1.03,
        rest: 1.03,
        ..Suite::plain(100, 7, 0.02)
    };
    let contaminated = |factor: f64| Suite {
        contamination: 0.05,
        first: factor,
        rest: factor,
        ..Suite::plain(100, 7, 0.02)
    };
    vec![
        (
            "20 scenarios, 5 rounds, σ 1 %, all × 1.5, one stage",
            Suite {
                first: 1.5,
                rest: 1.5,
                two_stage: false,
                ..Suite::plain(20, 5, 0.01)
            },
            1,
        ),
        (
            "40 scenarios, 7 rounds, σ 2 % + 1 % offset, one × 1.10",
            Suite {
                offset: 0.01,
                first: 1.10,
                ..Suite::plain(40, 7, 0.02)
            },
            2,
        ),
        (
            "40 scenarios, 7 rounds, σ 2 % + 1 % offset, one × 1.10, one stage",
            Suite {
                offset: 0.01,
                first: 1.10,
                two_stage: false,
                ..Suite::plain(40, 7, 0.02)
            },
            2,
        ),
        (
            "100 scenarios, 7 rounds, σ 2 %, one × 1.10",
            Suite {
                first: 1.10,
                ..Suite::plain(100, 7, 0.02)
            },
            3,
        ),
        (
            "100 scenarios, 7 rounds, σ 2 %, all × 1.03 (the threshold)",
            boundary,
            4,
        ),
        (
            "100 scenarios, 7 rounds, σ 2 %, A/A",
            Suite::plain(100, 7, 0.02),
            5,
        ),
        (
            "as above, 5 % of rounds × 1.3, all × 1.03",
            contaminated(1.03),
            6,
        ),
        ("as above, 5 % of rounds × 1.3, A/A", contaminated(1.0), 7),
        (
            "100 scenarios, 7 rounds, σ 2 %, the candidate's σ 4 %, all × 1.03",
            Suite {
                spread: 2.0,
                ..boundary
            },
            9,
        ),
        (
            "100 scenarios, 7 rounds, σ 2 %, the candidate's σ 4 %, A/A",
            Suite {
                spread: 2.0,
                ..Suite::plain(100, 7, 0.02)
            },
            10,
        ),
        (
            "1 scenario, 3 rounds, σ 1 %, × 1.5",
            Suite {
                first: 1.5,
                ..Suite::plain(1, 3, 0.01)
            },
            8,
        ),
    ]
}

const TRIALS: usize = 200;
/// For rates close to their target (Welch's test at the boundary with unequal spreads sits near
/// 5 %): with 200 trials the binomial error alone would decide the test.
const MANY_TRIALS: usize = 1000;

fn trials_of(label: &str) -> usize {
    if label.contains("the candidate's σ") {
        MANY_TRIALS
    } else {
        TRIALS
    }
}

fn target(label: &str) -> Rates {
    let (_, suite, seed) = targets()
        .into_iter()
        .find(|(l, _, _)| *l == label)
        .unwrap_or_else(|| panic!("no target {label}"));
    let rates = suite.rates(seed, trials_of(label));
    eprintln!("{label}: {rates:?}");
    rates
}

#[test]
fn a_suite_of_20_all_half_again_slower_is_all_regressed_in_one_stage() {
    let suite = Suite {
        first: 1.5,
        rest: 1.5,
        two_stage: false,
        ..Suite::plain(20, 5, 0.01)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..TRIALS {
        let comparison = suite.trial(&mut rng);
        assert_eq!(comparison.tally().get("regressed"), Some(&20));
        assert_eq!(comparison.exit_code(), 1);
    }
}

#[test]
fn one_ten_percent_regression_among_40_is_found_and_nothing_else() {
    let rates = target("40 scenarios, 7 rounds, σ 2 % + 1 % offset, one × 1.10");
    assert!(rates.first >= 0.95, "{rates:?}");
    assert!(rates.others <= 0.05, "{rates:?}");
}

#[test]
fn one_ten_percent_regression_among_100_is_found() {
    let rates = target("100 scenarios, 7 rounds, σ 2 %, one × 1.10");
    assert!(rates.first >= 0.90, "{rates:?}");
    assert!(rates.others <= 0.05, "{rates:?}");
}

#[test]
fn at_the_threshold_a_suite_of_100_raises_at_most_5_percent_alarms_and_a_a_none() {
    let boundary = target("100 scenarios, 7 rounds, σ 2 %, all × 1.03 (the threshold)");
    assert!(boundary.any <= 0.05, "{boundary:?}");
    let same = target("100 scenarios, 7 rounds, σ 2 %, A/A");
    assert_eq!(same.any, 0.0, "{same:?}");
}

#[test]
fn contaminated_rounds_do_not_raise_false_alarms() {
    let boundary = target("as above, 5 % of rounds × 1.3, all × 1.03");
    assert!(boundary.any <= 0.05, "{boundary:?}");
    let same = target("as above, 5 % of rounds × 1.3, A/A");
    assert!(same.any <= 0.05, "{same:?}");
}

#[test]
fn a_change_that_also_doubles_the_noise_raises_no_more_false_alarms() {
    // Welch's degrees of freedom are an approximation, slightly liberal at Holm's small levels when
    // the spreads differ: at the very boundary the rate sits near α (the table in statistics.md
    // shows it), well under the pooled t's, and A/A stays silent.
    let boundary = target("100 scenarios, 7 rounds, σ 2 %, the candidate's σ 4 %, all × 1.03");
    assert!(boundary.any <= 0.075, "{boundary:?}");
    let same = target("100 scenarios, 7 rounds, σ 2 %, the candidate's σ 4 %, A/A");
    assert!(same.any <= 0.05, "{same:?}");
}

#[test]
fn three_rounds_see_half_again_slower() {
    let rates = target("1 scenario, 3 rounds, σ 1 %, × 1.5");
    assert_eq!(rates.first, 1.0, "{rates:?}");
}

/// The MDE cells: (scenarios, rounds, σ) → the regression rate of one scenario at its reported
/// MDE among unchanged others, single stage.
fn mde_cells() -> Vec<(usize, usize, f64, f64, f64)> {
    let mut cells = Vec::new();
    for (i, &k) in [1usize, 20, 100].iter().enumerate() {
        for (j, &n) in [5usize, 7].iter().enumerate() {
            for (l, &sigma) in [0.01, 0.02].iter().enumerate() {
                let mde = perfgate::stats::mde(sigma, THRESHOLD, ALPHA, k, n, n);
                let suite = Suite {
                    first: 1.0 + mde,
                    two_stage: false,
                    ..Suite::plain(k, n, sigma)
                };
                let rate = suite
                    .rates(100 + (i * 4 + j * 2 + l) as u64, MDE_TRIALS)
                    .first;
                cells.push((k, n, sigma, mde, rate));
            }
        }
    }
    cells
}

const MDE_TRIALS: usize = 400;

#[test]
fn at_the_reported_mde_a_regression_is_found_85_to_95_percent_of_the_time() {
    for (k, n, sigma, mde, rate) in mde_cells() {
        eprintln!("k {k}, n {n}, σ {sigma}: MDE {mde:.4}, found {rate}");
        assert!(
            (0.85..=0.95).contains(&rate),
            "k {k}, n {n}, σ {sigma}: at the MDE {mde} found in {rate}"
        );
    }
}

/// The tables of docs/perfgate/statistics.md, as this simulation measures them.
fn tables() -> String {
    let mut out = String::new();
    out.push_str(
        "| suite | trials | scenario 0 regressed | another regressed | any regressed |\n|---|---:|---:|---:|---:|\n",
    );
    for (label, suite, seed) in targets() {
        let rates = suite.rates(seed, trials_of(label));
        out.push_str(&format!(
            "| {label} | {} | {:.1} % | {:.1} % | {:.1} % |\n",
            rates.trials,
            rates.first * 100.0,
            rates.others * 100.0,
            rates.any * 100.0
        ));
    }
    out.push_str(&format!(
        "\n| scenarios k | rounds n | σ | reported MDE | regressed at the MDE ({MDE_TRIALS} trials) |\n|---:|---:|---:|---:|---:|\n"
    ));
    for (k, n, sigma, mde, rate) in mde_cells() {
        out.push_str(&format!(
            "| {k} | {n} | {:.0} % | {:.2} % | {:.1} % |\n",
            sigma * 100.0,
            mde * 100.0,
            rate * 100.0
        ));
    }
    out
}

#[test]
fn the_documented_tables_are_what_the_simulation_measures() {
    common::documented(
        "docs/perfgate/statistics.md",
        "simulation tables",
        &tables(),
        "cargo test -p perfgate --test simulation",
    );
}

/// `perfgate compare` on the results files of one seeded trial of `suite`: exit code and stdout.
fn compare_files(suite: Suite, seed: u64) -> (Option<i32>, String) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let all: Vec<usize> = (0..suite.scenarios).collect();
    let (base, head) = suite.sides(&mut rng, &all);
    let repo = common::tiny_repo();
    let (base_file, head_file) = (repo.path().join("base.json"), repo.path().join("head.json"));
    base.save(&base_file).unwrap();
    head.save(&head_file).unwrap();
    let output = common::perfgate(
        repo.path(),
        &[
            "compare",
            "--baseline",
            base_file.to_str().unwrap(),
            "--candidate",
            head_file.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code(), stdout)
}

#[test]
fn perfgate_compare_on_results_files_flags_all_20_of_20_half_again_slower() {
    let suite = Suite {
        first: 1.5,
        rest: 1.5,
        two_stage: false,
        ..Suite::plain(20, 5, 0.01)
    };
    let (code, stdout) = compare_files(suite, 21);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("20 regressed"), "{stdout}");
}

#[test]
fn perfgate_compare_on_results_files_flags_the_one_of_40_that_is_ten_percent_slower() {
    let suite = Suite {
        first: 1.10,
        two_stage: false,
        ..Suite::plain(40, 7, 0.01)
    };
    let (code, stdout) = compare_files(suite, 22);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("1 regressed"), "{stdout}");
    let regressed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("regressed") && l.contains("time"))
        .collect();
    assert!(regressed.iter().all(|l| l.contains("s000")), "{stdout}");
}
