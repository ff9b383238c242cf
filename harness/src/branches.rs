//! `perfgate compare-branches`: the parts that are not git or builds — the interleaved schedule of
//! the two sides' time rounds and the order effect it exposes.
//!
//! Rounds run in pairs A B, B A, A B, … (A B B A A B B A …): every pair has one round of each side,
//! and which side goes first alternates, so a drift over the session or a penalty for running
//! second (a warmer or cooler CPU, a page cache filled by the first) falls on both sides equally.
//! The verdict still treats rounds as the unit (docs/perfgate/statistics.md); the order effect is reported, not
//! gated: in each pair the ratio HEAD/BASE is taken, and if going second costs a factor `1 + e`, the
//! pairs where BASE ran first show `r·(1 + e)` and the others `r / (1 + e)`, so
//! `e = sqrt(median(A-first) / median(B-first)) − 1`.

use std::path::Path;

use serde::Serialize;

use crate::engine::time;
use crate::results::{Results, Status};
use crate::scenario::Scenario;
use crate::sides::Side;
use crate::stats;

/// Which side runs first in pair `pair` (0-based): BASE in even pairs, HEAD in odd ones.
pub fn base_first(pair: u32) -> bool {
    pair.is_multiple_of(2)
}

/// Interleaved time rounds of every selected scenario that both sides ran: pairs A B, B A, ….
pub fn time_rounds(
    scenarios: &[Scenario],
    sides: [(&Side, &Path, &mut Results); 2],
    rounds: u32,
    corpora: &Path,
    say: &dyn Fn(&str),
) {
    let [
        (base, base_bin, base_results),
        (head, head_bin, head_results),
    ] = sides;
    for scenario in scenarios {
        let Some(settings) = scenario.engines.time else {
            continue;
        };
        let ok = |results: &Results| {
            results
                .scenarios
                .iter()
                .any(|s| s.name == scenario.name && s.status == Status::Ok)
        };
        if !ok(base_results) || !ok(head_results) {
            continue;
        }
        let mut collected: [Vec<time::Round>; 2] = [Vec::new(), Vec::new()];
        let mut failure: Option<(usize, String)> = None;
        let mut sequence = 0;
        'pairs: for pair in 0..rounds {
            let order = if base_first(pair) { [0, 1] } else { [1, 0] };
            for index in order {
                let (side, binary) = [(base, base_bin), (head, head_bin)][index];
                say(&format!(
                    "{} time round {}/{rounds} of {} ({})",
                    scenario.name,
                    pair + 1,
                    side.label,
                    ["A", "B"][index]
                ));
                let home = side
                    .root
                    .join("target/perfgate/criterion")
                    .join(&scenario.id)
                    .join(format!("round-{}", pair + 1));
                match time::run_round(
                    binary,
                    &side.root,
                    scenario,
                    &settings,
                    &home,
                    &[(crate::corpus::CORPORA_VARIABLE, corpora)],
                ) {
                    Ok(mut round) => {
                        round.sequence = Some(sequence);
                        collected[index].push(round);
                    }
                    Err(error) => {
                        failure = Some((index, format!("time round {} {error}", pair + 1)));
                        break 'pairs;
                    }
                }
                sequence += 1;
            }
        }
        for (index, results) in [&mut *base_results, &mut *head_results]
            .into_iter()
            .enumerate()
        {
            let Some(entry) = results
                .scenarios
                .iter_mut()
                .find(|s| s.name == scenario.name)
            else {
                continue;
            };
            match &failure {
                Some((failed, reason)) if *failed == index => {
                    entry.status = Status::Failed {
                        reason: reason.clone(),
                    };
                }
                Some(_) => {}
                None => {
                    entry.time = Some(time::TimeData {
                        settings: crate::scenario::TimeEngine { rounds, ..settings },
                        rounds: std::mem::take(&mut collected[index]),
                    });
                }
            }
        }
    }
}

/// The order effect of one scenario's interleaved rounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderEffect {
    pub scenario: String,
    /// HEAD/BASE of the pairs where BASE ran first.
    pub base_first: Vec<f64>,
    /// HEAD/BASE of the pairs where HEAD ran first.
    pub head_first: Vec<f64>,
    /// What running second costs, as a fraction (positive: the second round of a pair is slower);
    /// `None` without pairs of both orders.
    pub second_costs: Option<f64>,
    /// HEAD/BASE with the order effect cancelled: the geometric mean of the two orders' medians.
    pub balanced_ratio: Option<f64>,
    /// Two-sided Mann–Whitney p of "the ratios of both orders come from one distribution".
    pub p: Option<f64>,
}

/// The order effect of every scenario whose time rounds on both sides carry their place in the
/// schedule; pairs are matched by round index.
pub fn order_effects(base: &Results, head: &Results) -> Vec<OrderEffect> {
    let mut effects = Vec::new();
    for candidate in &head.scenarios {
        let Some(baseline) = base.scenarios.iter().find(|s| s.name == candidate.name) else {
            continue;
        };
        let (Some(a), Some(b)) = (&baseline.time, &candidate.time) else {
            continue;
        };
        let mut base_first = Vec::new();
        let mut head_first = Vec::new();
        for (x, y) in a.rounds.iter().zip(&b.rounds) {
            let (Some(sx), Some(sy)) = (x.sequence, y.sequence) else {
                continue;
            };
            if x.median_ns <= 0.0 {
                continue;
            }
            let ratio = y.median_ns / x.median_ns;
            if sx < sy {
                base_first.push(ratio);
            } else {
                head_first.push(ratio);
            }
        }
        if base_first.is_empty() && head_first.is_empty() {
            continue;
        }
        let both = !base_first.is_empty() && !head_first.is_empty();
        let (second_costs, balanced_ratio) = if both {
            let (m1, m2) = (stats::median(&base_first), stats::median(&head_first));
            (Some((m1 / m2).sqrt() - 1.0), Some((m1 * m2).sqrt()))
        } else {
            (None, None)
        };
        let p = both
            .then(|| stats::mann_whitney(&base_first, &head_first, stats::Tail::TwoSided).ok())
            .flatten()
            .map(|test| test.p);
        effects.push(OrderEffect {
            scenario: candidate.name.clone(),
            base_first,
            head_first,
            second_costs,
            balanced_ratio,
            p,
        });
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{Round, TimeData};
    use crate::scenario::TimeEngine;

    /// The schedule of `rounds` pairs as side letters, `A B B A A B …` (A = BASE).
    fn schedule(rounds: u32) -> Vec<char> {
        (0..rounds)
            .flat_map(|pair| {
                if base_first(pair) {
                    ['A', 'B']
                } else {
                    ['B', 'A']
                }
            })
            .collect()
    }

    #[test]
    fn the_schedule_alternates_which_side_goes_first() {
        assert_eq!(schedule(4).into_iter().collect::<String>(), "ABBAABBA");
        assert_eq!(schedule(1), ['A', 'B']);
    }

    fn with_rounds(medians: &[(f64, u32)]) -> Results {
        let mut results =
            crate::synthetic::results(vec![crate::synthetic::scenario("s", 1.0, 1000, 1000)]);
        results.scenarios[0].time = Some(TimeData {
            settings: TimeEngine {
                rounds: medians.len() as u32,
                samples: 10,
                warm_up_ms: 1,
                measurement_ms: 1,
            },
            rounds: medians
                .iter()
                .map(|&(median, sequence)| Round {
                    iters: vec![1.0],
                    times_ns: vec![median],
                    median_ns: median,
                    sequence: Some(sequence),
                })
                .collect(),
        });
        results
    }

    #[test]
    fn a_penalty_for_running_second_is_measured_and_cancelled() {
        // HEAD is 10 % slower; whichever side runs second pays 4 % more.
        let (r, e) = (1.10, 1.04);
        let mut base = Vec::new();
        let mut head = Vec::new();
        for pair in 0..6u32 {
            // A little noise so that no two ratios tie (the exact test applies).
            let noise = 1.0 + 0.001 * f64::from(pair);
            let (a, b) = if base_first(pair) {
                ((100.0, 2 * pair), (100.0 * r * e * noise, 2 * pair + 1))
            } else {
                ((100.0 * e, 2 * pair + 1), (100.0 * r * noise, 2 * pair))
            };
            base.push(a);
            head.push(b);
        }
        let effects = order_effects(&with_rounds(&base), &with_rounds(&head));
        assert_eq!(effects.len(), 1);
        let effect = &effects[0];
        assert_eq!((effect.base_first.len(), effect.head_first.len()), (3, 3));
        assert!((effect.second_costs.unwrap() - 0.04).abs() < 0.001);
        assert!((effect.balanced_ratio.unwrap() - 1.10).abs() < 0.005);
        // All three ratios of one order lie above those of the other: the exact two-sided p of
        // 3 against 3 is 2/20.
        assert!((effect.p.unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn rounds_without_a_place_in_a_schedule_have_no_order_effect() {
        let base =
            crate::synthetic::results(vec![crate::synthetic::scenario("s", 1.0, 1000, 1000)]);
        assert!(order_effects(&base, &base).is_empty());
    }
}
