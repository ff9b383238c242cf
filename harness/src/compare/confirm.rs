//! The second stage of the wall-time decision (docs/perfgate/statistics.md, "Two stages").
//!
//! Holm over a whole suite asks each test for p < α / k, which costs power as the suite grows. So
//! the first comparison is a screen: every wall-time row that came out regressed, or whose raw
//! one-sided regression p is below α, is a *suspect*. The suspects get fresh rounds of **both**
//! sides and are decided again on those new rounds alone, with Holm over the suspects only. The new
//! data are independent of the screen that chose the suspects, so the family-wise error of the
//! final verdicts stays at α while the family shrinks to the few suspects.
//!
//! New candidate rounds alone cannot confirm anything: compared with the very baseline rounds that
//! made a scenario a suspect they bring the selection bias back. Without a build of the baseline
//! ([`report_candidate_only`]) the verdicts stay those of the first stage and the new rounds are
//! only reported.

use super::{ALPHA, CompareOptions, Comparison, MetricComparison, Verdict, compare};
use crate::results::Results;

/// The scenarios whose wall time the second stage re-decides: those the first stage called
/// regressed or whose raw one-sided regression p is below α. An inconclusive row with a larger p is
/// not a suspect: in a large, noisy suite nearly every row is inconclusive at first, and
/// re-running them all would make the second family as large as the first and give back the power
/// the two stages are for; it keeps its "needs N rounds" note.
pub fn suspects(comparison: &Comparison) -> Vec<String> {
    comparison
        .metrics
        .iter()
        .filter(|m| m.metric == "time")
        .filter(|m| {
            m.verdict == Verdict::Regressed
                || (m.verdict != Verdict::Improved && m.p.is_some_and(|p| p < ALPHA))
        })
        .map(|m| m.scenario.clone())
        .collect()
}

/// The wall-time row of `scenario` in a comparison.
fn time_row<'a>(comparison: &'a Comparison, scenario: &str) -> Option<&'a MetricComparison> {
    comparison
        .metrics
        .iter()
        .find(|m| m.metric == "time" && m.scenario == scenario)
}

fn first_stage(metric: &MetricComparison) -> String {
    format!(
        "stage 1: {} ({}, Holm p {})",
        metric.verdict.as_str(),
        crate::export::percent(metric.ratio),
        metric
            .p_adjusted
            .map_or("-".into(), crate::export::format_p)
    )
}

/// Decides the suspects again on `base` and `head`: fresh rounds of both sides (time only, the
/// suspects only), Holm over them; each re-decided row keeps its first verdict in a note.
pub fn decide_on_fresh_rounds(
    comparison: &mut Comparison,
    base: &Results,
    head: &Results,
    options: &CompareOptions,
) {
    let second = compare(base, head, options);
    // A suspect the second stage could not time on both builds keeps no silent first verdict.
    for scenario in base.scenarios.iter().chain(&head.scenarios) {
        if time_row(&second, &scenario.name).is_some() {
            continue;
        }
        let why = match &scenario.status {
            crate::results::Status::Failed { reason } => reason.clone(),
            _ => "no wall time was measured".into(),
        };
        let error = format!(
            "scenario `{}`: the second stage could not time both builds: {why}",
            scenario.name
        );
        if !comparison.errors.contains(&error) {
            comparison.errors.push(error);
        }
    }
    for metric in comparison.metrics.iter_mut().filter(|m| m.metric == "time") {
        let Some(new) = time_row(&second, &metric.scenario) else {
            continue;
        };
        let first = first_stage(metric);
        let (n, m) = new.rounds.unwrap_or((0, 0));
        *metric = new.clone();
        metric.notes.insert(
            0,
            format!(
                "{first}; stage 2 decided on {n} + {m} fresh rounds of both builds (Holm over {} suspect(s))",
                second.metrics.iter().filter(|m| m.metric == "time").count()
            ),
        );
    }
    comparison.errors.extend(second.errors);
}

/// Without a build of the baseline: compares `fresh` candidate rounds with the stored baseline
/// rounds and notes what they show, leaving every verdict as the first stage decided it; `why`
/// says why the baseline could not be built.
pub fn report_candidate_only(
    comparison: &mut Comparison,
    baseline: &Results,
    fresh: &Results,
    options: &CompareOptions,
    why: &str,
) {
    let mut only = baseline.clone();
    only.scenarios
        .retain(|s| fresh.scenarios.iter().any(|f| f.name == s.name));
    for scenario in &mut only.scenarios {
        for engine in crate::engine::ENGINES.iter().filter(|e| !e.host_bound()) {
            engine.clear(scenario);
        }
    }
    let second = compare(&only, fresh, options);
    for metric in comparison.metrics.iter_mut().filter(|m| m.metric == "time") {
        let Some(new) = time_row(&second, &metric.scenario) else {
            continue;
        };
        metric.notes.push(format!(
            "not confirmed: {} new rounds of this build against the stored baseline rounds show {} ({}); \
             they cannot decide (those baseline rounds chose the suspect), so the verdict stays; \
             a confirmed verdict needs the baseline built ({why})",
            new.rounds.map_or(0, |r| r.1),
            new.verdict.as_str(),
            crate::export::percent(new.ratio),
        ));
    }
    for error in second.errors {
        comparison
            .notes
            .push(format!("--confirm (candidate rounds only): {error}"));
    }
}
