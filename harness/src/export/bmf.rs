//! Bencher Metric Format (<https://bencher.dev/docs/reference/bencher-metric-format/>) of the
//! candidate run: per scenario, `latency` (median of round medians in ns, with the lowest and
//! highest round median as bounds), `instructions` (Ir), `estimated-cycles`, and heap measures.

use serde_json::{Map, Value, json};

use super::{Exporter, Report};

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
            if let Some(time) = &scenario.time
                && !time.rounds.is_empty()
            {
                let medians: Vec<f64> = time.rounds.iter().map(|r| r.median_ns).collect();
                let low = medians.iter().copied().fold(f64::INFINITY, f64::min);
                let high = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                measures.insert(
                    "latency".into(),
                    json!({"value": crate::stats::median(&medians), "lower_value": low, "upper_value": high}),
                );
            }
            if let Some(data) = &scenario.instructions {
                measures.insert("instructions".into(), json!({"value": data.ir() as f64}));
                if let Some(cycles) = data.events.get("EstimatedCycles") {
                    measures.insert("estimated-cycles".into(), json!({"value": *cycles as f64}));
                }
            }
            if let Some(heap) = &scenario.heap {
                measures.insert(
                    "heap-total-bytes".into(),
                    json!({"value": heap.total_bytes as f64}),
                );
                measures.insert(
                    "heap-total-blocks".into(),
                    json!({"value": heap.total_blocks as f64}),
                );
                measures.insert(
                    "heap-max-bytes".into(),
                    json!({"value": heap.max_bytes as f64}),
                );
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
