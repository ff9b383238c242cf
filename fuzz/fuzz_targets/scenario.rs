//! Fuzz target: arbitrary text as a scenario file through the scenario parser and validator, with
//! the repository's pinned corpus list. Never a panic: bad input is an error naming the place.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use perfgate::corpus::CorpusLock;
use perfgate::scenario::{Context, parse};

fn lock() -> &'static CorpusLock {
    static LOCK: OnceLock<CorpusLock> = OnceLock::new();
    LOCK.get_or_init(|| {
        CorpusLock::parse(include_str!("../../scenarios/corpora.toml"), "scenarios/corpora.toml")
            .expect("the pinned corpus list parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules: Vec<&str> = connascence::REGISTRY.iter().map(|rule| rule.id).collect();
    let context = Context {
        repo_root: Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
        lock: lock(),
        rules: &rules,
    };
    if let Err(error) = parse(text, "scenarios/fuzz.toml", &context) {
        // Every error names the file.
        assert!(error.to_string().contains("scenarios/fuzz.toml"), "{error}");
    }
});
