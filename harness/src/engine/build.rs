//! The release builds the engines run: the callgrind bench, the dhat-instrumented perfgate and (for
//! `compare-branches`) the plain perfgate of a side.
//!
//! Every build goes into the target folder of the harness's workspace, `target/` itself — the one
//! `cargo run --release -p perfgate` builds into — so nothing is compiled twice:
//!
//! - the callgrind bench (`cargo bench`: the bench profile inherits the release settings) resolves
//!   every crate with the features `cargo build --release` gives it (the harness's manifest turns on
//!   what its dev-dependencies would add; `tests/build_units.rs` checks it), so it reuses every
//!   unit of the release build, the `perfgate` binary included, and compiles the bench alone;
//! - the heap engine's `perfgate-dhat` is a second binary of the package, not a feature, so its
//!   build links one small `main` against the same units;
//! - any other commit's core (a *side*, [`crate::sides`]) is another package (another path), so its
//!   artifacts live beside this one's and share the third-party crates.
//!
//! cargo puts a package's binaries at the same place (`release/perfgate`) whichever package made
//! them, so each build copies the binaries it made into its own folder of binaries while it holds a
//! lock on the target folder; the engines run those copies, never `release/perfgate` itself (the
//! time engine runs its own process image, [`super::time`]), and the binaries that were at
//! `release/` before a build are put back after it (`Kept`). Until 2026-12 these builds had their
//! own `target/perfgate/build`, which compiled every crate a second time on a fresh clone.
//!
//! Which sources: the workspace of the harness ([`super::build_workspace`]), or — when
//! [`SIDE_VARIABLE`] names a side folder — that side's generated manifest, which builds the current
//! harness against the side's core.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::EngineError;
use crate::files::FileError;

/// Set by `compare-branches` for a side's `perfgate run`: the side folder
/// (`target/perfgate/sides/<commit>/`, with its `Cargo.toml`), whose entry points the engines build.
pub const SIDE_VARIABLE: &str = "PERFGATE_SIDE";

/// Cargo features of the core to build with (comma-separated), e.g. `canary`, the gate's
/// self-test; empty or unset: the core's defaults. Recorded in the results' fingerprint.
pub const CORE_FEATURES_VARIABLE: &str = "PERFGATE_CORE_FEATURES";

/// The core features asked for by [`CORE_FEATURES_VARIABLE`], checked: feature names only.
pub fn core_features() -> Result<Vec<String>, EngineError> {
    let Some(value) = std::env::var_os(CORE_FEATURES_VARIABLE) else {
        return Ok(Vec::new());
    };
    let value = value.to_string_lossy();
    let features: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = features.iter().find(|f| {
        !f.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        return Err(EngineError::Setting(format!(
            "{CORE_FEATURES_VARIABLE}: `{}` is not a cargo feature name",
            bad.escape_debug()
        )));
    }
    Ok(features)
}

/// What to build from and where its binaries go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The manifest cargo builds (`-p perfgate` of it).
    pub manifest: PathBuf,
    /// The shared target folder.
    pub target_dir: PathBuf,
    /// The folder the built binaries are copied into.
    pub bin_dir: PathBuf,
    /// Core features beyond the defaults ([`CORE_FEATURES_VARIABLE`]; never for a side, whose
    /// core may not have them).
    pub core_features: Vec<String>,
}

/// The shared target folder of a workspace's perfgate builds: its own `target/`.
pub fn target_dir(workspace: &Path) -> PathBuf {
    workspace.join("target")
}

impl Source {
    /// This workspace's harness and core (the `perfgate run` of a repository), with the core
    /// features of [`CORE_FEATURES_VARIABLE`] (an unreadable value is refused when building).
    pub fn workspace(root: &Path) -> Source {
        let workspace = super::build_workspace(root);
        Source {
            manifest: workspace.join("Cargo.toml"),
            target_dir: target_dir(&workspace),
            bin_dir: workspace.join("target/perfgate/bin"),
            core_features: core_features().unwrap_or_else(|_| vec!["\u{0}invalid".into()]),
        }
    }

    /// A side folder made by [`crate::sides`]: its manifest, binaries in `<side>/bin`, the target
    /// folder of the workspace it lives in (`<workspace>/target/perfgate/sides/<commit>`).
    pub fn side(side: &Path) -> Source {
        let workspace = side
            .ancestors()
            .nth(4)
            .map_or_else(|| side.to_path_buf(), Path::to_path_buf);
        Source {
            manifest: side.join("Cargo.toml"),
            target_dir: target_dir(&workspace),
            bin_dir: side.join("bin"),
            core_features: Vec::new(),
        }
    }

    /// The side named by [`SIDE_VARIABLE`], else this workspace.
    pub fn current(root: &Path) -> Source {
        match std::env::var_os(SIDE_VARIABLE) {
            Some(side) => Source::side(Path::new(&side)),
            None => Source::workspace(root),
        }
    }
}

/// What a build makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `perfgate` in the bench profile (release settings; the binary timed rounds run), built
    /// with the callgrind bench so that a side compiles its harness once.
    Plain,
    /// `perfgate-dhat`, perfgate with dhat's allocator (the heap engine's binary).
    Dhat,
    /// The `callgrind` bench, and the plain `perfgate` it runs under callgrind.
    Callgrind,
}

/// The built files: the binary copied into the source's folder of binaries, and the bench
/// executable ([`Kind::Callgrind`] only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub binary: PathBuf,
    pub bench: Option<PathBuf>,
}

fn copy_out(from: &Path, to: &Path) -> Result<(), EngineError> {
    let dir = to.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(FileError::of("create", dir))?;
    // A copy under a temporary name, then a rename: a running binary is never overwritten.
    let temp = to.with_extension("partial");
    std::fs::copy(from, &temp)
        .and_then(|_| std::fs::rename(&temp, to))
        .map_err(|source| EngineError::Copy {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
            source,
        })
}

/// The binaries cargo uplifts to `release/` (the harness's two), hard-linked aside before a build
/// and put back after it. A side's build, or one with other core features, is another unit, whose
/// binaries cargo links over `target/release/perfgate`: the path `cargo run --release` started and
/// a user may run. Put back, that path keeps naming the build it named (best effort: this is the
/// user's convenience, never what an engine runs).
struct Kept(Vec<(PathBuf, PathBuf)>);

impl Kept {
    fn aside(target_dir: &Path) -> Kept {
        let folder = target_dir.join("perfgate/kept");
        let mut pairs = Vec::new();
        for name in ["perfgate", "perfgate-dhat"] {
            let path = target_dir.join("release").join(name);
            let kept = folder.join(name);
            let _ = std::fs::remove_file(&kept);
            if path.is_file()
                && std::fs::create_dir_all(&folder).is_ok()
                && std::fs::hard_link(&path, &kept).is_ok()
            {
                pairs.push((path, kept));
            }
        }
        Kept(pairs)
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        use std::os::unix::fs::MetadataExt;
        for (path, kept) in &self.0 {
            let unchanged = match (std::fs::metadata(path), std::fs::metadata(kept)) {
                (Ok(now), Ok(before)) => now.ino() == before.ino() && now.dev() == before.dev(),
                _ => false,
            };
            if unchanged {
                let _ = std::fs::remove_file(kept);
            } else {
                let _ = std::fs::rename(kept, path);
            }
        }
    }
}

pub(crate) fn no_bench() -> EngineError {
    EngineError::Output("cargo built no callgrind bench executable".into())
}

/// Where cargo's output of building `kind` goes: `perfgate/logs/` of the target folder.
fn log_file(source: &Source, kind: Kind) -> PathBuf {
    let logs = source.target_dir.join("perfgate/logs");
    let name = match kind {
        Kind::Plain | Kind::Callgrind => "cargo-build-bench.log",
        Kind::Dhat => "cargo-build-dhat.log",
    };
    logs.join(name)
}

/// Builds `kind` from `source` (cargo does nothing when it is up to date) and copies the result
/// into the source's folder of binaries, holding the target folder's lock meanwhile.
pub fn build(source: &Source, kind: Kind) -> Result<Built, EngineError> {
    std::fs::create_dir_all(&source.target_dir)
        .map_err(FileError::of("create", &source.target_dir))?;
    let lock_path = source.target_dir.join(".perfgate-build.lock");
    let lock = std::fs::File::create(&lock_path).map_err(FileError::of("create", &lock_path))?;
    lock.lock().map_err(FileError::of("lock", &lock_path))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    if !source.core_features.is_empty() {
        // Checked again here: the variable may name something that is not a feature.
        core_features()?;
    }
    let features: Vec<String> = source
        .core_features
        .iter()
        .map(|feature| format!("connascence/{feature}"))
        .collect();
    let mut command = Command::new(&cargo);
    match kind {
        Kind::Dhat => command.args(["build", "--release", "--bin", "perfgate-dhat"]),
        // The plain binary is the one built with the bench: the bench profile has the release
        // settings, and one build compiles the harness once instead of twice (a unit per profile).
        Kind::Plain | Kind::Callgrind => command.args([
            "bench",
            "--no-run",
            "--bench",
            "callgrind",
            "--message-format=json-render-diagnostics",
        ]),
    };
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    let what = match kind {
        Kind::Plain => "perfgate",
        Kind::Dhat => "the dhat binary",
        Kind::Callgrind => "the callgrind bench",
    };
    let log = log_file(source, kind);
    let step = crate::progress::Step::setup(format!(
        "building {what} with cargo (its output: {})",
        log.display()
    ));
    // Until this function returns, after the binaries were copied out.
    let _kept = Kept::aside(&source.target_dir);
    let output = command
        .args(["--quiet", "-p", "perfgate", "--manifest-path"])
        .arg(&source.manifest)
        .arg("--target-dir")
        .arg(&source.target_dir)
        // A side's generated manifest lives in target/; never let a parent workspace claim it.
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .map_err(|source| EngineError::Start {
            what: format!("run {cargo} to build {what}"),
            source,
        })?;
    drop(step);
    crate::progress::cargo_log(&log, &output.stderr, &format!("building {what}"));
    if !output.status.success() {
        return Err(EngineError::Build {
            what,
            manifest: source.manifest.clone(),
            detail: format!(
                "{} (whole output: {})",
                super::build_error(&output.stderr),
                log.display()
            ),
        });
    }
    let name = match kind {
        Kind::Dhat => "perfgate-dhat",
        _ => "perfgate",
    };
    let binary = source.bin_dir.join(name);
    copy_out(&source.target_dir.join("release").join(name), &binary)?;
    let bench = match kind {
        Kind::Plain | Kind::Callgrind => {
            let built = String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter(|message| message["target"]["name"] == "callgrind")
                .find_map(|message| message["executable"].as_str().map(PathBuf::from))
                .ok_or_else(no_bench)?;
            let bench = source.bin_dir.join("callgrind-bench");
            copy_out(&built, &bench)?;
            Some(bench)
        }
        _ => None,
    };
    Ok(Built { binary, bench })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_that_relinks_release_perfgate_leaves_it_naming_the_build_it_named() {
        let target = tempfile::tempdir().unwrap();
        let release = target.path().join("release");
        std::fs::create_dir_all(&release).unwrap();
        std::fs::write(release.join("perfgate"), "this checkout's build").unwrap();
        // Another unit's binary linked over it, as cargo does for a side.
        let kept = Kept::aside(target.path());
        std::fs::remove_file(release.join("perfgate")).unwrap();
        std::fs::write(release.join("perfgate"), "a side's build").unwrap();
        std::fs::write(release.join("perfgate-dhat"), "a side's dhat build").unwrap();
        drop(kept);
        assert_eq!(
            std::fs::read_to_string(release.join("perfgate")).unwrap(),
            "this checkout's build"
        );
        // A binary that was not there before is left as the build made it.
        assert_eq!(
            std::fs::read_to_string(release.join("perfgate-dhat")).unwrap(),
            "a side's dhat build"
        );
        // A build that left it alone: nothing moves, nothing is left aside.
        let kept = Kept::aside(target.path());
        drop(kept);
        assert_eq!(
            std::fs::read_to_string(release.join("perfgate")).unwrap(),
            "this checkout's build"
        );
        assert!(!target.path().join("perfgate/kept/perfgate").exists());
    }

    #[test]
    fn a_side_builds_into_the_target_folder_of_the_workspace_it_lives_in() {
        let side = Path::new("/w/target/perfgate/sides/0123456789ab");
        assert_eq!(
            Source::side(side),
            Source {
                manifest: side.join("Cargo.toml"),
                target_dir: PathBuf::from("/w/target"),
                bin_dir: side.join("bin"),
                core_features: Vec::new(),
            }
        );
    }
}
