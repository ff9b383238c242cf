//! Aggregation throughput: 10 million realistic findings streamed through the aggregator on one thread.
//!
//! Findings are generated once per sample (outside the measured time) as 100,000 files of 100 findings
//! each, with the rule ids, severities, message and recommendation strings and fingerprints the
//! detectors produce; what is timed is `Aggregator::add` for every file plus `finish`. Run:
//! `cargo bench -p connascence --bench aggregate` (criterion prints the throughput in elements/s).

use std::hint::black_box;

use connascence::aggregate::Aggregator;
use connascence::engine::FileOutcome;
use connascence::{Finding, Rule, Settings, Severity};
use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

/// The allocator the `connascence` command ships with, so the bench measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FILES: usize = 100_000;
const PER_FILE: usize = 100;

fn outcomes() -> Vec<FileOutcome> {
    let rules: Vec<Rule> = Rule::all().collect();
    let severities = Severity::ALL;
    (0..FILES)
        .map(|file_index| {
            let file = format!("src/package_{}/module_{file_index}.py", file_index % 97);
            let shared: std::sync::Arc<str> = std::sync::Arc::from(file.as_str());
            let findings = (0..PER_FILE)
                .map(|index| {
                    let rule = rules[(file_index + index * 7) % rules.len()];
                    let line = (index as u32 + 1) * 3;
                    let message = match index % 4 {
                        0 => format!("magic number {}", 3600 + index),
                        1 => format!("function `handler_{index}` takes 5 positional parameters (limit 3)"),
                        2 => format!("value \"status_{index}\" appears 4 times in this file (again on lines 12, 40 and 51)"),
                        _ => format!("function `load_{index}` has cyclomatic complexity 12 (limit 10)"),
                    };
                    Finding {
                        rule,
                        connascence_type: rule.info().connascence_type,
                        severity: severities[index % 4],
                        file: std::sync::Arc::clone(&shared),
                        line,
                        column: 5,
                        end_line: line,
                        end_column: 30,
                        message,
                        recommendation: "give it a name that says what it means: a module-level constant".into(),
                        fingerprint: connascence::finding::Fingerprint((file_index as u64) << 20 | index as u64),
                    }
                })
                .collect();
            FileOutcome { file, findings, ..FileOutcome::default() }
        })
        .collect()
}

fn aggregate(c: &mut Criterion) {
    let rules = Settings::default().compile().unwrap();
    let template = outcomes();
    let mut group = c.benchmark_group("aggregate");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .throughput(Throughput::Elements((FILES * PER_FILE) as u64));
    group.bench_function("10M_findings_one_thread", |b| {
        b.iter_batched(
            || template.clone(),
            |outcomes| {
                let mut aggregator = Aggregator::default();
                for outcome in outcomes {
                    aggregator.add(outcome);
                }
                black_box(aggregator.finish(&rules))
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, aggregate);
criterion_main!(benches);
