//! Runs one workload over a folder, once, for profiling: `cargo run --release --example workload_run -- DIR [analyze|parse-only]`.
use connascence::workload::{self, WorkloadKind, WorkloadSpec};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .expect("usage: workload_run DIR [analyze|parse-only]");
    let kind = match args.next().as_deref() {
        Some("parse-only") => WorkloadKind::ParseOnly,
        _ => WorkloadKind::Analyze,
    };
    let files = workload::load(&[dir.into()]).expect("files load");
    let outcome = workload::run(&WorkloadSpec {
        kind,
        files,
        threads: 1,
        ..WorkloadSpec::default()
    })
    .expect("runs");
    println!(
        "{} findings, {} nodes",
        outcome.findings, outcome.counters.traversal.nodes
    );
}
