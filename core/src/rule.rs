//! A rule's identity, apart from its detector: the [`Rule`] handle (one byte, in [`REGISTRY`]
//! order), its id and the kind of connascence it measures. A leaf module, so that findings and the
//! visitor can name a rule without depending on the detectors that implement it (the detectors
//! depend on them). `detectors::REGISTRY` holds the rest of each rule's metadata at the same
//! position; a test checks that the two agree.
//!
//! [`REGISTRY`]: crate::detectors::REGISTRY

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kind of connascence (or NASA power-of-ten rule) a rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnascenceType {
    Position,
    Meaning,
    Algorithm,
    Timing,
    Values,
    Convention,
    Identity,
    #[serde(rename = "nasa-rule-1")]
    NasaRule1,
    #[serde(rename = "nasa-rule-2")]
    NasaRule2,
    #[serde(rename = "nasa-rule-4")]
    NasaRule4,
    #[serde(rename = "nasa-rule-5")]
    NasaRule5,
}

impl ConnascenceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Position => "position",
            Self::Meaning => "meaning",
            Self::Algorithm => "algorithm",
            Self::Timing => "timing",
            Self::Values => "values",
            Self::Convention => "convention",
            Self::Identity => "identity",
            Self::NasaRule1 => "nasa-rule-1",
            Self::NasaRule2 => "nasa-rule-2",
            Self::NasaRule4 => "nasa-rule-4",
            Self::NasaRule5 => "nasa-rule-5",
        }
    }
}

/// Every rule's id and connascence type, in the order of `detectors::REGISTRY` (the order
/// `connascence rules` lists them).
static RULES: [(&str, Option<ConnascenceType>); 14] = [
    ("positional-params", Some(ConnascenceType::Position)),
    ("magic-literal", Some(ConnascenceType::Meaning)),
    ("duplicate-algorithm", Some(ConnascenceType::Algorithm)),
    ("timing", Some(ConnascenceType::Timing)),
    ("repeated-value", Some(ConnascenceType::Values)),
    ("convention", Some(ConnascenceType::Convention)),
    ("global-state", Some(ConnascenceType::Identity)),
    ("god-object", None),
    ("recursion", Some(ConnascenceType::NasaRule1)),
    ("unbounded-loop", Some(ConnascenceType::NasaRule2)),
    ("long-function", Some(ConnascenceType::NasaRule4)),
    ("assertion-density", Some(ConnascenceType::NasaRule5)),
    ("deep-nesting", None),
    ("complexity", None),
];

/// A handle to a rule: cheap to copy, compare and hash; serialized as its id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rule(u8);

impl Rule {
    pub fn all() -> impl Iterator<Item = Rule> {
        (0..RULES.len()).map(|index| Rule(index as u8))
    }

    pub fn by_id(id: &str) -> Option<Rule> {
        RULES
            .iter()
            .position(|(known, _)| *known == id)
            .map(|index| Rule(index as u8))
    }

    pub fn id(self) -> &'static str {
        RULES[self.0 as usize].0
    }

    /// The kind of connascence the rule measures (`None` for structural rules).
    pub fn connascence_type(self) -> Option<ConnascenceType> {
        RULES[self.0 as usize].1
    }

    /// Position in `detectors::REGISTRY`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        Rule::by_id(&id).ok_or_else(|| serde::de::Error::custom(unknown_rule_message(&id)))
    }
}

/// "unknown rule `x`; known rules: a, b, …" — shared by every place that takes a rule id.
pub fn unknown_rule_message(id: &str) -> String {
    let known: Vec<&str> = RULES.iter().map(|(id, _)| *id).collect();
    format!("unknown rule `{id}`; known rules: {}", known.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::REGISTRY;

    #[test]
    fn the_rules_are_the_registry_s_in_its_order() {
        assert_eq!(RULES.len(), REGISTRY.len());
        for (rule, info) in Rule::all().zip(REGISTRY) {
            assert_eq!(rule.id(), info.id);
            assert_eq!(
                rule.connascence_type(),
                info.connascence_type,
                "{}",
                info.id
            );
            assert_eq!(rule.info().id, info.id);
        }
    }
}
