//! The results file: what one `perfgate run` measured, with the fingerprint that says where.
//!
//! A results file is JSON (`target/perfgate/results/<timestamp>-<commit>.json`): a schema version, the
//! environment [`Fingerprint`] (docs/perfgate/gate-and-baselines.md, "What is compared when"), the
//! selection it ran (tags, filter), and one [`ScenarioResult`] per scenario with its semantic identity
//! (a hash of the parsed workload and corpus source, not of the file's text), corpus id and hash, status (`ok`, or `failed` with the reason: a failed scenario
//! is recorded, never dropped) and each engine's data. Baselines are results files promoted by
//! `perfgate baseline save`, so this model is also the baseline model. Loading checks the schema version:
//! version 2 is read as it is; version 1 (identity over the file's text) is read with a note and its
//! scenario identities marked unknown, so every scenario counts as changed and is never misread as
//! the same workload.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::scenario::TimeEngine;

/// Bumped on every incompatible change of the file's shape.
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest schema still read (with a note).
pub const OLDEST_READ: u32 = 1;

/// Where and with what the measurements were made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub perfgate_version: String,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    /// sha256 of Cargo.lock.
    pub cargo_lock_hash: Option<String>,
    pub build_profile: String,
    pub rustflags: String,
    pub rustc: Option<String>,
    pub target: String,
    pub cpu_model: Option<String>,
    /// CPU flags as the kernel reports them (instruction counts can depend on them: glibc ifuncs).
    pub cpu_flags_hash: Option<String>,
    pub cores: usize,
    pub kernel: Option<String>,
    pub glibc: Option<String>,
    pub valgrind: Option<String>,
    /// 1-minute load average when the run started.
    pub load_average: Option<f64>,
    /// Seconds since the Unix epoch.
    pub timestamp: u64,
    /// The git tree hash of `core/` at `git_commit` (what a re-measure builds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_tree: Option<String>,
    /// The git tree hash of `harness/` at `git_commit`: the code that measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_tree: Option<String>,
    /// Uncommitted changes, when the run started, under the paths a measurement depends on
    /// (core/, harness/, scenarios/, Cargo.toml, Cargo.lock): such a run cannot be re-made from its
    /// commit, so `baseline save` refuses it without `--allow-dirty`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirty_paths: Vec<String>,
    /// Cargo features the core was built with beyond its defaults (`canary`: the self-test of the
    /// gate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub core_features: Vec<String>,
}

impl Fingerprint {
    /// The commit as the stamps of measured pages and errors name it: `<commit>`, with
    /// ` (with uncommitted changes)` after a dirty tree, or `an unknown commit`.
    pub fn commit_text(&self) -> String {
        let commit = self.git_commit.as_deref().unwrap_or("an unknown commit");
        if self.git_dirty == Some(true) {
            format!("{commit} (with uncommitted changes)")
        } else {
            commit.to_owned()
        }
    }

    /// Whether the run can be re-made from its commit: a commit, a clean tree (as far as the
    /// measurement goes), the default core features.
    pub fn reproducible(&self) -> Result<&str, Unreproducible> {
        let Some(commit) = self.git_commit.as_deref() else {
            return Err(Unreproducible::NoCommit);
        };
        if commit.len() != 40 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Unreproducible::NotACommitId(commit.to_owned()));
        }
        if self.git_dirty.is_none() {
            return Err(Unreproducible::UnknownTree(short(commit).to_owned()));
        }
        if !self.dirty_paths.is_empty() {
            return Err(Unreproducible::Uncommitted {
                commit: short(commit).to_owned(),
                paths: list_some(&self.dirty_paths, 3),
            });
        }
        if !self.core_features.is_empty() {
            return Err(Unreproducible::Features(self.core_features.join(", ")));
        }
        Ok(commit)
    }
}

/// The first 12 characters of a commit.
pub fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Up to `most` items joined with `, `, then `, …`.
pub fn list_some(items: &[String], most: usize) -> String {
    let mut text = items[..items.len().min(most)].join(", ");
    if items.len() > most {
        text.push_str(", …");
    }
    text
}

/// The scenarios a run selected: how `perfgate run`/`gate` was asked, so that a baseline knows which
/// scenarios it must keep seeing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// The tags asked for (the default set of perfgate.toml when none were given); empty: all.
    pub tags: Vec<String>,
    /// The `--filter` glob, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// Whether a scenario produced measurements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    #[default]
    Ok,
    Failed {
        reason: String,
    },
}

/// The core's exact counters for one run of a scenario's workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterData {
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
    pub nodes: u64,
    pub node_visits: u64,
    pub detector_calls: u64,
    pub findings: u64,
    pub diagnostics: u64,
    pub findings_by_rule: BTreeMap<String, u64>,
    /// Equal digests mean identical findings (a behaviour change shows here).
    pub findings_digest: String,
    pub cache_hits: Option<u64>,
    pub cache_misses: Option<u64>,
    /// Per-phase times of that run, in nanoseconds (informative; the time engine measures properly).
    pub phase_ns: BTreeMap<String, u64>,
}

/// One scenario's entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub name: String,
    pub id: String,
    pub scenario_file: String,
    /// The scenario's semantic identity: a hash of its parsed workload and corpus source
    /// ([`crate::scenario::Scenario::identity`]); comments, formatting, tags, description and gate
    /// thresholds do not change it. `v1:…` in a file read from schema 1: unknown.
    pub scenario_hash: String,
    /// `corpus:<name>@<version>`, `synthetic:<files>x<lines>@<seed>/<profile>` or `path:<folder>`.
    pub corpus_id: String,
    /// A hash of the workload's input files (labels and bytes).
    pub corpus_hash: String,
    #[serde(flatten)]
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counters: Option<CounterData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<InstructionData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap: Option<HeapData>,
    /// The dhat profile of the heap run (`dhat-heap.json`), repository-relative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap_profile: Option<String>,
    /// Where this scenario was measured, when that is not the file's fingerprint (a results file
    /// merged from shards run on several machines, `perfgate merge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Fingerprint>,
    /// Set when this entry is the baseline's commit re-measured on this host (the gate's
    /// re-measure): what was built and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remeasured: Option<String>,
}

/// A whole results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    pub fingerprint: Fingerprint,
    pub scenarios: Vec<ScenarioResult>,
    /// A baseline's history: every save and accept, with who, when, why and from what.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// The selection of the run (absent in files older than schema 2, and in merged files whose
    /// shards differ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// What loading had to say (an older schema read): never written back.
    #[serde(skip)]
    pub load_notes: Vec<String>,
}

/// One save or accept of a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// `save` or `accept`.
    pub action: String,
    /// Seconds since the Unix epoch.
    pub at: u64,
    /// git's user.name, else $USER.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The results file it came from, and that run's commit.
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Saved with `--allow-dirty`: why the run cannot be re-made from its commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_reproducible: Option<String>,
}

/// Why a run cannot be re-made from its commit (so it cannot be a baseline that is re-measured).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreproducible {
    #[error("it records no git commit (made outside a git repository)")]
    NoCommit,
    #[error("its git commit {0:?} is not a full commit id (40 hex digits)")]
    NotACommitId(String),
    #[error("the state of the work tree at {0} is unknown")]
    UnknownTree(String),
    #[error("it was measured with uncommitted changes at {commit} ({paths})")]
    Uncommitted { commit: String, paths: String },
    #[error("its core was built with the feature(s) {0}")]
    Features(String),
}

/// What a results file may not hold: a scenario twice, or a name that reaches out of perfgate's
/// folders (scenario names escaped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsafe {
    #[error("scenario `{0}` appears twice; a results file holds each scenario once")]
    Twice(String),
    #[error("scenario `{name}` has id {id:?}; expected ASCII letters, digits and `_`")]
    Id { name: String, id: String },
    #[error(
        "scenario `{name}` has {key} {path:?}; expected a path under `target/perfgate/` without `..`"
    )]
    Path {
        name: String,
        key: &'static str,
        path: String,
    },
}

/// A results file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} is not a perfgate results file: {reason}")]
    Invalid { file: String, reason: String },
    #[error("{file} is not a perfgate results file: {problem}")]
    Unsafe {
        file: String,
        #[source]
        problem: Unsafe,
    },
    /// A value of the wrong type or range, with its place and the path of keys to it.
    #[error("{file}:{line}:{column}: `{key}`: {message}")]
    Value {
        file: String,
        line: usize,
        column: usize,
        key: String,
        message: String,
    },
    #[error(
        "{file} has schema version {found}; this perfgate reads versions 1 to {expected} (re-run it, or re-save the baseline with `perfgate baseline accept`)"
    )]
    Schema {
        file: String,
        found: u64,
        expected: u32,
    },
    #[error("cannot write {file}: {source}")]
    Write {
        file: String,
        source: std::io::Error,
    },
}

impl Results {
    /// Reads a results file, checking its schema version before anything else.
    pub fn load(path: &Path) -> Result<Results, ResultsError> {
        let file = path.display().to_string();
        let text = crate::files::read_regular(path).map_err(|source| ResultsError::Read {
            file: file.clone(),
            source,
        })?;
        Results::parse(&text, &file)
    }

    /// Parses a results file's text (`file` names it in errors), checking its schema version before
    /// anything else.
    pub fn parse(text: &str, file: &str) -> Result<Results, ResultsError> {
        let file = file.to_owned();
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| ResultsError::Invalid {
                file: file.clone(),
                reason: error.to_string(),
            })?;
        let found = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| ResultsError::Invalid {
                file: file.clone(),
                reason: "no `schema_version`".into(),
            })?;
        if !(u64::from(OLDEST_READ)..=u64::from(SCHEMA_VERSION)).contains(&found) {
            return Err(ResultsError::Schema {
                file,
                found,
                expected: SCHEMA_VERSION,
            });
        }
        // From the text again, not the value: serde_json's errors then carry the line and column,
        // and serde_path_to_error the keys leading to the value.
        let mut results: Results =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
                .map_err(|error| {
                    let key = error.path().to_string();
                    let inner = error.into_inner();
                    let text = inner.to_string();
                    let message = match text.rfind(" at line ") {
                        Some(at) => text[..at].to_owned(),
                        None => text,
                    };
                    ResultsError::Value {
                        file: file.clone(),
                        line: inner.line(),
                        column: inner.column(),
                        key,
                        message,
                    }
                })?;
        results
            .check_paths()
            .map_err(|problem| ResultsError::Unsafe {
                file: file.clone(),
                problem,
            })?;
        if found == 1 {
            for scenario in &mut results.scenarios {
                scenario.scenario_hash = format!("v1:{}", scenario.scenario_hash);
            }
            // Schema 1 recorded only whether the tree was dirty, not where: never re-made.
            if results.fingerprint.git_dirty == Some(true) {
                results.fingerprint.dirty_paths =
                    vec!["(not recorded: schema 1 saw a dirty work tree)".into()];
            }
            results.schema_version = SCHEMA_VERSION;
            results.load_notes.push(format!(
                "{file} has schema version 1: its scenario identities hash the files' text, so every scenario counts as changed (re-measured where possible); re-save it with `perfgate baseline accept`"
            ));
        }
        Ok(results)
    }

    /// What a results file names on disk stays inside the repository's perfgate folders: a
    /// scenario `id` (chart and artifact file names) is letters, digits and `_`; `heap_profile` and
    /// `instructions.artifacts` are repository-relative paths under `target/perfgate/` without
    /// `..`. A hand-edited or hostile file cannot make the report write or copy elsewhere.
    fn check_paths(&self) -> Result<(), Unsafe> {
        let mut seen = std::collections::BTreeSet::new();
        for scenario in &self.scenarios {
            let name = || scenario.name.escape_debug().to_string();
            if !seen.insert(scenario.name.as_str()) {
                return Err(Unsafe::Twice(name()));
            }
            let id = &scenario.id;
            if id.is_empty()
                || id.len() > 200
                || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(Unsafe::Id {
                    name: name(),
                    id: id.clone(),
                });
            }
            let paths = [
                ("heap_profile", scenario.heap_profile.as_deref()),
                (
                    "instructions.artifacts",
                    scenario
                        .instructions
                        .as_ref()
                        .map(|data| data.artifacts.as_str())
                        .filter(|path| !path.is_empty()),
                ),
            ];
            for (key, path) in paths {
                let Some(path) = path else { continue };
                let relative = std::path::Path::new(path);
                let inside = relative.starts_with("target/perfgate")
                    && relative
                        .components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)));
                if !inside {
                    return Err(Unsafe::Path {
                        name: name(),
                        key,
                        path: path.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Writes atomically: a temporary file in the same folder, fsync, rename.
    pub fn save(&self, path: &Path) -> Result<(), ResultsError> {
        let mut text = serde_json::to_string_pretty(self).expect("results always serialize");
        text.push('\n');
        crate::write_atomic(path, &text).map_err(|source| ResultsError::Write {
            file: path.display().to_string(),
            source,
        })
    }

    /// Whether any scenario failed.
    pub fn any_failed(&self) -> bool {
        self.scenarios
            .iter()
            .any(|scenario| matches!(scenario.status, Status::Failed { .. }))
    }
}

// What each engine records for one scenario (the engines make them; this file owns the format).

/// One round: criterion's raw samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Iterations in each sample.
    pub iters: Vec<f64>,
    /// Total time of each sample, in nanoseconds.
    pub times_ns: Vec<f64>,
    /// The median of times_ns[i] / iters[i].
    pub median_ns: f64,
    /// Where this round ran in an interleaved schedule of two builds (`compare-branches`: 0, 1, 2,
    /// … over both sides' rounds, A B B A A B …); absent for rounds of one build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u32>,
}

/// The time engine's data for one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeData {
    pub settings: TimeEngine,
    pub rounds: Vec<Round>,
}

impl TimeData {
    /// The median of the round medians.
    pub fn median_ns(&self) -> f64 {
        crate::stats::median(
            &self
                .rounds
                .iter()
                .map(|round| round.median_ns)
                .collect::<Vec<_>>(),
        )
    }
}

/// Callgrind's counts for one workload run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstructionData {
    /// Every event gungraun reports (`Ir`, and others it derives or was asked for), summed over
    /// threads.
    pub events: BTreeMap<String, u64>,
    /// Functions above 0.1 % of Ir, by inclusive Ir (descending).
    pub functions: Vec<FunctionIr>,
    /// gungraun's output folder (repository-relative): callgrind outputs, flamegraphs, summary.
    pub artifacts: String,
    /// The flamegraph files gungraun made (repository-relative), differential ones included.
    pub flamegraphs: Vec<String>,
}

impl InstructionData {
    /// Instructions executed.
    pub fn ir(&self) -> u64 {
        self.events.get("Ir").copied().unwrap_or(0)
    }
}

/// One function's instructions: demangled, without the `::h<hash>` suffix, recursion levels merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionIr {
    pub name: String,
    pub inclusive: u64,
    #[serde(rename = "self")]
    pub self_ir: u64,
    /// The Ir of its calls into each other function above 0.1 % of the total, from every
    /// recursion level (calls into itself are inside its own Ir); the differential flamegraph is
    /// drawn from these. Empty in results written before perfgate recorded them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub calls: BTreeMap<String, u64>,
}

/// dhat's totals for one workload run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapData {
    pub total_bytes: u64,
    pub total_blocks: u64,
    pub max_bytes: u64,
    pub max_blocks: u64,
    /// The allocation sites above 0.1 % of the total bytes, the total blocks or the peak (see
    /// [`crate::engine::heap_sites`]); empty in results from before they were recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<HeapSite>,
}

/// One allocation site of a heap run: its call stack and what it allocated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapSite {
    /// Frames, innermost first, as `function (file)`: the allocator's own frames and line numbers
    /// dropped, so a site keeps its name across unrelated edits.
    pub frames: Vec<String>,
    pub bytes: u64,
    pub blocks: u64,
    /// Bytes it held at the global peak.
    pub peak_bytes: u64,
}
