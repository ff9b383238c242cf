//! The seeded generated corpus: it parses, it yields exactly the planted findings, and both traversal
//! modes agree on it while their visit counters differ exactly as one pass versus N passes should.

use std::collections::BTreeMap;

use connascence::detectors::Settings;
use connascence::engine::analyze_source;
use connascence::synth::{self, PLANTED_RULES, Profile, SynthSpec};
use connascence::{Mode, Rule};

fn corpus(profile: Profile, files: usize, seed: u64) -> Vec<synth::SynthFile> {
    synth::generate(&SynthSpec {
        files,
        lines_per_file: 300,
        seed,
        profile,
    })
}

#[test]
fn generation_is_deterministic_per_seed() {
    assert_eq!(
        corpus(Profile::Typical, 5, 7),
        corpus(Profile::Typical, 5, 7)
    );
    assert_ne!(
        corpus(Profile::Typical, 5, 7),
        corpus(Profile::Typical, 5, 8)
    );
}

#[test]
fn generated_files_yield_exactly_the_planted_findings() {
    let rules = Settings::default().compile().unwrap();
    let mut planted_total: BTreeMap<&str, u64> = BTreeMap::new();
    for profile in [Profile::Clean, Profile::Typical, Profile::Dense] {
        for file in corpus(profile, 80, 42) {
            let outcome = analyze_source(&file.path, &file.source, &rules, Mode::Unified);
            assert!(
                outcome.diagnostics.is_empty(),
                "{}: {:?}",
                file.path,
                outcome.diagnostics
            );
            let mut actual: BTreeMap<&str, u64> = BTreeMap::new();
            for finding in &outcome.findings {
                *actual.entry(finding.rule.id()).or_insert(0) += 1;
            }
            let actual: BTreeMap<&str, u64> = actual
                .into_iter()
                .filter(|(rule, _)| PLANTED_RULES.contains(rule))
                .collect();
            assert_eq!(
                actual, file.expected,
                "{} ({profile:?})\n{}",
                file.path, file.source
            );
            for (rule, count) in &file.expected {
                *planted_total.entry(rule).or_insert(0) += count;
            }
        }
    }
    // The oracle is only worth something if every planted rule was actually planted.
    for rule in PLANTED_RULES {
        assert!(
            planted_total.get(rule).copied().unwrap_or(0) >= 5,
            "{rule} planted too rarely: {planted_total:?}"
        );
    }
}

#[test]
fn both_modes_find_the_same_on_a_corpus_of_two_hundred_files() {
    let all: Vec<Rule> = Rule::all().collect();
    let rules = Settings::only(&all).compile().unwrap();
    let detectors = all.len() as u64;
    for file in corpus(Profile::Dense, 200, 2026) {
        let unified = analyze_source(&file.path, &file.source, &rules, Mode::Unified);
        let per_detector = analyze_source(&file.path, &file.source, &rules, Mode::PerDetector);
        assert_eq!(unified.findings, per_detector.findings, "{}", file.path);
        let (u, p) = (unified.counters.traversal, per_detector.counters.traversal);
        assert_eq!(u.nodes, p.nodes);
        assert_eq!(u.node_visits, u.nodes);
        assert_eq!(u.traversals, 1);
        assert_eq!(p.traversals, detectors);
        assert_eq!(p.node_visits, p.nodes * detectors);
        // The same hooks fire in both modes; only the number of walks differs.
        assert_eq!(u.detector_calls, p.detector_calls);
    }
}
