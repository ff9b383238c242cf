//! Finding the Python files of a run and reading them safely.
//!
//! Directories are walked following symbolic links (a link loop is reported, not followed forever;
//! as in ruff's walker, loops are looked for through links, not through bind mounts), and the files
//! found are sorted by label, so the order is deterministic. Hidden folders,
//! `__pycache__`, `site-packages`, `node_modules`, `__pypackages__`, virtual environments (a folder
//! holding `pyvenv.cfg`) and `exclude` globs are skipped; inside directories only `.py` and `.pyi`
//! files are taken, while a file named on the command line is taken whatever its extension, as ruff
//! does. A path that does not exist is an [`ArgumentError`]; trouble below a directory is a
//! [`Diagnostic`]; neither stops the run.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::{Diagnostic, DiagnosticKind};

/// A file to analyze: where it is, and the name findings use for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    /// The name in output: the command-line path joined with the relative path below it.
    pub label: String,
    pub path: PathBuf,
}

/// A command-line path that cannot be analyzed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgumentError {
    pub path: String,
    pub message: String,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Sorted by label, without duplicates.
    pub files: Vec<InputFile>,
    pub argument_errors: Vec<ArgumentError>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Folders that hold caches or third-party code rather than the project's own source (as in ruff's
/// default excludes).
const SKIPPED_DIRS: [&str; 4] = [
    "__pycache__",
    "site-packages",
    "node_modules",
    "__pypackages__",
];

fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyi")
    )
}

/// Paths to skip while walking: globs matched against an entry's name and against its path
/// relative to the configuration root (as ruff's `exclude`). Files named on the command line are
/// analyzed even when they match, as in ruff.
#[derive(Debug, Clone)]
pub struct Exclude {
    globs: globset::GlobSet,
    root: PathBuf,
    cwd: PathBuf,
    count: usize,
}

impl Default for Exclude {
    fn default() -> Self {
        Self {
            globs: globset::GlobSet::empty(),
            root: PathBuf::from("."),
            cwd: PathBuf::from("."),
            count: 0,
        }
    }
}

impl Exclude {
    /// Whether `pattern` compiles as an exclude glob; the reason when it does not.
    pub fn check(pattern: &str) -> Result<(), String> {
        Self::glob(pattern).map(drop)
    }

    fn glob(pattern: &str) -> Result<globset::Glob, String> {
        globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|error| format!("invalid exclude glob `{pattern}`: {}", error.kind()))
    }

    /// Compiles glob patterns; a bad pattern is returned with the reason.
    pub fn new(patterns: &[String], root: &Path) -> Result<Self, String> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(Self::glob(pattern)?);
        }
        let globs = builder.build().map_err(|error| error.to_string())?;
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let root = if root.is_absolute() {
            root.to_path_buf()
        } else {
            cwd.join(root)
        };
        Ok(Self {
            globs,
            root: normalize(&root),
            cwd,
            count: patterns.len(),
        })
    }

    fn matches(&self, path: &Path) -> bool {
        if self.count == 0 {
            return false;
        }
        if path
            .file_name()
            .is_some_and(|name| self.globs.is_match(Path::new(name)))
        {
            return true;
        }
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        };
        normalize(&absolute)
            .strip_prefix(&self.root)
            .is_ok_and(|relative| self.globs.is_match(relative))
    }
}

/// Removes `.` components and folds `..` lexically (no file system access).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Collects the files under `paths`, skipping excluded entries below them.
pub fn discover(paths: &[PathBuf], exclude: &Exclude) -> Discovered {
    let mut found = Discovered::default();
    for root in paths {
        let label = root.display().to_string();
        match std::fs::metadata(root) {
            Err(error) => found.argument_errors.push(ArgumentError {
                path: label,
                message: io_message(&error),
            }),
            Ok(meta) if !meta.is_dir() => match readable_source(root, &meta) {
                Ok(()) => found.files.push(InputFile {
                    label,
                    path: root.clone(),
                }),
                Err(message) => found.argument_errors.push(ArgumentError {
                    path: label,
                    message,
                }),
            },
            // A folder named on the command line that cannot be listed is an error, not an empty
            // result (folders below it that cannot be listed are diagnostics).
            Ok(_) => match std::fs::read_dir(root) {
                Err(error) => found.argument_errors.push(ArgumentError {
                    path: label,
                    message: io_message(&error),
                }),
                Ok(_) => walk(root, exclude, &mut found),
            },
        }
    }
    found.files.sort();
    found.files.dedup_by(|a, b| a.label == b.label);
    found
}

/// Whether a file named on the command line can be read as source: a regular file that opens.
fn readable_source(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err("not a regular file; expected a Python source file or a folder".to_owned());
    }
    open_nonblocking(path)
        .map(drop)
        .map_err(|error| io_message(&error))
}

/// A folder on the way down from a walked root, and where it really is (resolved only when a
/// symbolic link to a folder has to be checked against it).
struct Ancestor {
    path: PathBuf,
    canonical: std::cell::OnceCell<Option<PathBuf>>,
}

impl Ancestor {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            canonical: std::cell::OnceCell::new(),
        }
    }

    fn canonical(&self) -> Option<&PathBuf> {
        self.canonical
            .get_or_init(|| std::fs::canonicalize(&self.path).ok())
            .as_ref()
    }
}

fn io_diagnostic(path: &Path, message: String) -> Diagnostic {
    Diagnostic {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        kind: DiagnosticKind::Io,
        message,
    }
}

/// Walks a folder. Each folder costs one listing: entry types come from the listing itself (no
/// `stat` but for symbolic links), a virtual environment is recognized by `pyvenv.cfg` among the
/// listed names, and a loop can only close through a link, so only a linked folder is compared
/// with the folders above it. No sorting here: `discover` sorts the files once, at the end.
fn walk(root: &Path, exclude: &Exclude, found: &mut Discovered) {
    let mut ancestors = vec![Ancestor::new(root.to_path_buf())];
    walk_dir(root, exclude, found, &mut ancestors);
}

fn walk_dir(dir: &Path, exclude: &Exclude, found: &mut Discovered, ancestors: &mut Vec<Ancestor>) {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) => {
            found
                .diagnostics
                .push(io_diagnostic(dir, io_message(&error)));
            return;
        }
    };
    let mut entries = Vec::new();
    for entry in listing {
        match entry.and_then(|entry| Ok((entry.file_name(), entry.file_type()?))) {
            Ok(named) => entries.push(named),
            Err(error) => found
                .diagnostics
                .push(io_diagnostic(dir, io_message(&error))),
        }
    }
    let is_root = ancestors.len() == 1;
    let is_file = |name: &std::ffi::OsString, kind: &std::fs::FileType| {
        kind.is_file() || (kind.is_symlink() && dir.join(name).is_file())
    };
    if !is_root
        && entries
            .iter()
            .any(|(name, kind)| name == "pyvenv.cfg" && is_file(name, kind))
    {
        return;
    }
    for (name, kind) in entries {
        let path = dir.join(&name);
        let linked = kind.is_symlink();
        let kind = if linked {
            match std::fs::metadata(&path) {
                Ok(meta) => meta.file_type(),
                Err(error) => {
                    found
                        .diagnostics
                        .push(io_diagnostic(&path, io_message(&error)));
                    continue;
                }
            }
        } else {
            kind
        };
        if kind.is_dir() {
            let name = name.to_string_lossy();
            if name.starts_with('.')
                || SKIPPED_DIRS.contains(&name.as_ref())
                || exclude.matches(&path)
            {
                continue;
            }
            if linked {
                let target = std::fs::canonicalize(&path).ok();
                if let Some(ancestor) = ancestors
                    .iter()
                    .find(|ancestor| target.is_some() && ancestor.canonical() == target.as_ref())
                {
                    let message = format!(
                        "symbolic link loop back to {}; not followed",
                        ancestor.path.display()
                    );
                    found.diagnostics.push(io_diagnostic(&path, message));
                    continue;
                }
            }
            ancestors.push(Ancestor::new(path.clone()));
            walk_dir(&path, exclude, found, ancestors);
            ancestors.pop();
        } else if kind.is_file() && is_python(&path) && !exclude.matches(&path) {
            found.files.push(InputFile {
                label: path.display().to_string(),
                path,
            });
        }
    }
}

/// An I/O error as a sentence without Rust's `(os error N)` suffix.
pub fn io_message(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Files above this size are skipped with a `too-large` diagnostic unless configured otherwise
/// (`max-file-size`, `--max-file-size`): analysis needs about 35 bytes of memory per byte of
/// source, so one 1 GiB file would need more memory than a CI machine has.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 << 20;

/// The largest `max-file-size` allowed: the parser addresses source with 32-bit offsets.
pub const MAX_FILE_BYTES_LIMIT: u64 = u32::MAX as u64;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not readable (permissions, not a regular file, vanished), as a sentence.
    Io(String),
    /// Larger than the configured limit; not read at all.
    TooLarge { size: u64, limit: u64 },
}

impl ReadError {
    pub fn kind(&self) -> DiagnosticKind {
        match self {
            ReadError::Io(_) => DiagnosticKind::Io,
            ReadError::TooLarge { .. } => DiagnosticKind::TooLarge,
        }
    }

    pub fn message(&self) -> String {
        match self {
            ReadError::Io(message) => message.clone(),
            ReadError::TooLarge { size, limit } => format!(
                "file of {} is above the {} limit; skipped (raise `max-file-size` or `--max-file-size` to analyze it)",
                format_size(*size),
                format_size(*limit)
            ),
        }
    }
}

/// A size as people write it: `1 GiB`, `16 MiB`, `300 KiB`, `12 bytes` (exact values only get a
/// unit; otherwise the byte count follows).
pub fn format_size(bytes: u64) -> String {
    for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= scale {
            return if bytes.is_multiple_of(scale) {
                format!("{} {unit}", bytes / scale)
            } else {
                format!("{:.1} {unit} ({bytes} bytes)", bytes as f64 / scale as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// Parses a size: a whole number of bytes, optionally followed by `KiB`, `MiB` or `GiB`
/// (`16MiB`, `16 MiB`, `1048576`); at most [`MAX_FILE_BYTES_LIMIT`].
pub fn parse_size(text: &str) -> Result<u64, String> {
    let expected = "expected a size such as `16MiB`, `512KiB`, `1GiB` or a number of bytes";
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(format!("`{text}`: {expected}")),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}`: {expected}"))?;
    let bytes = value
        .checked_mul(scale)
        .filter(|bytes| (1..=MAX_FILE_BYTES_LIMIT).contains(bytes))
        .ok_or_else(|| {
            format!(
                "`{text}`: the size must be between 1 byte and {} (the parser's limit)",
                format_size(MAX_FILE_BYTES_LIMIT)
            )
        })?;
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Reads a regular file whose size `fstat` gave (at most `max_bytes`): usually one `read` of one
/// byte more than the size, which comes back short at the end of the file. A file that shrank
/// meanwhile is read to its end; one that grew is read on, up to one byte past `max_bytes`, so that
/// the caller notices when it became too large.
fn read_known_size(
    file: &mut std::fs::File,
    size: u64,
    max_bytes: u64,
) -> std::io::Result<Vec<u8>> {
    let expected = usize::try_from(size).map_err(std::io::Error::other)?;
    let mut bytes = vec![0; expected + 1];
    let mut filled = 0;
    loop {
        let read = match file.read(&mut bytes[filled..]) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if read == 0 {
            break;
        }
        filled += read;
        if filled == bytes.len() {
            (&mut *file)
                .take(max_bytes.saturating_add(1) - filled as u64)
                .read_to_end(&mut bytes)?;
            return Ok(bytes);
        }
        if filled >= expected {
            break;
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// Reads a file's bytes, refusing anything that is not a regular file (FIFOs, devices, directories)
/// and anything above `max_bytes` (without reading it).
pub fn read_regular_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let io = |error: std::io::Error| ReadError::Io(io_message(&error));
    let not_regular =
        || ReadError::Io("not a regular file; expected a Python source file".to_owned());
    let too_large = |size: u64| ReadError::TooLarge {
        size,
        limit: max_bytes,
    };
    // Opened without blocking: opening a FIFO for reading would otherwise wait for a writer. What
    // was opened is then checked through the open file itself (one `fstat`, no race with a rename).
    let mut file = open_nonblocking(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > max_bytes {
        return Err(too_large(meta.len()));
    }
    let bytes = read_known_size(&mut file, meta.len(), max_bytes).map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `read_known_size` with the size `fstat` would have said before the file changed.
    fn read_with_size(content: &[u8], size: u64, max_bytes: u64) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, content).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        read_known_size(&mut file, size, max_bytes).unwrap()
    }

    #[test]
    fn a_file_is_read_whole_whether_it_kept_grew_or_shrank_its_size() {
        let text = b"x = 1\ny = 2\n";
        assert_eq!(read_with_size(text, 12, 100), text);
        assert_eq!(read_with_size(b"", 0, 100), b"");
        // Grew after fstat: read to its end.
        assert_eq!(read_with_size(text, 3, 100), text);
        // Shrank after fstat.
        assert_eq!(read_with_size(text, 50, 100), text);
        // Grew past the limit: one byte more than the limit, for the caller to refuse.
        assert_eq!(read_with_size(text, 3, 5), &text[..6]);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.py");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let started = std::time::Instant::now();
        assert_eq!(
            read_regular_file(&fifo, 100),
            Err(ReadError::Io(
                "not a regular file; expected a Python source file".into()
            ))
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
