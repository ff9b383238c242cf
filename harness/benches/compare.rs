//! Compare and every export for 100 scenarios (target ≤ 1 s), and the HTML report of them (target
//! ≤ 2 s): synthetic results with every engine, a tenth of them 10 % slower, so the wall-time tests,
//! Holm over 100 tests, all five exports and 101 charts run as in a large gate.
//! `cargo bench -p perfgate --bench compare`.

use criterion::{Criterion, criterion_group, criterion_main};
use perfgate::compare::{CompareOptions, compare};
use perfgate::export::{FORMATS, Report, by_name};
use perfgate::report::ReportInput;
use perfgate::results::Results;
use perfgate::synthetic::{results, scenario};

/// 100 scenarios with every engine; in the candidate a tenth are 10 % slower and Ir is `ir`.
fn pair(ir: u64) -> (Results, Results) {
    let names: Vec<String> = (0..100).map(|i| format!("scenario-{i:03}")).collect();
    let baseline = results(
        names
            .iter()
            .map(|name| scenario(name, 1.0, 1_000_000, 100_000))
            .collect(),
    );
    let candidate = results(
        names
            .iter()
            .enumerate()
            .map(|(i, name)| scenario(name, if i % 10 == 0 { 1.1 } else { 1.0 }, ir, 100_000))
            .collect(),
    );
    (baseline, candidate)
}

fn options() -> CompareOptions {
    perfgate::synthetic::options()
}

fn compare_and_export(c: &mut Criterion) {
    let (baseline, candidate) = pair(1_000_000);
    let options = options();
    let exporters: Vec<_> = FORMATS.iter().map(|f| by_name(f).unwrap()).collect();
    c.bench_function("compare_100_scenarios_all_exports", |b| {
        b.iter(|| {
            let comparison = compare(&baseline, &candidate, &options);
            let report = Report {
                comparison: &comparison,
                candidate: &candidate,
                baseline: "main",
                report_link: None,
            };
            exporters
                .iter()
                .map(|e| e.render(&report).len())
                .sum::<usize>()
        })
    });
}

fn report(c: &mut Criterion) {
    let (baseline, candidate) = pair(1_020_000);
    let comparison = compare(&baseline, &candidate, &options());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.bench_function("report_100_scenarios", |b| {
        b.iter(|| {
            let input = ReportInput {
                comparison: &comparison,
                baseline: &baseline,
                candidate: &candidate,
                baseline_label: "main",
                candidate_label: "candidate.json",
                scenarios: &[],
                calibration: None,
                root: dir.path(),
                commands: vec!["perfgate report".into()],
                history: None,
                release: false,
                peers: None,
            };
            perfgate::report::write(&input, &dir.path().join("report")).expect("a report")
        })
    });
    group.finish();
}

criterion_group!(benches, compare_and_export, report);
criterion_main!(benches);
