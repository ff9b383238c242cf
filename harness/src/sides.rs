//! A *side* of `compare-branches`: the current harness built against one commit's core.
//!
//! As rustc-perf keeps one collector and varies the compiler, perfgate keeps one harness and varies
//! the core. A side folder `target/perfgate/sides/<commit12>/` (in the harness's workspace) holds a
//! generated `Cargo.toml`: a package `perfgate` whose library, binary and callgrind bench are the
//! *current* harness's source files (absolute paths), whose `connascence` dependency is the side's
//! `core/` in its worktree, and whose profiles are the side's own (a profile change is part of the
//! change under test). `Cargo.lock` is the current workspace's, so both sides use the same
//! third-party versions unless a side's core needs others. All sides build into the shared target
//! folder of [`crate::engine::build`]. A core without the workload API (`core/src/workload.rs`) is
//! refused before anything is built.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::engine::EngineError;
use crate::engine::build::{self, Built, Kind, Source};
use crate::files::FileError;
use crate::results::ResultsError;

/// Why a side could not be prepared, built or run.
#[derive(Debug, thiserror::Error)]
pub enum SideError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{} is not valid TOML: {source}", .path.display())]
    Toml {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    /// The harness's manifests cannot be turned into a side manifest.
    #[error("{0}")]
    Manifest(String),
    #[error(
        "{label} ({short}) predates the stable workload API: its core has no {WORKLOAD_API}, so the current harness cannot be built against it; compare commits that have it"
    )]
    NoWorkloadApi { label: String, short: String },
    #[error(
        "{label} ({short}) has workload API version {version}; this harness speaks version {SPOKEN_API_VERSION}, so it cannot be built against that core"
    )]
    ApiVersion {
        label: String,
        short: String,
        version: u32,
    },
    /// The build of a side (`label (commit12): …`).
    #[error("{label} ({short}): {source}")]
    Build {
        label: String,
        short: String,
        #[source]
        source: Box<EngineError>,
    },
    #[error("cannot run {}: {source}", .binary.display())]
    Start {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{label} ({short}): `perfgate run` wrote no results ({status})")]
    NoResults {
        label: String,
        short: String,
        status: std::process::ExitStatus,
    },
    #[error(transparent)]
    Results(#[from] ResultsError),
}

/// The first file of the stable workload API the harness builds against.
pub const WORKLOAD_API: &str = "core/src/workload.rs";

fn read_table(path: &Path) -> Result<Table, SideError> {
    let text = crate::files::read_regular(path).map_err(FileError::of("read", path))?;
    text.parse::<Table>().map_err(|source| SideError::Toml {
        path: path.to_path_buf(),
        source,
    })
}

fn absolute(path: &Path) -> Value {
    Value::String(path.to_string_lossy().into_owned())
}

/// A dependency table with `workspace = true` entries resolved from the workspace's
/// `[workspace.dependencies]` (their own keys, such as `features`, added).
fn resolve_dependencies(deps: &Table, workspace_deps: &Table) -> Result<Table, SideError> {
    let mut resolved = Table::new();
    for (name, spec) in deps {
        let inherits = spec
            .get("workspace")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let value = if inherits {
            let mut base = match workspace_deps.get(name) {
                Some(Value::String(version)) => {
                    let mut table = Table::new();
                    table.insert("version".into(), Value::String(version.clone()));
                    table
                }
                Some(Value::Table(table)) => table.clone(),
                _ => {
                    return Err(SideError::Manifest(format!(
                        "dependency `{name}` inherits from [workspace.dependencies], which has no `{name}`"
                    )));
                }
            };
            if let Value::Table(own) = spec {
                for (key, value) in own.iter().filter(|(key, _)| key.as_str() != "workspace") {
                    base.insert(key.clone(), value.clone());
                }
            }
            Value::Table(base)
        } else {
            spec.clone()
        };
        resolved.insert(name.clone(), value);
    }
    Ok(resolved)
}

/// The side manifest: the harness of `workspace` (its `harness/` sources, dependencies, features)
/// against the core at `side_root/core`, with `side_root`'s profiles.
pub fn manifest(workspace: &Path, side_root: &Path, commit: &str) -> Result<String, SideError> {
    let harness = workspace.join("harness");
    let package = read_table(&harness.join("Cargo.toml"))?;
    let root = read_table(&workspace.join("Cargo.toml"))?;
    let side = read_table(&side_root.join("Cargo.toml"))?;
    let workspace_table = root.get("workspace").and_then(Value::as_table);
    let inherited = |key: &str| -> Result<Value, SideError> {
        match package.get("package").and_then(|p| p.get(key)) {
            Some(Value::Table(t)) if t.get("workspace").is_some() => workspace_table
                .and_then(|w| w.get("package"))
                .and_then(|p| p.get(key))
                .cloned()
                .ok_or_else(|| SideError::Manifest(format!("[workspace.package] has no `{key}`"))),
            Some(value) => Ok(value.clone()),
            None => Err(SideError::Manifest(format!(
                "harness/Cargo.toml has no package.{key}"
            ))),
        }
    };
    let empty = Table::new();
    let workspace_deps = workspace_table
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table)
        .unwrap_or(&empty);

    let mut out = Table::new();
    let mut pkg = Table::new();
    pkg.insert("name".into(), Value::String("perfgate".into()));
    pkg.insert("version".into(), inherited("version")?);
    pkg.insert("edition".into(), inherited("edition")?);
    pkg.insert("publish".into(), Value::Boolean(false));
    // Two binaries: perfgate and the heap engine's perfgate-dhat.
    pkg.insert("default-run".into(), Value::String("perfgate".into()));
    for auto in ["autobins", "autoexamples", "autotests", "autobenches"] {
        pkg.insert(auto.into(), Value::Boolean(false));
    }
    out.insert("package".into(), Value::Table(pkg));

    let mut lib = Table::new();
    lib.insert("path".into(), absolute(&harness.join("src/lib.rs")));
    lib.insert("bench".into(), Value::Boolean(false));
    lib.insert("doctest".into(), Value::Boolean(false));
    out.insert("lib".into(), Value::Table(lib));
    let bins = [
        ("perfgate", "src/bin/perfgate/main.rs"),
        ("perfgate-dhat", "src/bin/perfgate-dhat.rs"),
    ]
    .map(|(name, path)| {
        let mut bin = Table::new();
        bin.insert("name".into(), Value::String(name.into()));
        bin.insert("path".into(), absolute(&harness.join(path)));
        bin.insert("bench".into(), Value::Boolean(false));
        Value::Table(bin)
    });
    out.insert("bin".into(), Value::Array(bins.to_vec()));
    let mut bench = Table::new();
    bench.insert("name".into(), Value::String("callgrind".into()));
    bench.insert(
        "path".into(),
        absolute(&harness.join("benches/callgrind.rs")),
    );
    bench.insert("harness".into(), Value::Boolean(false));
    out.insert("bench".into(), Value::Array(vec![Value::Table(bench)]));

    for section in ["dependencies", "dev-dependencies"] {
        let deps = package
            .get(section)
            .and_then(Value::as_table)
            .unwrap_or(&empty);
        let mut deps = resolve_dependencies(deps, workspace_deps)?;
        if section == "dependencies" {
            let mut core = Table::new();
            core.insert("path".into(), absolute(&side_root.join("core")));
            deps.insert("connascence".into(), Value::Table(core));
        }
        out.insert(section.into(), Value::Table(deps));
    }
    if let Some(features) = package.get("features") {
        out.insert("features".into(), features.clone());
    }
    // Its own workspace (never a member of the repository's), with the side's profiles.
    out.insert("workspace".into(), Value::Table(Table::new()));
    if let Some(profile) = side.get("profile") {
        out.insert("profile".into(), profile.clone());
    }
    let body = toml::to_string(&out)
        .map_err(|error| SideError::Manifest(format!("cannot write TOML: {error}")))?;
    Ok(format!(
        "# Generated by `perfgate compare-branches`: the harness of {} built against the core of\n# commit {commit} ({}). Do not edit; it is rewritten on every run.\n{body}",
        workspace.display(),
        side_root.join("core").display()
    ))
}

/// The workload API version this harness is written against. Not read from the core (the harness
/// is compiled against older cores that lack the constant): a test checks it equals the current
/// core's `connascence::workload::API_VERSION`.
pub const SPOKEN_API_VERSION: u32 = 1;

/// The workload API version a core's `workload.rs` declares (`pub const API_VERSION: u32 = N;`);
/// 1 for a core from before the constant.
pub fn api_version(workload_rs: &str) -> u32 {
    workload_rs
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("pub const API_VERSION: u32 =")
                .and_then(|rest| rest.trim().trim_end_matches(';').trim().parse().ok())
        })
        .unwrap_or(1)
}

/// A side's generated folder, made ready to build.
#[derive(Debug, Clone)]
pub struct Side {
    /// The revision as the user wrote it (`main`, `v0.1.0`, a commit).
    pub label: String,
    pub commit: String,
    /// `target/perfgate/sides/<commit12>/`.
    pub dir: PathBuf,
    /// The side's checkout (its worktree).
    pub root: PathBuf,
}

impl Side {
    /// Checks that the side's core has the workload API, writes its manifest and `Cargo.lock` into
    /// `target/perfgate/sides/<name>` (`name`: the commit's first 12 characters). The lock is the
    /// workspace's; [`Side::prepare_with_lock`] takes another.
    pub fn prepare(
        workspace: &Path,
        root: &Path,
        name: &str,
        label: &str,
        commit: &str,
    ) -> Result<Side, SideError> {
        Side::prepare_with_lock(
            workspace,
            root,
            name,
            label,
            commit,
            &workspace.join("Cargo.lock"),
        )
    }

    /// [`Side::prepare`] with `lock` as the side's `Cargo.lock` (cargo adds what the harness needs
    /// beyond it; nothing it pins changes unless the harness requires it).
    pub fn prepare_with_lock(
        workspace: &Path,
        root: &Path,
        name: &str,
        label: &str,
        commit: &str,
        lock: &Path,
    ) -> Result<Side, SideError> {
        if !root.join(WORKLOAD_API).is_file() {
            return Err(SideError::NoWorkloadApi {
                label: label.to_owned(),
                short: commit[..commit.len().min(12)].to_owned(),
            });
        }
        let text = std::fs::read_to_string(root.join(WORKLOAD_API)).unwrap_or_default();
        let version = api_version(&text);
        if version != SPOKEN_API_VERSION {
            return Err(SideError::ApiVersion {
                label: label.to_owned(),
                short: commit[..commit.len().min(12)].to_owned(),
                version,
            });
        }
        let dir = workspace.join("target/perfgate/sides").join(name);
        std::fs::create_dir_all(&dir).map_err(FileError::of("create", &dir))?;
        let manifest_path = dir.join("Cargo.toml");
        crate::write_atomic(&manifest_path, &manifest(workspace, root, commit)?)
            .map_err(FileError::of("write", &manifest_path))?;
        if lock.is_file() {
            std::fs::copy(lock, dir.join("Cargo.lock")).map_err(FileError::of("copy", lock))?;
        }
        Ok(Side {
            label: label.to_owned(),
            commit: commit.to_owned(),
            dir,
            root: root.to_path_buf(),
        })
    }

    /// Builds the side's plain perfgate (the binary that times rounds and runs the other engines).
    pub fn build(&self) -> Result<Built, SideError> {
        build::build(&Source::side(&self.dir), Kind::Plain).map_err(|source| SideError::Build {
            label: self.label.clone(),
            short: self.short().to_owned(),
            source: Box::new(source),
        })
    }

    /// The first 12 characters of the commit.
    pub fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }

    /// Runs the side's perfgate (`run` with `engines`, never time: that is interleaved) over the
    /// scenarios `names` in its worktree, and loads its results, artifact paths made absolute (the
    /// worktree goes away after the report). The side's core is built with its default features.
    pub fn run(
        &self,
        binary: &Path,
        names: &[String],
        engines: &[String],
        corpora: &Path,
        runner: Option<&Path>,
    ) -> Result<crate::results::Results, SideError> {
        let out = self.dir.join("results.json");
        let _ = std::fs::remove_file(&out);
        let mut command = std::process::Command::new(binary);
        command
            .arg("--repo")
            .arg(&self.root)
            .args(["run", "--engines", &engines.join(",")])
            .args(["--filter", &format!("{{{}}}", names.join(","))])
            .arg("--out")
            .arg(&out)
            .env(build::SIDE_VARIABLE, &self.dir)
            .env(crate::corpus::CORPORA_VARIABLE, corpora)
            .env_remove(build::CORE_FEATURES_VARIABLE);
        if let Some(runner) = runner {
            command.env("GUNGRAUN_RUNNER", runner);
        }
        // Its table goes to stderr with the progress: stdout is the comparison's.
        let status = command
            .stdout(std::io::stderr())
            .status()
            .map_err(|source| SideError::Start {
                binary: binary.to_path_buf(),
                source,
            })?;
        if !out.is_file() {
            return Err(SideError::NoResults {
                label: self.label.clone(),
                short: self.short().to_owned(),
                status,
            });
        }
        let mut results = crate::results::Results::load(&out)?;
        let absolute = |path: &mut String| *path = self.root.join(&*path).display().to_string();
        for scenario in &mut results.scenarios {
            for engine in &crate::engine::ENGINES {
                engine.artifacts(scenario).into_iter().for_each(absolute);
            }
        }
        // The lock the side was built with, not its checkout's.
        results.fingerprint.cargo_lock_hash =
            crate::corpus::sha256_file(&self.dir.join("Cargo.lock")).ok();
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_builds_the_current_harness_against_the_sides_core_with_its_profiles() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let side = tempfile::tempdir().unwrap();
        std::fs::write(
            side.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"core\"]\n[profile.release]\nlto = true\n",
        )
        .unwrap();
        let text = manifest(workspace, side.path(), "abc").unwrap();
        let table: Table = text.parse().unwrap();
        assert_eq!(table["package"]["name"].as_str(), Some("perfgate"));
        assert_eq!(table["package"]["edition"].as_str(), Some("2024"));
        assert_eq!(
            table["dependencies"]["connascence"]["path"].as_str(),
            Some(side.path().join("core").to_str().unwrap())
        );
        assert_eq!(
            table["lib"]["path"].as_str(),
            Some(workspace.join("harness/src/lib.rs").to_str().unwrap())
        );
        assert_eq!(table["bench"][0]["name"].as_str(), Some("callgrind"));
        assert_eq!(
            table["dev-dependencies"]["gungraun"].as_str(),
            Some("=0.20.0")
        );
        let bins: Vec<&str> = table["bin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|bin| bin["name"].as_str().unwrap())
            .collect();
        assert_eq!(bins, ["perfgate", "perfgate-dhat"]);
        assert_eq!(table["package"]["default-run"].as_str(), Some("perfgate"));
        assert_eq!(table["profile"]["release"]["lto"].as_bool(), Some(true));
        assert!(table["workspace"].as_table().unwrap().is_empty());
    }

    #[test]
    fn a_core_without_the_workload_api_is_refused_by_name() {
        let side = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(side.path().join("core/src")).unwrap();
        let error = Side::prepare(
            Path::new("/nonexistent"),
            side.path(),
            "0123456789ab",
            "v0.0.1",
            "0123456789abcdef",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "v0.0.1 (0123456789ab) predates the stable workload API: its core has no core/src/workload.rs, so the current harness cannot be built against it; compare commits that have it"
        );
    }

    #[test]
    fn the_workload_api_version_is_read_and_a_core_without_one_speaks_version_1() {
        assert_eq!(api_version("//! old core\npub fn run() {}\n"), 1);
        assert_eq!(api_version("pub const API_VERSION: u32 = 7;\n"), 7);
        let current = include_str!("../../core/src/workload.rs");
        assert_eq!(api_version(current), SPOKEN_API_VERSION);
    }

    #[test]
    fn inherited_dependencies_take_the_workspace_spec_and_their_own_keys() {
        let deps: Table = "a = { workspace = true, features = [\"x\"] }\nb = \"1\"\n"
            .parse()
            .unwrap();
        let workspace: Table = "a = \"=0.0.10\"\n".parse().unwrap();
        let resolved = resolve_dependencies(&deps, &workspace).unwrap();
        assert_eq!(resolved["a"]["version"].as_str(), Some("=0.0.10"));
        assert_eq!(resolved["a"]["features"][0].as_str(), Some("x"));
        assert!(resolved["a"].get("workspace").is_none());
        assert_eq!(resolved["b"].as_str(), Some("1"));
        let missing: Table = "c = { workspace = true }\n".parse().unwrap();
        assert_eq!(
            resolve_dependencies(&missing, &workspace)
                .unwrap_err()
                .to_string(),
            "dependency `c` inherits from [workspace.dependencies], which has no `c`"
        );
    }
}
