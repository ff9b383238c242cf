//! The raw serde model of a scenario file: exactly the keys and types the TOML may contain
//! (`deny_unknown_fields` everywhere), with spans kept where validation needs to point at a value.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use super::{Detectors, Traversal, WorkloadKind};

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
    pub(super) gate: RawGate,
}

/// `[gate]`: per-scenario thresholds in percent, with their places for the range check.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGate {
    pub(super) time: Option<Spanned<f64>>,
    pub(super) instructions: Option<Spanned<f64>>,
    pub(super) heap: Option<Spanned<f64>>,
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
    pub(super) files: Spanned<usize>,
    pub(super) lines_per_file: Spanned<usize>,
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
    pub(super) threads: Spanned<usize>,
    #[serde(default)]
    pub(super) edit_to: Option<Spanned<String>>,
}

pub(super) fn one() -> Spanned<usize> {
    Spanned::new(0..0, 1)
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

/// `time = false`, `time = true` or `time = { rounds, samples, warm_up_ms, measurement_ms }`.
/// Decoded by hand rather than as an untagged enum, so that an error inside the table (`rounds =
/// -3`) keeps its place and key instead of becoming "matches no variant".
pub(super) enum RawTime {
    Enabled(bool),
    Settings(RawTimeSettings),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTimeSettings {
    pub(super) rounds: Option<Spanned<u32>>,
    pub(super) samples: Option<Spanned<u32>>,
    pub(super) warm_up_ms: Option<Spanned<u64>>,
    pub(super) measurement_ms: Option<Spanned<u64>>,
}

impl<'de> Deserialize<'de> for RawTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl<'de> Visitor<'de> for TimeVisitor {
            type Value = RawTime;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "`false`, `true` or a table { rounds, samples, warm_up_ms, measurement_ms }",
                )
            }
            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<RawTime, E> {
                Ok(RawTime::Enabled(enabled))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawTime, A::Error> {
                RawTimeSettings::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawTime::Settings)
            }
        }
        deserializer.deserialize_any(TimeVisitor)
    }
}
