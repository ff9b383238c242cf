//! Finding the Python files of a run and reading them safely.
//!
//! Directories are walked in a sorted, deterministic order, following symbolic links (a link loop is
//! reported, not followed forever). Hidden entries, `__pycache__`, `site-packages`, `node_modules`,
//! `__pypackages__` and virtual environments (a folder holding `pyvenv.cfg`) are skipped; inside directories only `.py` and `.pyi` files are taken, while
//! a file named on the command line is taken whatever its extension, as ruff does. A path that does not
//! exist is an [`ArgumentError`]; trouble below a directory is a [`Diagnostic`]; neither stops the run.

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

/// Collects the files under `paths`.
pub fn discover(paths: &[PathBuf]) -> Discovered {
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
            Ok(_) => walk(root, &mut found),
        }
    }
    found.files.sort();
    found.files.dedup_by(|a, b| a.label == b.label);
    found
}

fn walk(root: &Path, found: &mut Discovered) {
    let walker = WalkDir::new(root).follow_links(true).sort_by_file_name();
    for entry in walker
        .into_iter()
        .filter_entry(|entry| !is_skipped_dir(entry))
    {
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
