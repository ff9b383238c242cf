//! Many machines: `perfgate run --shard K/N` runs a deterministic subset of the scenarios, and
//! `perfgate merge` puts the shards' results files back together.
//!
//! A scenario belongs to shard `xxh3(name) mod N`: the same on every machine and in every run, and
//! adding or removing a scenario never moves another one to a different shard (a shard's baseline
//! and history stay comparable). The price is balance: with few scenarios a shard can be empty,
//! which is not an error (it writes an empty results file).
//!
//! Merging keeps each scenario's fingerprint (where it was measured) on the scenario, so the
//! comparison checks hosts per scenario. The same scenario in two files is pooled — its wall-time
//! rounds concatenated — only when both were measured on the same host (CPU model, cores, kernel,
//! rustc, build profile, RUSTFLAGS); rounds from different hosts measure different machines, and
//! pooling them is refused.

use crate::results::{Fingerprint, Results, ScenarioResult};

/// Shard `k` of `n` (1-based), parsed from `K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

/// `--shard` that is not `K/N` with `1 ≤ K ≤ N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--shard expects K/N with 1 ≤ K ≤ N (e.g. 2/3), got `{0}`")]
pub struct BadShard(pub String);

impl Shard {
    /// Parses `K/N` with `1 ≤ K ≤ N`.
    pub fn parse(text: &str) -> Result<Shard, BadShard> {
        let bad = || BadShard(text.to_owned());
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether the scenario named `name` belongs to this shard.
    pub fn contains(&self, name: &str) -> bool {
        xxhash_rust::xxh3::xxh3_64(name.as_bytes()) % self.n == self.k - 1
    }
}

/// What must be equal for two round sets to be pooled.
fn host_key(fingerprint: &Fingerprint) -> String {
    format!(
        "{} / {} cores / kernel {} / {} / {} / RUSTFLAGS `{}`",
        fingerprint.cpu_model.as_deref().unwrap_or("unknown CPU"),
        fingerprint.cores,
        fingerprint.kernel.as_deref().unwrap_or("unknown"),
        fingerprint.rustc.as_deref().unwrap_or("unknown rustc"),
        fingerprint.build_profile,
        fingerprint.rustflags
    )
}

/// Why results files cannot be merged into one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give at least one results file")]
    Nothing,
    #[error("{0} is given twice: each results file is merged once")]
    Twice(String),
    #[error(
        "{first} was measured at {first_commit} but {file} at {commit}: merge the shards of one run (one commit)"
    )]
    Commits {
        first: String,
        first_commit: String,
        file: String,
        commit: String,
    },
    #[error(
        "scenario `{scenario}` is in {a} and {b} with different definitions (scenario or corpus hash differs): rounds of different workloads are not pooled"
    )]
    Definitions {
        scenario: String,
        a: String,
        b: String,
    },
    #[error(
        "scenario `{scenario}` is in {a} and {b}, measured on different hosts ({host_a} vs {host_b}); wall-time rounds of different machines are not pooled: merge results of one host per scenario"
    )]
    Hosts {
        scenario: String,
        a: String,
        b: String,
        host_a: String,
        host_b: String,
    },
    #[error(
        "{a} and {b} hold the same measurement of scenario `{scenario}` (identical rounds): each run is merged once"
    )]
    SameRounds {
        scenario: String,
        a: String,
        b: String,
    },
}

/// Merges results files (name, results) in order; the first file's fingerprint heads the merged
/// file and every scenario keeps its own.
pub fn merge(files: &[(String, Results)]) -> Result<Results, MergeError> {
    let Some((first_file, first)) = files.first() else {
        return Err(MergeError::Nothing);
    };
    // Shards of one run: one commit (the merged file names one), each file once (a file given
    // twice would pool its rounds with themselves).
    let commit = |results: &Results| results.fingerprint.commit_text();
    for (index, (file, results)) in files.iter().enumerate() {
        if files[..index].iter().any(|(earlier, _)| earlier == file) {
            return Err(MergeError::Twice(file.clone()));
        }
        if commit(results) != commit(first) {
            return Err(MergeError::Commits {
                first: first_file.clone(),
                first_commit: commit(first),
                file: file.clone(),
                commit: commit(results),
            });
        }
    }
    let mut merged = Results {
        schema_version: first.schema_version,
        fingerprint: first.fingerprint.clone(),
        scenarios: Vec::new(),
        history: Vec::new(),
        // Shards of one run share its selection; files of different selections have none.
        selection: files
            .iter()
            .all(|(_, r)| r.selection == first.selection)
            .then(|| first.selection.clone())
            .flatten(),
        load_notes: Vec::new(),
    };
    let mut origin: Vec<String> = Vec::new();
    for (file, results) in files {
        for scenario in &results.scenarios {
            let mut scenario: ScenarioResult = scenario.clone();
            scenario
                .fingerprint
                .get_or_insert_with(|| results.fingerprint.clone());
            let Some(index) = merged
                .scenarios
                .iter()
                .position(|s| s.name == scenario.name)
            else {
                merged.scenarios.push(scenario);
                origin.push(file.clone());
                continue;
            };
            let existing = &mut merged.scenarios[index];
            let (a, b) = (
                host_key(existing.fingerprint.as_ref().expect("set above")),
                host_key(scenario.fingerprint.as_ref().expect("set above")),
            );
            if (&existing.scenario_hash, &existing.corpus_hash)
                != (&scenario.scenario_hash, &scenario.corpus_hash)
            {
                return Err(MergeError::Definitions {
                    scenario: scenario.name,
                    a: origin[index].clone(),
                    b: file.clone(),
                });
            }
            if a != b {
                return Err(MergeError::Hosts {
                    scenario: scenario.name,
                    a: origin[index].clone(),
                    b: file.clone(),
                    host_a: a,
                    host_b: b,
                });
            }
            // However a file is spelled (`./a.json`) or copied: rounds are measured once, so two
            // identical round sets are one measurement, which pooling would count twice.
            if existing.time.is_some() && existing.time == scenario.time {
                return Err(MergeError::SameRounds {
                    scenario: scenario.name,
                    a: origin[index].clone(),
                    b: file.clone(),
                });
            }
            for engine in &crate::engine::ENGINES {
                engine.merge(existing, &mut scenario);
            }
        }
    }
    merged.scenarios.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic;

    const PINNED_SHARDS: [u64; 4] = [1, 2, 2, 1];

    #[test]
    fn shards_are_parsed_strictly_and_cover_every_name_once() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { k: 2, n: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert_eq!(
                Shard::parse(bad).unwrap_err().to_string(),
                format!("--shard expects K/N with 1 ≤ K ≤ N (e.g. 2/3), got `{bad}`")
            );
        }
        let names: Vec<String> = (0..50).map(|i| format!("scenario-{i}")).collect();
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for name in &names {
            assert_eq!(shards.iter().filter(|s| s.contains(name)).count(), 1);
        }
        // Stable: a scenario's shard is a function of its name alone (xxh3 of the name mod N), the
        // same on every machine and in every release, so CI jobs keep their scenarios. Pinned here:
        // a change of the hash would move scenarios between shards of a running CI matrix.
        let of = |name: &str| (1..=3).find(|&k| Shard { k, n: 3 }.contains(name)).unwrap();
        let pinned: Vec<u64> = [
            "fixtures-smoke",
            "requests-analyze",
            "rich-analyze",
            "aggregate-synthetic",
        ]
        .map(of)
        .into();
        assert_eq!(pinned, PINNED_SHARDS);
        // And balanced enough: each of three shards holds 10 to 24 of the 50 names.
        for shard in &shards {
            let held = names.iter().filter(|name| shard.contains(name)).count();
            assert!((10..=24).contains(&held), "{shard:?} holds {held} of 50");
        }
    }

    #[test]
    fn files_of_two_commits_a_file_given_twice_and_two_definitions_are_refused() {
        let mut one = synthetic::results(vec![synthetic::scenario("s", 1.0, 100, 100)]);
        one.fingerprint.git_commit = Some("aaaaaaaaaaaa".into());
        let mut other_commit = one.clone();
        other_commit.fingerprint.git_commit = Some("0123456789ab".into());
        let first = "aaaaaaaaaaaa";
        assert_eq!(
            merge(&[
                ("a.json".into(), one.clone()),
                ("b.json".into(), other_commit)
            ])
            .unwrap_err()
            .to_string(),
            format!(
                "a.json was measured at {first} but b.json at 0123456789ab: merge the shards of one run (one commit)"
            )
        );
        let mut dirty = one.clone();
        dirty.fingerprint.git_dirty = Some(true);
        assert!(
            merge(&[("a.json".into(), one.clone()), ("b.json".into(), dirty)])
                .unwrap_err()
                .to_string()
                .ends_with(" (with uncommitted changes): merge the shards of one run (one commit)")
        );
        assert_eq!(
            merge(&[
                ("a.json".into(), one.clone()),
                ("a.json".into(), one.clone())
            ])
            .unwrap_err()
            .to_string(),
            "a.json is given twice: each results file is merged once"
        );
        assert_eq!(
            merge(&[
                ("a.json".into(), one.clone()),
                ("./copy.json".into(), one.clone())
            ])
            .unwrap_err()
            .to_string(),
            "a.json and ./copy.json hold the same measurement of scenario `s` (identical rounds): each run is merged once"
        );
        let mut redefined = one.clone();
        redefined.fingerprint.timestamp += 1;
        redefined.scenarios[0].scenario_hash = "another".into();
        assert_eq!(
            merge(&[("a.json".into(), one), ("b.json".into(), redefined)])
                .unwrap_err()
                .to_string(),
            "scenario `s` is in a.json and b.json with different definitions (scenario or corpus hash differs): rounds of different workloads are not pooled"
        );
    }

    #[test]
    fn rounds_of_one_host_are_pooled_and_of_two_hosts_refused() {
        let one = synthetic::results(vec![synthetic::scenario("s", 1.0, 100, 100)]);
        // A second run of the same host, a second later.
        let mut again = one.clone();
        again.fingerprint.timestamp += 1;
        for round in &mut again.scenarios[0].time.as_mut().unwrap().rounds {
            round.median_ns *= 1.01;
        }
        let merged = merge(&[("a.json".into(), one.clone()), ("b.json".into(), again)]).unwrap();
        assert_eq!(merged.scenarios.len(), 1);
        let rounds = one.scenarios[0].time.as_ref().unwrap().rounds.len();
        let time = merged.scenarios[0].time.as_ref().unwrap();
        assert_eq!(
            (time.rounds.len(), time.settings.rounds as usize),
            (2 * rounds, 2 * rounds)
        );
        assert_eq!(
            merged.scenarios[0].fingerprint.as_ref(),
            Some(&one.fingerprint)
        );

        let mut other = one.clone();
        other.fingerprint.cpu_model = Some("Other CPU".into());
        let error = merge(&[("a.json".into(), one), ("b.json".into(), other)])
            .unwrap_err()
            .to_string();
        assert!(
            error
                .starts_with("scenario `s` is in a.json and b.json, measured on different hosts ("),
            "{error}"
        );
    }
}
