//! The `perfgate` binary: a thin shell over [`perfgate::cli`]. It parses the arguments, runs the
//! command and maps the result to the exit code: 0 success, 1 a regression (gate, compare,
//! compare-branches, release-report), 2 usage, configuration or input errors.

use std::process::ExitCode;

/// In the dhat build (feature `dhat-heap`, built by the heap engine into target/perfgate/build, run from target/perfgate/bin/perfgate-dhat) every
/// allocation goes through dhat; the timing binaries never carry it.
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Elsewhere the allocator `connascence` itself uses (mimalloc), so the workloads measured here
/// allocate as the shipped command does.
#[cfg(not(feature = "dhat-heap"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::Parser;

fn main() -> ExitCode {
    match perfgate::cli::run(perfgate::cli::args::Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {}", perfgate::cli::describe(&error));
            ExitCode::from(2)
        }
    }
}
