//! The raw serde model of a scenario file: exactly the keys and types the TOML may contain
//! (`deny_unknown_fields` everywhere), with spans kept where validation needs to point at a value.

//!
//! The values whose TOML form is not the Rust type's own say what they expect in our words, through
//! their `Visitor::expecting` ([`Whole`], [`Number`], [`RawKind`], [`RawTraversal`],
//! [`RawDetectors`]); toml adds the place, `Located::decoding` the key.

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use toml::Spanned;

use super::{Detectors, KINDS, Traversal, WorkloadKind};

/// A whole number ≥ 0 that fits `T`.
struct Whole<T>(T);

impl<'de, T: TryFrom<u64>> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeVisitor<T>(PhantomData<T>);
        impl<T: TryFrom<u64>> Visitor<'_> for WholeVisitor<T> {
            type Value = Whole<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number ≥ 0")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Whole<T>, E> {
                T::try_from(value)
                    .map(Whole)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Whole<T>, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(E::invalid_value(Unexpected::Signed(value), &self)),
                }
            }
            fn visit_i128<E: de::Error>(self, value: i128) -> Result<Whole<T>, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(E::invalid_value(
                        Unexpected::Other(&format!("integer `{value}`")),
                        &self,
                    )),
                }
            }
        }
        deserializer.deserialize_any(WholeVisitor(PhantomData))
    }
}

/// `Spanned<Whole<T>>` as `Spanned<T>`.
fn whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<Spanned<T>, D::Error> {
    let value = Spanned::<Whole<T>>::deserialize(d)?;
    let span = value.span();
    Ok(Spanned::new(span, value.into_inner().0))
}

fn some_whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
    d: D,
) -> Result<Option<Spanned<T>>, D::Error> {
    whole(d).map(Some)
}

fn plain_whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<T, D::Error> {
    Whole::<T>::deserialize(d).map(|whole| whole.0)
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Spanned<f64>, D::Error> {
    let value = Spanned::<Number>::deserialize(d)?;
    let span = value.span();
    Ok(Spanned::new(span, value.into_inner().0))
}

fn some_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<f64>>, D::Error> {
    number(d).map(Some)
}

/// A number (an integer is read as one).
struct Number(f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = Number;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Number, E> {
                Ok(Number(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Number, E> {
                Ok(Number(value as f64))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Number, E> {
                Ok(Number(value as f64))
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// A word of a kebab-case enum `T`, said with our list of the words.
fn word<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
    expected: String,
) -> Result<T, D::Error> {
    struct WordVisitor<T>(String, PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for WordVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(&self.0)
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            T::deserialize(de::value::StrDeserializer::<de::value::Error>::new(value))
                .map_err(|_| E::custom(format!("unknown value `{value}`, expected {}", self.0)))
        }
    }
    deserializer.deserialize_any(WordVisitor(expected, PhantomData))
}

fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<WorkloadKind, D::Error> {
    RawKind::deserialize(d).map(|kind| kind.0)
}

fn traversal<'de, D: Deserializer<'de>>(d: D) -> Result<Traversal, D::Error> {
    RawTraversal::deserialize(d).map(|traversal| traversal.0)
}

fn detectors<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<Detectors>>, D::Error> {
    let value = Spanned::<RawDetectors>::deserialize(d)?;
    let span = value.span();
    Ok(Some(Spanned::new(span, value.into_inner().0)))
}

/// `kind = "analyze"`, …
struct RawKind(WorkloadKind);

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        word(deserializer, format!("one of: {KINDS}")).map(RawKind)
    }
}

/// `traversal = "unified" | "per-detector"`.
struct RawTraversal(Traversal);

impl<'de> Deserialize<'de> for RawTraversal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        word(deserializer, "`unified` or `per-detector`".to_owned()).map(RawTraversal)
    }
}

/// `detectors = "all"` or a list of rule ids.
struct RawDetectors(Detectors);

impl<'de> Deserialize<'de> for RawDetectors {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DetectorsVisitor;
        impl<'de> Visitor<'de> for DetectorsVisitor {
            type Value = RawDetectors;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"all\" or a list of rule ids")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<RawDetectors, E> {
                Ok(RawDetectors(Detectors::All(value.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawDetectors, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element::<String>()? {
                    ids.push(id);
                }
                Ok(RawDetectors(Detectors::Only(ids)))
            }
        }
        deserializer.deserialize_any(DetectorsVisitor)
    }
}

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
    #[serde(default, deserialize_with = "some_number")]
    pub(super) time: Option<Spanned<f64>>,
    #[serde(default, deserialize_with = "some_number")]
    pub(super) instructions: Option<Spanned<f64>>,
    #[serde(default, deserialize_with = "some_number")]
    pub(super) heap: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCorpus {
    pub(super) corpus: Option<Spanned<String>>,
    #[serde(default, deserialize_with = "some_whole")]
    pub(super) max_files: Option<Spanned<usize>>,
    pub(super) include: Option<Vec<Spanned<String>>>,
    pub(super) synthetic: Option<RawSynthetic>,
    pub(super) path: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSynthetic {
    #[serde(deserialize_with = "whole")]
    pub(super) files: Spanned<usize>,
    #[serde(deserialize_with = "whole")]
    pub(super) lines_per_file: Spanned<usize>,
    #[serde(deserialize_with = "plain_whole")]
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
    #[serde(deserialize_with = "kind")]
    pub(super) kind: WorkloadKind,
    #[serde(default, deserialize_with = "traversal")]
    pub(super) traversal: Traversal,
    #[serde(default, deserialize_with = "detectors")]
    pub(super) detectors: Option<Spanned<Detectors>>,
    #[serde(default = "one", deserialize_with = "whole")]
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
    #[serde(default, deserialize_with = "some_whole")]
    pub(super) rounds: Option<Spanned<u32>>,
    #[serde(default, deserialize_with = "some_whole")]
    pub(super) samples: Option<Spanned<u32>>,
    #[serde(default, deserialize_with = "some_whole")]
    pub(super) warm_up_ms: Option<Spanned<u64>>,
    #[serde(default, deserialize_with = "some_whole")]
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
