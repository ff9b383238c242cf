//! The two-level result cache: per-file outcomes keyed by content, configuration and build.
//!
//! What is cached is each file's own outcome: findings after severity overrides and suppressions,
//! diagnostics, the facts run-level rules need (duplicate-algorithm) and the suppression comments. The
//! cross-file result is never cached; it is recomputed from the facts on every run. The key is an
//! xxh3-128 hash of the analyzer's build id (a hash of its sources and lock file, see `build.rs`),
//! the configuration hash and the file's label; the entry records the hash of the file's content, its
//! stamp (size, modification and status-change times, inode, mode) and whether the file was modified
//! strictly before the run that stored it began (by the file system's clock). An entry is reused only by the same build, with the same settings,
//! for the same content. As git trusts its index: when the stamp is unchanged and was trusted
//! when stored, the file is not even read; otherwise (a new stamp, or a
//! "racily clean" file modified in the same tick) it is read and the content hash decides, and a
//! touched but identical file is a hit and is re-stamped. See [`stamp`] for the remaining risk.
//!
//! L1 is an in-memory LRU (bounded by entries). L2 is a redb database (`cache.redb`) in the cache
//! folder. redb locks its file per process: when another process holds it, we retry for up to
//! `lock_wait`, then run without L2 and say so once. A damaged database file is moved aside and a new
//! one created; a damaged entry (its checksum or its encoding fails) is counted, recomputed and
//! overwritten. Writes are batched into one transaction at the end of the run. Entries of another
//! build can never be hit again, so opening the database with a new build empties it.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redb::{
    Database, DatabaseError, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition,
};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;
pub use crate::outcome::CacheCounters;
use crate::outcome::{Counters, FileOutcome};

mod stamp;
mod stored;
use stamp::STAMP_BYTES;
pub use stamp::{Stamp, file_system_now, trusted};
use stored::StoredFinding;

/// The analyzer build that cache entries belong to.
pub const BUILD_ID: &str = env!("CONNASCENCE_BUILD_ID");

/// The cache folder's default name, at the project root.
pub const DEFAULT_DIR: &str = ".connascence_cache";

const DATABASE_FILE: &str = "cache.redb";
const ENTRIES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("file_outcomes");
const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

/// How to open the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheOptions {
    pub dir: PathBuf,
    /// Entries kept in memory.
    pub l1_entries: usize,
    /// How long to wait for another process to release the disk cache.
    pub lock_wait: Duration,
}

impl CacheOptions {
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            l1_entries: 4096,
            lock_wait: Duration::from_secs(3),
        }
    }
}

/// A file outcome as stored: everything but the file's label, which is part of the key.
#[derive(Serialize)]
struct Entry {
    findings: Vec<StoredFinding>,
    diagnostics: Vec<crate::finding::Diagnostic>,
    facts: crate::visit::FileFacts,
    suppressions: Vec<crate::suppress::Suppression>,
    lines: u64,
    suppressed: u64,
}

/// What follows the findings in an encoded [`Entry`] (postcard writes a struct as its fields in
/// order, and a list as its length then its items), decoded after them.
#[derive(Deserialize)]
struct EntryTail {
    diagnostics: Vec<crate::finding::Diagnostic>,
    facts: crate::visit::FileFacts,
    suppressions: Vec<crate::suppress::Suppression>,
    lines: u64,
    suppressed: u64,
}

/// A cache key: 128 bits of xxh3 over build id, configuration hash and the file's label.
pub type Key = [u8; 16];

/// 128 bits of xxh3 over a file's bytes.
pub type ContentHash = [u8; 16];

/// The content hash of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> ContentHash {
    xxhash_rust::xxh3::xxh3_128(bytes).to_le_bytes()
}

/// checksum (8) + stamp + trusted (1) + content hash (16), then the encoded entry.
const HEADER_BYTES: usize = 8 + STAMP_BYTES + 1 + 16;

/// The fixed-size front of a stored value, checked before anything is decoded.
struct Header {
    stamp: Stamp,
    /// Whether the stamp can be trusted alone: the file was modified strictly before the run that
    /// stored the entry began ([`trusted`], decided when the entry is stored).
    trusted: bool,
    content: ContentHash,
}

impl Header {
    /// Reads and verifies the header; `None` when the value is too short or its checksum fails.
    fn read(stored: &[u8]) -> Option<Header> {
        if stored.len() < HEADER_BYTES || stored[..8] != checksum(&stored[8..]) {
            return None;
        }
        let flag_at = 8 + STAMP_BYTES;
        Some(Header {
            stamp: Stamp::from_bytes(stored[8..flag_at].try_into().ok()?),
            trusted: stored[flag_at] == 1,
            content: stored[flag_at + 1..HEADER_BYTES].try_into().ok()?,
        })
    }

    /// Writes the stamp, and whether this run's clock lets it be trusted, into a stored value and
    /// renews its checksum.
    fn restamp(stored: &mut [u8], stamp: Stamp, clock_ns: u128) {
        let flag_at = 8 + STAMP_BYTES;
        stored[8..flag_at].copy_from_slice(&stamp.to_bytes());
        stored[flag_at] = u8::from(trusted(&stamp, clock_ns));
        let sum = checksum(&stored[8..]);
        stored[..8].copy_from_slice(&sum);
    }
}

/// What [`Cache::lookup`] found.
pub enum Lookup {
    /// Stamp unchanged: the stored outcome.
    Hit(Box<FileOutcome>),
    /// An entry with another stamp: reuse it if the content hash is this one.
    Changed { content: ContentHash },
    /// Nothing usable.
    Miss,
}

#[derive(Default)]
struct AtomicCounters {
    l1_hits: AtomicU64,
    l2_hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    corrupt: AtomicU64,
}

/// An open cache, shared by the analysis threads of one run.
pub struct Cache {
    config_hash: String,
    /// The file system's time when this run opened the cache, stored with every entry it writes.
    clock_ns: u128,
    l1: Mutex<lru::LruCache<Key, Vec<u8>>>,
    /// One read transaction for the whole run (one B-tree lookup per file, no transaction each).
    /// Declared before `l2` so it is dropped first: the database then closes with nothing pinned.
    reader: Option<redb::ReadOnlyTable<&'static [u8], &'static [u8]>>,
    l2: Option<Database>,
    pending: Mutex<Vec<(Key, Vec<u8>)>>,
    counters: AtomicCounters,
    /// What the user should be told once (e.g. running without the disk cache).
    pub notice: Option<String>,
}

/// Creates the folder (with a `.gitignore` that ignores it) if needed.
fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(ignore, "# Created by connascence: the result cache.\n*\n")?;
    }
    Ok(())
}

/// Opens the database, waiting for another process's lock up to `wait`; `Err` says why not. A
/// database left by another build is emptied (its entries could never be hit again).
fn open_database(path: &Path, wait: Duration) -> Result<(Database, Option<String>), String> {
    let (database, notice) = open_file(path, wait)?;
    // The usual case, a database of this build, needs no write transaction (and no fsync).
    let current = (|| -> Result<bool, redb::Error> {
        let read = database.begin_read()?;
        let meta = read.open_table(META)?;
        let build = meta.get("build_id")?;
        Ok(build.is_some_and(|value| value.value() == BUILD_ID))
    })();
    if current.unwrap_or(false) {
        return Ok((database, notice));
    }
    let reset = (|| -> Result<(), redb::Error> {
        let transaction = database.begin_write()?;
        {
            let mut meta = transaction.open_table(META)?;
            let current = meta.get("build_id")?.map(|value| value.value().to_owned());
            if current.as_deref() != Some(BUILD_ID) {
                transaction.delete_table(ENTRIES)?;
                meta.insert("build_id", BUILD_ID)?;
            }
        }
        transaction.commit()?;
        Ok(())
    })();
    reset.map_err(|error| {
        format!(
            "the disk cache {} cannot be prepared ({error}); this run does not use it",
            path.display()
        )
    })?;
    Ok((database, notice))
}

/// redb's page cache, bounded: each file's entry is read once per run, so a cache that keeps every
/// page read (redb's default allows 1 GiB) only costs fresh memory; B-tree branch pages fit easily.
const PAGE_CACHE_BYTES: usize = 4 << 20;

fn database_builder() -> redb::Builder {
    let mut builder = redb::Builder::new();
    builder.set_cache_size(PAGE_CACHE_BYTES);
    builder
}

fn open_file(path: &Path, wait: Duration) -> Result<(Database, Option<String>), String> {
    let started = Instant::now();
    loop {
        match database_builder().create(path) {
            Ok(database) => return Ok((database, None)),
            Err(DatabaseError::DatabaseAlreadyOpen) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(DatabaseError::DatabaseAlreadyOpen) => {
                return Err(format!(
                    "the disk cache {} is in use by another process (waited {:.1} s); this run does not use it",
                    path.display(),
                    wait.as_secs_f64()
                ));
            }
            Err(error) => {
                // A damaged or foreign file: keep it for inspection, start a fresh one.
                let aside = path.with_extension(format!("redb.damaged-{}", std::process::id()));
                std::fs::rename(path, &aside).map_err(|rename| {
                    format!(
                        "the disk cache {} cannot be opened ({error}) nor moved aside ({rename})",
                        path.display()
                    )
                })?;
                let database = database_builder().create(path).map_err(|again| {
                    format!(
                        "the disk cache {} cannot be created ({again}); this run does not use it",
                        path.display()
                    )
                })?;
                let notice = format!(
                    "the disk cache {} was damaged ({error}); moved it to {} and started a new one",
                    path.display(),
                    aside.display()
                );
                return Ok((database, Some(notice)));
            }
        }
    }
}

fn checksum(payload: &[u8]) -> [u8; 8] {
    xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes()
}

impl Cache {
    /// Opens the cache; problems with the disk part leave an L1-only cache and a [`Cache::notice`].
    pub fn open(options: &CacheOptions, config_hash: &str) -> Cache {
        Self::open_with_clock(options, config_hash, file_system_now)
    }

    /// [`Cache::open`] with the clock given: `clock(dir)` is the file system's time now, `None`
    /// when unknown (then no file is trusted by its stamp alone).
    pub fn open_with_clock(
        options: &CacheOptions,
        config_hash: &str,
        clock: impl FnOnce(&Path) -> Option<u128>,
    ) -> Cache {
        let path = options.dir.join(DATABASE_FILE);
        let prepared = prepare_dir(&options.dir);
        let clock_ns = clock(&options.dir).unwrap_or(0);
        let (l2, notice) = match prepared {
            Err(error) => (
                None,
                Some(format!(
                    "cannot create the cache folder {}: {error}",
                    options.dir.display()
                )),
            ),
            Ok(()) => match open_database(&path, options.lock_wait) {
                Ok((database, notice)) => (Some(database), notice),
                Err(notice) => (None, Some(notice)),
            },
        };
        let entries = NonZeroUsize::new(options.l1_entries).unwrap_or(NonZeroUsize::MIN);
        // No table yet (a new or just emptied database): nothing to read.
        let reader = l2
            .as_ref()
            .and_then(|database| database.begin_read().ok())
            .and_then(|read| read.open_table(ENTRIES).ok());
        Cache {
            config_hash: config_hash.to_owned(),
            clock_ns,
            l1: Mutex::new(lru::LruCache::new(entries)),
            l2,
            reader,
            pending: Mutex::new(Vec::new()),
            counters: AtomicCounters::default(),
            notice,
        }
    }

    /// Whether the disk part is in use.
    pub fn has_disk(&self) -> bool {
        self.l2.is_some()
    }

    /// The key of a file under this build and configuration.
    pub fn key(&self, label: &str) -> Key {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for part in [
            BUILD_ID.as_bytes(),
            self.config_hash.as_bytes(),
            label.as_bytes(),
        ] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        hasher.digest128().to_le_bytes()
    }

    /// Calls `read` with the stored value of a key (from L1, else read in place from L2) and
    /// whether L1 answered.
    fn with_stored<R>(&self, key: &Key, read: impl FnOnce(&[u8], bool) -> R) -> Option<R> {
        let in_memory = self.l1.lock().ok().and_then(|mut l1| l1.get(key).cloned());
        if let Some(stored) = in_memory {
            return Some(read(&stored, true));
        }
        let guard = self.reader.as_ref()?.get(key.as_slice()).ok()??;
        Some(read(guard.value(), false))
    }

    /// The stored value of a key, copied, and which level answered.
    fn stored(&self, key: &Key) -> Option<(Vec<u8>, bool)> {
        self.with_stored(key, |stored, from_l1| (stored.to_vec(), from_l1))
    }

    /// Looks a file up by its stamp; see [`Lookup`]: a hit needs the stamp unchanged and trusted
    /// ([`trusted`]); a racily clean entry is `Changed`, to be re-hashed. Damaged entries count as
    /// `corrupt` and miss.
    /// A hit is decoded where it lies (L2 pages) and not copied into L1: one run looks a file up
    /// once.
    pub fn lookup(&self, key: &Key, label: &str, stamp: Option<Stamp>) -> Lookup {
        let found = self.with_stored(key, |stored, from_l1| {
            let Some(header) = Header::read(stored) else {
                self.counters.corrupt.fetch_add(1, Ordering::Relaxed);
                return Lookup::Miss;
            };
            if stamp != Some(header.stamp) || !header.trusted {
                return Lookup::Changed {
                    content: header.content,
                };
            }
            match self.decode(stored, label, header.stamp.size) {
                Some(outcome) => {
                    let level = if from_l1 {
                        &self.counters.l1_hits
                    } else {
                        &self.counters.l2_hits
                    };
                    level.fetch_add(1, Ordering::Relaxed);
                    Lookup::Hit(Box::new(outcome))
                }
                None => {
                    self.counters.corrupt.fetch_add(1, Ordering::Relaxed);
                    Lookup::Miss
                }
            }
        });
        found.unwrap_or(Lookup::Miss)
    }

    /// For a [`Lookup::Changed`] file whose content hash turned out equal: the stored outcome, with
    /// the entry re-stamped.
    pub fn revalidate(&self, key: &Key, label: &str, stamp: Stamp) -> Option<FileOutcome> {
        let (mut stored, from_l1) = self.stored(key)?;
        Header::read(&stored)?;
        let outcome = self.decode(&stored, label, stamp.size)?;
        Header::restamp(&mut stored, stamp, self.clock_ns);
        if let Ok(mut pending) = self.pending.lock() {
            pending.push((*key, stored.clone()));
        }
        self.hit(from_l1, *key, stored);
        Some(outcome)
    }

    fn hit(&self, from_l1: bool, key: Key, stored: Vec<u8>) {
        if from_l1 {
            self.counters.l1_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counters.l2_hits.fetch_add(1, Ordering::Relaxed);
            self.remember(key, stored);
        }
    }

    /// Counts a file that had to be analyzed.
    pub fn miss(&self) {
        self.counters.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Decodes a value whose header has been verified.
    fn decode(&self, stored: &[u8], label: &str, bytes: u64) -> Option<FileOutcome> {
        // An `Entry` decoded field by field: each finding becomes a `Finding` as it is read (no
        // list of stored findings in between), then the rest in one go.
        let (count, mut rest) =
            postcard::take_from_bytes::<u64>(stored.get(HEADER_BYTES..)?).ok()?;
        let count = usize::try_from(count).ok()?;
        let shared: std::sync::Arc<str> = std::sync::Arc::from(label);
        let mut findings: Vec<Finding> = Vec::with_capacity(count.min(rest.len()));
        for _ in 0..count {
            let (finding, after) = postcard::take_from_bytes::<StoredFinding>(rest).ok()?;
            findings.push(finding.into_finding(&shared)?);
            rest = after;
        }
        let entry: EntryTail = postcard::from_bytes(rest).ok()?;
        let counters = Counters {
            files: 1,
            lines: entry.lines,
            bytes,
            diagnostics: entry.diagnostics.len() as u64,
            findings: findings.len() as u64,
            suppressed: entry.suppressed,
            ..Counters::default()
        };
        Some(FileOutcome {
            file: label.to_owned(),
            findings,
            diagnostics: entry.diagnostics,
            counters,
            facts: entry.facts,
            suppressions: entry.suppressions,
        })
    }

    fn remember(&self, key: Key, stored: Vec<u8>) {
        if let Ok(mut l1) = self.l1.lock()
            && let Some((evicted, _)) = l1.push(key, stored)
            && evicted != key
        {
            self.counters.evictions.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stores a freshly computed outcome with the file's stamp and content hash (in L1 now, in L2
    /// at [`Cache::flush`]).
    pub fn put(&self, key: Key, stamp: Stamp, content: ContentHash, outcome: &FileOutcome) {
        let entry = Entry {
            findings: outcome.findings.iter().map(StoredFinding::new).collect(),
            diagnostics: outcome.diagnostics.clone(),
            facts: outcome.facts.clone(),
            suppressions: outcome.suppressions.clone(),
            lines: outcome.counters.lines,
            suppressed: outcome.counters.suppressed,
        };
        let Ok(payload) = postcard::to_stdvec(&entry) else {
            return;
        };
        let mut stored = vec![0; 8 + STAMP_BYTES + 1];
        stored.extend_from_slice(&content);
        stored.extend_from_slice(&payload);
        Header::restamp(&mut stored, stamp, self.clock_ns);
        if self.l2.is_some()
            && let Ok(mut pending) = self.pending.lock()
        {
            pending.push((key, stored.clone()));
        }
        self.remember(key, stored);
    }

    /// Writes the entries computed in this run to L2 in one transaction; returns the counters.
    pub fn flush(&self) -> CacheCounters {
        let pending = self
            .pending
            .lock()
            .map(|mut pending| std::mem::take(&mut *pending))
            .unwrap_or_default();
        let mut writes = 0;
        if let Some(database) = &self.l2
            && !pending.is_empty()
        {
            let written = (|| -> Result<u64, redb::Error> {
                let transaction = database.begin_write()?;
                let mut count = 0;
                {
                    let mut table = transaction.open_table(ENTRIES)?;
                    for (key, stored) in &pending {
                        table.insert(key.as_slice(), stored.as_slice())?;
                        count += 1;
                    }
                }
                transaction.commit()?;
                Ok(count)
            })();
            writes = written.unwrap_or(0);
        }
        CacheCounters {
            l1_hits: self.counters.l1_hits.load(Ordering::Relaxed),
            l2_hits: self.counters.l2_hits.load(Ordering::Relaxed),
            misses: self.counters.misses.load(Ordering::Relaxed),
            writes,
            evictions: self.counters.evictions.load(Ordering::Relaxed),
            corrupt: self.counters.corrupt.load(Ordering::Relaxed),
        }
    }
}

/// What `connascence cache stats` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    pub path: PathBuf,
    pub entries: u64,
    pub bytes: u64,
    pub build_id: String,
}

/// Entries and size of the disk cache in `dir` (which must not be in use).
pub fn stats(dir: &Path) -> Result<CacheStats, String> {
    let path = dir.join(DATABASE_FILE);
    if !path.is_file() {
        return Err(format!("no cache at {}", path.display()));
    }
    let bytes = std::fs::metadata(&path)
        .map_err(|error| error.to_string())?
        .len();
    let (database, _) = open_database(&path, Duration::from_secs(3))?;
    let read = database.begin_read().map_err(|error| error.to_string())?;
    let entries = match read.open_table(ENTRIES) {
        Ok(table) => table.len().map_err(|error| error.to_string())?,
        Err(redb::TableError::TableDoesNotExist(_)) => 0,
        Err(error) => return Err(error.to_string()),
    };
    Ok(CacheStats {
        path,
        entries,
        bytes,
        build_id: BUILD_ID.to_owned(),
    })
}

/// Removes the cache folder; `Ok(false)` when there was none.
pub fn clean(dir: &Path) -> Result<bool, String> {
    if !dir.exists() {
        return Ok(false);
    }
    if !dir.join(DATABASE_FILE).exists() && !dir.join(".gitignore").exists() {
        return Err(format!(
            "{} does not look like a connascence cache; not removed",
            dir.display()
        ));
    }
    std::fs::remove_dir_all(dir)
        .map_err(|error| format!("cannot remove {}: {error}", dir.display()))?;
    Ok(true)
}
