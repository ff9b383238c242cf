//! `perfgate peers` refuses bad usage with exit 2 and a clear message before it installs or
//! measures anything. (The measurement itself needs ruff from PyPI and minutes: `ci/peers.sh`.)

mod common;

use common::{perfgate, stderr, tiny_repo};

#[test]
fn fewer_than_ten_rounds_a_markdown_results_path_and_a_missing_configuration_are_usage_errors() {
    let repo = tiny_repo();
    let root = repo.path();
    let missing = perfgate(root, &["peers"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("scenarios/peers.toml: No such file or directory"),
        "{}",
        stderr(&missing)
    );
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/peers.toml");
    std::fs::copy(config, root.join("scenarios/peers.toml")).unwrap();
    let few = perfgate(root, &["peers", "--rounds", "3"]);
    assert_eq!(few.status.code(), Some(2));
    assert_eq!(stderr(&few), "error: --rounds must be at least 10, got 3\n");
    let markdown = perfgate(root, &["peers", "--out", "table.md"]);
    assert_eq!(markdown.status.code(), Some(2));
    assert_eq!(
        stderr(&markdown),
        "error: --out table.md: the results file is JSON (the Markdown table is written beside it as .md)\n"
    );
    let unknown = perfgate(root, &["peers", "--corpus", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("unknown corpus `nope`"),
        "{}",
        stderr(&unknown)
    );
    // The scenario loader does not mistake the peers configuration for a scenario.
    let listed = perfgate(root, &["scenarios"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
}
