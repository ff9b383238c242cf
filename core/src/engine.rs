//! The analysis pipeline of a run: files → read → decode → parse → visit → aggregate.
//!
//! [`analyze_file`] handles one file and never fails: what goes wrong becomes a [`Diagnostic`].
//! [`check`] discovers the files under the given paths, analyzes them in a deterministic order and
//! aggregates findings, diagnostics and exact [`Counters`] (files, lines, bytes, nodes, visits,
//! findings per rule and severity, time per phase). The counters are what the harness records to
//! measure what one traversal buys, so every one of them is counted, none estimated.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::aggregate::OrderedAggregator;
use crate::cache::{self, Cache, CacheOptions, Lookup, Stamp};
use crate::depth;
use crate::detectors::{OptionsError, RuleSet, Settings};
use crate::discover::{self, ArgumentError, InputFile};
use crate::finding::{Diagnostic, DiagnosticKind};
use crate::parse;
use crate::source::{self, LineIndex};
use crate::suppress;
use crate::visit::{self, FileContext, Mode};

pub(crate) use crate::outcome::nanos;
pub use crate::outcome::{Counters, FileOutcome, PhaseTimes, Report};

/// What to run and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    pub settings: Settings,
    pub mode: Mode,
    /// Analysis threads; 0 means one per available core.
    #[serde(default)]
    pub threads: usize,
    /// Glob patterns of paths to skip while walking folders (see [`discover::Exclude`]).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The folder exclude globs are relative to.
    #[serde(default)]
    pub root: PathBuf,
    /// The result cache; `None` analyzes every file.
    #[serde(default)]
    pub cache: Option<CacheOptions>,
    /// Files larger than this are skipped with a `too-large` diagnostic.
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
}

fn default_max_file_bytes() -> u64 {
    discover::DEFAULT_MAX_FILE_BYTES
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            mode: Mode::default(),
            threads: 0,
            exclude: Vec::new(),
            root: PathBuf::new(),
            cache: None,
            max_file_bytes: default_max_file_bytes(),
        }
    }
}

impl AnalysisOptions {
    /// A 16-hex-digit hash of everything in the options that can change findings.
    pub fn config_hash(&self) -> String {
        let canonical = serde_json::json!({ "settings": self.settings, "exclude": self.exclude });
        format!(
            "{:016x}",
            xxhash_rust::xxh3::xxh3_64(canonical.to_string().as_bytes())
        )
    }
}

/// A problem with the run itself rather than with one file.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Options(#[from] OptionsError),
    #[error("cannot start the analysis threads: {0}")]
    Threads(String),
    #[error("{0}")]
    Exclude(String),
}

fn count_lines(text: &str) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
    newlines + u64::from(!text.is_empty() && !text.ends_with('\n'))
}

fn diagnostic(
    label: &str,
    line: u32,
    column: u32,
    kind: DiagnosticKind,
    message: String,
) -> Diagnostic {
    Diagnostic {
        file: label.to_owned(),
        line,
        column,
        kind,
        message,
    }
}

/// Analyzes source text that is already decoded.
pub fn analyze_source(label: &str, text: &str, rules: &RuleSet, mode: Mode) -> FileOutcome {
    let mut outcome = FileOutcome {
        file: label.to_owned(),
        ..FileOutcome::default()
    };
    analyze_text_into(label, text, rules, mode, &mut outcome);
    outcome
}

fn analyze_text_into(
    label: &str,
    text: &str,
    rules: &RuleSet,
    mode: Mode,
    outcome: &mut FileOutcome,
) {
    let counters = &mut outcome.counters;
    counters.lines = count_lines(text);
    let lines = LineIndex::new(text);
    let started = Instant::now();
    if let Err(too_deep) = depth::check(text) {
        let (line, column) = lines.position(text, too_deep.offset as u32);
        outcome.diagnostics.push(diagnostic(
            label,
            line,
            column,
            DiagnosticKind::Syntax,
            too_deep.message,
        ));
        counters.diagnostics = 1;
        return;
    }
    let parsed = parse::parse_module(text, &lines);
    counters.phases.parse_ns = nanos(started.elapsed());
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            outcome.diagnostics.push(diagnostic(
                label,
                error.line,
                error.column,
                DiagnosticKind::Syntax,
                error.message,
            ));
            counters.diagnostics = 1;
            return;
        }
    };
    let started = Instant::now();
    let body_hashes = match rules.body_hash_min() {
        Some(min) => crate::detectors::duplicate_algorithm::body_hashes(
            parsed.module(),
            parsed.tokens(),
            min,
        ),
        None => Vec::new(),
    };
    let (module, comments) = parsed.into_module();
    let mut cx = FileContext::new(label, text, &lines).with_body_hashes(&body_hashes);
    let mut detectors = rules.fresh();
    counters.traversal = visit::run(&module, &mut detectors, mode, &mut cx);
    (outcome.findings, outcome.facts) = cx.finish();
    rules.apply_severities(&mut outcome.findings);
    let mut suppressions = suppress::parse(text, &comments, &lines);
    counters.suppressed = suppress::apply(&mut outcome.findings, &mut suppressions);
    outcome.suppressions = suppressions;
    counters.phases.visit_ns = nanos(started.elapsed());
    counters.files_analyzed = 1;
    counters.findings = outcome.findings.len() as u64;
}

/// Analyzes one file's bytes (decoding them first).
pub fn analyze_bytes(label: &str, bytes: &[u8], rules: &RuleSet, mode: Mode) -> FileOutcome {
    let mut outcome = FileOutcome {
        file: label.to_owned(),
        ..FileOutcome::default()
    };
    outcome.counters.files = 1;
    outcome.counters.bytes = bytes.len() as u64;
    match source::decode(bytes) {
        Ok(text) => analyze_text_into(label, &text, rules, mode, &mut outcome),
        Err(error) => {
            outcome.diagnostics.push(diagnostic(
                label,
                error.line,
                error.column,
                DiagnosticKind::Encoding,
                error.message,
            ));
            outcome.counters.diagnostics = 1;
        }
    }
    outcome
}

/// Reads and analyzes one file from disk.
pub fn analyze_file(file: &InputFile, rules: &RuleSet, mode: Mode) -> FileOutcome {
    analyze_file_cached(file, rules, mode, None, discover::DEFAULT_MAX_FILE_BYTES)
}

/// Reads one file and takes its outcome from the cache, or analyzes it and stores the result.
pub fn analyze_file_cached(
    file: &InputFile,
    rules: &RuleSet,
    mode: Mode,
    cache: Option<&Cache>,
    max_bytes: u64,
) -> FileOutcome {
    let started = Instant::now();
    let Some(cache) = cache else {
        let read = discover::read_regular_file(&file.path, max_bytes);
        let read_ns = nanos(started.elapsed());
        let mut outcome = match read {
            Ok(bytes) => analyze_bytes(&file.label, &bytes, rules, mode),
            Err(error) => unreadable(&file.label, &error),
        };
        outcome.counters.phases.read_ns = read_ns;
        return outcome;
    };
    let key = cache.key(&file.label);
    let stamp = std::fs::metadata(&file.path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|meta| Stamp::of(&meta));
    // Above the limit: skipped, even if an earlier run with a higher limit cached it.
    if let Some(stamp) = stamp
        && stamp.size > max_bytes
    {
        let mut outcome = unreadable(
            &file.label,
            &discover::ReadError::TooLarge {
                size: stamp.size,
                limit: max_bytes,
            },
        );
        outcome.counters.phases.read_ns = nanos(started.elapsed());
        return outcome;
    }
    let known_content = match cache.lookup(&key, &file.label, stamp) {
        Lookup::Hit(mut outcome) => {
            outcome.counters.phases.read_ns = nanos(started.elapsed());
            return *outcome;
        }
        Lookup::Changed { content } => Some(content),
        Lookup::Miss => None,
    };
    let read = discover::read_regular_file(&file.path, max_bytes);
    let read_ns = nanos(started.elapsed());
    let mut outcome = match read {
        Err(error) => unreadable(&file.label, &error),
        Ok(bytes) => {
            let content = cache::content_hash(&bytes);
            let reused = match (known_content, stamp) {
                (Some(known), Some(stamp)) if known == content => {
                    cache.revalidate(&key, &file.label, stamp)
                }
                _ => None,
            };
            reused.unwrap_or_else(|| {
                cache.miss();
                let outcome = analyze_bytes(&file.label, &bytes, rules, mode);
                if let Some(stamp) = stamp {
                    cache.put(key, stamp, content, &outcome);
                }
                outcome
            })
        }
    };
    outcome.counters.phases.read_ns = read_ns;
    outcome
}

/// Analyzes bytes already in memory through the cache. With no file to stamp, the stamp is derived
/// from the content (its hash and length), so equal content is a hit and anything else a miss.
pub fn analyze_bytes_cached(
    label: &str,
    bytes: &[u8],
    rules: &RuleSet,
    mode: Mode,
    cache: &Cache,
) -> FileOutcome {
    let key = cache.key(label);
    let content = cache::content_hash(bytes);
    let stamp = Stamp::of_content(&content, bytes.len() as u64);
    match cache.lookup(&key, label, Some(stamp)) {
        Lookup::Hit(outcome) => return *outcome,
        // Stored while the clock was unknown: the content hash decides.
        Lookup::Changed { content: known } if known == content => {
            if let Some(outcome) = cache.revalidate(&key, label, stamp) {
                return outcome;
            }
        }
        _ => {}
    }
    cache.miss();
    let outcome = analyze_bytes(label, bytes, rules, mode);
    cache.put(key, stamp, content, &outcome);
    outcome
}

fn unreadable(label: &str, error: &discover::ReadError) -> FileOutcome {
    let mut outcome = FileOutcome {
        file: label.to_owned(),
        ..FileOutcome::default()
    };
    outcome.counters.files = 1;
    outcome.counters.diagnostics = 1;
    outcome
        .diagnostics
        .push(diagnostic(label, 1, 1, error.kind(), error.message()));
    outcome
}

/// Analyzes every Python file under `paths` on `options.threads` threads (0: one per core);
/// missing or unreadable arguments are returned apart. The report does not depend on the thread count.
pub fn check(
    paths: &[PathBuf],
    options: &AnalysisOptions,
) -> Result<(Report, Vec<ArgumentError>), RunError> {
    let rules = options.settings.compile()?;
    let exclude =
        discover::Exclude::new(&options.exclude, &options.root).map_err(RunError::Exclude)?;
    let discovering = Instant::now();
    let discovered = discover::discover(paths, &exclude);
    let discover_ns = nanos(discovering.elapsed());
    let config_hash = options.config_hash();
    let cache = options
        .cache
        .as_ref()
        .map(|cache| Cache::open(cache, &config_hash));
    let files = &discovered.files;
    let mut report = analyze_each(files.len(), &rules, options.threads, |position| {
        analyze_file_cached(
            &files[position],
            &rules,
            options.mode,
            cache.as_ref(),
            options.max_file_bytes,
        )
    })?;
    if let Some(cache) = &cache {
        report.stats.cache = Some(cache.flush());
        report.notices.extend(cache.notice.clone());
    }
    report.stats.config_hash = config_hash;
    report.stats.phases.discover_ns = discover_ns;
    report.stats.diagnostics += discovered.diagnostics.len() as u64;
    report.diagnostics.extend(discovered.diagnostics);
    report
        .diagnostics
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    Ok((report, discovered.argument_errors))
}

/// Stack size of analysis threads: recursive parsing and visiting of deeply nested code needs more
/// than the 2 MiB default.
const ANALYSIS_STACK_BYTES: usize = 64 << 20;

/// One thread does everything, analysis and aggregation, in file order: no pool, no channel, so
/// instruction counts and heap profiles repeat exactly. It is a spawned thread for the large stack.
fn analyze_sequentially(
    count: usize,
    rules: &RuleSet,
    analyze: impl Fn(usize) -> FileOutcome + Sync,
) -> Report {
    let wall = Instant::now();
    let work = || {
        let mut aggregator = crate::aggregate::Aggregator::default();
        for position in 0..count {
            aggregator.add(analyze(position));
        }
        aggregator.finish(rules)
    };
    let spawned = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("connascence-0".into())
            .stack_size(ANALYSIS_STACK_BYTES)
            .spawn_scoped(scope, || analysis_thread(work));
        handle.map(|handle| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    });
    // If no thread could be spawned, analyze here, with this thread's stack.
    let mut report = spawned.unwrap_or_else(|_| work());
    report.stats.threads = 1;
    report.stats.phases.wall_ns = nanos(wall.elapsed());
    report
}

/// The body of the sequential analysis thread, under a name of its own: callgrind starts collecting
/// per thread, so the instruction engine toggles collection on here (`--toggle-collect=` this name)
/// as well as on `connascence::workload::run`. It only ever runs on the spawned thread.
#[inline(never)]
fn analysis_thread<R>(work: impl FnOnce() -> R) -> R {
    work()
}

/// Runs `analyze(position)` for every position below `count` on `threads` threads (0: one per core),
/// workers taking the next position in turn, and streams the outcomes into the aggregator in
/// position order.
pub fn analyze_each(
    count: usize,
    rules: &RuleSet,
    threads: usize,
    analyze: impl Fn(usize) -> FileOutcome + Sync,
) -> Result<Report, RunError> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    if threads == 1 {
        return Ok(analyze_sequentially(count, rules, analyze));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(ANALYSIS_STACK_BYTES)
        .thread_name(|index| format!("connascence-{index}"))
        .build()
        .map_err(|error| RunError::Threads(error.to_string()))?;
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(usize, FileOutcome)>();
    let mut ordered = OrderedAggregator::default();
    let wall = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pool.scope(|workers| {
                for _ in 0..threads {
                    let sender = sender.clone();
                    let next = &next;
                    let analyze = &analyze;
                    workers.spawn(move |_| {
                        loop {
                            let position = next.fetch_add(1, Ordering::Relaxed);
                            if position >= count
                                || sender.send((position, analyze(position))).is_err()
                            {
                                break;
                            }
                        }
                    });
                }
            });
            drop(sender);
        });
        for (position, outcome) in receiver {
            ordered.add(position, outcome);
        }
    });
    let mut report = ordered.finish(rules);
    report.stats.threads = threads as u64;
    report.stats.phases.wall_ns = nanos(wall.elapsed());
    Ok(report)
}
