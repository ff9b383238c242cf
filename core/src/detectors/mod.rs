//! The rule registry: every detector, its metadata, and how to build it from settings.
//!
//! Each detector lives in one file of this folder, opens with a doc comment (what it flags, why it
//! matters, its default threshold, an example) and exports a `pub const RULE: RuleInfo`. Adding a
//! detector is that file, a fixture folder under `core/tests/fixtures/<rule-id>/`, one line in
//! [`REGISTRY`] and one in `crate::rule`'s list of ids (the identity findings use; a test checks the
//! two agree). Thresholds are typed `Options` structs in each detector module (configurable in code,
//! e.g. `long_function::Options { max_lines: 80 }`) and can also be given as JSON-like values per rule
//! in [`Settings`], which is how configuration files set them.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use crate::rule::{ConnascenceType, Rule, unknown_rule_message};
use crate::visit::Detector;

/// What every detector writes the same way. `with_options!(make Type)` is the `make` of its
/// [`RuleInfo`] ([`rule_info!`] writes it): the options parsed with [`parse_options`], then
/// `Type::new(rule, options)`. `with_options!(methods)` inside its `impl Detector` is `rule` (the
/// handle it was made with) and `fresh` (`Self::new` with the same options: no per-file state),
/// for a type with the fields `rule` and `options`; `with_options!(methods without options)` is
/// the same for a detector whose `Options` is empty (`new(rule, Options {})`).
macro_rules! with_options {
    (make $detector:ident) => {
        |rule, options| {
            Ok(Box::new($detector::new(
                rule,
                $crate::detectors::parse_options(rule, options)?,
            )))
        }
    };
    (methods, interests [$($kind:ident),+ $(,)?]) => {
        fn rule(&self) -> $crate::rule::Rule {
            self.rule
        }

        fn fresh(&self) -> Box<dyn $crate::visit::Detector + Send> {
            Box::new(Self::new(self.rule, self.options.clone()))
        }

        with_options!(interests [$($kind),+]);
    };
    (methods without options, interests [$($kind:ident),+ $(,)?]) => {
        fn rule(&self) -> $crate::rule::Rule {
            self.rule
        }

        fn fresh(&self) -> Box<dyn $crate::visit::Detector + Send> {
            Box::new(Self::new(self.rule, Options {}))
        }

        with_options!(interests [$($kind),+]);
    };
    (interests [$($kind:ident),+]) => {
        fn interests(&self) -> $crate::visit::KindSet {
            $crate::visit::KindSet::of(&[$(::ruff_python_ast::NodeKind::$kind),+])
        }
    };
}

/// A detector's [`RuleInfo`]: its metadata, then what every detector has the same way: its
/// module's `Options` read from TOML, its source file (the rule's documentation) and its
/// constructor `$detector::new(rule, options)`.
macro_rules! rule_info {
    ($detector:ident, $file:literal, { $($field:ident: $value:expr),+ $(,)? }) => {
        $crate::detectors::RuleInfo {
            $($field: $value,)+
            read_options: $crate::detectors::read_toml_options::<Options>,
            source: include_str!($file),
            make: with_options!(make $detector),
        }
    };
}

pub mod assertion_density;
pub mod common;
pub mod complexity;
pub mod convention;
pub mod deep_nesting;
pub mod duplicate_algorithm;
pub mod global_state;
pub mod god_object;
pub mod long_function;
pub mod magic_literal;
pub mod positional_params;
pub mod recursion;
pub mod repeated_value;
pub mod timing;
pub mod unbounded_loop;

/// Every rule, in the order `connascence rules` lists them (the contract's table order).
pub static REGISTRY: &[RuleInfo] = &[
    positional_params::RULE,
    magic_literal::RULE,
    duplicate_algorithm::RULE,
    timing::RULE,
    repeated_value::RULE,
    convention::RULE,
    global_state::RULE,
    god_object::RULE,
    recursion::RULE,
    unbounded_loop::RULE,
    long_function::RULE,
    assertion_density::RULE,
    deep_nesting::RULE,
    complexity::RULE,
];

/// A detector constructor: the rule handle and its options (JSON `null` means defaults).
pub type MakeDetector =
    fn(Rule, &serde_json::Value) -> Result<Box<dyn Detector + Send + Sync>, OptionsError>;

/// Reads a rule's options from its configuration-file table, checking names and types with the
/// detector's own `Options` type; errors carry the span of the offending key or value.
pub type ReadOptions =
    for<'i> fn(toml::Spanned<toml::de::DeValue<'i>>) -> Result<serde_json::Value, toml::de::Error>;

/// The [`ReadOptions`] of a detector whose options type is `T`.
pub fn read_toml_options<T: DeserializeOwned + Serialize>(
    value: toml::Spanned<toml::de::DeValue<'_>>,
) -> Result<serde_json::Value, toml::de::Error> {
    use serde::de::IntoDeserializer;
    let options = T::deserialize(value.into_deserializer())?;
    Ok(serde_json::to_value(options).expect("options always serialize"))
}

/// Static description of one rule.
pub struct RuleInfo {
    pub id: &'static str,
    pub connascence_type: Option<ConnascenceType>,
    /// One line: what the rule flags.
    pub summary: &'static str,
    pub default_threshold: &'static str,
    pub default_severity: &'static str,
    pub enabled_by_default: bool,
    /// The fixed recommendations the detector gives (a finding's may also be built for it, e.g.
    /// convention's suggested name); the cache stores a finding's recommendation as an index here.
    pub recommendations: &'static [&'static str],
    /// The detector's source file; its `//!` lines are the rule's documentation.
    pub source: &'static str,
    pub read_options: ReadOptions,
    pub make: MakeDetector,
}

impl RuleInfo {
    /// The rule's documentation: the `//!` comment of its detector file.
    pub fn documentation(&self) -> String {
        self.source
            .lines()
            .map_while(|line| line.strip_prefix("//!"))
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The rule's metadata in the [`REGISTRY`] (same position as its [`Rule`] handle; checked by a test).
impl Rule {
    pub fn info(self) -> &'static RuleInfo {
        &REGISTRY[self.index()]
    }
}

/// A rule's options could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid options for rule `{rule}`: {message}")]
pub struct OptionsError {
    pub rule: &'static str,
    pub message: String,
}

/// Reads a detector's typed options from a value; `null` gives the defaults.
pub fn parse_options<T: DeserializeOwned + Default>(
    rule: Rule,
    value: &serde_json::Value,
) -> Result<T, OptionsError> {
    if value.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(value.clone()).map_err(|error| OptionsError {
        rule: rule.id(),
        message: error.to_string(),
    })
}

/// Per-rule settings: on/off, severity override and options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleSettings {
    /// `None` keeps the rule's default.
    pub enabled: Option<bool>,
    /// Every finding of the rule gets this severity instead of the detector's.
    #[serde(default)]
    pub severity: Option<crate::finding::Severity>,
    /// The detector's options (`null` for defaults).
    #[serde(default)]
    pub options: serde_json::Value,
}

/// Which rules run and with which options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Keyed by rule id.
    pub rules: BTreeMap<String, RuleSettings>,
}

impl Settings {
    /// Settings that enable exactly `rules` with default options.
    pub fn only(rules: &[Rule]) -> Self {
        let rules = Rule::all()
            .map(|rule| {
                let enabled = Some(rules.contains(&rule));
                (
                    rule.id().to_owned(),
                    RuleSettings {
                        enabled,
                        ..RuleSettings::default()
                    },
                )
            })
            .collect();
        Self { rules }
    }

    /// Applies a rule selection like ruff's: with `select`, exactly those rules run; `ignore` then
    /// turns rules off. Ids must be known (checked by the caller).
    pub fn select(&mut self, select: Option<&[String]>, ignore: &[String]) {
        for rule in Rule::all() {
            let entry = self.rules.entry(rule.id().to_owned()).or_default();
            if let Some(selected) = select {
                entry.enabled = Some(selected.iter().any(|id| id == rule.id()));
            }
            if ignore.iter().any(|id| id == rule.id()) {
                entry.enabled = Some(false);
            }
        }
    }

    /// The rules that run under these settings, in registry order.
    pub fn enabled_rules(&self) -> Vec<Rule> {
        Rule::all()
            .filter(|rule| {
                self.rules
                    .get(rule.id())
                    .and_then(|settings| settings.enabled)
                    .unwrap_or(rule.info().enabled_by_default)
            })
            .collect()
    }

    /// Builds one prototype detector per enabled rule, reading each rule's options once.
    pub fn compile(&self) -> Result<RuleSet, OptionsError> {
        for id in self.rules.keys() {
            if Rule::by_id(id).is_none() {
                return Err(OptionsError {
                    rule: "?",
                    message: unknown_rule_message(id),
                });
            }
        }
        let prototypes = self
            .enabled_rules()
            .into_iter()
            .map(|rule| {
                let options = self.rules.get(rule.id()).map(|s| &s.options);
                (rule.info().make)(rule, options.unwrap_or(&serde_json::Value::Null))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let duplicates = Rule::by_id(duplicate_algorithm::RULE.id).expect("a registered rule");
        let body_hash_min = match self.enabled_rules().contains(&duplicates) {
            true => {
                let value = self.rules.get(duplicates.id()).map(|s| &s.options);
                let options: duplicate_algorithm::Options =
                    parse_options(duplicates, value.unwrap_or(&serde_json::Value::Null))?;
                Some(options.min_statements)
            }
            false => None,
        };
        let severities = Rule::all()
            .map(|rule| {
                self.rules
                    .get(rule.id())
                    .and_then(|settings| settings.severity)
            })
            .collect();
        Ok(RuleSet {
            prototypes,
            severities,
            body_hash_min,
        })
    }
}

/// The compiled, validated detectors of a run; hands out fresh instances for each file.
pub struct RuleSet {
    prototypes: Vec<Box<dyn Detector + Send + Sync>>,
    /// Severity overrides by rule index.
    severities: Vec<Option<crate::finding::Severity>>,
    /// `min_statements` of duplicate-algorithm when it runs: the engine hashes the bodies of
    /// functions with more statements right after parsing (see
    /// [`duplicate_algorithm::body_hashes`]).
    body_hash_min: Option<u32>,
}

impl RuleSet {
    /// Detectors with empty per-file state.
    pub fn fresh(&self) -> Vec<Box<dyn Detector + Send>> {
        self.prototypes
            .iter()
            .map(|prototype| prototype.fresh())
            .collect()
    }

    /// Applies the configured severity overrides.
    pub fn apply_severities(&self, findings: &mut [crate::finding::Finding]) {
        if self.severities.iter().all(Option::is_none) {
            return;
        }
        for finding in findings {
            if let Some(severity) = self.severities[finding.rule.index()] {
                finding.severity = severity;
            }
        }
    }

    /// `Some(min_statements)` when duplicate-algorithm runs: the engine hashes the bodies it needs.
    pub fn body_hash_min(&self) -> Option<u32> {
        self.body_hash_min
    }

    /// Whether the rule with this id is one of this run's detectors.
    pub fn has(&self, id: &str) -> bool {
        self.prototypes
            .iter()
            .any(|prototype| prototype.rule().id() == id)
    }

    pub fn rules(&self) -> Vec<Rule> {
        self.prototypes
            .iter()
            .map(|prototype| prototype.rule())
            .collect()
    }
}
