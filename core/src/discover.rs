//! Finding the Python files of a run and reading them safely.
//!
//! Directories are walked following symbolic links (a link loop is reported, not followed forever),
//! and the files found are sorted by label, so the order is deterministic. Hidden entries,
//! `__pycache__`, `site-packages`, `node_modules`, `__pypackages__`, virtual environments (a folder
//! holding `pyvenv.cfg`) and `exclude` globs are skipped; inside directories only `.py` and `.pyi`
//! files are taken, while a file named on the command line is taken whatever its extension, as ruff
//! does. A path that does not exist is an [`ArgumentError`]; trouble below a directory is a
//! [`Diagnostic`]; neither stops the run.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use walkdir::{DirEntry, WalkDir};

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

fn is_skipped_dir(entry: &DirEntry) -> bool {
    if entry.depth() == 0 || !entry.file_type().is_dir() {
        return false;
    }
    let name = entry.file_name().to_string_lossy();
    name.starts_with('.')
        || SKIPPED_DIRS.contains(&name.as_ref())
        || entry.path().join("pyvenv.cfg").is_file()
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
    /// Compiles glob patterns; a bad pattern is returned with the reason.
    pub fn new(patterns: &[String], root: &Path) -> Result<Self, String> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|error| format!("invalid exclude glob `{pattern}`: {}", error.kind()))?;
            builder.add(glob);
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
            Ok(meta) if !meta.is_dir() => found.files.push(InputFile {
                label,
                path: root.clone(),
            }),
            Ok(_) => walk(root, exclude, &mut found),
        }
    }
    found.files.sort();
    found.files.dedup_by(|a, b| a.label == b.label);
    found
}

fn walk(root: &Path, exclude: &Exclude, found: &mut Discovered) {
    // No sorting while walking: `discover` sorts the files it found once, at the end.
    let walker = WalkDir::new(root).follow_links(true);
    let keep = |entry: &DirEntry| {
        !is_skipped_dir(entry) && (entry.depth() == 0 || !exclude.matches(entry.path()))
    };
    for entry in walker.into_iter().filter_entry(keep) {
        match entry {
            Ok(entry) if entry.file_type().is_file() && is_python(entry.path()) => {
                let path = entry.into_path();
                found.files.push(InputFile {
                    label: path.display().to_string(),
                    path,
                });
            }
            Ok(_) => {}
            Err(error) => {
                let path = error.path().unwrap_or(root).display().to_string();
                let message = match error.loop_ancestor() {
                    Some(ancestor) => format!(
                        "symbolic link loop back to {}; not followed",
                        ancestor.display()
                    ),
                    None => error
                        .io_error()
                        .map_or_else(|| error.to_string(), io_message),
                };
                found.diagnostics.push(Diagnostic {
                    file: path,
                    line: 1,
                    column: 1,
                    kind: DiagnosticKind::Io,
                    message,
                });
            }
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

/// Reads a file's bytes, refusing anything that is not a regular file (FIFOs, devices, directories).
pub fn read_regular_file(path: &Path) -> Result<Vec<u8>, String> {
    // Check before opening: opening a FIFO for reading would block until a writer appears.
    let before = std::fs::metadata(path).map_err(|error| io_message(&error))?;
    if !before.is_file() {
        return Err("not a regular file; expected a Python source file".to_owned());
    }
    let mut file = std::fs::File::open(path).map_err(|error| io_message(&error))?;
    let meta = file.metadata().map_err(|error| io_message(&error))?;
    if !meta.is_file() {
        return Err("not a regular file; expected a Python source file".to_owned());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)
        .map_err(|error| io_message(&error))?;
    Ok(bytes)
}
