//! The gungraun entry point of the instruction engine: binary benchmarks created at run time.
//!
//! `perfgate run --engines instructions` builds this bench (in the workspace's `target/`, see `engine/build.rs`) and runs
//! it once per scenario with the scenario in environment variables; it is not meant to be run by
//! hand, though `PERFGATE_SCENARIO=synthetic-1x PERFGATE_SCENARIO_ID=synthetic_1x ... --bench` works.
//! Each benchmark runs `perfgate workload` (`PERFGATE_BINARY`, this package's binary built with the
//! bench) under callgrind, in the repository
//! root with repository-relative paths. Collection is on only inside the workload function named by
//! `PERFGATE_ENTRY_POINT` (`connascence::workload::run`, or `::aggregate` for aggregation scenarios)
//! and inside the core's sequential analysis thread (`PERFGATE_THREAD_ENTRY`), so process start-up, corpus loading and setup
//! are not counted.

use gungraun::{
    Bench, BenchmarkId, BinaryBenchmark, BinaryBenchmarkConfig, BinaryBenchmarkGroup, Callgrind,
    Command, EntryPoint, FlamegraphConfig, binary_benchmark_group, main,
};

/// What perfgate passes to this bench.
struct Request {
    repo: String,
    scenario: String,
    id: String,
    scratch: String,
    entry_point: String,
    thread_entry: String,
    /// The perfgate to run: the copy perfgate made of the binary built with this bench (cargo's
    /// `release/perfgate` is shared by several builds, see `perfgate::engine::build`).
    binary: String,
    /// Where corpora are unpacked, when not in the repository (gungraun clears the environment).
    corpora: Option<String>,
}

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!(
            "perfgate callgrind bench: {name} is not set (this bench is run by `perfgate run`)"
        );
        std::process::exit(2)
    })
}

fn request() -> Request {
    Request {
        repo: required("PERFGATE_REPO"),
        scenario: required("PERFGATE_SCENARIO"),
        id: required("PERFGATE_SCENARIO_ID"),
        scratch: required("PERFGATE_SCRATCH"),
        entry_point: required("PERFGATE_ENTRY_POINT"),
        thread_entry: required("PERFGATE_THREAD_ENTRY"),
        binary: required("PERFGATE_BINARY"),
        corpora: std::env::var("PERFGATE_CORPORA_DIR").ok(),
    }
}

fn setup_group(group: &mut BinaryBenchmarkGroup) {
    if std::env::var_os("PERFGATE_SCENARIO").is_none() {
        // `cargo bench` of the whole workspace reaches here without a scenario: nothing to count.
        eprintln!(
            "perfgate callgrind bench: no scenario given; it is run by `perfgate run --engines instructions`"
        );
        std::process::exit(0);
    }
    let request = request();
    let mut benchmark = BinaryBenchmark::new("workload");
    benchmark.bench(
        Bench::new(BenchmarkId::new(request.id.as_str()))
            .command({
                let mut command = Command::new(request.binary.as_str());
                command
                    .args([
                        "--repo",
                        ".",
                        "workload",
                        "--scenario",
                        request.scenario.as_str(),
                        "--scratch",
                        request.scratch.as_str(),
                    ])
                    .current_dir(request.repo.as_str());
                if let Some(corpora) = &request.corpora {
                    command.env("PERFGATE_CORPORA_DIR", corpora);
                }
                command.build()
            })
            .config(
                BinaryBenchmarkConfig::default().tool(
                    Callgrind::with_args([
                        // The core's sequential analysis runs on a spawned thread, where callgrind
                        // starts with collection off.
                        format!("--toggle-collect={}", request.thread_entry),
                    ])
                    .entry_point(EntryPoint::Custom(request.entry_point.clone()))
                    .flamegraph(FlamegraphConfig::default()),
                ),
            ),
    );
    group.binary_benchmark(benchmark);
}

binary_benchmark_group!(name = scenarios, benchmarks = |group| setup_group(group));

main!(binary_benchmark_groups = scenarios);
