//! The workload API gives the same findings digest whatever the threads or traversal mode, and its
//! parse-only kind walks exactly the nodes the analysis walks.

use connascence::Mode;
use connascence::synth::{self, Profile, SynthSpec};
use connascence::workload::{self, WorkloadFile, WorkloadKind, WorkloadSpec};

fn files() -> Vec<WorkloadFile> {
    synth::generate(&SynthSpec {
        files: 40,
        lines_per_file: 150,
        seed: 5,
        profile: Profile::Typical,
    })
    .into_iter()
    .map(|file| WorkloadFile {
        label: file.path,
        bytes: file.source.into_bytes(),
    })
    .collect()
}

#[test]
fn digest_is_the_same_for_threads_and_modes() {
    let spec = WorkloadSpec {
        files: files(),
        threads: 1,
        ..WorkloadSpec::default()
    };
    let one = workload::run(&spec).unwrap();
    assert!(one.findings > 100);
    let two = workload::run(&WorkloadSpec {
        threads: 2,
        ..spec.clone()
    })
    .unwrap();
    let per_detector = workload::run(&WorkloadSpec {
        mode: Mode::PerDetector,
        ..spec.clone()
    })
    .unwrap();
    assert_eq!(one.findings_digest, two.findings_digest);
    assert_eq!(one.findings_digest, per_detector.findings_digest);
    assert_eq!(
        one.counters.findings_by_rule,
        per_detector.counters.findings_by_rule
    );
}

#[test]
fn parse_only_walks_the_same_nodes_and_finds_nothing() {
    let spec = WorkloadSpec {
        files: files(),
        threads: 1,
        ..WorkloadSpec::default()
    };
    let analyze = workload::run(&spec).unwrap();
    let parse_only = workload::run(&WorkloadSpec {
        kind: WorkloadKind::ParseOnly,
        ..spec
    })
    .unwrap();
    assert_eq!(parse_only.findings, 0);
    assert_eq!(
        parse_only.counters.traversal.nodes,
        analyze.counters.traversal.nodes
    );
    assert_eq!(parse_only.counters.traversal.detector_calls, 0);
    assert_eq!(parse_only.counters.lines, analyze.counters.lines);
}

#[test]
fn load_reads_files_in_output_order_and_reports_missing_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.py"), "x = 1\n").unwrap();
    std::fs::write(dir.path().join("a.py"), "y = 2\n").unwrap();
    let loaded = workload::load(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<&str> = loaded
        .iter()
        .map(|f| f.label.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["a.py", "b.py"]);
    let missing = workload::load(&[dir.path().join("nope")]).unwrap_err();
    assert!(
        missing.ends_with("nope: No such file or directory"),
        "{missing}"
    );
}

#[test]
fn a_cache_through_the_workload_api_hits_on_equal_content_and_keeps_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Some(connascence::cache::CacheOptions::in_dir(dir.path()));
    let spec = WorkloadSpec {
        files: files(),
        threads: 1,
        cache,
        ..WorkloadSpec::default()
    };
    let cold = workload::run(&spec).unwrap();
    let warm = workload::run(&spec).unwrap();
    let (cold_cache, warm_cache) = (cold.counters.cache.unwrap(), warm.counters.cache.unwrap());
    assert_eq!(
        (cold_cache.misses, cold_cache.writes, cold_cache.l2_hits),
        (40, 40, 0)
    );
    assert_eq!((warm_cache.misses, warm_cache.l2_hits), (0, 40));
    assert_eq!(cold.findings_digest, warm.findings_digest);
    let mut edited = spec.clone();
    edited.files[3]
        .bytes
        .extend_from_slice(b"\nimport time\ntime.sleep(1)\n");
    let after_edit = workload::run(&edited).unwrap().counters.cache.unwrap();
    assert_eq!((after_edit.misses, after_edit.l2_hits), (1, 39));
}
