//! The subject: the one module that reaches the analysis core, through its stable workload API.
//!
//! Comparing two branches builds the harness's entry points against the other side's core, so only
//! this module names `connascence` items: the workload API (`connascence::workload`), the seeded
//! generator for synthetic corpora, the cache options, the rule ids, the symbols the instruction
//! engine counts inside, and (in [`atomic`], a leaf the file helpers use) the core's atomic writer
//! for devices and FIFOs. It turns a [`Scenario`] into
//! prepared input files (repository-relative labels, so instruction counts repeat) and runs its
//! workload kind once, returning the core's counters.

use std::path::{Path, PathBuf};

use connascence::workload::{self, WorkloadFile, WorkloadKind as CoreKind, WorkloadSpec};

use crate::corpus::{CorpusError, CorpusLock, Fetcher};
use crate::files::FileError;
use crate::results::CounterData;
use crate::scenario::{CorpusSource, Scenario, Traversal, WorkloadKind};

pub mod atomic;
mod uncached;
pub use uncached::same_as_uncached;

/// The core's functions the instruction engine counts inside, by symbol (callgrind's toggles): the
/// measured functions of the workload API (`#[inline(never)]`)…
pub const ENTRY_RUN: &str = "connascence::workload::run";
pub const ENTRY_AGGREGATE: &str = "connascence::workload::aggregate";
/// …and the core's sequential analysis thread: callgrind starts each thread with collection off,
/// so collection is toggled on there too (for every workload that analyzes). These names are part of
/// what an older core must keep for `compare-branches` and the baseline re-measure to count it.
pub const THREAD_ENTRY: &str = "connascence::engine::analysis_thread";

/// Rule ids the core knows (for validating scenarios).
pub fn rule_ids() -> Vec<&'static str> {
    connascence::REGISTRY.iter().map(|info| info.id).collect()
}

/// Why a scenario's input could not be prepared or its workload not run.
///
/// The core's own failures arrive as text ([`SubjectError::Load`], [`SubjectError::Core`]): this
/// module is also compiled against older cores (`compare-branches`, the baseline re-measure), whose
/// error types differ, while their messages are what a user needs.
#[derive(Debug, thiserror::Error)]
pub enum SubjectError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    File(#[from] FileError),
    /// The core could not load the files of a corpus or path.
    #[error("cannot load {what}: {message}")]
    Load { what: String, message: String },
    /// A scenario's `include` glob.
    #[error(transparent)]
    Glob(#[from] globset::Error),
    #[error("the corpus of scenario `{0}` has no Python files")]
    NoFiles(String),
    /// A file of a `path` corpus that a symbolic link leads out of the repository.
    #[error(
        "{0} leads out of the repository through a symbolic link; a scenario reads only the repository's own files"
    )]
    OutsideRepository(String),
    #[error("cache-edit without the second corpus")]
    NoSecondCorpus,
    /// A resumed workload whose one-time setup did not run: what is missing, and where.
    #[error("no {what} in {} (the one-time setup did not run)", .path.display())]
    NoSetup { what: &'static str, path: PathBuf },
    #[error("cannot snapshot the cache: {0}")]
    Snapshot(#[source] std::io::Error),
    /// The core's run failed.
    #[error("{0}")]
    Core(String),
    /// A run from the cache did not give what an uncached run gives: a cache bug, never noise.
    #[error(
        "scenario `{scenario}`: the run from the cache gave other findings than an uncached run of the same files: {differences}"
    )]
    CachedOutputDiffers {
        scenario: String,
        differences: String,
    },
}

fn core_failed(error: connascence::engine::RunError) -> SubjectError {
    SubjectError::Core(error.to_string())
}

/// A scenario's input, loaded and ready to run.
pub struct PreparedInput {
    pub files: Vec<WorkloadFile>,
    /// For cache-edit: the files analyzed second.
    pub edit_files: Option<Vec<WorkloadFile>>,
    pub corpus_id: String,
    pub corpus_hash: String,
}

fn hash_files(files: &[WorkloadFile]) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for file in files {
        hasher.update(file.label.as_bytes());
        hasher.update(&[0]);
        hasher.update(&(file.bytes.len() as u64).to_le_bytes());
        hasher.update(&file.bytes);
    }
    format!("{:032x}", hasher.digest128())
}

/// Loads a pinned corpus (fetching it if needed) with repository-relative labels.
fn pinned_files(
    fetcher: &Fetcher,
    lock: &CorpusLock,
    name: &str,
    max_files: Option<usize>,
    include: &[String],
) -> Result<(Vec<WorkloadFile>, String), SubjectError> {
    let corpus = lock.require(name)?;
    let step = fetcher.cached(corpus).is_none().then(|| {
        crate::progress::Step::setup(format!(
            "fetching corpus {} {} (pip download, verified by sha256)",
            corpus.package, corpus.version
        ))
    });
    fetcher.fetch(corpus)?;
    drop(step);
    // Labels are relative to the unpacked wheel (`django/db/models/base.py`), so they do not depend on
    // where the repository is (instruction counts repeat) nor on the version (cache-edit reuses entries).
    let dir = fetcher.dir(corpus);
    let mut files =
        workload::load(std::slice::from_ref(&dir)).map_err(|message| SubjectError::Load {
            what: format!("corpus {name}"),
            message,
        })?;
    let prefix = format!("{}/", dir.display());
    for file in &mut files {
        if let Some(relative) = file.label.strip_prefix(&prefix) {
            file.label = relative.to_owned();
        }
    }
    if !include.is_empty() {
        let mut builder = globset::GlobSetBuilder::new();
        for glob in include {
            builder.add(globset::Glob::new(glob)?);
        }
        let set = builder.build()?;
        files.retain(|file| set.is_match(&file.label));
    }
    if let Some(max) = max_files {
        files.truncate(max);
    }
    Ok((
        files,
        format!("corpus:{}@{}", corpus.package, corpus.version),
    ))
}

/// Loads a scenario's input files. The process's working folder must be the repository root.
pub fn prepare(
    scenario: &Scenario,
    repo_root: &Path,
    lock: &CorpusLock,
) -> Result<PreparedInput, SubjectError> {
    let fetcher = Fetcher::new(repo_root);
    let (files, corpus_id) = match &scenario.corpus {
        CorpusSource::Pinned {
            name,
            max_files,
            include,
        } => pinned_files(&fetcher, lock, name, *max_files, include)?,
        CorpusSource::Synthetic {
            files,
            lines_per_file,
            seed,
            profile,
        } => {
            let profile = match profile.as_str() {
                "clean" => connascence::synth::Profile::Clean,
                "dense" => connascence::synth::Profile::Dense,
                _ => connascence::synth::Profile::Typical,
            };
            let spec = connascence::synth::SynthSpec {
                files: *files,
                lines_per_file: *lines_per_file,
                seed: *seed,
                profile,
            };
            let generated = connascence::synth::generate(&spec)
                .into_iter()
                .map(|file| WorkloadFile {
                    label: format!("synthetic/{}", file.path),
                    bytes: file.source.into_bytes(),
                })
                .collect();
            (
                generated,
                format!(
                    "synthetic:{files}x{lines_per_file}@{seed}/{}",
                    profile_name(profile)
                ),
            )
        }
        CorpusSource::Path { path } => {
            let files = workload::load(std::slice::from_ref(path)).map_err(|message| {
                SubjectError::Load {
                    what: path.display().to_string(),
                    message,
                }
            })?;
            outside_the_repository(repo_root, &files)?;
            (files, format!("path:{}", path.display()))
        }
    };
    if files.is_empty() {
        return Err(SubjectError::NoFiles(scenario.name.clone()));
    }
    let (edit_files, corpus_id) = match &scenario.edit_to {
        Some(name) => {
            let (edit, edit_id) = pinned_files(&fetcher, lock, name, None, &[])?;
            (Some(edit), format!("{corpus_id} -> {edit_id}"))
        }
        None => (None, corpus_id),
    };
    let corpus_hash = match &edit_files {
        Some(edit) => hash_files(&[files.as_slice(), edit.as_slice()].concat()),
        None => hash_files(&files),
    };
    Ok(PreparedInput {
        files,
        edit_files,
        corpus_id,
        corpus_hash,
    })
}

fn profile_name(profile: connascence::synth::Profile) -> &'static str {
    match profile {
        connascence::synth::Profile::Clean => "clean",
        connascence::synth::Profile::Typical => "typical",
        connascence::synth::Profile::Dense => "dense",
    }
}

fn spec(scenario: &Scenario, files: Vec<WorkloadFile>, cache_dir: Option<PathBuf>) -> WorkloadSpec {
    let settings = match &scenario.detectors {
        None => connascence::Settings::default(),
        Some(ids) => {
            let rules: Vec<connascence::Rule> = ids
                .iter()
                .filter_map(|id| connascence::Rule::by_id(id))
                .collect();
            connascence::Settings::only(&rules)
        }
    };
    WorkloadSpec {
        kind: if scenario.kind == WorkloadKind::ParseOnly {
            CoreKind::ParseOnly
        } else {
            CoreKind::Analyze
        },
        files,
        settings,
        mode: match scenario.traversal {
            Traversal::Unified => connascence::Mode::Unified,
            Traversal::PerDetector => connascence::Mode::PerDetector,
        },
        threads: scenario.threads,
        cache: cache_dir.map(connascence::cache::CacheOptions::in_dir),
    }
}

fn counters(outcome: &workload::Outcome) -> CounterData {
    let c = &outcome.counters;
    let phases = &c.phases;
    CounterData {
        files: c.files,
        lines: c.lines,
        bytes: c.bytes,
        nodes: c.traversal.nodes,
        node_visits: c.traversal.node_visits,
        detector_calls: c.traversal.detector_calls,
        findings: outcome.findings,
        diagnostics: outcome.diagnostics,
        findings_by_rule: c.findings_by_rule.clone(),
        findings_digest: outcome.findings_digest.clone(),
        cache_hits: c.cache.map(|cache| cache.l1_hits + cache.l2_hits),
        cache_misses: c.cache.map(|cache| cache.misses),
        phase_ns: [
            ("read", phases.read_ns),
            ("parse", phases.parse_ns),
            ("visit", phases.visit_ns),
            ("aggregate", phases.aggregate_ns),
            ("wall", phases.wall_ns),
        ]
        .into_iter()
        .map(|(name, ns)| (name.to_owned(), ns))
        .collect(),
    }
}

/// Runs a scenario's workload once (the counters engine): setup first (filling a cache for
/// cache-warm, analyzing the first version for cache-edit), then the measured run, whose counters are
/// returned. `scratch` is a folder this scenario may use for its cache.
pub fn run_counters(
    scenario: &Scenario,
    input: &PreparedInput,
    scratch: &Path,
) -> Result<CounterData, SubjectError> {
    let fail = core_failed;
    let cache_dir = scratch.join("cache");
    let _ = std::fs::remove_dir_all(&cache_dir);
    let outcome = match scenario.kind {
        WorkloadKind::Analyze | WorkloadKind::ParseOnly | WorkloadKind::Aggregate => {
            workload::run(&spec(scenario, input.files.clone(), None)).map_err(fail)?
        }
        WorkloadKind::CacheCold => {
            workload::run(&spec(scenario, input.files.clone(), Some(cache_dir))).map_err(fail)?
        }
        // The cache scenarios also check that the run from the cache gives exactly the findings of
        // a run without the cache of the same files.
        WorkloadKind::CacheWarm => {
            workload::run(&spec(
                scenario,
                input.files.clone(),
                Some(cache_dir.clone()),
            ))
            .map_err(fail)?;
            let cached = workload::run(&spec(scenario, input.files.clone(), Some(cache_dir)))
                .map_err(fail)?;
            let uncached =
                workload::run(&spec(scenario, input.files.clone(), None)).map_err(fail)?;
            same_as_uncached(&scenario.name, &uncached, &cached)?;
            cached
        }
        WorkloadKind::CacheEdit => {
            let second = input
                .edit_files
                .clone()
                .ok_or(SubjectError::NoSecondCorpus)?;
            workload::run(&spec(
                scenario,
                input.files.clone(),
                Some(cache_dir.clone()),
            ))
            .map_err(fail)?;
            let cached =
                workload::run(&spec(scenario, second.clone(), Some(cache_dir))).map_err(fail)?;
            let uncached = workload::run(&spec(scenario, second, None)).map_err(fail)?;
            same_as_uncached(&scenario.name, &uncached, &cached)?;
            cached
        }
    };
    Ok(counters(&outcome))
}

/// A scenario's workload set up for repeated timing: [`Workload::setup`] prepares one iteration
/// (outside the measured time), [`Workload::routine`] is what is measured.
pub struct Workload {
    kind: WorkloadKind,
    spec: WorkloadSpec,
    aggregation: Option<workload::PreparedAggregation>,
    cache_dir: PathBuf,
    /// cache-edit: the cache state after analyzing the first version, restored before each iteration.
    snapshot: PathBuf,
}

/// What one iteration consumes.
pub struct IterationInput(Option<Vec<connascence::engine::FileOutcome>>);

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

impl Workload {
    /// Does the one-time setup of a scenario (fill a cache, analyze the first version, compute the
    /// per-file outcomes to aggregate) in `scratch`.
    pub fn new(
        scenario: &Scenario,
        input: &PreparedInput,
        scratch: &Path,
    ) -> Result<Workload, SubjectError> {
        Self::build(scenario, input, scratch, true)
    }

    /// The workload whose one-time setup another process already did in `scratch` (with
    /// [`Workload::new`]): the instruction engine fills the cache outside callgrind, so the measured
    /// child runs `connascence::workload::run` only for the measured work.
    pub fn resume(
        scenario: &Scenario,
        input: &PreparedInput,
        scratch: &Path,
    ) -> Result<Workload, SubjectError> {
        Self::build(scenario, input, scratch, false)
    }

    fn build(
        scenario: &Scenario,
        input: &PreparedInput,
        scratch: &Path,
        one_time_setup: bool,
    ) -> Result<Workload, SubjectError> {
        let fail = core_failed;
        let cache_dir = scratch.join("cache");
        let snapshot = scratch.join("cache-snapshot");
        if one_time_setup {
            let _ = std::fs::remove_dir_all(&cache_dir);
            let _ = std::fs::remove_dir_all(&snapshot);
        }
        let with_cache = matches!(
            scenario.kind,
            WorkloadKind::CacheCold | WorkloadKind::CacheWarm | WorkloadKind::CacheEdit
        );
        let mut spec = spec(
            scenario,
            input.files.clone(),
            with_cache.then(|| cache_dir.clone()),
        );
        let mut aggregation = None;
        match scenario.kind {
            WorkloadKind::Aggregate => {
                aggregation = Some(workload::prepare_aggregation(&spec).map_err(fail)?)
            }
            WorkloadKind::CacheWarm if one_time_setup => {
                workload::run(&spec).map_err(fail)?;
            }
            WorkloadKind::CacheWarm if !cache_dir.is_dir() => {
                return Err(SubjectError::NoSetup {
                    what: "filled cache",
                    path: cache_dir,
                });
            }
            WorkloadKind::CacheEdit => {
                if one_time_setup {
                    workload::run(&spec).map_err(fail)?;
                    copy_dir(&cache_dir, &snapshot).map_err(SubjectError::Snapshot)?;
                } else if !snapshot.is_dir() {
                    return Err(SubjectError::NoSetup {
                        what: "cache snapshot",
                        path: snapshot,
                    });
                }
                spec.files = input
                    .edit_files
                    .clone()
                    .ok_or(SubjectError::NoSecondCorpus)?;
            }
            _ => {}
        }
        Ok(Workload {
            kind: scenario.kind,
            spec,
            aggregation,
            cache_dir,
            snapshot,
        })
    }

    /// Whether each iteration needs its own [`Workload::setup`] (else one setup serves all).
    pub fn per_iteration_setup(&self) -> bool {
        matches!(
            self.kind,
            WorkloadKind::Aggregate | WorkloadKind::CacheCold | WorkloadKind::CacheEdit
        )
    }

    /// Prepares one iteration: an empty cache (cold), the first version's cache (edit), fresh
    /// outcomes (aggregate).
    pub fn setup(&self) -> IterationInput {
        match self.kind {
            WorkloadKind::CacheCold => {
                let _ = std::fs::remove_dir_all(&self.cache_dir);
                IterationInput(None)
            }
            WorkloadKind::CacheEdit => {
                let _ = std::fs::remove_dir_all(&self.cache_dir);
                copy_dir(&self.snapshot, &self.cache_dir)
                    .expect("the cache snapshot can be restored");
                IterationInput(None)
            }
            WorkloadKind::Aggregate => IterationInput(
                self.aggregation
                    .as_ref()
                    .map(workload::PreparedAggregation::outcomes),
            ),
            _ => IterationInput(None),
        }
    }

    /// The measured work; returns the number of findings (to keep the optimizer honest).
    pub fn routine(&self, input: IterationInput) -> u64 {
        match (&self.aggregation, input.0) {
            (Some(prepared), Some(outcomes)) => workload::aggregate(prepared, outcomes).findings,
            _ => workload::run(&self.spec)
                .map(|outcome| outcome.findings)
                .unwrap_or(u64::MAX),
        }
    }
}

/// Refuses a `path` corpus with a file that is really outside the repository (a symbolic link in
/// the folder pointing elsewhere): a scenario reads only the repository's own files.
fn outside_the_repository(repo_root: &Path, files: &[WorkloadFile]) -> Result<(), SubjectError> {
    let root = std::fs::canonicalize(repo_root).map_err(FileError::of("resolve", repo_root))?;
    for file in files {
        let inside = std::fs::canonicalize(repo_root.join(&file.label))
            .is_ok_and(|real| real.starts_with(&root));
        if !inside {
            return Err(SubjectError::OutsideRepository(file.label.clone()));
        }
    }
    Ok(())
}
