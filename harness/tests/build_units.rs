//! The engines' builds reuse the release build's compiled units: `cargo bench` (the callgrind bench)
//! resolves every crate the release binary uses with the same features as `cargo build --release`,
//! so cargo compiles the bench alone and leaves `target/release/perfgate` as it was. A
//! dev-dependency that turns on a feature of a shared crate would silently make the first gate of
//! a clone compile that crate and everything above it a second time (about two minutes on two
//! cores) and re-link the binary the gate runs from; this test names the crate and the features to
//! turn on in `harness/Cargo.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

mod common;

/// Package → features, as `cargo tree` resolves them for perfgate with the given edge kinds (every
/// occurrence, so each package's whole feature set).
fn features(edges: &str) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(common::workspace_root())
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "perfgate",
            "-e",
            edges,
        ])
        .args(["--prefix", "none", "--no-dedupe", "-f", "{p}|{f}"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", common::text(&output));
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        let package = package.trim_end_matches(" (*)").trim().to_owned();
        found.entry(package).or_default().extend(
            features
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned),
        );
    }
    found
}

#[test]
fn the_bench_build_resolves_every_crate_of_the_release_build_with_its_features() {
    let release = features("normal,build");
    let bench = features("normal,build,dev");
    assert!(
        release.keys().any(|p| p.starts_with("connascence ")),
        "{release:?}"
    );
    let differing: Vec<String> = release
        .iter()
        .filter_map(|(package, features)| {
            let more: Vec<&String> = bench.get(package)?.difference(features).collect();
            (!more.is_empty()).then(|| format!("{package}: the bench build adds {more:?}"))
        })
        .collect();
    assert!(
        differing.is_empty(),
        "turn these features on in harness/Cargo.toml's [dependencies], or the bench build compiles them again:\n{}",
        differing.join("\n")
    );
}
