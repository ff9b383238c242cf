//! The peer comparison: connascence against ruff, and against its own parse-only floor, on the
//! pinned corpora, each tool run as a whole process (discovery, reading, parsing, output) in
//! alternating rounds. A reported comparison, never a gate: the two rule sets differ.
//!
//! `scenarios/peers.toml` pins ruff by version and wheel sha256. [`ensure_ruff`] downloads the wheel
//! with `pip download --require-hashes` (as the corpora are), checks its sha256 again, and installs it
//! into a venv under `target/perfgate/tools/ruff-<version>/` with `--no-index`, so nothing unpinned is
//! fetched. [`measure`] runs every command once unrecorded, then `rounds` rounds in which each
//! command runs once, the order rotated by one place per round (no command always runs first, right
//! after another). [`summarize`] turns the samples into medians and ratios with 95 % intervals
//! (Hodges–Lehmann and Moses on log times, as `compare` does for wall time).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::files::FileError;

/// The configuration file's name inside `scenarios/` (the scenario loader skips it).
pub use crate::scenario::PEERS_FILE as CONFIG_FILE;
/// The fewest rounds a comparison may have.
pub const MIN_ROUNDS: usize = 10;

/// `scenarios/peers.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeersConfig {
    pub ruff: RuffPin,
    pub comparison: ComparisonConfig,
}

/// The ruff release measured against, pinned.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuffPin {
    pub version: String,
    /// sha256 of each wheel pip may choose (lowercase hex).
    pub wheels: Vec<String>,
    /// ruff's rules closest to connascence's default set.
    pub select: Vec<String>,
}

/// What is compared by default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonConfig {
    /// Pinned corpora (names from `scenarios/corpora.toml`).
    pub corpora: Vec<String>,
    pub rounds: usize,
}

/// Why the peer comparison could not be set up or run, or its file not read or written.
#[derive(Debug, thiserror::Error)]
pub enum PeersError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Corpus(#[from] crate::corpus::CorpusError),
    /// `peers.toml` (or its label) with `:line:column` where known, and what is wrong.
    #[error("{place}: {message}")]
    Config { place: String, message: String },
    #[error("cannot run {what}: {source}")]
    Start {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A command that ran and failed, with the end of its stderr.
    #[error("{what} failed ({status}): {detail}")]
    Failed {
        what: String,
        status: std::process::ExitStatus,
        detail: String,
    },
    #[error(
        "{} has sha256 {actual}, which is none of the pinned {pinned}; nothing was installed",
        .wheel.display()
    )]
    Unpinned {
        wheel: PathBuf,
        actual: String,
        pinned: String,
    },
    #[error("pip left no {prefix}*.whl in {}", .dir.display())]
    NoWheel { prefix: String, dir: PathBuf },
    #[error("{} reports version {found:?} after installing, expected {expected}", .ruff.display())]
    Installed {
        ruff: PathBuf,
        found: Option<String>,
        expected: String,
    },
    /// Output cannot be discarded for free ([`discard_problem`]).
    #[error("{0}")]
    Discard(String),
    /// The warm run printed other findings than the uncached one ([`warm_equals_cold`]).
    #[error(
        "{corpus}: the run from the disk cache printed other output than the uncached run: {detail}"
    )]
    CachedOutput { corpus: String, detail: String },
    #[error("{}:{}:{}: not a peers report: {source}", .path.display(), .source.line(), .source.column())]
    Report {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot encode the peers report: {0}")]
    Encode(#[source] serde_json::Error),
}

impl PeersConfig {
    pub fn load(path: &Path) -> Result<PeersConfig, PeersError> {
        let text = crate::files::read_regular(path).map_err(FileError::of("read", path))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks the file; errors name `label`, the line and column.
    pub fn parse(text: &str, label: &str) -> Result<PeersConfig, PeersError> {
        let config: PeersConfig = toml::from_str(text).map_err(|error| {
            let at = error.span().map_or(String::new(), |span| {
                let (line, column) = crate::corpus::line_column(text, span.start);
                format!(":{line}:{column}")
            });
            PeersError::Config {
                place: format!("{label}{at}"),
                message: error.message().trim_end().to_owned(),
            }
        })?;
        let invalid = |message: String| PeersError::Config {
            place: label.to_owned(),
            message,
        };
        let valid_hash =
            |h: &String| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if config.ruff.wheels.is_empty() || !config.ruff.wheels.iter().all(valid_hash) {
            return Err(invalid(
                "[ruff] wheels must list one or more sha256 hashes (64 lowercase hex digits)"
                    .into(),
            ));
        }
        if config.ruff.version.is_empty()
            || !config
                .ruff
                .version
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Err(invalid(format!(
                "[ruff] version must be a release number such as \"0.16.4\", got {:?}",
                config.ruff.version
            )));
        }
        if config.comparison.rounds < MIN_ROUNDS {
            return Err(invalid(format!(
                "[comparison] rounds must be at least {MIN_ROUNDS}, got {}",
                config.comparison.rounds
            )));
        }
        Ok(config)
    }
}

/// The version a ruff binary reports (`ruff 0.16.4` → `0.16.4`), if it runs.
pub fn ruff_version(ruff: &Path) -> Option<String> {
    crate::tools::reported_version(ruff, "ruff ")
}

/// Where the pinned ruff is installed.
pub fn ruff_dir(root: &Path, pin: &RuffPin) -> PathBuf {
    crate::tools::tools_root(root).join(format!("ruff-{}", pin.version))
}

fn run_checked(command: &mut Command, what: &str) -> Result<(), PeersError> {
    let output = command.output().map_err(|source| PeersError::Start {
        what: what.to_owned(),
        source,
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(PeersError::Failed {
        what: what.to_owned(),
        status: output.status,
        detail: crate::corpus::stderr_tail(&output.stderr, 3),
    })
}

/// Checks a downloaded wheel against the pins; the error names the file and both hashes.
pub fn verify_wheel(wheel: &Path, pin: &RuffPin) -> Result<(), PeersError> {
    let actual = crate::corpus::sha256_file(wheel)?;
    if pin.wheels.contains(&actual) {
        Ok(())
    } else {
        Err(PeersError::Unpinned {
            wheel: wheel.to_path_buf(),
            actual,
            pinned: pin.wheels.join(", "),
        })
    }
}

/// The pinned ruff: already installed, or downloaded, verified and installed now.
pub fn ensure_ruff(
    root: &Path,
    pin: &RuffPin,
    progress: &dyn Fn(&str),
) -> Result<PathBuf, PeersError> {
    let dir = ruff_dir(root, pin);
    let ruff = dir.join("venv/bin/ruff");
    if ruff_version(&ruff).as_deref() == Some(pin.version.as_str()) {
        return Ok(ruff);
    }
    std::fs::create_dir_all(&dir).map_err(FileError::of("create", &dir))?;
    let lock_path = dir.join(".install.lock");
    let lock = std::fs::File::create(&lock_path).map_err(FileError::of("create", &lock_path))?;
    lock.lock().map_err(FileError::of("lock", &lock_path))?;
    if ruff_version(&ruff).as_deref() == Some(pin.version.as_str()) {
        return Ok(ruff);
    }
    progress(&format!(
        "installing ruff {} into {} (pip download --require-hashes, then a venv; once)",
        pin.version,
        dir.display()
    ));
    let downloads = dir.join("downloads");
    std::fs::create_dir_all(&downloads).map_err(FileError::of("create", &downloads))?;
    let requirements = downloads.join("requirements.txt");
    let hashes: Vec<String> = pin
        .wheels
        .iter()
        .map(|hash| format!("--hash=sha256:{hash}"))
        .collect();
    crate::write_atomic(
        &requirements,
        &format!("ruff=={} {}\n", pin.version, hashes.join(" ")),
    )
    .map_err(FileError::of("write", &requirements))?;
    run_checked(
        &mut crate::corpus::pip_download("python3", &requirements, &downloads),
        &format!("pip download of ruff {}", pin.version),
    )?;
    let prefix = format!("ruff-{}-", pin.version);
    let wheel = std::fs::read_dir(&downloads)
        .map_err(FileError::of("read", &downloads))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
        })
        .ok_or_else(|| PeersError::NoWheel {
            prefix: prefix.clone(),
            dir: downloads.clone(),
        })?;
    verify_wheel(&wheel, pin)?;
    let venv = dir.join("venv");
    run_checked(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "python3 -m venv",
    )?;
    run_checked(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--no-deps", "--no-index"])
            .arg("--disable-pip-version-check")
            .arg(&wheel),
        "pip install of the verified ruff wheel",
    )?;
    match ruff_version(&ruff) {
        Some(version) if version == pin.version => Ok(ruff),
        found => Err(PeersError::Installed {
            ruff: ruff.clone(),
            found,
            expected: pin.version.clone(),
        }),
    }
}

/// One command of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCommand {
    /// Short name: `connascence-1`, `ruff-1`, `parse-only-1`, `connascence-all`, `ruff-all`.
    pub key: String,
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub env: Vec<(String, String)>,
}

impl PeerCommand {
    /// The command as a person would type it.
    pub fn display(&self) -> String {
        let mut words: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        words.push(self.program.display().to_string());
        words.extend(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
        words.join(" ")
    }

    /// Runs the command once with its output sent to `stdout`: the output and the seconds it took,
    /// or the end of its stderr when it failed.
    fn run(&self, stdout: Stdio) -> Result<(std::process::Output, f64), PeersError> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped());
        let start = Instant::now();
        let output = command.output().map_err(|source| PeersError::Start {
            what: format!("`{}`", self.display()),
            source,
        })?;
        let seconds = start.elapsed().as_secs_f64();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(PeersError::Failed {
                what: format!("`{}`", self.display()),
                status: output.status,
                detail: stderr.lines().last().unwrap_or("").to_owned(),
            });
        }
        Ok((output, seconds))
    }

    fn run_once(&self) -> Result<f64, PeersError> {
        self.run(Stdio::null()).map(|(_, seconds)| seconds)
    }
}

/// The order of the commands in round `round`: rotated by one place per round.
pub fn round_order(commands: usize, round: usize) -> Vec<usize> {
    (0..commands).map(|i| (i + round) % commands).collect()
}

/// Where the commands' output goes (`Stdio::null()` opens it by this path).
pub const DISCARD: &str = "/dev/null";

/// Why `path` cannot take the commands' output without cost, if it cannot: it must be the null
/// device. A regular file there (left by a tool that renamed a file over it) makes every discarded
/// byte a write to disk: connascence's 50 MB of JSON on the stdlib would be timed as file writes,
/// ruff's few lines not.
pub fn discard_problem(path: &Path) -> Option<String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    // Linux's null device is character device 1:3.
    const NULL_DEVICE: u64 = (1 << 8) | 3;
    let found = match std::fs::metadata(path) {
        Ok(meta) if meta.file_type().is_char_device() && meta.rdev() == NULL_DEVICE => return None,
        Ok(meta) if meta.file_type().is_char_device() => "another character device",
        Ok(meta) if meta.is_file() => "a regular file, put in its place",
        Ok(meta) if meta.is_dir() => "a folder",
        Ok(_) => "neither a file nor the device",
        Err(error) => return Some(format!("{}: {error}", path.display())),
    };
    Some(format!(
        "{0} is not the null device here ({found}): discarded output would not be discarded for \
         free and would skew the times; as root, restore it with `rm {0} && mknod -m 666 {0} c 1 3`",
        path.display()
    ))
}

/// Runs each command once unrecorded, then `rounds` alternating rounds; returns the seconds per
/// command, in the order of `commands`. Refuses when the output cannot be discarded for free.
pub fn measure(
    commands: &[PeerCommand],
    rounds: usize,
    progress: &dyn Fn(&str),
) -> Result<Vec<Vec<f64>>, PeersError> {
    if let Some(problem) = discard_problem(Path::new(DISCARD)) {
        return Err(PeersError::Discard(problem));
    }
    for command in commands {
        command.run_once()?;
    }
    let mut samples = vec![Vec::with_capacity(rounds); commands.len()];
    for round in 0..rounds {
        for index in round_order(commands.len(), round) {
            samples[index].push(commands[index].run_once()?);
        }
        progress(&format!("  round {}/{rounds}", round + 1));
    }
    Ok(samples)
}

/// One corpus's measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerRow {
    pub corpus: String,
    /// Python files connascence analyzed, and the files ruff checked (`ruff check --show-files`).
    pub files: u64,
    pub ruff_files: u64,
    pub lines: u64,
    /// Findings each tool reports (connascence's default rules; ruff's selection): the rule sets
    /// differ, and reporting (building and printing) findings is part of each tool's time.
    #[serde(default)]
    pub findings: u64,
    #[serde(default)]
    pub ruff_findings: u64,
    /// Seconds per round, by command key.
    pub seconds: BTreeMap<String, Vec<f64>>,
}

/// A ratio of two commands' times with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl PeerRow {
    pub fn median(&self, key: &str) -> Option<f64> {
        let samples = self.seconds.get(key)?;
        (!samples.is_empty()).then(|| crate::stats::median(samples))
    }

    /// `numerator`'s time over `denominator`'s: Hodges–Lehmann on log times, Moses 95 % interval.
    pub fn ratio(&self, numerator: &str, denominator: &str) -> Option<Ratio> {
        let logs = |key: &str| -> Option<Vec<f64>> {
            Some(self.seconds.get(key)?.iter().map(|s| s.ln()).collect())
        };
        let (x, y) = (logs(numerator)?, logs(denominator)?);
        let shift = crate::stats::hodges_lehmann(&x, &y).ok()?;
        let (low, high) = crate::stats::moses_interval(&x, &y, 0.95).ok()?;
        Some(Ratio {
            estimate: shift.exp(),
            low: low.exp(),
            high: high.exp(),
        })
    }

    /// Lines per second of `key`'s median.
    pub fn lines_per_second(&self, key: &str) -> Option<f64> {
        self.median(key).map(|s| self.lines as f64 / s)
    }
}

/// A whole comparison, as written to `target/perfgate/peers/peers.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeersReport {
    pub fingerprint: crate::results::Fingerprint,
    pub ruff_version: String,
    pub rounds: usize,
    pub rows: Vec<PeerRow>,
    /// The commands, with `CORPUS` standing for the corpus folder.
    pub commands: Vec<String>,
}

/// Where `perfgate peers` writes its results.
pub fn default_output(root: &Path) -> PathBuf {
    root.join("target/perfgate/peers/peers.json")
}

impl PeersReport {
    pub fn load(path: &Path) -> Result<PeersReport, PeersError> {
        let text = crate::files::read_regular(path).map_err(FileError::of("read", path))?;
        serde_json::from_str(&text).map_err(|source| PeersError::Report {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The report at [`default_output`], if `perfgate peers` has written one.
    pub fn load_if_present(root: &Path) -> Result<Option<PeersReport>, PeersError> {
        let path = default_output(root);
        if path.exists() {
            Self::load(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// [`PeersReport::load_if_present`] for a report that only shows the table: a damaged or
    /// outdated file is left out with a warning rather than failing the report.
    pub fn load_or_warn(root: &Path) -> Option<PeersReport> {
        Self::load_if_present(root).unwrap_or_else(|error| {
            eprintln!("warning: {error}; the report leaves the peer table out");
            None
        })
    }

    pub fn save(&self, path: &Path) -> Result<(), PeersError> {
        let text = serde_json::to_string_pretty(self).map_err(PeersError::Encode)?;
        crate::write_atomic(path, &text).map_err(FileError::of("write", path))?;
        Ok(())
    }
}

/// `flag NAME` for each name left out of a corpus folder (`--exclude` for connascence,
/// `--extend-exclude` for ruff: both match a folder's name anywhere below the corpus).
pub fn excluding(flag: &str, without: &[String]) -> Vec<OsString> {
    without
        .iter()
        .flat_map(|name| [OsString::from(flag), OsString::from(name)])
        .collect()
}

/// The command keys, in the order the table shows them.
pub const KEYS: [&str; 6] = [
    "connascence-1",
    "ruff-1",
    "parse-only-1",
    "connascence-all",
    "ruff-all",
    "warm-1",
];

/// The six commands for one corpus folder. `warm-1` is the one-thread analysis again with the disk
/// cache in `cache` (a new process each time; the unrecorded first run of [`measure`] fills it, so
/// every recorded run is a warm run of an unchanged tree).
pub fn commands(
    connascence: &Path,
    ruff: &Path,
    pin: &RuffPin,
    corpus: &Path,
    without: &[String],
    cache: &Path,
) -> Vec<PeerCommand> {
    let analysis = |threads: &str, extra: &[&str]| -> Vec<OsString> {
        let mut args: Vec<OsString> = ["check", "--threads", threads, "--no-cache", "--exit-zero"]
            .iter()
            .chain(extra)
            .chain(&["--format", "json"])
            .map(OsString::from)
            .collect();
        args.extend(excluding("--exclude", without));
        args.push(corpus.into());
        args
    };
    let ruff_args = || -> Vec<OsString> {
        let select = pin.select.join(",");
        let mut args: Vec<OsString> = [
            "check",
            "--no-cache",
            "--isolated",
            "--exit-zero",
            "--preview",
            "--select",
            &select,
        ]
        .iter()
        .map(OsString::from)
        .collect();
        args.extend(excluding("--extend-exclude", without));
        args.push(corpus.into());
        args
    };
    let command =
        |key: &str, program: &Path, args: Vec<OsString>, env: &[(&str, &str)]| PeerCommand {
            key: key.to_owned(),
            program: program.to_owned(),
            args,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
    vec![
        command("connascence-1", connascence, analysis("1", &[]), &[]),
        command("ruff-1", ruff, ruff_args(), &[("RAYON_NUM_THREADS", "1")]),
        command(
            "parse-only-1",
            connascence,
            analysis("1", &["--parse-only"]),
            &[],
        ),
        command("connascence-all", connascence, analysis("0", &[]), &[]),
        command("ruff-all", ruff, ruff_args(), &[]),
        command(
            "warm-1",
            connascence,
            ["check", "--threads", "1", "--cache-dir"]
                .iter()
                .map(OsString::from)
                .chain([cache.into()])
                .chain(
                    ["--exit-zero", "--format", "json"]
                        .iter()
                        .map(OsString::from),
                )
                .chain(excluding("--exclude", without))
                .chain([corpus.into()])
                .collect(),
            &[],
        ),
    ]
}

mod same;
pub use same::{first_difference, warm_equals_cold};

#[cfg(test)]
mod tests;
