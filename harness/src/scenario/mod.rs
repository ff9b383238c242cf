//! Scenario files: `scenarios/*.toml`, each describing one workload of the core and how to measure it.
//!
//! Parsing is strict: unknown keys, wrong types, unknown rule ids, corpora not in the lock, duplicate
//! names, paths outside the repository and missing or conflicting corpus sources are errors naming the
//! file, line and column, the key and what is allowed there. Scenarios describe data only; there is no
//! key that runs a command.
//!
//! ```toml
//! name = "django-unified"                 # unique; also an identifier for criterion and gungraun
//! description = "All default detectors over django, one pass"
//! tags = ["pr", "nightly"]
//!
//! [corpus]                                # exactly one of corpus / synthetic / path
//! corpus = "django"                       # a name from scenarios/corpora.toml
//! max_files = 200                         # optional, with `include` globs
//!
//! [workload]
//! kind = "analyze"                        # analyze | parse-only | aggregate | cache-cold | cache-warm | cache-edit
//! traversal = "unified"                   # unified | per-detector
//! detectors = "all"                       # or ["magic-literal", "complexity"]
//! threads = 1                             # 0: one per core
//! edit_to = "django-5.2.18"               # cache-edit only: the corpus analyzed second, with the first's cache
//!
//! [engines]
//! time = { rounds = 7, samples = 10, warm_up_ms = 500, measurement_ms = 2000 }   # or `time = false`
//! instructions = true
//! allocations = true
//!
//! [gate]                                  # optional overrides of perfgate.toml, in percent
//! time = 3.0
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::corpus::CorpusLock;

mod corpus_source;
pub mod limits;
mod raw;

use corpus_source::{corpus_source, unknown_corpus};
use limits::Located;
use raw::{RawScenario, RawTime};

/// A scenario that could not be read, with the place of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Where a scenario's Python files come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorpusSource {
    /// A pinned corpus from the lock, optionally limited.
    Pinned {
        name: String,
        max_files: Option<usize>,
        include: Vec<String>,
    },
    /// The core's seeded generator.
    Synthetic {
        files: usize,
        lines_per_file: usize,
        seed: u64,
        profile: String,
    },
    /// A folder inside the repository.
    Path { path: PathBuf },
}

/// What the workload does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    Analyze,
    ParseOnly,
    Aggregate,
    CacheCold,
    CacheWarm,
    CacheEdit,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Analyze => "analyze",
            Self::ParseOnly => "parse-only",
            Self::Aggregate => "aggregate",
            Self::CacheCold => "cache-cold",
            Self::CacheWarm => "cache-warm",
            Self::CacheEdit => "cache-edit",
        }
    }
}

/// One traversal for all detectors, or one per detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Traversal {
    #[default]
    Unified,
    PerDetector,
}

/// The detectors a workload runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Detectors {
    /// `"all"`: the default rule set.
    All(String),
    /// Exactly these rule ids.
    Only(Vec<String>),
}

/// The time engine's settings; `rounds` separate processes of criterion sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeEngine {
    #[serde(default = "default_rounds")]
    pub rounds: u32,
    #[serde(default = "default_samples")]
    pub samples: u32,
    #[serde(default = "default_warm_up_ms")]
    pub warm_up_ms: u64,
    #[serde(default = "default_measurement_ms")]
    pub measurement_ms: u64,
}

/// Time rounds of a scenario that does not say.
pub const DEFAULT_ROUNDS: u32 = 7;

fn default_rounds() -> u32 {
    DEFAULT_ROUNDS
}
fn default_samples() -> u32 {
    10
}
fn default_warm_up_ms() -> u64 {
    500
}
fn default_measurement_ms() -> u64 {
    2000
}

/// Which engines measure the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engines {
    /// `None` when `time = false`.
    pub time: Option<TimeEngine>,
    pub instructions: bool,
    pub allocations: bool,
}

/// Per-scenario gate thresholds in percent; `None` keeps perfgate.toml's.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateOverrides {
    pub time: Option<f64>,
    pub instructions: Option<f64>,
    pub heap: Option<f64>,
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    /// `name` as an identifier (`[A-Za-z_][A-Za-z0-9_]*`) for criterion and gungraun.
    pub id: String,
    pub description: String,
    pub tags: Vec<String>,
    pub corpus: CorpusSource,
    pub kind: WorkloadKind,
    pub traversal: Traversal,
    pub detectors: Option<Vec<String>>,
    pub threads: usize,
    pub edit_to: Option<String>,
    pub engines: Engines,
    pub gate: GateOverrides,
    /// The file it came from, relative to the repository.
    pub file: PathBuf,
    /// The semantic identity: a hash of what the workload is (corpus source, kind, traversal,
    /// detectors, threads, edit_to). Comments, formatting, description, tags, engines and gate
    /// thresholds do not change it; the time engine's own settings are compared from the rounds.
    pub identity: String,
}

impl Scenario {
    /// The identity of a workload: xxh3 of its defining fields in a fixed JSON form.
    pub fn identity_of(
        corpus: &CorpusSource,
        kind: WorkloadKind,
        traversal: Traversal,
        detectors: &Option<Vec<String>>,
        threads: usize,
        edit_to: &Option<String>,
    ) -> String {
        let value = serde_json::json!({
            "corpus": corpus,
            "kind": kind,
            "traversal": traversal,
            "detectors": detectors,
            "threads": threads,
            "edit_to": edit_to,
        });
        format!("{:016x}", xxh3(value.to_string().as_bytes()))
    }
}

// ---- validation ----------------------------------------------------------------------------------

/// What a scenario file is checked against.
pub struct Context<'a> {
    pub repo_root: &'a Path,
    pub lock: &'a CorpusLock,
    /// Rule ids the core knows.
    pub rules: &'a [&'a str],
}

/// Maps a scenario name to an identifier: ASCII letters, digits and `_`; every other character becomes
/// `_`; a leading digit gets a `_` in front.
pub fn identifier(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, '_');
    }
    id
}

pub(super) const KINDS: &str = "analyze, parse-only, aggregate, cache-cold, cache-warm, cache-edit";
pub(super) const PROFILES: [&str; 3] = ["clean", "typical", "dense"];

/// Parses and validates one scenario file's text; `file` is its repository-relative name.
pub fn parse(text: &str, file: &str, context: &Context<'_>) -> Result<Scenario, ScenarioError> {
    let located = Located {
        file: file.to_owned(),
        text,
    };
    let raw: RawScenario = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        located.decoding(span, error.message().trim_end().to_owned())
    })?;
    let name = raw.name.get_ref().trim().to_owned();
    if name.is_empty() {
        return Err(located.at(raw.name.span(), "`name` must not be empty"));
    }
    if name.chars().any(char::is_control) || name.chars().count() > 100 {
        return Err(located.at(
            raw.name.span(),
            "`name` must be at most 100 characters without control characters (line breaks, tabs, escapes)",
        ));
    }
    if identifier(&name).len() > limits::MAX_ID_LEN {
        return Err(located.at(
            raw.name.span(),
            format!(
                "`name` is {} characters as an identifier (`{}`); at most {} fit criterion's benchmark folder names",
                identifier(&name).len(),
                identifier(&name),
                limits::MAX_ID_LEN
            ),
        ));
    }
    for tag in &raw.tags {
        if tag.get_ref().is_empty()
            || !tag
                .get_ref()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(located.at(
                tag.span(),
                format!(
                    "invalid tag `{}`; tags are words such as pr, nightly, release",
                    tag.get_ref()
                ),
            ));
        }
    }
    let corpus = corpus_source(&raw.corpus, &located, context)?;
    let workload = &raw.workload;
    let detectors = match &workload.detectors {
        None => None,
        Some(spanned) => match spanned.get_ref() {
            Detectors::All(word) if word == "all" => None,
            Detectors::All(other) => {
                return Err(located.at(
                    spanned.span(),
                    format!("`detectors` must be \"all\" or a list of rule ids, not \"{other}\""),
                ));
            }
            Detectors::Only(ids) => {
                for id in ids {
                    if !context.rules.contains(&id.as_str()) {
                        return Err(located.at(
                            spanned.span(),
                            format!(
                                "unknown rule `{id}` in `detectors`; known rules: {}",
                                context.rules.join(", ")
                            ),
                        ));
                    }
                }
                if ids.is_empty() {
                    return Err(located.at(
                        spanned.span(),
                        "`detectors` must name at least one rule (or be \"all\")",
                    ));
                }
                Some(ids.clone())
            }
        },
    };
    let edit_to = match (&workload.edit_to, workload.kind) {
        (Some(edit), WorkloadKind::CacheEdit) => {
            if context.lock.get(edit.get_ref()).is_none() {
                return Err(located.at(edit.span(), unknown_corpus(edit.get_ref(), context.lock)));
            }
            if !matches!(corpus, CorpusSource::Pinned { .. }) {
                return Err(located.at(
                    edit.span(),
                    "`edit_to` needs a pinned `corpus` to edit from",
                ));
            }
            Some(edit.get_ref().clone())
        }
        (Some(edit), _) => {
            return Err(located.at(edit.span(), "`edit_to` is only for kind = \"cache-edit\""));
        }
        (None, WorkloadKind::CacheEdit) => {
            return Err(located.at(
                raw.corpus.span(),
                "kind = \"cache-edit\" needs `edit_to` in [workload]: the corpus analyzed second",
            ));
        }
        (None, _) => None,
    };
    let engines = match &raw.engines {
        None => Engines {
            time: Some(default_time()),
            instructions: true,
            allocations: true,
        },
        Some(engines) => {
            let time = match engines.time.as_ref().map(|t| (t.span(), t.get_ref())) {
                None | Some((_, RawTime::Enabled(true))) => Some(default_time()),
                Some((_, RawTime::Enabled(false))) => None,
                Some((_, RawTime::Settings(time))) => Some(limits::time_engine(time, &located)?),
            };
            Engines {
                time,
                instructions: engines.instructions,
                allocations: engines.allocations,
            }
        }
    };
    let gate = limits::gate_overrides(&raw.gate, &located)?;
    let threads = located.within("threads", &workload.threads, 0, limits::MAX_THREADS)?;
    let identity = Scenario::identity_of(
        &corpus,
        workload.kind,
        workload.traversal,
        &detectors,
        threads,
        &edit_to,
    );
    Ok(Scenario {
        identity,
        id: identifier(&name),
        name,
        description: raw.description,
        tags: raw.tags.into_iter().map(Spanned::into_inner).collect(),
        corpus,
        kind: workload.kind,
        traversal: workload.traversal,
        detectors,
        threads,
        edit_to,
        engines,
        gate,
        file: PathBuf::from(file),
    })
}

fn xxh3(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

pub(super) fn default_time() -> TimeEngine {
    TimeEngine {
        rounds: default_rounds(),
        samples: default_samples(),
        warm_up_ms: default_warm_up_ms(),
        measurement_ms: default_measurement_ms(),
    }
}

/// The peer comparison's configuration inside `scenarios/` (not a scenario; read by `peers`).
pub const PEERS_FILE: &str = "peers.toml";

/// Loads every `*.toml` scenario in `dir` (the corpora lock and the peer comparison's
/// [`PEERS_FILE`] excepted), checking names are unique.
pub fn load_dir(dir: &Path, context: &Context<'_>) -> Result<Vec<Scenario>, ScenarioError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|error| ScenarioError {
            file: dir.display().to_string(),
            line: 1,
            column: 1,
            message: format!("cannot read the scenarios folder: {error}"),
        })?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "toml")
                && path
                    .file_name()
                    .is_some_and(|n| n != crate::corpus::LOCK_FILE && n != PEERS_FILE)
        })
        .collect();
    paths.sort();
    let mut scenarios = Vec::new();
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    for path in paths {
        let label = path
            .strip_prefix(context.repo_root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = crate::files::read_regular(&path).map_err(|error| ScenarioError {
            file: label.clone(),
            line: 1,
            column: 1,
            message: format!("cannot read: {error}"),
        })?;
        let scenario = parse(&text, &label, context)?;
        if let Some((other_file, other_name)) = seen.get(&scenario.id) {
            let span = name_span(&text);
            let located = Located {
                file: label.clone(),
                text: &text,
            };
            return Err(located.at(span, format!(
                "scenario name `{}` is already used by {other_file} (`{other_name}`); names (as identifiers) must be unique",
                scenario.name
            )));
        }
        seen.insert(scenario.id.clone(), (label, scenario.name.clone()));
        scenarios.push(scenario);
    }
    Ok(scenarios)
}

fn name_span(text: &str) -> Range<usize> {
    let start = text.find("name").unwrap_or(0);
    start..start
}
