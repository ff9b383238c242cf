//! The `connascence` binary: parses the command line and runs it ([`connascence::cli`]).

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the analysis allocates many small, short-lived blocks (syntax trees, findings); with
/// glibc's allocator 19 % of a run's instructions were malloc/free and a warm-cache run grew its
/// thread heap a page at a time (thousands of `mprotect` calls).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    connascence::cli::run(connascence::cli::Cli::parse())
}
