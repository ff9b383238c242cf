//! Decisions: a baseline and a candidate results file in, metric-by-metric verdicts out.
//!
//! Wall time is decided by [`time`] (rounds, shifted Welch on log round-medians, Holm; [`confirm`]
//! re-decides suspects on fresh rounds of both sides). Instruction counts (Ir) and
//! heap (dhat total_bytes, total_blocks, max_bytes) are deterministic for one binary, input and
//! thread: a relative change above the threshold is a regression, below minus the threshold an
//! improvement, else unchanged. Counters are exact and any change is listed apart; a change of the
//! findings is a behaviour change. [`checks`] decides what is comparable at all.
//!
//! Fail closed: a metric the baseline has that this comparison could not compare (another
//! toolchain, a changed scenario, wall time from another host) is an error unless its family is in
//! `--allow-uncompared`; then the verdict line names it. A metric only the candidate has is
//! `no baseline` and gates nothing; a whole scenario the gate selected that the baseline lacks fails
//! the gate unless `--allow-new` ([`crate::gate::require_baselines`]). The exit code: 2 for errors
//! (a failed candidate scenario, Ir == 0, zero samples, a metric not compared), 1 for any
//! regression, a scenario missing from the candidate or a selected scenario without a baseline,
//! else 0.

pub mod cause;
pub mod checks;
pub mod confirm;
pub mod time;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::results::{Results, ScenarioResult, Status};
use crate::settings::GateDefaults;

/// The family-wise error rate of the wall-time tests of one run.
pub const ALPHA: f64 = 0.05;
/// The error of a comparison that compared no metric at all.
pub const NOTHING_COMPARED: &str =
    "nothing was compared: no metric of the baseline was measured comparably by this run";

/// The error of a baseline without scenarios.
pub const EMPTY_BASELINE: &str = "the baseline holds no scenarios: nothing to compare with";

/// The false-discovery rate of the report's "likely changed" list.
pub const FDR: f64 = 0.05;

/// A metric's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Improved,
    Regressed,
    Unchanged,
    Inconclusive,
    /// The baseline has the metric but it could not be compared (the notes say why).
    NotComparable,
    /// Only the candidate measured it: nothing to compare with, nothing gated.
    NoBaseline,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Improved => "improved",
            Verdict::Regressed => "regressed",
            Verdict::Unchanged => "unchanged",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotComparable => "not comparable",
            Verdict::NoBaseline => "no baseline",
        }
    }
}

/// One scenario × metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricComparison {
    pub scenario: String,
    /// `time`, `instructions`, `heap.total_bytes`, `heap.total_blocks`, `heap.max_bytes`.
    pub metric: String,
    pub verdict: Verdict,
    /// The summary value of each side: median of round medians (ns), Ir, bytes or blocks.
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    /// candidate / baseline (time: the ratio of geometric means of the round medians).
    pub ratio: Option<f64>,
    /// The interval of the ratio (time: Welch at 1 − 2α/m).
    pub interval: Option<(f64, f64)>,
    /// Time: the one-sided Welch p of the test that decided (regression, or improvement when it
    /// was improved), raw and Holm-adjusted, and the Benjamini–Hochberg q of the regression test.
    pub p: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub q: Option<f64>,
    /// Time: the distribution-free second opinion, one-sided Mann–Whitney p of the regression test.
    pub mann_whitney_p: Option<f64>,
    /// Minimum detectable effect (fraction) at these rounds, against the threshold.
    pub mde: Option<f64>,
    /// The threshold (fraction).
    pub threshold: f64,
    pub rounds: Option<(usize, usize)>,
    /// Why it is not comparable, low power, the MDE warning, a foreign host compared anyway.
    pub notes: Vec<String>,
    /// A deterministic count compared across hosts (another CPU model or CPU flags).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cross_host: bool,
    /// Where a regressed or improved deterministic metric's change went (functions, allocation
    /// sites), largest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cause: Vec<cause::Cause>,
}

impl MetricComparison {
    /// `time`, `instructions` or `heap`: the family a threshold and `--allow-uncompared` name.
    pub fn family(&self) -> &str {
        family_of(&self.metric)
    }
}

/// The family of a metric name (`heap.max_bytes` → `heap`).
pub fn family_of(metric: &str) -> &str {
    crate::metric::family_name(metric)
}

/// A counter that changed (exact: any change is listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterChange {
    pub scenario: String,
    pub counter: String,
    pub baseline: String,
    pub candidate: String,
    /// A change in what the analyzer finds, not in how fast.
    pub behaviour: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub metrics: Vec<MetricComparison>,
    pub counter_changes: Vec<CounterChange>,
    /// In the baseline, not in the candidate (a regression of coverage: exit 1).
    pub missing: Vec<String>,
    /// In the candidate only (noted).
    pub added: Vec<String>,
    /// Scenarios the gate selected that its baseline lacks, with `--allow-new` not given: a
    /// selected scenario gated by nothing fails the gate (exit 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unbaselined: Vec<String>,
    /// Errors that make the gate exit 2.
    pub errors: Vec<String>,
    /// Run-wide notes (hosts differ, low power).
    pub notes: Vec<String>,
    /// Baseline scenarios this run's narrower selection (`--filter`, `--tags`) left out: listed,
    /// not gated.
    pub not_run: Vec<String>,
    /// Families with a metric not compared that `--allow-uncompared` let pass (the verdict line
    /// names them).
    pub uncompared: Vec<String>,
}

impl Comparison {
    /// The exit-code table of docs/perfgate/statistics.md.
    pub fn exit_code(&self) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if !self.missing.is_empty()
            || !self.unbaselined.is_empty()
            || self.metrics.iter().any(|m| m.verdict == Verdict::Regressed)
        {
            1
        } else {
            0
        }
    }

    /// The verdict in words: `PASS`, `FAIL (regression)`, `FAIL (missing scenario)`,
    /// `FAIL (no baseline for N selected scenario(s))` or `ERROR`.
    pub fn verdict(&self) -> String {
        let regressed = self.metrics.iter().any(|m| m.verdict == Verdict::Regressed);
        let mut causes = Vec::new();
        if regressed {
            causes.push("regression".to_owned());
        }
        if !self.missing.is_empty() {
            causes.push("missing scenario".to_owned());
        }
        if !self.unbaselined.is_empty() {
            causes.push(format!(
                "no baseline for {} selected scenario(s)",
                self.unbaselined.len()
            ));
        }
        match self.exit_code() {
            0 => "PASS".into(),
            1 => format!("FAIL ({})", causes.join("; ")),
            _ => "ERROR".into(),
        }
    }

    /// Counts of each verdict.
    pub fn tally(&self) -> BTreeMap<&'static str, usize> {
        let mut tally = BTreeMap::new();
        for metric in &self.metrics {
            *tally.entry(metric.verdict.as_str()).or_default() += 1;
        }
        tally
    }
}

/// Options of a comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub defaults: GateDefaults,
    /// Per-scenario threshold overrides (percent), by scenario name.
    pub overrides: BTreeMap<String, crate::scenario::GateOverrides>,
    /// Compare wall time across hosts anyway.
    pub allow_foreign: bool,
    /// Per-scenario s (standard deviation of log round-medians) from calibration.
    pub calibration: BTreeMap<String, f64>,
    /// Families whose metrics may go uncompared without failing (`--allow-uncompared`).
    pub allow_uncompared: Vec<String>,
    /// Both sides were measured here by this command (`compare-branches`, `release-report`), which
    /// has no `--allow-uncompared`: an uncompared metric's error says to leave the scenario out.
    pub two_builds: bool,
}

impl CompareOptions {
    pub fn new(defaults: GateDefaults) -> CompareOptions {
        CompareOptions {
            defaults,
            overrides: BTreeMap::new(),
            allow_foreign: false,
            calibration: BTreeMap::new(),
            allow_uncompared: Vec::new(),
            two_builds: false,
        }
    }

    /// What the gate promises to see in this scenario's wall time (a fraction).
    pub fn promise(&self, scenario: &str) -> f64 {
        self.defaults.promise(self.threshold(scenario, "time"))
    }

    fn threshold(&self, scenario: &str, metric: &str) -> f64 {
        let over = self.overrides.get(scenario).copied().unwrap_or_default();
        crate::metric::threshold(metric, &self.defaults, &over) / 100.0
    }
}

fn empty_metric(scenario: &str, metric: &str, threshold: f64) -> MetricComparison {
    MetricComparison {
        scenario: scenario.to_owned(),
        metric: metric.to_owned(),
        verdict: Verdict::NotComparable,
        baseline: None,
        candidate: None,
        ratio: None,
        interval: None,
        p: None,
        p_adjusted: None,
        q: None,
        mann_whitney_p: None,
        mde: None,
        threshold,
        rounds: None,
        notes: Vec::new(),
        cross_host: false,
        cause: Vec::new(),
    }
}

/// A metric that was not compared, with both sides' values shown all the same.
fn uncompared(
    scenario: &str,
    metric: &checks::Metric,
    threshold: f64,
    verdict: Verdict,
    note: String,
) -> MetricComparison {
    let mut out = empty_metric(scenario, &metric.name(), threshold);
    out.verdict = verdict;
    (out.baseline, out.candidate) = metric.values();
    if let (Some(a), Some(b)) = (out.baseline, out.candidate)
        && a > 0.0
    {
        out.ratio = Some(b / a);
    }
    out.notes.push(note);
    out
}

/// A deterministic metric: relative change against the threshold.
fn deterministic(
    scenario: &str,
    metric: &str,
    baseline: u64,
    candidate: u64,
    threshold: f64,
) -> MetricComparison {
    let mut out = empty_metric(scenario, metric, threshold);
    out.baseline = Some(baseline as f64);
    out.candidate = Some(candidate as f64);
    let ratio = if baseline == 0 {
        if candidate == 0 { 1.0 } else { f64::INFINITY }
    } else {
        candidate as f64 / baseline as f64
    };
    out.ratio = Some(ratio);
    // Exactly at the threshold is not beyond it: 1.01 − 1 is 0.010000000000000009 in floating
    // point, so a change counts only when it exceeds the threshold by more than rounding error.
    let beyond = |delta: f64| delta > threshold + 1e-12;
    out.verdict = if beyond(ratio - 1.0) {
        Verdict::Regressed
    } else if beyond(1.0 - ratio) {
        Verdict::Improved
    } else {
        Verdict::Unchanged
    };
    out
}

/// Compares a candidate run with a baseline.
pub fn compare(baseline: &Results, candidate: &Results, options: &CompareOptions) -> Comparison {
    let mut comparison = Comparison {
        metrics: Vec::new(),
        counter_changes: Vec::new(),
        missing: Vec::new(),
        added: Vec::new(),
        unbaselined: Vec::new(),
        errors: Vec::new(),
        notes: baseline.load_notes.clone(),
        not_run: Vec::new(),
        uncompared: Vec::new(),
    };
    let hosts = checks::Environments::new(&baseline.fingerprint, &candidate.fingerprint);
    comparison.notes.extend(hosts.notes(options.allow_foreign));
    let base: BTreeMap<&str, &ScenarioResult> = baseline
        .scenarios
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    if baseline.scenarios.is_empty() {
        comparison.errors.push(EMPTY_BASELINE.into());
    }
    for scenario in &baseline.scenarios {
        checks::unusable(scenario, "baseline", &mut comparison.errors);
    }
    for scenario in &candidate.scenarios {
        if let Status::Failed { reason } = &scenario.status {
            comparison
                .errors
                .push(format!("scenario `{}` failed: {reason}", scenario.name));
        } else {
            checks::unusable(scenario, "this run", &mut comparison.errors);
        }
        if !base.contains_key(scenario.name.as_str()) {
            comparison.added.push(scenario.name.clone());
        }
    }
    let cand: BTreeMap<&str, &ScenarioResult> = candidate
        .scenarios
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let mut time_tests: Vec<(usize, Vec<f64>, Vec<f64>)> = Vec::new();
    for old in &baseline.scenarios {
        let Some(new) = cand.get(old.name.as_str()) else {
            comparison.missing.push(old.name.clone());
            continue;
        };
        if matches!(new.status, Status::Failed { .. }) {
            continue;
        }
        checks::counters(old, new, &mut comparison.counter_changes);
        let scenario_reason = checks::scenario_reason(old, new);
        // A merged results file keeps each scenario's own fingerprint.
        let hosts = checks::Environments::new(
            old.fingerprint.as_ref().unwrap_or(&baseline.fingerprint),
            new.fingerprint.as_ref().unwrap_or(&candidate.fingerprint),
        );
        for metric in checks::metrics_of(old, new, &mut comparison.errors) {
            let threshold = options.threshold(&old.name, metric.family());
            let family = metric.family();
            if let checks::Metric::Absent { family } = metric {
                let note = format!(
                    "the baseline has no {family} data{}",
                    if family == "time" {
                        " (wall time is compared only where both sides ran on one host)"
                    } else {
                        ""
                    }
                );
                comparison.metrics.push(uncompared(
                    &old.name,
                    &metric,
                    threshold,
                    Verdict::NoBaseline,
                    note,
                ));
                continue;
            }
            let reason = scenario_reason
                .clone()
                .or_else(|| hosts.reason(family, options.allow_foreign))
                .or_else(|| checks::time_settings_reason(old, new, family));
            if let Some(reason) = reason {
                comparison.metrics.push(uncompared(
                    &old.name,
                    &metric,
                    threshold,
                    Verdict::NotComparable,
                    reason,
                ));
                continue;
            }
            let cpu = hosts.cpu();
            match metric {
                checks::Metric::Time {
                    baseline,
                    candidate,
                } => {
                    let mut out = empty_metric(&old.name, "time", threshold);
                    out.baseline = Some(crate::stats::median(&baseline));
                    out.candidate = Some(crate::stats::median(&candidate));
                    out.rounds = Some((baseline.len(), candidate.len()));
                    out.verdict = Verdict::Inconclusive;
                    if hosts.foreign() {
                        out.notes.push(
                            "compared across hosts (--allow-foreign): wall time may differ for reasons other than the code".into(),
                        );
                    }
                    let index = comparison.metrics.len();
                    comparison.metrics.push(out);
                    time_tests.push((index, baseline, candidate));
                }
                checks::Metric::Count {
                    name,
                    baseline,
                    candidate,
                    ..
                } => {
                    let mut out = deterministic(&old.name, name, baseline, candidate, threshold);
                    if !cpu.is_empty() {
                        out.cross_host = true;
                        out.notes.push(format!(
                            "compared across hosts ({} differ{}): counts depend on the binary and its input, not on the CPU",
                            cpu.join(" and "),
                            if cpu.len() == 1 { "s" } else { "" }
                        ));
                    }
                    if let Some(how) = &old.remeasured {
                        out.notes.push(how.clone());
                    }
                    if matches!(out.verdict, Verdict::Regressed | Verdict::Improved) {
                        explain(&mut out, old, new);
                    }
                    comparison.metrics.push(out);
                }
                // Handled above.
                checks::Metric::Absent { .. } => {}
            }
        }
    }
    decide_time(&mut comparison, time_tests, options);
    fail_closed(&mut comparison, options);
    let compared = comparison
        .metrics
        .iter()
        .any(|metric| !matches!(metric.verdict, Verdict::NotComparable | Verdict::NoBaseline));
    if !compared && comparison.errors.is_empty() && comparison.missing.is_empty() {
        comparison.errors.push(NOTHING_COMPARED.into());
    }
    comparison
}

/// Fills in where a deterministic metric's change went ([`cause`], from the engine whose metric
/// it is), or a note saying why not.
fn explain(out: &mut MetricComparison, old: &ScenarioResult, new: &ScenarioResult) {
    let engine = crate::engine::ENGINES
        .iter()
        .find(|engine| engine.metrics().contains(&out.metric.as_str()));
    match engine.and_then(|engine| engine.cause(&out.metric, old, new)) {
        Some(Ok(found)) => out.cause = found,
        Some(Err(why)) => out.notes.push(why.to_string()),
        None => {}
    }
}

/// Every metric the baseline has and this comparison did not compare is an error, unless its
/// family is allowed to go uncompared (then it is listed for the verdict line).
fn fail_closed(comparison: &mut Comparison, options: &CompareOptions) {
    let mut errors = Vec::new();
    let mut allowed = std::collections::BTreeSet::new();
    for metric in &comparison.metrics {
        if metric.verdict != Verdict::NotComparable {
            continue;
        }
        let family = metric.family();
        if options.allow_uncompared.iter().any(|f| f == family) {
            allowed.insert(family.to_owned());
        } else {
            let way_out = if options.two_builds {
                format!(
                    "leave the scenario out (--filter) or compare it with `perfgate compare --allow-uncompared {family}`"
                )
            } else {
                format!("pass --allow-uncompared {family} to accept that")
            };
            errors.push(format!(
                "scenario `{}`: {} not compared: {} (a gated metric; {way_out})",
                metric.scenario,
                metric.metric,
                metric.notes.join("; ")
            ));
        }
    }
    comparison.errors.extend(errors);
    comparison.uncompared = allowed.into_iter().collect();
}

/// Runs the wall-time tests of the family and writes their verdicts. The family is the tests that
/// could be computed (a scenario whose test errored is not counted in Holm or the interval level).
fn decide_time(
    comparison: &mut Comparison,
    pending: Vec<(usize, Vec<f64>, Vec<f64>)>,
    options: &CompareOptions,
) {
    let mut ready = Vec::new();
    for (index, baseline, candidate) in pending {
        let metric = &mut comparison.metrics[index];
        match time::usable(&baseline, &candidate) {
            Ok(()) => ready.push((index, baseline, candidate)),
            Err(error) => metric.notes.push(format!("no wall-time verdict: {error}")),
        }
    }
    let family = ready.len();
    let mut decided: Vec<(usize, time::TimeTest)> = Vec::new();
    for (index, baseline, candidate) in ready {
        let metric = &comparison.metrics[index];
        let s = options.calibration.get(&metric.scenario).copied();
        match time::test(&baseline, &candidate, metric.threshold, ALPHA, family, s) {
            Ok(test) => decided.push((index, test)),
            Err(error) => comparison.metrics[index]
                .notes
                .push(format!("no wall-time verdict: {error}")),
        }
    }
    let tests: Vec<time::TimeTest> = decided.iter().map(|(_, t)| t.clone()).collect();
    let limits: Vec<(f64, f64)> = decided
        .iter()
        .map(|(index, _)| {
            let metric = &comparison.metrics[*index];
            (metric.threshold, options.promise(&metric.scenario))
        })
        .collect();
    let verdicts = time::decide_family(&tests, &limits, ALPHA);
    let regressed = crate::stats::holm(&tests.iter().map(|t| t.p_regressed).collect::<Vec<_>>());
    let improved = crate::stats::holm(&tests.iter().map(|t| t.p_improved).collect::<Vec<_>>());
    let q =
        crate::stats::benjamini_hochberg(&tests.iter().map(|t| t.p_regressed).collect::<Vec<_>>());
    for (k, ((index, test), verdict)) in decided.into_iter().zip(verdicts).enumerate() {
        let metric = &mut comparison.metrics[index];
        metric.verdict = match verdict {
            time::TimeVerdict::Regressed => Verdict::Regressed,
            time::TimeVerdict::Improved => Verdict::Improved,
            time::TimeVerdict::Unchanged => Verdict::Unchanged,
            time::TimeVerdict::Inconclusive => Verdict::Inconclusive,
        };
        let (p, adjusted) = if verdict == time::TimeVerdict::Improved {
            (test.p_improved, improved[k])
        } else {
            (test.p_regressed, regressed[k])
        };
        metric.p = Some(p);
        metric.p_adjusted = Some(adjusted);
        metric.q = Some(q[k]);
        metric.ratio = Some(test.ratio);
        metric.interval = Some(test.interval);
        metric.mann_whitney_p = Some(test.mann_whitney_p);
        metric.mde = Some(test.mde);
        let (n, m) = test.rounds;
        if n.min(m) < time::GATE_ROUNDS {
            metric.notes.push(format!(
                "low power: {} rounds per side (a gate verdict wants {})",
                n.min(m),
                time::GATE_ROUNDS
            ));
        }
        let (threshold, promise) = limits[k];
        if verdict == time::TimeVerdict::Inconclusive {
            let (low, high) = test.interval;
            if low <= 1.0 - threshold || high >= 1.0 + threshold {
                metric.notes.push(format!(
                    "the interval {} reaches past ±{}: neither a regression shown nor a change within the threshold",
                    crate::report::format::interval(Some((low, high))),
                    crate::report::format::percent(threshold)
                ));
            }
            if test.mde > promise {
                metric
                    .notes
                    .push(time::cannot_see(&test, threshold, promise, ALPHA, family));
            }
        }
    }
}
