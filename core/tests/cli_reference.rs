//! `docs/connascence/cli.md` is exactly what the `connascence` binary's `--help` texts say.
//! `CONNASCENCE_UPDATE_DOCS=1 cargo test -p connascence --test cli_reference` rewrites it.

#[path = "support/cli_reference.rs"]
mod cli_reference;

use std::path::Path;

#[test]
fn the_committed_cli_reference_is_what_the_binary_prints() {
    cli_reference::assert_reference(
        Path::new(env!("CARGO_BIN_EXE_connascence")),
        "connascence",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/connascence/cli.md"),
        "CONNASCENCE_UPDATE_DOCS",
        &[
            "## `connascence check`",
            "## `connascence rules`",
            "## `connascence cache",
        ],
    );
}
