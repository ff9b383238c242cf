//! The gate's re-measure: the baseline's commit measured again on this host, so that deterministic
//! counts compare when the stored baseline cannot be compared as it is.
//!
//! A stored baseline's instruction counts and heap compare across hosts when the toolchain matches
//! ([`crate::compare::checks`]). When it does not (another rustc, glibc, valgrind …), when a
//! scenario's definition changed, when a change measured across hosts lies within
//! [`NEAR_THRESHOLD`] of its threshold, or on `--remeasure`, the gate builds the baseline's commit's
//! core into the current harness — with **that commit's own Cargo.lock** and profiles, so that a
//! dependency bump in the candidate stays visible — and runs the deterministic engines
//! (instructions, allocations, counters) once over the current scenario files.
//!
//! Results are cached per scenario in `${XDG_CACHE_HOME:-~/.cache}/perfgate/remeasured/`, keyed
//! by everything the counts depend on ([`Key`]): the core's tree, the commit's Cargo.lock, the
//! harness that measures, rustc, valgrind, glibc, target, CPU flags, the scenario's identity and
//! corpus hash and the engines — never by load or time. Wall time is never cached.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::git;
use crate::results::{Fingerprint, Results, ScenarioResult, Status, short};
use crate::sides::Side;

mod lock;

pub use lock::core_dependency_changes;

/// A cross-host change this close to its threshold (a fraction: 0.5 percentage points) is
/// re-measured on this host before it decides anything.
pub const NEAR_THRESHOLD: f64 = 0.005;

/// Why the baseline could not be re-measured: the message names the commit or file.
#[derive(Debug, thiserror::Error)]
pub enum RemeasureError {
    #[error("the baseline cannot be re-measured: {0}")]
    NotReproducible(#[source] crate::results::Unreproducible),
    #[error(
        "the baseline's commit {commit} is not in this clone and `git fetch --depth=1 origin {commit}` failed ({cause}); fetch the history (actions/checkout with `fetch-depth: 0`) or re-save the baseline"
    )]
    MissingCommit {
        commit: String,
        #[source]
        cause: crate::git::GitError,
    },
    #[error("building the baseline's commit {commit} failed: {cause}")]
    Build {
        commit: String,
        #[source]
        cause: Box<StepError>,
    },
    #[error("measuring the baseline's commit {commit} failed: {cause}")]
    Run {
        commit: String,
        #[source]
        cause: Box<StepError>,
    },
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// This checkout's perfgate for the interleaved rounds.
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
}

/// What failed in building or measuring the baseline's commit.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(
        "its tree has no {} (it predates the stable workload API the harness builds against)",
        crate::sides::WORKLOAD_API
    )]
    NoWorkloadApi,
    #[error(transparent)]
    Side(#[from] crate::sides::SideError),
    #[error(transparent)]
    Tool(#[from] crate::tools::ToolError),
    #[error("its run has no scenario `{0}`")]
    NoScenario(String),
    #[error("scenario `{name}` failed: {reason}")]
    Failed { name: String, reason: String },
}

/// What re-measured counts depend on; a cache entry is used only when every field is equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub core_tree: String,
    pub cargo_lock: String,
    /// The commit's root Cargo.toml (its profiles build the side) and `.cargo/config.toml`.
    pub manifests: String,
    pub build_profile: String,
    pub rustflags: String,
    /// The tree of `harness/` at HEAD (or `dirty:<hash of its files>`): the code that measures.
    pub harness: String,
    pub rustc: Option<String>,
    pub valgrind: Option<String>,
    pub glibc: Option<String>,
    pub target: String,
    pub cpu_flags: Option<String>,
    pub scenario: String,
    pub identity: String,
    pub corpus_hash: String,
    pub engines: Vec<String>,
}

impl Key {
    fn file_name(&self) -> String {
        let text = serde_json::to_string(self).expect("a key serializes");
        format!("{:032x}.json", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
    }
}

/// One cached scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    key: Key,
    fingerprint: Fingerprint,
    scenario: ScenarioResult,
}

/// `${XDG_CACHE_HOME:-~/.cache}/perfgate/remeasured/`.
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("perfgate/remeasured")
}

/// What the gate asks for.
pub struct Request<'a> {
    /// The repository (the candidate's checkout).
    pub root: &'a Path,
    pub baseline: &'a Results,
    /// This run: its fingerprint and, per scenario, identity and corpus hash.
    pub candidate: &'a Results,
    /// The scenarios to re-measure, with why.
    pub scenarios: &'a [(String, String)],
    /// `instructions`, `allocations`, `counters`: what the baseline holds and this gate runs.
    pub engines: &'a [String],
    /// Repository folders the scenarios read as corpora (`path = "…"`): copied from this checkout
    /// into the baseline's, like `scenarios/`, so both sides read the same input.
    pub corpus_paths: &'a [PathBuf],
    pub progress: &'a dyn Fn(&str),
}

/// The re-measured baseline: only the re-measured scenarios, deterministic data only, each marked
/// with how it was made; and notes for the comparison.
pub struct Remeasured {
    pub results: Results,
    pub notes: Vec<String>,
}

fn key_for(
    request: &Request,
    commit_files: (&str, &str, &str),
    harness: &str,
    scenario: &ScenarioResult,
) -> Key {
    let fp = &request.candidate.fingerprint;
    let (core_tree, cargo_lock, manifests) = commit_files;
    Key {
        core_tree: core_tree.to_owned(),
        cargo_lock: cargo_lock.to_owned(),
        manifests: manifests.to_owned(),
        build_profile: fp.build_profile.clone(),
        rustflags: fp.rustflags.clone(),
        harness: harness.to_owned(),
        rustc: fp.rustc.clone(),
        valgrind: fp.valgrind.clone(),
        glibc: fp.glibc.clone(),
        target: fp.target.clone(),
        cpu_flags: fp.cpu_flags_hash.clone(),
        scenario: scenario.name.clone(),
        identity: scenario.scenario_hash.clone(),
        corpus_hash: scenario.corpus_hash.clone(),
        engines: request.engines.to_vec(),
    }
}

/// The harness that measures: its tree at HEAD when clean, else a hash of its files.
fn harness_identity(root: &Path) -> String {
    let clean = git::git(root, &["status", "--porcelain", "--", "harness"])
        .is_ok_and(|status| status.is_empty());
    if clean && let Ok(tree) = git::git(root, &["rev-parse", "HEAD:harness"]) {
        return tree;
    }
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut files: Vec<PathBuf> = walk(&root.join("harness"));
    files.sort();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(&std::fs::read(&file).unwrap_or_default());
    }
    format!("dirty:{:016x}", hasher.digest())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Makes sure `commit` is in the clone: a shallow clone fetches just that commit.
pub fn ensure_commit(root: &Path, commit: &str) -> Result<(), RemeasureError> {
    let present =
        |root: &Path| git::git(root, &["cat-file", "-e", &format!("{commit}^{{commit}}")]);
    if present(root).is_ok() {
        return Ok(());
    }
    let fetched = git::git(root, &["fetch", "--quiet", "--depth=1", "origin", commit])
        .and_then(|_| present(root).map(|_| ()));
    fetched.map_err(|cause| RemeasureError::MissingCommit {
        commit: commit.to_owned(),
        cause,
    })
}

/// Re-measures the requested scenarios of the baseline on this host (cached).
pub fn remeasure(request: &Request) -> Result<Remeasured, RemeasureError> {
    let commit = request
        .baseline
        .fingerprint
        .reproducible()
        .map_err(RemeasureError::NotReproducible)?
        .to_owned();
    let root = request.root;
    ensure_commit(root, &commit)?;
    if git::git(
        root,
        &[
            "cat-file",
            "-e",
            &format!("{commit}:{}", crate::sides::WORKLOAD_API),
        ],
    )
    .is_err()
    {
        return Err(RemeasureError::Build {
            commit: commit.clone(),
            cause: Box::new(StepError::NoWorkloadApi),
        });
    }
    let core_tree = git::git(root, &["rev-parse", &format!("{commit}:core")])?;
    let lock_bytes = git::blob(root, &commit, "Cargo.lock")?;
    let lock_text = String::from_utf8_lossy(&lock_bytes).into_owned();
    // As `fingerprint::collect` hashes a checkout's Cargo.lock: equal locks, equal hashes.
    let cargo_lock = crate::corpus::sha256_hex(&lock_bytes);
    let manifests = crate::corpus::sha256_hex(
        format!(
            "{}\n--\n{}",
            git::git(root, &["show", &format!("{commit}:Cargo.toml")]).unwrap_or_default(),
            git::git(root, &["show", &format!("{commit}:.cargo/config.toml")]).unwrap_or_default()
        )
        .as_bytes(),
    );
    let harness = harness_identity(root);
    let cache = cache_dir();
    let mut notes = Vec::new();
    let mut found: BTreeMap<String, (Fingerprint, ScenarioResult)> = BTreeMap::new();
    let mut wanted: Vec<(String, Key)> = Vec::new();
    for (name, _) in request.scenarios {
        let Some(scenario) = request.candidate.scenarios.iter().find(|s| &s.name == name) else {
            continue;
        };
        let key = key_for(
            request,
            (&core_tree, &cargo_lock, &manifests),
            &harness,
            scenario,
        );
        let file = cache.join(key.file_name());
        match std::fs::read_to_string(&file)
            .ok()
            .map(|text| serde_json::from_str::<Entry>(&text))
        {
            Some(Ok(entry)) if entry.key == key => {
                found.insert(name.clone(), (entry.fingerprint, entry.scenario));
            }
            Some(Ok(_)) => {
                notes.push(format!(
                    "{} holds another key than its name says; ignored and re-measured",
                    file.display()
                ));
                wanted.push((name.clone(), key));
            }
            Some(Err(error)) => {
                notes.push(format!(
                    "{} is not a re-measure cache entry ({error}); ignored and re-measured",
                    file.display()
                ));
                wanted.push((name.clone(), key));
            }
            None => wanted.push((name.clone(), key)),
        }
    }
    let mut fingerprint = None;
    if !wanted.is_empty() {
        let names: Vec<String> = wanted.iter().map(|(n, _)| n.clone()).collect();
        (request.progress)(&format!(
            "re-measuring the baseline's commit {} on this host ({}): building its core with its own Cargo.lock",
            short(&commit),
            names.join(", ")
        ));
        let measured = measure(
            root,
            &commit,
            &names,
            (request.engines, request.corpus_paths),
            request.progress,
        )?;
        std::fs::create_dir_all(&cache).map_err(crate::files::FileError::of("create", &cache))?;
        for (name, key) in &wanted {
            let Some(scenario) = measured.scenarios.iter().find(|s| &s.name == name) else {
                return Err(RemeasureError::Run {
                    commit: commit.clone(),
                    cause: Box::new(StepError::NoScenario(name.clone())),
                });
            };
            if let Status::Failed { reason } = &scenario.status {
                return Err(RemeasureError::Run {
                    commit: commit.clone(),
                    cause: Box::new(StepError::Failed {
                        name: name.clone(),
                        reason: reason.clone(),
                    }),
                });
            }
            let scenario = portable(scenario.clone());
            let entry = Entry {
                key: key.clone(),
                fingerprint: measured.fingerprint.clone(),
                scenario: scenario.clone(),
            };
            let text = serde_json::to_string_pretty(&entry).expect("an entry serializes");
            let path = cache.join(key.file_name());
            crate::write_atomic(&path, &text)
                .map_err(crate::files::FileError::of("write", &path))?;
            found.insert(name.clone(), (measured.fingerprint.clone(), scenario));
        }
        fingerprint = Some(measured.fingerprint);
    } else {
        (request.progress)(&format!(
            "the baseline's commit {} re-measured on this host: all {} scenario(s) from the cache ({})",
            short(&commit),
            found.len(),
            cache.display()
        ));
    }
    let fingerprint = fingerprint
        .or_else(|| found.values().next().map(|(fp, _)| fp.clone()))
        .unwrap_or_else(|| request.candidate.fingerprint.clone());
    let why: BTreeMap<&str, &str> = request
        .scenarios
        .iter()
        .map(|(n, w)| (n.as_str(), w.as_str()))
        .collect();
    let scenarios = found
        .into_iter()
        .map(|(name, (_, mut scenario))| {
            scenario.remeasured = Some(format!(
                "baseline re-measured on this host ({} built with its own Cargo.lock; why: {})",
                short(&commit),
                why.get(name.as_str()).copied().unwrap_or("asked")
            ));
            scenario
        })
        .collect();
    let current_lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let changes = core_dependency_changes(&lock_text, &current_lock);
    if !changes.is_empty() {
        notes.push(format!(
            "the core's dependencies differ between the baseline's Cargo.lock and this one: {}",
            changes.join(", ")
        ));
    }
    // The lock the baseline's core was built with is the commit's own (cargo only added what the
    // harness needs), so the comparison's lock note speaks of the commit's lock.
    let mut fingerprint = fingerprint;
    fingerprint.cargo_lock_hash = Some(cargo_lock.clone());
    Ok(Remeasured {
        results: Results {
            schema_version: crate::results::SCHEMA_VERSION,
            fingerprint,
            scenarios,
            history: Vec::new(),
            selection: None,
            load_notes: Vec::new(),
        },
        notes,
    })
}

/// Drops what points into the temporary worktree (artifacts, flamegraphs, dhat profile): a cached
/// entry outlives it.
fn portable(mut scenario: ScenarioResult) -> ScenarioResult {
    for engine in &crate::engine::ENGINES {
        if engine.host_bound() {
            engine.clear(&mut scenario);
        } else {
            engine.strip_local(&mut scenario);
        }
    }
    scenario
}

/// The baseline's commit checked out (with the candidate's scenario files) and built into the
/// current harness with its own Cargo.lock; the worktree lives as long as this.
struct Built {
    side: Side,
    binary: PathBuf,
    _tree: git::Worktree,
}

fn build_baseline(
    root: &Path,
    commit: &str,
    corpus_paths: &[PathBuf],
    progress: &dyn Fn(&str),
) -> Result<Built, RemeasureError> {
    let workspace = crate::engine::build_workspace(root);
    let tree = git::Worktree::add(
        root,
        &workspace
            .join("target/perfgate/worktrees")
            .join(format!("{}-baseline", short(commit))),
        commit,
    )?;
    // The candidate's scenario files (as they are in the work tree), so a changed scenario is
    // measured with its new definition on both sides.
    copy_dir(&root.join("scenarios"), &tree.path().join("scenarios"))?;
    for folder in corpus_paths {
        copy_dir(&root.join(folder), &tree.path().join(folder))?;
    }
    let build_error = |cause: crate::sides::SideError| RemeasureError::Build {
        commit: commit.to_owned(),
        cause: Box::new(cause.into()),
    };
    let side = Side::prepare_with_lock(
        &workspace,
        tree.path(),
        &format!("{}-own-lock", short(commit)),
        "baseline",
        commit,
        &tree.path().join("Cargo.lock"),
    )
    .map_err(build_error)?;
    progress(&format!(
        "building the baseline ({}) into {}",
        short(commit),
        crate::engine::build::target_dir(&workspace).display()
    ));
    let binary = side.build().map_err(build_error)?.binary;
    Ok(Built {
        side,
        binary,
        _tree: tree,
    })
}

/// Builds the commit's core with its own lock into the current harness and runs `engines` over
/// `names` with the current scenario files.
fn measure(
    root: &Path,
    commit: &str,
    names: &[String],
    (engines, corpus_paths): (&[String], &[PathBuf]),
    progress: &dyn Fn(&str),
) -> Result<Results, RemeasureError> {
    let built = build_baseline(root, commit, corpus_paths, progress)?;
    let run_error = |cause: StepError| RemeasureError::Run {
        commit: commit.to_owned(),
        cause: Box::new(cause),
    };
    let runner = if engines.iter().any(|e| e == "instructions") {
        let workspace = crate::engine::build_workspace(root);
        Some(
            crate::tools::ensure_runner(&workspace, progress)
                .map_err(|error| run_error(error.into()))?,
        )
    } else {
        None
    };
    progress(&format!(
        "running {} on the baseline ({})",
        engines.join(","),
        short(commit)
    ));
    built
        .side
        .run(
            &built.binary,
            names,
            engines,
            &root.join("target/perfgate/corpora"),
            runner.as_deref(),
        )
        .map_err(|error| run_error(error.into()))
}

/// `--remeasure-time`: wall time of the baseline's commit and of this build in interleaved rounds
/// (A B, B A, …) on this host, never cached. Returns both sides' results holding the time data of
/// `scenarios` only.
pub fn remeasure_time(
    root: &Path,
    baseline: &Results,
    scenarios: &[crate::scenario::Scenario],
    rounds: u32,
    progress: &dyn Fn(&str),
) -> Result<(Results, Results), RemeasureError> {
    let commit = baseline
        .fingerprint
        .reproducible()
        .map_err(RemeasureError::NotReproducible)?
        .to_owned();
    ensure_commit(root, &commit)?;
    let corpus_paths = path_corpora(scenarios);
    let built = build_baseline(root, &commit, &corpus_paths, progress)?;
    progress("building this checkout's perfgate for the interleaved rounds");
    let here = crate::engine::build::build(
        &crate::engine::build::Source::workspace(root),
        crate::engine::build::Kind::Plain,
    )?;
    let fingerprint = crate::fingerprint::collect(root);
    let empty = |fingerprint: Fingerprint| Results {
        schema_version: crate::results::SCHEMA_VERSION,
        fingerprint,
        scenarios: scenarios.iter().map(crate::run::unmeasured).collect(),
        history: Vec::new(),
        selection: None,
        load_notes: Vec::new(),
    };
    let mut base = empty(Fingerprint {
        git_commit: Some(commit.clone()),
        ..fingerprint.clone()
    });
    let mut head = empty(fingerprint);
    let this = Side {
        label: "this checkout".into(),
        commit: head.fingerprint.git_commit.clone().unwrap_or_default(),
        dir: root.join("target/perfgate"),
        root: root.to_path_buf(),
    };
    crate::branches::time_rounds(
        scenarios,
        [
            (&built.side, &built.binary, &mut base),
            (&this, &here.binary, &mut head),
        ],
        rounds,
        &root.join("target/perfgate/corpora"),
        progress,
    );
    for scenario in &mut base.scenarios {
        scenario.remeasured = Some(format!(
            "baseline's wall time re-measured on this host ({} and this checkout in interleaved rounds)",
            short(&commit)
        ));
    }
    Ok((base, head))
}

/// The repository folders the scenarios read as corpora (`path = "…"`).
pub fn path_corpora(scenarios: &[crate::scenario::Scenario]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = scenarios
        .iter()
        .filter_map(|s| match &s.corpus {
            crate::scenario::CorpusSource::Path { path } => Some(path.clone()),
            _ => None,
        })
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), crate::files::FileError> {
    use crate::files::FileError;
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).map_err(FileError::of("create", to))?;
    let entries = std::fs::read_dir(from).map_err(FileError::of("read", from))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else if path.is_file() {
            std::fs::copy(&path, &target).map_err(FileError::of("copy", &path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_its_file_by_every_field() {
        let key = Key {
            core_tree: "t".into(),
            cargo_lock: "l".into(),
            manifests: "m".into(),
            build_profile: "release".into(),
            rustflags: String::new(),
            harness: "h".into(),
            rustc: Some("rustc 1.95.0".into()),
            valgrind: None,
            glibc: None,
            target: "x".into(),
            cpu_flags: None,
            scenario: "s".into(),
            identity: "i".into(),
            corpus_hash: "c".into(),
            engines: vec!["instructions".into()],
        };
        let mut other = key.clone();
        other.cpu_flags = Some("f".into());
        assert_ne!(key.file_name(), other.file_name());
        assert_eq!(key.file_name(), key.clone().file_name());
    }
}
