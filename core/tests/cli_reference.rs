//! `docs/connascence/cli.md` is exactly what the `connascence` binary's `--help` texts say.
//! `CONNASCENCE_UPDATE_DOCS=1 cargo test -p connascence --test cli_reference` rewrites it.

#[path = "support/cli_reference.rs"]
mod cli_reference;

use std::path::Path;

const REGENERATE: &str = "CONNASCENCE_UPDATE_DOCS=1 cargo test -p connascence --test cli_reference";

#[test]
fn the_committed_cli_reference_is_what_the_binary_prints() {
    let binary = Path::new(env!("CARGO_BIN_EXE_connascence"));
    let page = cli_reference::render(binary, "connascence", REGENERATE);
    for section in [
        "## `connascence check`",
        "## `connascence rules`",
        "## `connascence cache",
    ] {
        assert!(page.contains(section), "{section} missing from:\n{page}");
    }
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/connascence/cli.md");
    cli_reference::check(&committed, &page, "CONNASCENCE_UPDATE_DOCS", REGENERATE);
}
