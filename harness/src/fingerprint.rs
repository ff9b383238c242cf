//! Collects the environment [`Fingerprint`] of a run: versions, commit, machine, load.
//!
//! Every field is read from the system when the run starts (commands such as `git`, `rustc -vV`,
//! `ldd --version`, `valgrind --version`, and `/proc`); a field that cannot be read is `None`, never
//! guessed.

use std::path::Path;
use std::process::Command;

use crate::results::Fingerprint;

fn command_output(program: &str, args: &[&str], dir: &Path) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn first_line(text: Option<String>) -> Option<String> {
    text.and_then(|text| text.lines().next().map(|line| line.trim().to_owned()))
        .filter(|line| !line.is_empty())
}

fn cpuinfo_field(cpuinfo: &str, field: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|line| {
            line.split(':')
                .next()
                .is_some_and(|key| key.trim() == field)
        })
        .and_then(|line| line.split_once(':'))
        .map(|(_, value)| value.trim().to_owned())
}

/// Reads the fingerprint of this machine and of the repository at `repo_root`.
pub fn collect(repo_root: &Path) -> Fingerprint {
    let rustc = command_output("rustc", &["-vV"], repo_root);
    let rustc_field = |key: &str| {
        rustc.as_ref().and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix(key).map(|v| v.trim().to_owned()))
        })
    };
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let git_commit = first_line(command_output("git", &["rev-parse", "HEAD"], repo_root));
    let git_dirty = command_output(
        "git",
        &["status", "--porcelain", "--untracked-files=no"],
        repo_root,
    )
    .map(|status| !status.trim().is_empty());
    // What a measurement depends on: a change elsewhere (docs, ci/) leaves a run reproducible.
    let dirty_paths = command_output(
        "git",
        &[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "core",
            "harness",
            "scenarios",
            "Cargo.toml",
            "Cargo.lock",
        ],
        repo_root,
    )
    .map(|status| {
        status
            .lines()
            .filter_map(|line| line.get(3..).map(str::to_owned))
            .collect()
    })
    .unwrap_or_default();
    let tree = |dir: &str| {
        git_commit.as_ref().and_then(|commit| {
            first_line(command_output(
                "git",
                &["rev-parse", &format!("{commit}:{dir}")],
                repo_root,
            ))
        })
    };
    let (core_tree, harness_tree) = (tree("core"), tree("harness"));
    let cargo_lock_hash = crate::corpus::sha256_file(&repo_root.join("Cargo.lock")).ok();
    let glibc = first_line(command_output("ldd", &["--version"], repo_root))
        .and_then(|line| line.rsplit(' ').next().map(str::to_owned));
    Fingerprint {
        perfgate_version: env!("CARGO_PKG_VERSION").to_owned(),
        git_commit,
        git_dirty,
        cargo_lock_hash,
        // The profile of what is measured: the engines always build the workload's binaries in the
        // release (bench) profile, whichever profile this perfgate itself was built in.
        build_profile: "release".to_owned(),
        rustflags: std::env::var("RUSTFLAGS").unwrap_or_default(),
        rustc: rustc_field("release:").map(|release| format!("rustc {release}")),
        target: rustc_field("host:")
            .unwrap_or_else(|| format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)),
        cpu_model: cpuinfo_field(&cpuinfo, "model name"),
        cpu_flags_hash: cpuinfo_field(&cpuinfo, "flags")
            .map(|flags| format!("{:016x}", xxhash_rust::xxh3::xxh3_64(flags.as_bytes()))),
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|k| k.trim().to_owned()),
        glibc,
        valgrind: first_line(command_output("valgrind", &["--version"], repo_root)),
        load_average: std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| text.split_whitespace().next().and_then(|v| v.parse().ok())),
        timestamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        core_tree,
        harness_tree,
        dirty_paths,
        core_features: crate::engine::build::core_features().unwrap_or_default(),
    }
}
