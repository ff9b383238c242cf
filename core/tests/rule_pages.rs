//! The book's rule pages (`docs/connascence/rules/`) are exactly what `connascence rules --format
//! markdown` generates from the registry and the detectors' `//!` comments: a detector's docs cannot
//! drift from its page. `CONNASCENCE_UPDATE_DOCS=1 cargo test -p connascence --test rule_pages`
//! rewrites them.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn pages(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_committed_rule_pages_are_what_the_code_generates() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/connascence/rules");
    let dir = tempfile::tempdir().unwrap();
    let target = if std::env::var_os("CONNASCENCE_UPDATE_DOCS").is_some() {
        committed.clone()
    } else {
        dir.path().to_path_buf()
    };
    let output = Command::new(env!("CARGO_BIN_EXE_connascence"))
        .args(["rules", "--format", "markdown", "--out"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let generated = pages(&target);
    assert_eq!(generated.len(), connascence::detectors::REGISTRY.len() + 1);
    assert!(generated["index.md"].contains("[`magic-literal`](magic-literal.md)"));
    let on_disk = pages(&committed);
    for (name, text) in &generated {
        assert_eq!(
            on_disk.get(name),
            Some(text),
            "docs/connascence/rules/{name} is stale: run CONNASCENCE_UPDATE_DOCS=1 cargo test -p connascence --test rule_pages"
        );
    }
    assert_eq!(
        on_disk.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "docs/connascence/rules/ holds pages of rules that do not exist"
    );
}

#[test]
fn markdown_without_a_folder_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_connascence"))
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: `--format markdown` writes one page per rule: give the folder with --out DIR\n"
    );
}
