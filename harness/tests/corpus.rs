//! Corpus fetching with local fake wheels: the hash is checked, unsafe entries are refused, nothing is
//! unpacked on any error, fetching is idempotent and works through pip offline (`--no-index
//! --find-links`), and a missing pip is a clear error.

use std::io::Write;
use std::path::{Path, PathBuf};

use perfgate::corpus::{CorpusError, CorpusLock, Fetcher, PinnedCorpus, sha256_file};

/// Writes a wheel (a zip) holding `entries`, plus the dist-info pip needs, and returns its path.
fn wheel(dir: &Path, package: &str, version: &str, entries: &[(&str, &str)]) -> PathBuf {
    let path = dir.join(format!("{package}-{version}-py3-none-any.whl"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let info = format!("{package}-{version}.dist-info");
    let metadata = format!("Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n");
    let wheel_file =
        "Wheel-Version: 1.0\nGenerator: perfgate-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
    let mut all: Vec<(String, String)> = entries
        .iter()
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .collect();
    all.push((format!("{info}/METADATA"), metadata));
    all.push((format!("{info}/WHEEL"), wheel_file.to_owned()));
    all.push((format!("{info}/RECORD"), String::new()));
    for (name, content) in all {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn pinned(package: &str, version: &str, sha256: &str) -> PinnedCorpus {
    PinnedCorpus {
        name: package.into(),
        package: package.into(),
        version: version.into(),
        sha256: sha256.into(),
    }
}

fn fetcher(cache: &Path) -> Fetcher {
    Fetcher {
        cache_dir: cache.to_path_buf(),
        python: "python3".into(),
        extra_pip_args: Vec::new(),
        limits: perfgate::corpus::UnpackLimits::default(),
    }
}

const SOURCE: &[(&str, &str)] = &[
    ("fakepkg/__init__.py", "x = 1\ny = 2\n"),
    ("fakepkg/core.py", "def f():\n    return 3\n"),
    ("fakepkg/data.txt", "not python\n"),
];

#[test]
fn a_wheel_with_the_pinned_hash_is_unpacked_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = wheel(dir.path(), "fakepkg", "1.0", SOURCE);
    let corpus = pinned("fakepkg", "1.0", &sha256_file(&wheel).unwrap());
    let fetcher = fetcher(&dir.path().join("cache"));
    let info = fetcher.unpack(&corpus, &wheel).unwrap();
    assert_eq!((info.files, info.lines), (2, 4));
    assert!(fetcher.dir(&corpus).join("fakepkg/core.py").is_file());
    assert_eq!(fetcher.cached(&corpus), Some(info));
}

#[test]
fn a_hash_mismatch_is_a_hard_error_and_nothing_is_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = wheel(dir.path(), "fakepkg", "1.0", SOURCE);
    let actual = sha256_file(&wheel).unwrap();
    let corpus = pinned("fakepkg", "1.0", &"0".repeat(64));
    let fetcher = fetcher(&dir.path().join("cache"));
    let error = fetcher.unpack(&corpus, &wheel).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "sha256 mismatch for {}: expected {}, got {actual}; nothing was unpacked",
            wheel.display(),
            "0".repeat(64)
        )
    );
    assert!(!fetcher.dir(&corpus).exists());
}

#[test]
fn entries_with_dot_dot_or_absolute_paths_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["../escape.py", "/etc/evil.py", "pkg/../../escape.py"] {
        let wheel = wheel(
            dir.path(),
            "fakepkg",
            "1.0",
            &[("fakepkg/ok.py", "x = 1\n"), (bad, "boom\n")],
        );
        let corpus = pinned("fakepkg", "1.0", &sha256_file(&wheel).unwrap());
        let fetcher = fetcher(&dir.path().join("cache"));
        let error = fetcher.unpack(&corpus, &wheel).unwrap_err();
        assert!(
            matches!(&error, CorpusError::UnsafeEntry { entry, .. } if entry == bad),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .ends_with("absolute paths and `..` are not allowed; nothing was unpacked")
        );
        assert!(!fetcher.dir(&corpus).exists());
        assert!(!dir.path().join("escape.py").exists());
    }
}

#[test]
fn fetch_goes_through_pip_with_require_hashes_and_is_idempotent_offline() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    std::fs::create_dir_all(&index).unwrap();
    let wheel = wheel(&index, "fakepkg", "1.0", SOURCE);
    let corpus = pinned("fakepkg", "1.0", &sha256_file(&wheel).unwrap());
    let mut fetcher = fetcher(&dir.path().join("cache"));
    fetcher.extra_pip_args = vec![
        "--no-index".into(),
        "--find-links".into(),
        index.display().to_string(),
    ];
    let info = fetcher.fetch(&corpus).unwrap();
    assert_eq!(info.files, 2);
    let requirements = std::fs::read_to_string(
        dir.path()
            .join("cache/downloads/fakepkg-1.0.requirements.txt"),
    )
    .unwrap();
    assert_eq!(
        requirements,
        format!("fakepkg==1.0 --hash=sha256:{}\n", corpus.sha256)
    );
    // Cached: no pip needed any more.
    fetcher.python = "/nonexistent/python3".into();
    assert_eq!(fetcher.fetch(&corpus).unwrap(), info);
}

#[test]
fn pip_refuses_a_wheel_whose_hash_is_not_the_pinned_one() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    std::fs::create_dir_all(&index).unwrap();
    wheel(&index, "fakepkg", "1.0", SOURCE);
    let corpus = pinned("fakepkg", "1.0", &"a".repeat(64));
    let mut fetcher = fetcher(&dir.path().join("cache"));
    fetcher.extra_pip_args = vec![
        "--no-index".into(),
        "--find-links".into(),
        index.display().to_string(),
    ];
    let error = fetcher.fetch(&corpus).unwrap_err().to_string();
    assert!(
        error.starts_with("pip could not download fakepkg==1.0 (exit 1): "),
        "{error}"
    );
    assert!(!fetcher.dir(&corpus).exists());
}

#[test]
fn a_missing_python_or_pip_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut fetcher = fetcher(&dir.path().join("cache"));
    fetcher.python = "/nonexistent/python3".into();
    let error = fetcher
        .fetch(&pinned("fakepkg", "1.0", &"a".repeat(64)))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("pip is not available (`/nonexistent/python3 -m pip` failed to start: "),
        "{error}"
    );
    assert!(
        error.ends_with("install pip for /nonexistent/python3 to fetch corpora"),
        "{error}"
    );
}

#[test]
fn the_lock_refuses_duplicates_bad_hashes_and_unknown_keys() {
    let entry = |name: &str, sha: &str| {
        format!(
            "[[corpus]]\nname = \"{name}\"\npackage = \"p\"\nversion = \"1\"\nsha256 = \"{sha}\"\n"
        )
    };
    let good = "a".repeat(64);
    let duplicate = CorpusLock::parse(
        &format!("{}{}", entry("x", &good), entry("x", &good)),
        "corpora.toml",
    )
    .unwrap_err();
    assert_eq!(
        duplicate.to_string(),
        "corpora.toml:7:8: corpus `x` is pinned twice"
    );
    let bad = CorpusLock::parse(&entry("x", "ABC"), "corpora.toml").unwrap_err();
    assert_eq!(
        bad.to_string(),
        "corpora.toml:5:10: corpus `x` has sha256 `ABC`; expected 64 lowercase hex digits"
    );
    let unknown = CorpusLock::parse(
        &format!("{}url = \"x\"\n", entry("x", &good)),
        "corpora.toml",
    )
    .unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "corpora.toml:6:1: unknown field `url`, expected one of `name`, `package`, `version`, `sha256`"
    );
    let lock = CorpusLock::parse(&entry("x", &good), "corpora.toml").unwrap();
    assert_eq!(
        lock.require("y").unwrap_err().to_string(),
        "unknown corpus `y`; the lock has: x"
    );
}

#[test]
fn lock_fields_that_could_leave_the_cache_or_inject_pip_options_are_refused() {
    let good = "a".repeat(64);
    let lock = |package: &str, version: &str| {
        CorpusLock::parse(
            &format!(
                "[[corpus]]\nname = \"x\"\npackage = {package:?}\nversion = {version:?}\nsha256 = \"{good}\"\n"
            ),
            "corpora.toml",
        )
        .map(|_| ())
        .map_err(|error| error.to_string())
    };
    assert_eq!(lock("requests", "2.34.2"), Ok(()));
    assert_eq!(lock("zope.interface", "7.0.1+local"), Ok(()));
    assert_eq!(
        lock("../../../tmp/pwn", "1"),
        Err("corpora.toml:3:11: corpus `x` has package \"../../../tmp/pwn\"; expected ASCII letters, digits and `._-`, starting with a letter or digit (at most 100)".into())
    );
    assert_eq!(
        lock("/etc", "1"),
        Err("corpora.toml:3:11: corpus `x` has package \"/etc\"; expected ASCII letters, digits and `._-`, starting with a letter or digit (at most 100)".into())
    );
    assert_eq!(
        lock("requests", "1\n--index-url https://example.invalid/simple"),
        Err("corpora.toml:4:11: corpus `x` has version \"1\\n--index-url https://example.invalid/simple\"; expected ASCII letters, digits and `.+!_-`, starting with a letter or digit (at most 100)".into())
    );
    assert!(
        lock("requests", "..")
            .unwrap_err()
            .starts_with("corpora.toml:4:11: corpus `x` has version \"..\"")
    );
}

#[test]
fn a_wheel_that_unpacks_to_too_much_is_refused_and_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x = 1\n".repeat(2000);
    let wheel = wheel(
        dir.path(),
        "fakepkg",
        "1.0",
        &[
            ("fakepkg/a.py", big.as_str()),
            ("fakepkg/b.py", big.as_str()),
        ],
    );
    let corpus = pinned("fakepkg", "1.0", &sha256_file(&wheel).unwrap());
    let mut fetcher = fetcher(&dir.path().join("cache"));
    fetcher.limits.bytes = 15_000;
    let error = fetcher.unpack(&corpus, &wheel).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("unpacks to more than 15000 bytes, the most allowed; nothing was unpacked"),
        "{error}"
    );
    assert!(!fetcher.dir(&corpus).exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("cache")).unwrap().count(),
        0
    );
    fetcher.limits = perfgate::corpus::UnpackLimits {
        entries: 1,
        bytes: 1 << 20,
    };
    let error = fetcher.unpack(&corpus, &wheel).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("entries, more than the 1 allowed; nothing was unpacked"),
        "{error}"
    );
}
