//! The documentation holds together: README.md stays a front door (at most 200 lines), every
//! relative link in README.md, CHANGELOG.md and docs/ resolves to a file of the repository (and its
//! `#anchor` to a heading of that page), docs/SUMMARY.md lists every page of the book, no page but the
//! dated notes and the generated ones types a measured time, and nothing points outside the
//! repository.

use std::path::PathBuf;

mod common;

use common::{files_under, workspace_root as root};

/// README.md and every Markdown page under docs/.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    pages.extend(files_under(&root().join("docs"), &["md"]));
    pages.sort();
    pages
}

/// The targets of `[text](target)` links outside code (fenced blocks and inline code skipped).
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut fenced = false;
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Inline code spans removed: `[a](b)` inside backticks is not a link.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push((number + 1, after[..end].to_owned()));
            rest = &after[end..];
        }
    }
    found
}

/// The anchors of a page's headings as GitHub and mdBook make them: lowercase, letters, digits, `-`
/// and `_` kept, spaces turned into `-`, everything else dropped.
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        if fenced {
            continue;
        }
        let title = heading.trim_start_matches('#').trim();
        found.push(
            title
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => c.to_lowercase().next(),
                    _ => None,
                })
                .collect(),
        );
    }
    found
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    assert_eq!(
        anchors(
            "# `connascence check`\n## A release-report run\n```\n# not a heading\n```\n### Exit codes (all)\n"
        ),
        [
            "connascence-check",
            "a-release-report-run",
            "exit-codes-all"
        ]
    );
}

/// Pages that may hold measured figures: the dated notes, and pages a command or test writes.
fn generated_or_dated(relative: &str) -> bool {
    relative.starts_with("docs/notes/")
        || relative.starts_with("docs/measured/")
        || relative.starts_with("docs/connascence/rules/")
        || relative.ends_with("/cli.md")
}

/// A measured duration typed into prose, e.g. `6 min 1 s`, `54 ms`, `2.8 s`, or "Measured here".
fn typed_figure(line: &str) -> Option<String> {
    // Inline code (a message, a command) is quoted, not measured.
    let plain: String = line
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, part)| part)
        .collect();
    let words: Vec<&str> = plain
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '*'))
        .filter(|w| !w.is_empty())
        .collect();
    if line.contains("Measured here") || line.contains("measured here") {
        return Some("Measured here".to_owned());
    }
    words.windows(2).find_map(|pair| {
        let number = pair[0].parse::<f64>().is_ok();
        let unit = ["ms", "µs", "ns", "min", "s", "s."].contains(&pair[1]);
        number.then(|| pair[1].to_owned()).filter(|_| unit)
    })
}

#[test]
fn no_page_types_a_measured_time() {
    assert_eq!(typed_figure("took 6 min 1 s here").as_deref(), Some("min"));
    assert_eq!(
        typed_figure("renders in **54 ms** (target)").as_deref(),
        Some("ms")
    );
    assert_eq!(typed_figure("retry for 3 s, then").as_deref(), Some("s"));
    assert_eq!(typed_figure("default 16 MiB; 3 rounds"), None);
    assert_eq!(typed_figure("prints `waited 3.0 s`"), None);
    let mut offenders = Vec::new();
    for page in pages() {
        let relative = page
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if generated_or_dated(&relative) {
            continue;
        }
        let text = std::fs::read_to_string(&page).unwrap();
        let mut fenced = false;
        let mut generated = false;
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            // A table a test writes between markers (`<!-- … tables: begin -->`) is generated.
            if line.starts_with("<!--") && line.contains(": begin") {
                generated = true;
            } else if line.starts_with("<!--") && line.contains(": end") {
                generated = false;
            }
            if fenced || generated {
                continue;
            }
            if let Some(unit) = typed_figure(line) {
                offenders.push(format!("{relative}:{}: `{unit}` in {line:?}", number + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "measured figures belong in a generated page (docs/measured/) or a dated note (docs/notes/); limits and defaults are fine but say them without a unit that reads as a measurement:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_readme_is_a_front_door() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = text.lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines; at most 200 (the rest belongs in docs/)"
    );
}

#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (line, target) in links(&text) {
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
                || target.starts_with('#')
            {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            checked += 1;
            let resolved = page.parent().unwrap().join(path);
            let inside = std::path::absolute(&resolved)
                .ok()
                .and_then(|p| p.canonicalize().ok())
                .is_some_and(|p| p.starts_with(root().canonicalize().unwrap()));
            let anchored = anchor.is_empty()
                || !path.ends_with(".md")
                || std::fs::read_to_string(&resolved)
                    .is_ok_and(|text| anchors(&text).iter().any(|a| a == anchor));
            if !resolved.exists() || !inside || !anchored {
                broken.push(format!(
                    "{}:{line}: {target}",
                    page.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked >= 30, "only {checked} links checked");
}

#[test]
fn the_summary_lists_every_page() {
    let summary = std::fs::read_to_string(root().join("docs/SUMMARY.md")).unwrap();
    let listed: Vec<String> = links(&summary).into_iter().map(|(_, t)| t).collect();
    for page in pages() {
        let Ok(relative) = page.strip_prefix(root().join("docs")) else {
            continue;
        };
        let relative = relative.to_string_lossy().into_owned();
        if relative == "SUMMARY.md" {
            continue;
        }
        assert!(
            listed.contains(&relative),
            "docs/{relative} is not listed in docs/SUMMARY.md"
        );
    }
}

#[test]
fn nothing_points_outside_the_repository() {
    let mut offenders = Vec::new();
    let mut files = pages();
    for dir in [
        "core/src",
        "harness/src",
        "harness/tests",
        "core/tests",
        "ci",
        "scenarios",
    ] {
        files.extend(files_under(
            &root().join(dir),
            &["rs", "md", "sh", "toml", "yml"],
        ));
    }
    let needle = ["..", "/shared/"].concat();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if text.contains(&needle) {
            offenders.push(file.strip_prefix(root()).unwrap().display().to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "cite docs/, not a folder outside the repository: {offenders:?}"
    );
}
