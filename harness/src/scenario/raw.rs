//! The raw serde model of a scenario file: exactly the keys and types the TOML may contain
//! (`deny_unknown_fields` everywhere), with spans kept where validation needs to point at a value.

use serde::Deserialize;
use toml::Spanned;

use super::{Detectors, GateOverrides, TimeEngine, Traversal, WorkloadKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) tags: Vec<Spanned<String>>,
    pub(super) corpus: Spanned<RawCorpus>,
    pub(super) workload: RawWorkload,
    #[serde(default)]
    pub(super) engines: Option<RawEngines>,
    #[serde(default)]
    pub(super) gate: GateOverrides,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCorpus {
    pub(super) corpus: Option<Spanned<String>>,
    pub(super) max_files: Option<Spanned<usize>>,
    pub(super) include: Option<Vec<Spanned<String>>>,
    pub(super) synthetic: Option<RawSynthetic>,
    pub(super) path: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSynthetic {
    pub(super) files: usize,
    pub(super) lines_per_file: usize,
    pub(super) seed: u64,
    #[serde(default = "typical")]
    pub(super) profile: Spanned<String>,
}

pub(super) fn typical() -> Spanned<String> {
    Spanned::new(0..0, "typical".to_owned())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorkload {
    pub(super) kind: WorkloadKind,
    #[serde(default)]
    pub(super) traversal: Traversal,
    #[serde(default)]
    pub(super) detectors: Option<Spanned<Detectors>>,
    #[serde(default = "one")]
    pub(super) threads: usize,
    #[serde(default)]
    pub(super) edit_to: Option<Spanned<String>>,
}

pub(super) fn one() -> usize {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEngines {
    #[serde(default)]
    pub(super) time: Option<Spanned<RawTime>>,
    #[serde(default = "yes")]
    pub(super) instructions: bool,
    #[serde(default = "yes")]
    pub(super) allocations: bool,
}

pub(super) fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawTime {
    Enabled(bool),
    Settings(TimeEngine),
}
