//! The result cache: warm runs hit every file, an edit misses exactly once, results are identical with
//! and without it, and a locked or damaged cache never breaks a run.

mod support;

use std::process::Output;
use std::time::Duration;

use connascence::cache::{Cache, CacheOptions, Lookup, Stamp, content_hash};
use connascence::engine::FileOutcome;
use support::connascence;

fn project(files: usize) -> tempfile::TempDir {
    support::synthetic_project(files, 11).0
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

fn cache_counts(output: &Output) -> (u64, u64, u64, u64) {
    let cache = &json(output)["stats"]["cache"];
    let get = |key: &str| cache[key].as_u64().unwrap();
    (get("l2_hits"), get("misses"), get("writes"), get("corrupt"))
}

const CHECK: &[&str] = &["check", "src", "--format", "json", "--exit-zero"];

#[test]
fn a_second_run_hits_every_file_and_an_edit_misses_exactly_once() {
    let dir = project(30);
    let cold = connascence(CHECK, dir.path());
    assert_eq!(cache_counts(&cold), (0, 30, 30, 0));
    let warm = connascence(CHECK, dir.path());
    assert_eq!(cache_counts(&warm), (30, 0, 0, 0));
    assert_eq!(json(&warm)["findings"], json(&cold)["findings"]);
    std::fs::write(
        dir.path().join("src/pkg_0/module_3.py"),
        "import time\ntime.sleep(9)\n",
    )
    .unwrap();
    let edited = connascence(CHECK, dir.path());
    assert_eq!(cache_counts(&edited), (29, 1, 1, 0));
    assert!(
        dir.path()
            .join("src/.connascence_cache/.gitignore")
            .is_file()
    );
}

#[test]
fn a_touched_but_unchanged_file_is_a_hit_and_is_restamped() {
    let dir = project(4);
    connascence(CHECK, dir.path());
    let path = dir.path().join("src/pkg_0/module_1.py");
    let content = std::fs::read(&path).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, &content).unwrap();
    let touched = connascence(CHECK, dir.path());
    assert_eq!(cache_counts(&touched), (4, 0, 1, 0));
    assert_eq!(cache_counts(&connascence(CHECK, dir.path())), (4, 0, 0, 0));
}

#[test]
fn cached_results_equal_uncached_ones_including_cross_file_duplicates() {
    let dir = project(25);
    let body = "    a = x\n    b = a\n    c = b\n    return c\n";
    std::fs::write(
        dir.path().join("src/dup_a.py"),
        format!("def one(x):  # connascence: ignore[timing]\n{body}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/dup_b.py"),
        format!("def two(x):\n{body}"),
    )
    .unwrap();
    let uncached = connascence(
        &[CHECK, &["--no-cache", "--report-unused-ignores"]].concat(),
        dir.path(),
    );
    assert!(json(&uncached)["stats"]["cache"].is_null());
    assert!(!dir.path().join("src/.connascence_cache").exists());
    connascence(&[CHECK, &["--report-unused-ignores"]].concat(), dir.path());
    let warm = connascence(&[CHECK, &["--report-unused-ignores"]].concat(), dir.path());
    assert_eq!(cache_counts(&warm).1, 0);
    assert_eq!(json(&warm)["findings"], json(&uncached)["findings"]);
    assert_eq!(
        json(&warm)["unused_suppressions"],
        json(&uncached)["unused_suppressions"]
    );
    let duplicates = json(&warm)["stats"]["findings_by_rule"]["duplicate-algorithm"]
        .as_u64()
        .unwrap();
    assert!(duplicates >= 2);
}

#[test]
fn another_configuration_does_not_reuse_entries() {
    let dir = project(5);
    connascence(CHECK, dir.path());
    let other = connascence(&[CHECK, &["--ignore", "timing"]].concat(), dir.path());
    assert_eq!(cache_counts(&other), (0, 5, 5, 0));
}

#[test]
fn a_cache_held_by_another_process_is_waited_for_then_skipped_with_one_warning() {
    let dir = project(4);
    let held = Cache::open(
        &CacheOptions::in_dir(dir.path().join("src/.connascence_cache")),
        "x",
    );
    assert!(held.has_disk());
    let output = connascence(CHECK, dir.path());
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(
        stderr.contains("is in use by another process (waited 3.0 s); this run does not use it"),
        "{stderr}"
    );
    assert_eq!(cache_counts(&output), (0, 4, 0, 0));
    drop(held);
    let uncached = connascence(&[CHECK, &["--no-cache"]].concat(), dir.path());
    assert_eq!(json(&output)["findings"], json(&uncached)["findings"]);
}

#[test]
fn a_damaged_database_file_is_moved_aside_and_replaced() {
    let dir = project(3);
    let cache_dir = dir.path().join("src/.connascence_cache");
    std::fs::create_dir_all(&cache_dir).unwrap();
    std::fs::write(cache_dir.join("cache.redb"), b"this is not a database").unwrap();
    let output = connascence(CHECK, dir.path());
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert!(stderr.contains("was damaged"), "{stderr}");
    assert_eq!(cache_counts(&output), (0, 3, 3, 0));
    assert_eq!(cache_counts(&connascence(CHECK, dir.path())), (3, 0, 0, 0));
}

#[test]
fn a_damaged_entry_is_detected_and_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let options = CacheOptions {
        lock_wait: Duration::from_millis(100),
        ..CacheOptions::in_dir(dir.path())
    };
    let outcome = FileOutcome {
        file: "a.py".into(),
        ..FileOutcome::default()
    };
    let stamp = Stamp {
        modified_ns: 1,
        size: 6,
    };
    {
        let cache = Cache::open(&options, "config");
        cache.put(cache.key("a.py"), stamp, content_hash(b"x = 1\n"), &outcome);
        assert_eq!(cache.flush().writes, 1);
    }
    {
        let database = redb::Database::create(dir.path().join("cache.redb")).unwrap();
        let table: redb::TableDefinition<&[u8], &[u8]> =
            redb::TableDefinition::new("file_outcomes");
        let write = database.begin_write().unwrap();
        {
            let mut entries = write.open_table(table).unwrap();
            let keys: Vec<Vec<u8>> = {
                use redb::ReadableTable;
                entries
                    .iter()
                    .unwrap()
                    .map(|item| item.unwrap().0.value().to_vec())
                    .collect()
            };
            for key in keys {
                entries
                    .insert(key.as_slice(), b"garbage!garbage".as_slice())
                    .unwrap();
            }
        }
        write.commit().unwrap();
    }
    let cache = Cache::open(&options, "config");
    assert!(matches!(
        cache.lookup(&cache.key("a.py"), "a.py", Some(stamp)),
        Lookup::Miss
    ));
    // The engine then analyzes the file and counts the miss; the damaged entry was counted here.
    let counters = cache.flush();
    assert_eq!((counters.corrupt, counters.l2_hits), (1, 0));
}

#[test]
fn cache_stats_and_clean_commands() {
    let dir = project(6);
    connascence(CHECK, dir.path());
    let stats = connascence(&["cache", "stats", "src"], dir.path());
    let text = String::from_utf8(stats.stdout).unwrap();
    assert!(
        text.starts_with("cache: src/.connascence_cache/cache.redb\nentries: 6\nsize: "),
        "{text}"
    );
    let clean = connascence(&["cache", "clean", "src"], dir.path());
    assert_eq!(
        String::from_utf8(clean.stdout).unwrap(),
        "removed src/.connascence_cache\n"
    );
    assert!(!dir.path().join("src/.connascence_cache").exists());
    let again = connascence(&["cache", "clean", "src"], dir.path());
    assert_eq!(
        String::from_utf8(again.stdout).unwrap(),
        "no cache at src/.connascence_cache\n"
    );
    let missing = connascence(&["cache", "stats", "src"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
}
