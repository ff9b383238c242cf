//! The `perfgate` binary: a thin shell over [`perfgate::cli::main`], which parses the arguments,
//! runs the command and maps the result to the exit code: 0 success, 1 a regression (gate, compare,
//! compare-branches, release-report), 2 usage, configuration or input errors.

/// The allocator `connascence` itself uses (mimalloc), so the workloads measured here allocate as
/// the shipped command does. The heap engine's `perfgate-dhat` binary is this one with dhat's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    perfgate::cli::main()
}
