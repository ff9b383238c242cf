//! Baselines: results files promoted into `baselines/<profile>/<name>.json` (profile default `ci`, a
//! name for a kind of machine, not a CPU fingerprint), written atomically (temp file, fsync,
//! rename: an interrupted save leaves the old file whole), with a history of every save and accept.
//!
//! `save` promotes a results file (default: the newest in `target/perfgate/results/`); `accept`
//! re-saves after an intended change and requires a reason; `list` and `show` read them back.
//! `calibration.json` in the same folder holds `perfgate calibrate --write`'s spreads.

use std::path::{Path, PathBuf};

use crate::results::{HistoryEntry, Results, ResultsError};

/// Why a baseline cannot be named, found, saved or accepted.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(
        "invalid {kind} `{name}`: expected letters, digits, `-`, `_` or `.` (not starting with `.`)"
    )]
    InvalidName { kind: &'static str, name: String },
    #[error("no baseline `{name}` in {} (save one with `perfgate baseline save {name}`)", .dir.display())]
    NotFound { name: String, dir: PathBuf },
    #[error("no results in {} yet: run `perfgate run` first, or pass --from FILE", .0.display())]
    NoResults(PathBuf),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("{} has failed scenarios ({}); a baseline must be a clean run", .from.display(), .failed.join(", "))]
    FailedScenarios { from: PathBuf, failed: Vec<String> },
    #[error("{} cannot be a baseline: {why}. A baseline must be re-measurable from its commit on another host; commit the changes and run again, or pass --allow-dirty (recorded: such a baseline is never re-measured)", .from.display())]
    NotReproducible {
        from: PathBuf,
        why: crate::results::Unreproducible,
    },
    #[error("no baseline `{name}` to accept into ({}); use `perfgate baseline save`", .target.display())]
    NothingToAccept { name: String, target: PathBuf },
    #[error("`baseline accept` needs --reason \"…\" (why the numbers moved)")]
    NoReason,
}

/// The default profile.
pub const DEFAULT_PROFILE: &str = "ci";

/// `baselines/<profile>/`.
pub fn dir(root: &Path, profile: &str) -> PathBuf {
    root.join("baselines").join(profile)
}

/// Checks a baseline or profile name: letters, digits, `-`, `_`, `.` (no paths).
pub fn check_name(kind: &'static str, name: &str) -> Result<(), BaselineError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(BaselineError::InvalidName {
            kind,
            name: name.to_owned(),
        })
    }
}

/// The file of baseline `name`.
pub fn path(root: &Path, profile: &str, name: &str) -> Result<PathBuf, BaselineError> {
    check_name("profile", profile)?;
    check_name("baseline name", name)?;
    Ok(dir(root, profile).join(format!("{name}.json")))
}

/// `--baseline NAME|FILE`: an existing file path, else a baseline name of the profile.
pub fn resolve(root: &Path, profile: &str, name_or_file: &str) -> Result<PathBuf, BaselineError> {
    let as_file = Path::new(name_or_file);
    if name_or_file.ends_with(".json") || name_or_file.contains('/') {
        return Ok(as_file.to_path_buf());
    }
    let file = path(root, profile, name_or_file)?;
    if !file.is_file() {
        return Err(BaselineError::NotFound {
            name: name_or_file.to_owned(),
            dir: dir(root, profile),
        });
    }
    Ok(file)
}

/// The newest results file of `target/perfgate/results/` (names start with the timestamp).
pub fn latest_results(root: &Path) -> Result<PathBuf, BaselineError> {
    let folder = root.join("target/perfgate/results");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map_err(|_| BaselineError::NoResults(folder.clone()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files.pop().ok_or(BaselineError::NoResults(folder))
}

/// Who is saving: git's user.name, else $USER, else `unknown`.
pub fn who(root: &Path) -> String {
    std::process::Command::new("git")
        .args(["config", "user.name"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What a save or accept does.
pub struct Promotion<'a> {
    pub root: &'a Path,
    pub profile: &'a str,
    pub name: &'a str,
    pub from: &'a Path,
    /// `accept` needs one and an existing baseline; `save` may have none.
    pub reason: Option<&'a str>,
    pub accept: bool,
    /// Save a run that cannot be re-made from its commit (uncommitted changes under core/,
    /// harness/, scenarios/, Cargo.toml or Cargo.lock; no commit; a non-default core feature).
    pub allow_dirty: bool,
}

/// Saves or accepts a baseline; returns the file written.
pub fn promote(promotion: &Promotion) -> Result<PathBuf, BaselineError> {
    let target = path(promotion.root, promotion.profile, promotion.name)?;
    let mut results = Results::load(promotion.from)?;
    if results.any_failed() {
        let failed = results
            .scenarios
            .iter()
            .filter(|s| !matches!(s.status, crate::results::Status::Ok))
            .map(|s| s.name.clone())
            .collect();
        return Err(BaselineError::FailedScenarios {
            from: promotion.from.to_path_buf(),
            failed,
        });
    }
    let reproducible = results.fingerprint.reproducible();
    if let Err(why) = &reproducible
        && !promotion.allow_dirty
    {
        return Err(BaselineError::NotReproducible {
            from: promotion.from.to_path_buf(),
            why: why.clone(),
        });
    }
    let previous = if target.is_file() {
        Some(Results::load(&target)?)
    } else {
        None
    };
    if promotion.accept {
        if previous.is_none() {
            return Err(BaselineError::NothingToAccept {
                name: promotion.name.to_owned(),
                target,
            });
        }
        if promotion.reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(BaselineError::NoReason);
        }
    }
    let mut history = previous.map(|p| p.history).unwrap_or_default();
    history.push(HistoryEntry {
        action: if promotion.accept { "accept" } else { "save" }.into(),
        at: now(),
        by: who(promotion.root),
        reason: promotion.reason.map(str::to_owned),
        from: promotion.from.display().to_string(),
        commit: results.fingerprint.git_commit.clone(),
        not_reproducible: reproducible.err().map(|why| why.to_string()),
    });
    results.history = history;
    results.save(&target)?;
    Ok(target)
}

/// One line per baseline of the profile: name, scenarios, commit, date, last history entry.
pub fn list(root: &Path, profile: &str) -> Result<Vec<String>, BaselineError> {
    check_name("profile", profile)?;
    let folder = dir(root, profile);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&folder) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter(|p| p.file_stem().is_some_and(|s| s != "calibration"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut lines = Vec::new();
    for file in files {
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match Results::load(&file) {
            Ok(results) => {
                let last = results.history.last();
                lines.push(format!(
                    "{name:<20} {:>3} scenarios  commit {}  {}{}",
                    results.scenarios.len(),
                    results
                        .fingerprint
                        .git_commit
                        .as_deref()
                        .map_or("-", |c| &c[..c.len().min(12)]),
                    last.map_or("-".to_owned(), |h| format!("{} by {}", h.action, h.by)),
                    last.and_then(|h| h.reason.as_deref())
                        .map_or(String::new(), |r| format!(": {r}")),
                ));
            }
            Err(error) => lines.push(format!("{name:<20} unreadable: {error}")),
        }
    }
    Ok(lines)
}

/// `2026-11-27 03:10 UTC` for seconds since the epoch.
pub fn date(seconds: u64) -> String {
    jiff::Timestamp::from_second(seconds as i64)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// `baseline show`: where it was measured, the scenario table and the history.
pub fn show(name: &str, file: &Path, results: &Results) -> String {
    let fp = &results.fingerprint;
    let mut out = format!(
        "baseline {name} ({})\nmeasured {} at commit {}{} with {} ({}), on {} ({} cores, kernel {})\n\n",
        file.display(),
        date(fp.timestamp),
        fp.git_commit.as_deref().unwrap_or("-"),
        if fp.git_dirty == Some(true) {
            " (dirty)"
        } else {
            ""
        },
        fp.rustc.as_deref().unwrap_or("unknown rustc"),
        fp.build_profile,
        fp.cpu_model.as_deref().unwrap_or("unknown CPU"),
        fp.cores,
        fp.kernel.as_deref().unwrap_or("unknown"),
    );
    out.push_str(&crate::run::summary(results));
    out.push_str("\nhistory:\n");
    for entry in &results.history {
        out.push_str(&format!(
            "  {} {} by {} from {}{}\n",
            date(entry.at),
            entry.action,
            entry.by,
            entry.from,
            entry
                .reason
                .as_deref()
                .map_or(String::new(), |r| format!(": {r}"))
        ));
    }
    out
}
