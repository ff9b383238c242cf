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
    // Older than the next run's clock, so that run's new stamp is trusted by the one after.
    support::backdate(&path);
    let touched = connascence(CHECK, dir.path());
    assert_eq!(cache_counts(&touched), (4, 0, 1, 0));
    assert_eq!(cache_counts(&connascence(CHECK, dir.path())), (4, 0, 0, 0));
}

#[test]
fn an_edit_that_keeps_the_size_and_restores_the_modification_time_is_caught() {
    let dir = project(3);
    connascence(CHECK, dir.path());
    let path = dir.path().join("src/pkg_0/module_1.py");
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = swap_one_digit(&text);
    assert_eq!(edited.len(), text.len());
    assert_ne!(edited, text);
    std::fs::write(&path, &edited).unwrap();
    let since = before.duration_since(std::time::UNIX_EPOCH).unwrap();
    let touch = std::process::Command::new("touch")
        .arg("-d")
        .arg(format!("@{}.{:09}", since.as_secs(), since.subsec_nanos()))
        .arg(&path)
        .status()
        .unwrap();
    assert!(touch.success());
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), text.len() as u64);
    // The status-change time moved, so the file is read and its new content analyzed.
    let after = connascence(CHECK, dir.path());
    assert_eq!(cache_counts(&after), (2, 1, 1, 0));
    let uncached = connascence(
        &[
            "check",
            "src",
            "--format",
            "json",
            "--exit-zero",
            "--no-cache",
        ],
        dir.path(),
    );
    assert_eq!(json(&after)["findings"], json(&uncached)["findings"]);
}

/// The text with its first digit changed (1 → 2, anything else → 1): same length, other content.
fn swap_one_digit(text: &str) -> String {
    let at = text.find(|c: char| c.is_ascii_digit()).expect("a digit");
    let new = if &text[at..=at] == "1" { "2" } else { "1" };
    format!("{}{new}{}", &text[..at], &text[at + 1..])
}

/// An injected clock and injected stamps (what stat would say): a file whose size, modification
/// and status-change times all equal the entry's, changed in the tick the storing run began, must be
/// re-hashed; one modified strictly before is trusted without reading.
#[test]
fn a_racily_clean_entry_is_re_hashed_until_a_later_run_re_stamps_it() {
    let dir = tempfile::tempdir().unwrap();
    let options = CacheOptions {
        lock_wait: Duration::from_millis(100),
        ..CacheOptions::in_dir(dir.path())
    };
    let outcome = |file: &str| FileOutcome {
        file: file.into(),
        ..FileOutcome::default()
    };
    let tick: u128 = 1_765_000_000_000_000_000;
    let stamp = |modified_ns| Stamp {
        modified_ns,
        changed_ns: modified_ns,
        size: 6,
        inode: 42,
        mode: 0o100644,
    };
    let written = content_hash(b"x = 1\n");
    {
        // The run began in the tick both files were last modified in, and one tick after.
        let cache = Cache::open_with_clock(&options, "config", |_| Some(tick));
        cache.put(
            cache.key("racy.py"),
            stamp(tick),
            written,
            &outcome("racy.py"),
        );
        cache.put(
            cache.key("old.py"),
            stamp(tick - 1),
            written,
            &outcome("old.py"),
        );
        assert_eq!(cache.flush().writes, 2);
    }
    // racy.py was then changed to "x = 2\n" within the same tick: its stamp is unchanged.
    let cache = Cache::open_with_clock(&options, "config", |_| Some(tick + 10));
    match cache.lookup(&cache.key("racy.py"), "racy.py", Some(stamp(tick))) {
        Lookup::Changed { content } => {
            assert_eq!(content, written);
            assert_ne!(content, content_hash(b"x = 2\n"), "the new content misses");
        }
        Lookup::Hit(_) => panic!("a racily clean entry was trusted without reading the file"),
        Lookup::Miss => panic!("the entry was lost"),
    }
    assert!(matches!(
        cache.lookup(&cache.key("old.py"), "old.py", Some(stamp(tick - 1))),
        Lookup::Hit(_)
    ));
    // Read again and found unchanged: re-stamped with this run's clock, trusted from then on.
    assert!(
        cache
            .revalidate(&cache.key("racy.py"), "racy.py", stamp(tick))
            .is_some()
    );
    assert_eq!(cache.flush().writes, 1);
    drop(cache);
    let cache = Cache::open_with_clock(&options, "config", |_| Some(tick + 20));
    assert!(matches!(
        cache.lookup(&cache.key("racy.py"), "racy.py", Some(stamp(tick))),
        Lookup::Hit(_)
    ));
    // An unknown clock trusts nothing.
    drop(cache);
    let cache = Cache::open_with_clock(&options, "config", |_| None);
    cache.put(cache.key("new.py"), stamp(1), written, &outcome("new.py"));
    assert!(matches!(
        cache.lookup(&cache.key("new.py"), "new.py", Some(stamp(1))),
        Lookup::Changed { .. }
    ));
}

#[test]
fn a_new_inode_or_mode_is_a_changed_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let options = CacheOptions::in_dir(dir.path());
    let cache = Cache::open_with_clock(&options, "config", |_| Some(1000));
    let stamp = Stamp {
        modified_ns: 10,
        changed_ns: 10,
        size: 6,
        inode: 1,
        mode: 0o100644,
    };
    let outcome = FileOutcome {
        file: "a.py".into(),
        ..FileOutcome::default()
    };
    cache.put(cache.key("a.py"), stamp, content_hash(b"x = 1\n"), &outcome);
    for other in [
        Stamp { inode: 2, ..stamp },
        Stamp {
            mode: 0o100755,
            ..stamp
        },
        Stamp {
            changed_ns: 11,
            ..stamp
        },
        Stamp { size: 7, ..stamp },
        Stamp {
            modified_ns: 11,
            ..stamp
        },
    ] {
        assert!(
            matches!(
                cache.lookup(&cache.key("a.py"), "a.py", Some(other)),
                Lookup::Changed { .. }
            ),
            "{other:?}"
        );
    }
    assert!(matches!(
        cache.lookup(&cache.key("a.py"), "a.py", Some(stamp)),
        Lookup::Hit(_)
    ));
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
        ..Stamp::of_content(&content_hash(b"x = 1\n"), 6)
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
