//! The external tools of the instruction engine: valgrind (installed by the system's package manager)
//! and gungraun-runner (installed by perfgate itself, at exactly the version of the gungraun library).
//!
//! The runner is kept per user and version, in `<tools>/gungraun-runner-0.20.0/` (the tools folder
//! is `$PERFGATE_TOOLS_DIR`, else `$XDG_CACHE_HOME/perfgate/tools`, else `~/.cache/perfgate/tools`),
//! so a second clone on the machine does not build it again; it is looked for there, then in the
//! clone's `target/perfgate/tools/bin` (where earlier versions of perfgate put it), then on `PATH`,
//! and used only if its `--version` is exactly the library's. A missing one is installed with
//! `cargo install gungraun-runner --version 0.20.0 --locked --root <that folder>` (minutes, once),
//! with a visible message; a lock file makes concurrent perfgate processes wait for one install. The
//! instruction engine puts the runner's folder first on the bench's `PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Must equal the `gungraun` library version pinned in `harness/Cargo.toml` (the runner refuses others).
pub const RUNNER_VERSION: &str = "0.20.0";

/// A tool that is missing, or could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error(
        "valgrind is needed for instruction counts but `{program}` cannot run ({source}); install it, e.g. `apt-get install valgrind`"
    )]
    NoValgrind {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{program} --version` did not report a valgrind version (got `{version}`); install valgrind, e.g. `apt-get install valgrind`"
    )]
    NotValgrind { program: String, version: String },
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("cannot run {cargo} to install gungraun-runner: {source}")]
    Cargo {
        cargo: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`cargo install gungraun-runner --version {RUNNER_VERSION}` failed ({status}); its output: {}", .log.display())]
    InstallFailed {
        status: std::process::ExitStatus,
        log: PathBuf,
    },
    #[error(
        "the installed runner {} reports version {reported}; expected {RUNNER_VERSION}", .runner.display()
    )]
    WrongRunner { runner: PathBuf, reported: String },
}

/// `valgrind --version` of `program` (normally `valgrind`), or how to get it.
pub fn valgrind_version(program: &str) -> Result<String, ToolError> {
    let output = Command::new(program)
        .arg("--version")
        .output()
        .map_err(|source| ToolError::NoValgrind {
            program: program.to_owned(),
            source,
        })?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || !version.starts_with("valgrind-") {
        return Err(ToolError::NotValgrind {
            program: program.to_owned(),
            version,
        });
    }
    Ok(version)
}

/// The version `program --version` prints after `prefix` (`ruff 0.16.4` → `0.16.4`), if it runs.
pub fn reported_version(program: &Path, prefix: &str) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .strip_prefix(prefix)
        .map(|version| version.trim().to_owned())
}

/// The version a runner binary reports (`gungraun-runner 0.20.0` → `0.20.0`), if it runs.
pub fn runner_version(runner: &Path) -> Option<String> {
    reported_version(runner, "gungraun-runner ")
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}

/// The clone's own tools folder (ruff's venvs for `perfgate peers`; the runner of earlier versions).
pub fn tools_root(root: &Path) -> PathBuf {
    root.join("target/perfgate/tools")
}

/// Overrides where perfgate keeps its tools per user.
pub const TOOLS_VARIABLE: &str = "PERFGATE_TOOLS_DIR";

/// The per-user tools folder of perfgate: `$PERFGATE_TOOLS_DIR`, else
/// `$XDG_CACHE_HOME/perfgate/tools`, else `$HOME/.cache/perfgate/tools` (each only when set to an
/// absolute path); `None` when none is.
pub fn user_tools() -> Option<PathBuf> {
    // A relative folder would mean another place for every working directory (and the XDG spec
    // says to ignore one).
    let set = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|value| value.is_absolute())
    };
    set(TOOLS_VARIABLE)
        .or_else(|| set("XDG_CACHE_HOME").map(|dir| Path::new(&dir).join("perfgate/tools")))
        .or_else(|| set("HOME").map(|home| Path::new(&home).join(".cache/perfgate/tools")))
}

/// Where perfgate installs the pinned runner: `<user tools>/gungraun-runner-<version>`, shared by
/// every clone of this user; the clone's tools folder when there is no home.
pub fn runner_root(root: &Path) -> PathBuf {
    user_tools().map_or_else(
        || tools_root(root),
        |tools| tools.join(format!("gungraun-runner-{RUNNER_VERSION}")),
    )
}

/// A gungraun-runner of exactly [`RUNNER_VERSION`]: found, or installed now into [`runner_root`].
pub fn ensure_runner(root: &Path, progress: &dyn Fn(&str)) -> Result<PathBuf, ToolError> {
    ensure_runner_in(&runner_root(root), root, progress)
}

/// [`ensure_runner`] with the install folder given.
fn ensure_runner_in(
    install: &Path,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<PathBuf, ToolError> {
    use crate::files::FileError;
    let local = install.join("bin/gungraun-runner");
    let earlier = tools_root(root).join("bin/gungraun-runner");
    for candidate in [
        Some(local.clone()),
        Some(earlier),
        on_path("gungraun-runner"),
    ]
    .into_iter()
    .flatten()
    {
        if runner_version(&candidate).as_deref() == Some(RUNNER_VERSION) {
            return Ok(candidate);
        }
    }
    // One install at a time (parallel tests, two perfgate runs): wait for the other, then look again.
    std::fs::create_dir_all(install).map_err(FileError::of("create", install))?;
    let lock_path = install.join(".install.lock");
    let lock = std::fs::File::create(&lock_path).map_err(FileError::of("create", &lock_path))?;
    lock.lock().map_err(FileError::of("lock", &lock_path))?;
    if runner_version(&local).as_deref() == Some(RUNNER_VERSION) {
        return Ok(local);
    }
    let log = root.join("target/perfgate/logs/cargo-install-gungraun-runner.log");
    progress(&format!(
        "installing gungraun-runner {RUNNER_VERSION} into {} (cargo install --locked, about 4 minutes, once per user; its output: {})",
        install.display(),
        log.display()
    ));
    let step = crate::progress::Step::setup(format!("installing gungraun-runner {RUNNER_VERSION}"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args([
            "install",
            "gungraun-runner",
            "--version",
            RUNNER_VERSION,
            "--locked",
            "--root",
        ])
        .arg(install)
        .output()
        .map_err(|source| ToolError::Cargo {
            cargo: cargo.clone(),
            source,
        })?;
    drop(step);
    crate::progress::cargo_log(&log, &output.stderr, "installing gungraun-runner");
    if !output.status.success() {
        return Err(ToolError::InstallFailed {
            status: output.status,
            log,
        });
    }
    match runner_version(&local) {
        Some(version) if version == RUNNER_VERSION => Ok(local),
        other => Err(ToolError::WrongRunner {
            runner: local,
            reported: other.unwrap_or_else(|| "nothing".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, output: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\necho '{output}'\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_missing_valgrind_says_how_to_install_it() {
        let error = valgrind_version("/nonexistent/valgrind")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "valgrind is needed for instruction counts but `/nonexistent/valgrind` cannot run ("
            ),
            "{error}"
        );
        assert!(
            error.ends_with("install it, e.g. `apt-get install valgrind`"),
            "{error}"
        );
    }

    #[test]
    fn runner_versions_are_read_and_compared_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let old = script(dir.path(), "old-runner", "gungraun-runner 0.19.3");
        assert_eq!(runner_version(&old).as_deref(), Some("0.19.3"));
        assert_ne!(runner_version(&old).as_deref(), Some(RUNNER_VERSION));
        let other = script(dir.path(), "other", "something else 1.0");
        assert_eq!(runner_version(&other), None);
        assert_eq!(runner_version(&dir.path().join("missing")), None);
    }

    #[test]
    fn a_runner_of_the_pinned_version_in_the_user_tools_folder_is_used_without_installing() {
        let (cache, root) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let install = cache
            .path()
            .join(format!("gungraun-runner-{RUNNER_VERSION}"));
        std::fs::create_dir_all(install.join("bin")).unwrap();
        script(
            &install.join("bin"),
            "gungraun-runner",
            &format!("gungraun-runner {RUNNER_VERSION}"),
        );
        let installed = std::cell::Cell::new(false);
        let found = ensure_runner_in(&install, root.path(), &|_| installed.set(true)).unwrap();
        assert_eq!(found, install.join("bin/gungraun-runner"));
        assert!(!installed.get());
    }

    #[test]
    fn a_runner_an_earlier_perfgate_put_in_the_clone_is_used_too() {
        let (cache, root) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let bin = tools_root(root.path()).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        script(
            &bin,
            "gungraun-runner",
            &format!("gungraun-runner {RUNNER_VERSION}"),
        );
        let installed = std::cell::Cell::new(false);
        let install = cache.path().join("runner");
        let found = ensure_runner_in(&install, root.path(), &|_| installed.set(true)).unwrap();
        assert_eq!(found, bin.join("gungraun-runner"));
        assert!(!installed.get());
    }
}
