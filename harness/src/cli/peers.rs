//! `perfgate peers`: provisions the pinned ruff and the corpora, builds connascence, measures the
//! five commands of `crate::peers::commands` on each corpus in alternating rounds, prints the
//! table and writes `target/perfgate/peers/peers.json` (the gate's report shows it) and `peers.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::corpus::{CorpusLock, Fetcher, LOCK_FILE};
use crate::peers::{self, PeerRow, PeersConfig, PeersReport};

use crate::cli::args::PeersArgs;
use crate::cli::{CliError, Result, fail};

fn say(line: &str) {
    eprintln!("peers: {line}");
}

/// Builds the release connascence binary (nothing to do when it is up to date) and returns it.
fn build_connascence(root: &Path) -> Result<PathBuf> {
    say("building connascence (cargo build --release -p connascence)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["build", "--release", "--quiet", "-p", "connascence"])
        .args([
            "--bin",
            "connascence",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .output()
        .map_err(CliError::io(format!("cannot run {cargo}")))?;
    if !output.status.success() {
        fail!(
            "building connascence failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "connascence")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| CliError::Invalid("cargo built no connascence executable".into()))
}

/// What each tool finds under `dir`: connascence's files, lines and findings (one full analysis,
/// which also warms the file cache), ruff's files and findings.
struct Sizes {
    files: u64,
    lines: u64,
    findings: u64,
    ruff_files: u64,
    ruff_findings: u64,
}

fn sizes(
    connascence: &Path,
    ruff: &Path,
    pin: &peers::RuffPin,
    dir: &Path,
    without: &[String],
) -> Result<Sizes> {
    let run = |command: &mut Command, what: &str| -> Result<Vec<u8>> {
        let output = command
            .output()
            .map_err(CliError::io(format!("cannot run {what}")))?;
        if !output.status.success() {
            fail!(
                "{what} on {} failed ({}): {}",
                dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(output.stdout)
    };
    let analysis = run(
        Command::new(connascence)
            .args(["check", "--no-cache", "--exit-zero", "--format", "json"])
            .args(peers::excluding("--exclude", without))
            .arg(dir),
        "connascence",
    )?;
    let json: serde_json::Value =
        serde_json::from_slice(&analysis).map_err(|source| CliError::Decode {
            context: format!("connascence gave no JSON report for {}", dir.display()),
            source,
        })?;
    let count = |key: &str| json["stats"][key].as_u64().unwrap_or(0);
    let listed = run(
        Command::new(ruff)
            .args(["check", "--isolated", "--preview", "--show-files"])
            .args(peers::excluding("--extend-exclude", without))
            .arg(dir),
        "ruff --show-files",
    )?;
    let ruff_files = String::from_utf8_lossy(&listed)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .count() as u64;
    let reported = run(
        Command::new(ruff)
            .args([
                "check",
                "--no-cache",
                "--isolated",
                "--exit-zero",
                "--preview",
            ])
            .args(["--output-format", "json", "--select", &pin.select.join(",")])
            .args(peers::excluding("--extend-exclude", without))
            .arg(dir),
        "ruff",
    )?;
    let ruff_json: serde_json::Value =
        serde_json::from_slice(&reported).map_err(|source| CliError::Decode {
            context: format!("ruff gave no JSON report for {}", dir.display()),
            source,
        })?;
    Ok(Sizes {
        files: count("files_analyzed"),
        lines: count("lines"),
        findings: count("findings"),
        ruff_files,
        ruff_findings: ruff_json.as_array().map_or(0, |a| a.len() as u64),
    })
}

pub fn peers(root: &Path, args: &PeersArgs) -> Result<u8> {
    let config_path = root.join("scenarios").join(peers::CONFIG_FILE);
    let config = PeersConfig::load(&config_path)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| peers::default_output(root));
    if out.extension().is_some_and(|e| e == "md") {
        fail!(
            "--out {}: the results file is JSON (the Markdown table is written beside it as .md)",
            out.display()
        );
    }
    let rounds = args.rounds.unwrap_or(config.comparison.rounds);
    if rounds < peers::MIN_ROUNDS {
        fail!(
            "--rounds must be at least {}, got {rounds}",
            peers::MIN_ROUNDS
        );
    }
    let lock = CorpusLock::load(&root.join("scenarios").join(LOCK_FILE))?;
    let names = if args.corpora.is_empty() {
        config.comparison.corpora.clone()
    } else {
        args.corpora.clone()
    };
    // Label, folder, and the folder names left out.
    let mut targets: Vec<(String, PathBuf, Vec<String>)> = Vec::new();
    let fetcher = Fetcher::new(root);
    for name in &names {
        let corpus = lock.require(name)?;
        let step = fetcher.cached(corpus).is_none().then(|| {
            crate::progress::Step::setup(format!(
                "fetching corpus {name} (pip download --require-hashes)"
            ))
        });
        fetcher.fetch(corpus)?;
        drop(step);
        targets.push((name.clone(), fetcher.dir(corpus), Vec::new()));
    }
    for path in &args.paths {
        if !path.is_dir() {
            fail!("--path {}: not a folder", path.display());
        }
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        // Two folders of one name get their whole paths as labels.
        let label = if targets.iter().any(|(other, _, _)| *other == name) {
            path.display().to_string()
        } else {
            name
        };
        let without = format!("{label} without {}", args.without.join(", "));
        targets.push((label, path.clone(), Vec::new()));
        if !args.without.is_empty() {
            targets.push((without, path.clone(), args.without.clone()));
        }
    }
    let ruff = peers::ensure_ruff(root, &config.ruff, &say)?;
    let connascence = build_connascence(root)?;
    let fingerprint = crate::fingerprint::collect(root);
    let mut rows = Vec::new();
    for (label, dir, without) in &targets {
        let size = sizes(&connascence, &ruff, &config.ruff, dir, without)?;
        say(&format!(
            "{label}: {} files, {} lines, {} findings (ruff: {}); {rounds} rounds of {} commands",
            size.files,
            size.lines,
            size.findings,
            size.ruff_findings,
            peers::KEYS.len()
        ));
        // A cache of its own per corpus, emptied first: the unrecorded first run fills it.
        let cache = out
            .parent()
            .unwrap_or(Path::new("."))
            .join(format!("cache-{}", rows.len()));
        // A folder left by an earlier measurement is removed; one that is not there is the usual case.
        let _ = std::fs::remove_dir_all(&cache);
        let commands = peers::commands(&connascence, &ruff, &config.ruff, dir, without, &cache);
        let samples = peers::measure(&commands, rounds, &say)?;
        peers::warm_equals_cold(label, &commands)?;
        rows.push(PeerRow {
            corpus: label.clone(),
            files: size.files,
            ruff_files: size.ruff_files,
            lines: size.lines,
            findings: size.findings,
            ruff_findings: size.ruff_findings,
            seconds: commands
                .iter()
                .map(|c| c.key.clone())
                .zip(samples)
                .collect(),
        });
    }
    let shown = peers::commands(
        Path::new("target/release/connascence"),
        ruff.strip_prefix(root).unwrap_or(&ruff),
        &config.ruff,
        Path::new("CORPUS"),
        &[],
        Path::new("CACHE"),
    );
    let report = PeersReport {
        fingerprint,
        ruff_version: config.ruff.version.clone(),
        rounds,
        rows,
        commands: std::iter::once(invocation(args, rounds))
            .chain(shown.iter().map(peers::PeerCommand::display))
            .chain((!args.without.is_empty()).then(|| {
                "# rows `CORPUS without NAME, …`: connascence with `--exclude NAME`, ruff with `--extend-exclude NAME`, for each NAME".to_owned()
            }))
            .collect(),
    };
    report.save(&out)?;
    let markdown = crate::report::peers::markdown(&report);
    let markdown_path = out.with_extension("md");
    crate::export::write_atomic(&markdown_path, &markdown)?;
    crate::outln!("{markdown}");
    say(&format!(
        "wrote {} and {}",
        out.display(),
        markdown_path.display()
    ));
    if let Some(page) = &args.markdown {
        crate::export::write_atomic(page, &crate::report::peers::page(&report))?;
        say(&format!("wrote {}", page.display()));
    }
    Ok(0)
}

/// The command that reproduces this comparison: the corpora and folders it was given, and the rounds.
fn invocation(args: &PeersArgs, rounds: usize) -> String {
    let mut command = format!("cargo run --release -p perfgate -- peers --rounds {rounds}");
    for corpus in &args.corpora {
        command.push_str(&format!(" --corpus {}", crate::shell_word(corpus)));
    }
    for path in &args.paths {
        let path = path.display().to_string();
        command.push_str(&format!(" --path {}", crate::shell_word(&path)));
    }
    for name in &args.without {
        command.push_str(&format!(" --without {}", crate::shell_word(name)));
    }
    if let Some(page) = &args.markdown {
        let page = page.display().to_string();
        command.push_str(&format!(" --markdown {}", crate::shell_word(&page)));
    }
    command
}
