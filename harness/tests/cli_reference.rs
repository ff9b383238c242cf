//! `docs/perfgate/cli.md` is exactly what the `perfgate` binary's `--help` texts say, for every
//! subcommand. `PERFGATE_UPDATE_DOCS=1 cargo test -p perfgate --test cli_reference` rewrites it.

#[path = "../../core/tests/support/cli_reference.rs"]
mod cli_reference;

use std::path::Path;

#[test]
fn the_committed_cli_reference_is_what_the_binary_prints() {
    cli_reference::assert_reference(
        Path::new(env!("CARGO_BIN_EXE_perfgate")),
        "perfgate",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/perfgate/cli.md"),
        "PERFGATE_UPDATE_DOCS",
        &[
            "## `perfgate gate`",
            "## `perfgate baseline accept`",
            "## `perfgate history trend`",
            "## `perfgate compare-branches`",
        ],
    );
}
