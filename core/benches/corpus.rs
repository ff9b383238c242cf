//! Full analysis against parse+walk alone, on a real corpus, one thread, no cache.
//!
//! The corpus is the CPython standard library of this machine (as `connascence check` finds it:
//! `site-packages` and hidden folders skipped), or the folder in `CONNASCENCE_BENCH_CORPUS`. Files are
//! read once, outside the measured time; each iteration runs `workload::run` over all of them:
//! `parse_walk` decodes, parses and walks every node with no detector, `analyze` runs the 13 default
//! detectors and aggregates. Throughput is in bytes. Run: `cargo bench -p connascence --bench corpus`.

use std::path::PathBuf;
use std::process::Command;

use connascence::workload::{self, WorkloadKind, WorkloadSpec};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

/// The allocator the `connascence` command ships with, so the bench measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CONNASCENCE_BENCH_CORPUS") {
        return PathBuf::from(dir);
    }
    let output = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .expect("python3 runs (or set CONNASCENCE_BENCH_CORPUS)");
    PathBuf::from(
        String::from_utf8(output.stdout)
            .expect("a UTF-8 path")
            .trim(),
    )
}

fn corpus(c: &mut Criterion) {
    let dir = corpus_dir();
    let files = workload::load(std::slice::from_ref(&dir))
        .unwrap_or_else(|error| panic!("cannot load {}: {error}", dir.display()));
    let bytes: usize = files.iter().map(|file| file.bytes.len()).sum();
    let spec = WorkloadSpec {
        files,
        threads: 1,
        ..WorkloadSpec::default()
    };
    let lines = workload::run(&spec)
        .expect("the corpus runs")
        .counters
        .lines;
    eprintln!(
        "corpus {}: {} files, {lines} lines, {bytes} bytes",
        dir.display(),
        spec.files.len()
    );
    let mut group = c.benchmark_group("corpus");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .throughput(Throughput::Bytes(bytes as u64));
    let parse_walk = WorkloadSpec {
        kind: WorkloadKind::ParseOnly,
        ..spec.clone()
    };
    group.bench_function("parse_walk", |b| {
        b.iter(|| workload::run(&parse_walk).expect("runs"))
    });
    group.bench_function("analyze", |b| {
        b.iter(|| workload::run(&spec).expect("runs"))
    });
    group.finish();
}

criterion_group!(benches, corpus);
criterion_main!(benches);
