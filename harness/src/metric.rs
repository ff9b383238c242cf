//! The metric families a result can hold (`time`, `instructions`, `heap`), each with where its
//! threshold comes from: the one list that the comparison, the nightly history, `bisect` and
//! `--allow-uncompared` read. A metric is named `<family>` or `<family>.<value>`
//! (`heap.total_bytes`); a name of no family gets no threshold of another's (a threshold of 0:
//! any change is a regression), and a unit test keeps every metric the comparison makes in here.

use crate::scenario::GateOverrides;
use crate::settings::GateDefaults;

/// One family of metrics and its thresholds (percent).
#[derive(Debug)]
pub struct Family {
    /// The family's name: the first part of its metrics' names.
    pub name: &'static str,
    /// perfgate.toml's `[gate]` threshold.
    pub default: fn(&GateDefaults) -> f64,
    /// A scenario's own `[gate]` threshold, when it has one.
    pub overridden: fn(&GateOverrides) -> Option<f64>,
    /// The places of both, to tighten them (`gate --against`: the stricter of two revisions).
    pub default_mut: fn(&mut GateDefaults) -> &mut f64,
    pub overridden_mut: fn(&mut GateOverrides) -> &mut Option<f64>,
    /// The step a nightly series must show to be a change point (time: what the gate promises to
    /// see, `time_detect`; the deterministic counts: their threshold).
    pub detect: fn(&GateDefaults) -> f64,
}

/// Every family, in the order outputs list them.
pub const FAMILIES: [Family; 3] = [
    Family {
        name: "time",
        default: |gate| gate.time,
        overridden: |over| over.time,
        default_mut: |gate| &mut gate.time,
        overridden_mut: |over| &mut over.time,
        detect: |gate| gate.time_detect,
    },
    Family {
        name: "instructions",
        default: |gate| gate.instructions,
        overridden: |over| over.instructions,
        default_mut: |gate| &mut gate.instructions,
        overridden_mut: |over| &mut over.instructions,
        detect: |gate| gate.instructions,
    },
    Family {
        name: "heap",
        default: |gate| gate.heap,
        overridden: |over| over.heap,
        default_mut: |gate| &mut gate.heap,
        overridden_mut: |over| &mut over.heap,
        detect: |gate| gate.heap,
    },
];

/// The family part of a metric name: `heap.total_bytes` → `heap`.
pub fn family_name(metric: &str) -> &str {
    metric.split('.').next().unwrap_or(metric)
}

/// The family of a metric (`time`, `instructions`, `heap.max_bytes`, …), if it has one.
pub fn family_of(metric: &str) -> Option<&'static Family> {
    let name = family_name(metric);
    FAMILIES.iter().find(|family| family.name == name)
}

/// The families' names.
pub fn names() -> Vec<&'static str> {
    FAMILIES.iter().map(|family| family.name).collect()
}

/// The threshold (percent) of `metric` in a scenario with `overrides`: the scenario's own, else
/// perfgate.toml's; 0 (any change counts) for a metric of no family.
pub fn threshold(metric: &str, defaults: &GateDefaults, overrides: &GateOverrides) -> f64 {
    family_of(metric).map_or(0.0, |family| {
        (family.overridden)(overrides).unwrap_or((family.default)(defaults))
    })
}

/// The step (percent) a nightly series of `metric` must show; 0 for a metric of no family.
pub fn detect(metric: &str, defaults: &GateDefaults) -> f64 {
    family_of(metric).map_or(0.0, |family| (family.detect)(defaults))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_reads_its_own_thresholds_and_no_family_falls_through_to_another() {
        let defaults = GateDefaults {
            time: 3.0,
            instructions: 1.0,
            heap: 2.0,
            time_detect: 10.0,
        };
        let none = GateOverrides::default();
        assert_eq!(threshold("time", &defaults, &none), 3.0);
        assert_eq!(threshold("instructions", &defaults, &none), 1.0);
        assert_eq!(threshold("heap.total_bytes", &defaults, &none), 2.0);
        assert_eq!(threshold("cache_misses", &defaults, &none), 0.0);
        let over = GateOverrides {
            time: Some(5.0),
            instructions: Some(0.5),
            heap: Some(4.0),
        };
        assert_eq!(threshold("time", &defaults, &over), 5.0);
        assert_eq!(threshold("instructions", &defaults, &over), 0.5);
        assert_eq!(threshold("heap.max_blocks", &defaults, &over), 4.0);
        assert_eq!(detect("time", &defaults), 10.0);
        assert_eq!(detect("heap.total_blocks", &defaults), 2.0);
        assert_eq!(detect("cache_misses", &defaults), 0.0);
        assert_eq!(names(), ["time", "instructions", "heap"]);
    }

    #[test]
    fn every_metric_the_comparison_makes_has_a_family() {
        let results = crate::synthetic::results(vec![crate::synthetic::scenario(
            "a", 1.0, 1_000_000, 10_000,
        )]);
        let comparison = crate::compare::compare(
            &results,
            &results,
            &crate::compare::CompareOptions::new(GateDefaults::default()),
        );
        assert!(!comparison.metrics.is_empty());
        for metric in &comparison.metrics {
            assert!(
                family_of(&metric.metric).is_some(),
                "`{}` has no family in metric::FAMILIES",
                metric.metric
            );
        }
    }
}
