//! What can be compared (docs/perfgate/gate-and-baselines.md, "What is compared when"), which
//! metrics each scenario has, and the exact counter changes.
//!
//! Instruction counts and heap depend on the binary and its input, not on the CPU's speed: they
//! compare across hosts when the toolchain that makes the binary matches (rustc, build profile,
//! RUSTFLAGS, target, glibc — whose string and memory functions run inside the workload — and, for
//! instruction counts, valgrind). A different CPU model or CPU flags is a note, not a refusal; the
//! gate re-measures the baseline on this host when a cross-host change lies near its threshold. A
//! different Cargo.lock is never a refusal: the baseline was measured with its commit's own lock,
//! so a dependency change is part of the change under test (it is listed). Wall time compares only
//! between runs on one host (CPU model, cores, kernel) with one toolchain; `--allow-foreign`
//! compares it anyway, with a note. A scenario whose workload or corpus changed is not comparable
//! with the stored baseline (the gate re-measures the baseline with the new definition).

use crate::compare::CounterChange;
use crate::results::{Fingerprint, ScenarioResult, Status};

/// The two environments of a comparison.
pub struct Environments<'a> {
    base: &'a Fingerprint,
    cand: &'a Fingerprint,
}

fn differs<T: PartialEq + std::fmt::Debug>(
    what: &str,
    a: &T,
    b: &T,
    show: impl Fn(&T) -> String,
) -> Option<String> {
    // "CPU flags differ", "CPU model differs".
    let verb = if what.ends_with('s') {
        "differ"
    } else {
        "differs"
    };
    (a != b).then(|| format!("{what} {verb} ({} vs {})", show(a), show(b)))
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "unknown".into())
}

impl<'a> Environments<'a> {
    pub fn new(base: &'a Fingerprint, cand: &'a Fingerprint) -> Environments<'a> {
        Environments { base, cand }
    }

    /// What makes the binary: a difference here changes counts of identical source.
    pub fn toolchain(&self, family: &str) -> Vec<String> {
        let (a, b) = (self.base, self.cand);
        let mut reasons: Vec<String> = [
            differs("rustc", &a.rustc, &b.rustc, text),
            differs("build profile", &a.build_profile, &b.build_profile, |v| {
                v.clone()
            }),
            differs("RUSTFLAGS", &a.rustflags, &b.rustflags, |v| {
                format!("`{v}`")
            }),
            differs("target", &a.target, &b.target, |v| v.clone()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if family != "time" {
            reasons.extend(differs("glibc", &a.glibc, &b.glibc, text));
        }
        if family == "instructions" {
            reasons.extend(differs("valgrind", &a.valgrind, &b.valgrind, text));
        }
        reasons
    }

    fn host(&self) -> Vec<String> {
        let (a, b) = (self.base, self.cand);
        [
            differs("CPU model", &a.cpu_model, &b.cpu_model, text),
            differs("core count", &a.cores, &b.cores, |v| v.to_string()),
            differs("kernel", &a.kernel, &b.kernel, text),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Whether the hosts differ (wall time compared only with --allow-foreign).
    pub fn foreign(&self) -> bool {
        !self.host().is_empty()
    }

    /// What differs between the CPUs (`CPU model`, `CPU flags`), for deterministic counts compared
    /// across hosts (empty: same CPU); the run's notes say how.
    pub fn cpu(&self) -> Vec<&'static str> {
        let (a, b) = (self.base, self.cand);
        [
            (a.cpu_model != b.cpu_model).then_some("CPU model"),
            (a.cpu_flags_hash != b.cpu_flags_hash).then_some("CPU flags"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Why a metric family (`time`, `instructions`, `heap`) is not comparable, if it is not.
    pub fn reason(&self, family: &str, allow_foreign: bool) -> Option<String> {
        let mut reasons = self.toolchain(family);
        if family == "time" && !allow_foreign {
            reasons.extend(self.host());
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// Run-wide notes.
    pub fn notes(&self, allow_foreign: bool) -> Vec<String> {
        let mut notes = Vec::new();
        let host = self.host();
        if !host.is_empty() {
            notes.push(if allow_foreign {
                format!(
                    "the baseline comes from another host ({}); wall time compared anyway (--allow-foreign)",
                    host.join("; ")
                )
            } else {
                format!(
                    "the baseline comes from another host ({}): its wall time is not compared here; instructions and heap are compared across hosts when the toolchain matches",
                    host.join("; ")
                )
            });
        }
        if let (Some(a), Some(b)) = (&self.base.harness_tree, &self.cand.harness_tree)
            && a != b
        {
            notes.push(format!(
                "the harness changed since the baseline (tree {} vs {}): a change of a count can also come from how it is measured",
                crate::results::short(a),
                crate::results::short(b)
            ));
        }
        if self.base.core_features != self.cand.core_features {
            notes.push(format!(
                "the core was built with other features ([{}] vs [{}]): part of the change under test",
                self.base.core_features.join(","),
                self.cand.core_features.join(",")
            ));
        }
        if let Some(flags) = differs(
            "CPU flags",
            &self.base.cpu_flags_hash,
            &self.cand.cpu_flags_hash,
            text,
        ) {
            notes.push(format!(
                "{flags}: instruction counts and heap are compared across hosts; a change within 0.5 points of its threshold is re-measured here"
            ));
        }
        if self.base.cargo_lock_hash != self.cand.cargo_lock_hash {
            notes.push(
                "Cargo.lock differs: instruction and heap changes include dependency changes"
                    .into(),
            );
        }
        notes
    }
}

/// Why a scenario is not comparable at all, if it is not.
pub fn scenario_reason(old: &ScenarioResult, new: &ScenarioResult) -> Option<String> {
    if let Status::Failed { reason } = &old.status {
        return Some(format!(
            "the baseline's run of this scenario failed: {reason}"
        ));
    }
    if old.scenario_hash != new.scenario_hash {
        return Some(if old.scenario_hash.starts_with("v1:") {
            "changed scenario: the baseline (schema 1) does not record what its workload was"
                .to_owned()
        } else {
            format!(
                "changed scenario: the workload or corpus source in {} is not the baseline's",
                new.scenario_file
            )
        });
    }
    if old.corpus_hash != new.corpus_hash {
        return Some(format!(
            "changed scenario: its corpus changed ({} vs {})",
            old.corpus_id, new.corpus_id
        ));
    }
    None
}

/// Why wall time is not comparable when the time engine sampled differently (samples, warm-up,
/// measurement window; the number of rounds may differ).
pub fn time_settings_reason(
    old: &ScenarioResult,
    new: &ScenarioResult,
    family: &str,
) -> Option<String> {
    let (Some(a), Some(b)) = (&old.time, &new.time) else {
        return None;
    };
    let key = |t: &crate::scenario::TimeEngine| (t.samples, t.warm_up_ms, t.measurement_ms);
    (family == "time" && key(&a.settings) != key(&b.settings)).then(|| {
        format!(
            "the time engine's settings changed (samples/warm-up ms/measurement ms {:?} vs {:?})",
            key(&a.settings),
            key(&b.settings)
        )
    })
}

/// One metric present on both sides.
pub enum Metric {
    Time {
        baseline: Vec<f64>,
        candidate: Vec<f64>,
    },
    Count {
        name: &'static str,
        family: &'static str,
        baseline: u64,
        candidate: u64,
    },
    /// Measured by the candidate only.
    Absent { family: &'static str },
}

impl Metric {
    pub fn family(&self) -> &'static str {
        match self {
            Metric::Time { .. } => "time",
            Metric::Count { family, .. } | Metric::Absent { family } => family,
        }
    }

    /// Each side's summary value (time: the median of round medians), where the side has one.
    pub fn values(&self) -> (Option<f64>, Option<f64>) {
        match self {
            Metric::Time {
                baseline,
                candidate,
            } => (
                (!baseline.is_empty()).then(|| crate::stats::median(baseline)),
                (!candidate.is_empty()).then(|| crate::stats::median(candidate)),
            ),
            Metric::Count {
                baseline,
                candidate,
                ..
            } => (Some(*baseline as f64), Some(*candidate as f64)),
            Metric::Absent { .. } => (None, None),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Metric::Time { .. } => "time".into(),
            Metric::Count { name, .. } => (*name).into(),
            Metric::Absent { family } => (*family).into(),
        }
    }
}

/// Why one side's data of a scenario cannot be a measurement (fail-closed: each is an error that
/// makes the gate exit 2): zero samples, fewer rounds than a wall-time verdict needs, a round
/// median that is not a positive time, Ir == 0. `side` names the side in the message.
pub fn unusable(scenario: &ScenarioResult, side: &str, errors: &mut Vec<String>) {
    let name = &scenario.name;
    if let Some(time) = &scenario.time {
        if time.rounds.is_empty() || time.rounds.iter().any(|r| r.iters.is_empty()) {
            errors.push(format!(
                "scenario `{name}`: the time engine recorded zero samples ({side})"
            ));
        } else if time.rounds.len() < super::time::MIN_ROUNDS {
            errors.push(format!(
                "scenario `{name}`: {} time round(s) ({side}); a wall-time verdict needs at least {} per side (`time = {{ rounds = … }}` or `--rounds`)",
                time.rounds.len(),
                super::time::MIN_ROUNDS
            ));
        } else if let Some(bad) = time
            .rounds
            .iter()
            .map(|r| r.median_ns)
            .find(|median| !median.is_finite() || *median <= 0.0)
        {
            errors.push(format!(
                "scenario `{name}`: a time round median of {bad} ns is not a measurement ({side})"
            ));
        }
    }
    for what in crate::engine::ENGINES
        .iter()
        .filter_map(|engine| engine.implausible(scenario))
    {
        errors.push(format!(
            "scenario `{name}`: {what} is not a measurement ({side})"
        ));
    }
}

/// The metrics both sides measured, and those only the candidate measured (shown as not
/// comparable: a committed baseline from another machine carries no wall time, for example). A
/// metric the baseline has and the candidate lacks (an engine skipped or disabled) is an error:
/// the gate must not pass on what it did not measure.
pub fn metrics_of(
    old: &ScenarioResult,
    new: &ScenarioResult,
    errors: &mut Vec<String>,
) -> Vec<Metric> {
    use crate::engine::{ENGINES, Values};
    let mut metrics = Vec::new();
    let name = &new.name;
    let gated = || {
        ENGINES
            .iter()
            .filter_map(|engine| Some((engine, engine.family()?)))
    };
    for (engine, family) in gated() {
        if engine.present(old) && !engine.present(new) {
            errors.push(format!(
                "scenario `{name}`: the baseline has {family} data but this run did not measure it (engine skipped or disabled)"
            ));
        }
    }
    for (engine, family) in gated() {
        match (engine.values(old), engine.values(new)) {
            (Some(Values::Rounds(baseline)), Some(Values::Rounds(candidate))) => {
                metrics.push(Metric::Time {
                    baseline,
                    candidate,
                })
            }
            (Some(Values::Counts(baseline)), Some(Values::Counts(candidate))) => {
                for ((name, x), (_, y)) in baseline.into_iter().zip(candidate) {
                    metrics.push(Metric::Count {
                        name,
                        family,
                        baseline: x,
                        candidate: y,
                    });
                }
            }
            (None, Some(_)) => metrics.push(Metric::Absent { family }),
            _ => {}
        }
    }
    metrics
}

/// Every counter that differs, exactly.
pub fn counters(old: &ScenarioResult, new: &ScenarioResult, out: &mut Vec<CounterChange>) {
    let (Some(a), Some(b)) = (&old.counters, &new.counters) else {
        return;
    };
    let mut push = |counter: String, x: String, y: String, behaviour: bool| {
        if x != y {
            out.push(CounterChange {
                scenario: new.name.clone(),
                counter,
                baseline: x,
                candidate: y,
                behaviour,
            });
        }
    };
    let optional = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    for (counter, x, y) in [
        ("files", a.files, b.files),
        ("lines", a.lines, b.lines),
        ("bytes", a.bytes, b.bytes),
        ("nodes", a.nodes, b.nodes),
        ("node_visits", a.node_visits, b.node_visits),
        ("detector_calls", a.detector_calls, b.detector_calls),
    ] {
        push(counter.into(), x.to_string(), y.to_string(), false);
    }
    push(
        "cache_hits".into(),
        optional(a.cache_hits),
        optional(b.cache_hits),
        false,
    );
    push(
        "cache_misses".into(),
        optional(a.cache_misses),
        optional(b.cache_misses),
        false,
    );
    push(
        "findings".into(),
        a.findings.to_string(),
        b.findings.to_string(),
        true,
    );
    push(
        "diagnostics".into(),
        a.diagnostics.to_string(),
        b.diagnostics.to_string(),
        true,
    );
    let rules: std::collections::BTreeSet<&String> = a
        .findings_by_rule
        .keys()
        .chain(b.findings_by_rule.keys())
        .collect();
    for rule in rules {
        let count = |map: &std::collections::BTreeMap<String, u64>| {
            map.get(rule).copied().unwrap_or(0).to_string()
        };
        push(
            format!("findings[{rule}]"),
            count(&a.findings_by_rule),
            count(&b.findings_by_rule),
            true,
        );
    }
    push(
        "findings_digest".into(),
        a.findings_digest.clone(),
        b.findings_digest.clone(),
        true,
    );
}
