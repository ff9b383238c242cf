//! Synthetic results with known effects, for the comparison tests, the compare benchmark and
//! examples: seven rounds around 100 ms scaled by a factor, a given Ir and heap total, fixed
//! counters. Nothing here is ever a measurement; results files made from it carry the fingerprint
//! of a made-up host ("Test CPU").

use std::collections::BTreeMap;

use crate::engine::heap::HeapData;
use crate::engine::instructions::InstructionData;
use crate::engine::time::{Round, TimeData};
use crate::results::{CounterData, Fingerprint, Results, ScenarioResult, Status};
use crate::scenario::TimeEngine;

/// The baseline's round medians in milliseconds.
pub const BASE_MS: [f64; 7] = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8];

/// A made-up host and toolchain.
pub fn fingerprint() -> Fingerprint {
    Fingerprint {
        perfgate_version: "0.1.0".into(),
        rustc: Some("rustc 1.95.0".into()),
        build_profile: "release".into(),
        cargo_lock_hash: Some("lock".into()),
        cpu_model: Some("Test CPU".into()),
        cpu_flags_hash: Some("flags".into()),
        cores: 2,
        kernel: Some("6.1".into()),
        ..Fingerprint::default()
    }
}

/// One round per value (milliseconds), ten identical samples each.
pub fn time(ms: &[f64]) -> TimeData {
    TimeData {
        settings: TimeEngine {
            rounds: ms.len() as u32,
            samples: 10,
            warm_up_ms: 100,
            measurement_ms: 500,
        },
        rounds: ms
            .iter()
            .map(|m| Round {
                iters: vec![1.0; 10],
                times_ns: vec![m * 1e6; 10],
                median_ns: m * 1e6,
                sequence: None,
            })
            .collect(),
    }
}

/// Fixed counters with `findings` magic-literal findings.
pub fn counters(findings: u64) -> CounterData {
    CounterData {
        files: 10,
        lines: 1000,
        bytes: 30_000,
        nodes: 5000,
        node_visits: 5000,
        detector_calls: 9000,
        findings,
        diagnostics: 0,
        findings_by_rule: BTreeMap::from([("magic-literal".to_owned(), findings)]),
        findings_digest: format!("digest-{findings}"),
        cache_hits: None,
        cache_misses: None,
        phase_ns: BTreeMap::new(),
    }
}

/// A scenario with every engine: time scaled by `time_factor`, Ir and heap by their factors.
pub fn scenario(name: &str, time_factor: f64, ir: u64, heap_bytes: u64) -> ScenarioResult {
    let ms: Vec<f64> = BASE_MS.iter().map(|m| m * time_factor).collect();
    ScenarioResult {
        name: name.into(),
        id: name.replace('-', "_"),
        scenario_file: format!("scenarios/{name}.toml"),
        scenario_hash: "s".into(),
        corpus_id: "synthetic".into(),
        corpus_hash: "c".into(),
        status: Status::Ok,
        counters: Some(counters(100)),
        time: Some(time(&ms)),
        instructions: Some(InstructionData {
            events: BTreeMap::from([("Ir".to_owned(), ir)]),
            functions: Vec::new(),
            artifacts: String::new(),
            flamegraphs: Vec::new(),
        }),
        heap: Some(HeapData {
            total_bytes: heap_bytes,
            total_blocks: 1000,
            max_bytes: 50_000,
            max_blocks: 100,
            sites: Vec::new(),
        }),
        heap_profile: None,
        fingerprint: None,
        remeasured: None,
    }
}

/// Comparison options with the shipped thresholds (time 3 %, instructions 1 %, heap 2 %, wall-time
/// detection promise 10 %), as the comparison tests and the benchmark use them.
pub fn options() -> crate::compare::CompareOptions {
    crate::compare::CompareOptions::new(crate::settings::GateDefaults {
        time: 3.0,
        instructions: 1.0,
        heap: 2.0,
        time_detect: 10.0,
    })
}

/// A results file of these scenarios.
pub fn results(scenarios: Vec<ScenarioResult>) -> Results {
    Results {
        schema_version: crate::results::SCHEMA_VERSION,
        fingerprint: fingerprint(),
        scenarios,
        history: Vec::new(),
        selection: None,
        load_notes: Vec::new(),
    }
}
