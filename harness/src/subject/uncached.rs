//! The check the cache scenarios add to their counters run: the run from the cache must give exactly
//! the findings an uncached run of the same files gives (the core's promise that the cache never
//! changes the output), on the real corpora of every cache scenario.
//!
//! Compared through the workload API every core speaks: the counts of findings and diagnostics, the
//! findings per rule, and the findings digest (every finding's fingerprint — rule, file, normalized
//! snippet, occurrence — and position, in output order). A message or severity that differed with
//! the same fingerprint and position would not be seen here; the core's own tests compare whole
//! findings (`core/tests/cache.rs`).

use connascence::workload::Outcome;

use super::SubjectError;

/// `Ok` when the outcome of a run from the cache matches that of an uncached run; else every
/// difference, as `what uncached → cached`.
pub fn same_as_uncached(
    scenario: &str,
    uncached: &Outcome,
    cached: &Outcome,
) -> Result<(), SubjectError> {
    let mut differences = Vec::new();
    let mut compare = |what: &str, a: String, b: String| {
        if a != b {
            differences.push(format!("{what} {a} → {b}"));
        }
    };
    compare(
        "findings",
        uncached.findings.to_string(),
        cached.findings.to_string(),
    );
    compare(
        "diagnostics",
        uncached.diagnostics.to_string(),
        cached.diagnostics.to_string(),
    );
    let rules: std::collections::BTreeSet<&String> = uncached
        .counters
        .findings_by_rule
        .keys()
        .chain(cached.counters.findings_by_rule.keys())
        .collect();
    for rule in rules {
        let count = |outcome: &Outcome| {
            let found = outcome.counters.findings_by_rule.get(rule);
            found.copied().unwrap_or(0).to_string()
        };
        compare(&format!("findings[{rule}]"), count(uncached), count(cached));
    }
    compare(
        "findings digest",
        uncached.findings_digest.clone(),
        cached.findings_digest.clone(),
    );
    match differences.is_empty() {
        true => Ok(()),
        false => Err(SubjectError::CachedOutputDiffers {
            scenario: scenario.to_owned(),
            differences: differences.join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(findings: u64, digest: &str, by_rule: &[(&str, u64)]) -> Outcome {
        let mut outcome = Outcome {
            counters: Default::default(),
            findings,
            diagnostics: 0,
            findings_digest: digest.to_owned(),
        };
        outcome.counters.findings_by_rule = by_rule
            .iter()
            .map(|(rule, count)| ((*rule).to_owned(), *count))
            .collect();
        outcome
    }

    #[test]
    fn equal_outcomes_pass_and_every_difference_is_named() {
        let a = outcome(3, "aaaa", &[("timing", 3)]);
        assert!(same_as_uncached("s", &a, &a.clone()).is_ok());
        let moved = outcome(3, "bbbb", &[("timing", 3)]);
        assert_eq!(
            same_as_uncached("s", &a, &moved).unwrap_err().to_string(),
            "scenario `s`: the run from the cache gave other findings than an uncached run of the same files: findings digest aaaa → bbbb"
        );
        let lost = outcome(2, "cccc", &[("timing", 1), ("recursion", 1)]);
        assert_eq!(
            same_as_uncached("s", &a, &lost).unwrap_err().to_string(),
            "scenario `s`: the run from the cache gave other findings than an uncached run of the same files: findings 3 → 2, findings[recursion] 0 → 1, findings[timing] 3 → 1, findings digest aaaa → cccc"
        );
    }
}
