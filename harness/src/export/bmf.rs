//! Bencher Metric Format (<https://bencher.dev/docs/reference/bencher-metric-format/>) of the
//! candidate run: per scenario, `latency` (median of round medians in ns, with the lowest and
//! highest round median as bounds), `instructions` (Ir), `estimated-cycles`, and heap measures.

use serde_json::{Map, Value, json};

use super::{Exporter, Report};
use crate::engine::Values;

pub struct Bmf;

impl Exporter for Bmf {
    fn name(&self) -> &'static str {
        "bmf"
    }
    fn file_name(&self) -> &'static str {
        "perfgate.bmf.json"
    }
    fn render(&self, report: &Report) -> String {
        let mut benchmarks = Map::new();
        for scenario in &report.candidate.scenarios {
            let mut measures = Map::new();
            for engine in &crate::engine::ENGINES {
                match engine.values(scenario) {
                    // Bencher's latency: the median of the round medians, bounded by the lowest
                    // and highest.
                    Some(Values::Rounds(medians)) if !medians.is_empty() => {
                        let low = medians.iter().copied().fold(f64::INFINITY, f64::min);
                        let high = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        measures.insert(
                            "latency".into(),
                            json!({"value": crate::stats::median(&medians), "lower_value": low, "upper_value": high}),
                        );
                    }
                    // Bencher's measure slugs: `heap.total_bytes` → `heap-total-bytes`.
                    Some(Values::Counts(counts)) => {
                        for (name, count) in counts {
                            measures.insert(
                                name.replace(['.', '_'], "-"),
                                json!({"value": count as f64}),
                            );
                        }
                    }
                    _ => {}
                }
                for (name, value) in engine.more_measures(scenario) {
                    measures.insert(name.into(), json!({"value": value}));
                }
            }
            if !measures.is_empty() {
                benchmarks.insert(scenario.name.clone(), Value::Object(measures));
            }
        }
        let mut text =
            serde_json::to_string_pretty(&Value::Object(benchmarks)).expect("JSON serializes");
        text.push('\n');
        text
    }
}
