//! The command-line reference pages of the book, rendered from what a binary's `--help` prints:
//! the command's own and, depth first, every subcommand's (found in each "Commands:" list). Used by
//! `core/tests/cli_reference.rs` (connascence) and `harness/tests/cli_reference.rs` (perfgate), which
//! fail when the committed page differs, so the reference cannot drift from the binary.

use std::path::Path;
use std::process::Command;

/// The `--help` text of `binary` with `words` (the subcommand path) before it.
fn help(binary: &Path, words: &[String]) -> String {
    let output = Command::new(binary)
        .args(words)
        .arg("--help")
        // clap wraps nothing unless asked; fix the width anyway so that no terminal setting shows.
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{words:?} --help: {output:?}"
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommands listed under "Commands:" (but `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim_end() != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

fn section(binary: &Path, name: &str, words: &mut Vec<String>, page: &mut String) {
    let text = help(binary, words);
    let title = std::iter::once(name)
        .chain(words.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    page.push_str(&format!(
        "\n## `{title}`\n\n```text\n{}\n```\n",
        text.trim_end()
    ));
    for subcommand in subcommands(&text) {
        words.push(subcommand);
        section(binary, name, words, page);
        words.pop();
    }
}

/// The whole page: a title, how it was generated (`regenerate`), and one section per command.
pub fn render(binary: &Path, name: &str, regenerate: &str) -> String {
    let mut page = format!(
        "# `{name}` command-line reference\n\nEvery `--help` text of `{name}`, as the binary prints it. Generated, not written: `{regenerate}` rewrites this page, and the test fails when the page and the binary differ.\n"
    );
    section(binary, name, &mut Vec::new(), &mut page);
    page
}

/// Compares `page` with the committed file `committed`, or writes it there when `update` is set in
/// the environment.
pub fn check(committed: &Path, page: &str, update: &str, regenerate: &str) {
    if std::env::var_os(update).is_some() {
        std::fs::write(committed, page).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(committed).unwrap_or_default();
    if on_disk != page {
        let first = on_disk
            .lines()
            .zip(page.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| on_disk.lines().count().min(page.lines().count()));
        panic!(
            "{} is stale (first difference at line {}): run {regenerate}",
            committed.display(),
            first + 1
        );
    }
}

/// The whole check of one binary: render its page, require `sections` in it (so a broken subcommand
/// walk cannot pass with a short page), and compare it with `committed` (or write it when the
/// variable `update` is set).
pub fn assert_reference(
    binary: &Path,
    name: &str,
    committed: &Path,
    update: &str,
    sections: &[&str],
) {
    let regenerate = format!("{update}=1 cargo test -p {name} --test cli_reference");
    let page = render(binary, name, &regenerate);
    for section in sections {
        assert!(page.contains(section), "{section} missing from:\n{page}");
    }
    check(committed, &page, update, &regenerate);
}
