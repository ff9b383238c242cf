//! `docs/perfgate/cli.md` is exactly what the `perfgate` binary's `--help` texts say, for every
//! subcommand. `PERFGATE_UPDATE_DOCS=1 cargo test -p perfgate --test cli_reference` rewrites it.

#[path = "../../core/tests/support/cli_reference.rs"]
mod cli_reference;

use std::path::Path;

const REGENERATE: &str = "PERFGATE_UPDATE_DOCS=1 cargo test -p perfgate --test cli_reference";

#[test]
fn the_committed_cli_reference_is_what_the_binary_prints() {
    let binary = Path::new(env!("CARGO_BIN_EXE_perfgate"));
    let page = cli_reference::render(binary, "perfgate", REGENERATE);
    for section in [
        "## `perfgate gate`",
        "## `perfgate baseline accept`",
        "## `perfgate history trend`",
        "## `perfgate compare-branches`",
    ] {
        assert!(page.contains(section), "{section} missing from:\n{page}");
    }
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/perfgate/cli.md");
    cli_reference::check(&committed, &page, "PERFGATE_UPDATE_DOCS", REGENERATE);
}
