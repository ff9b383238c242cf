//! `run --shard K/N` and `merge`: the three shards of a run, merged, hold exactly the scenarios of
//! the whole run with the same counts; a bad shard is a usage error.

mod common;

use common::{perfgate, tiny_repo};
use perfgate::results::Results;

#[test]
fn three_shards_merged_equal_the_whole_run() {
    let repo = tiny_repo();
    let root = repo.path();
    for n in 1..=6 {
        std::fs::write(
            root.join(format!("scenarios/extra{n}.toml")),
            format!(
                "name = \"extra-{n}\"\ntags = [\"pr\"]\n[corpus]\nsynthetic = {{ files = 2, lines_per_file = 40, seed = {n}, profile = \"typical\" }}\n[workload]\nkind = \"analyze\"\n"
            ),
        )
        .unwrap();
    }
    let run = |extra: &[&str], out: &str| {
        let output = perfgate(
            root,
            &[&["run", "--engines", "counters", "--out", out], extra].concat(),
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Results::load(&root.join(out)).unwrap()
    };
    let whole = run(&[], "whole.json");
    assert_eq!(whole.scenarios.len(), 8);
    let mut sizes = Vec::new();
    for k in 1..=3 {
        let shard = run(&["--shard", &format!("{k}/3")], &format!("shard{k}.json"));
        sizes.push(shard.scenarios.len());
    }
    assert_eq!(sizes.iter().sum::<usize>(), 8, "{sizes:?}");
    let merge = perfgate(
        root,
        &[
            "merge",
            "shard1.json",
            "shard2.json",
            "shard3.json",
            "--out",
            "merged.json",
        ],
    );
    assert_eq!(merge.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&merge.stdout),
        format!("merged 3 file(s), 8 scenario(s): merged.json\n")
    );
    let merged = Results::load(&root.join("merged.json")).unwrap();
    let summary = |results: &Results| {
        let mut rows: Vec<(String, String, u64)> = results
            .scenarios
            .iter()
            .map(|s| {
                let counters = s.counters.as_ref().unwrap();
                (
                    s.name.clone(),
                    counters.findings_digest.clone(),
                    counters.findings,
                )
            })
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(summary(&merged), summary(&whole));
    assert!(merged.scenarios.iter().all(|s| s.fingerprint.is_some()));

    let bad = perfgate(root, &["run", "--shard", "4/3", "--engines", "counters"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "error: --shard expects K/N with 1 ≤ K ≤ N (e.g. 2/3), got `4/3`\n"
    );
    // A missing file is named once, with the system's reason once.
    let missing = perfgate(root, &["merge", "missing.json", "--out", "m.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "error: cannot read missing.json: No such file or directory (os error 2)\n"
    );
    // A shard given twice is refused, not pooled with itself.
    let twice = perfgate(
        root,
        &["merge", "shard1.json", "shard1.json", "--out", "m.json"],
    );
    assert_eq!(twice.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&twice.stderr),
        "error: shard1.json is given twice: each results file is merged once\n"
    );
    assert!(!root.join("m.json").exists());
}
