//! `perfgate-dhat`: perfgate with dhat as its global allocator, the binary the heap engine runs
//! (`perfgate heap-run`, [`perfgate::engine::heap`]); every allocation goes through dhat, which
//! costs 15–30× in time, so the timed binaries never carry it. It is a second binary of the same
//! package, not a feature, so its build reuses every unit of `cargo build --release`.

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

fn main() -> std::process::ExitCode {
    perfgate::engine::heap::declare_dhat_allocator();
    perfgate::cli::main()
}
