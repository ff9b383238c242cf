//! SARIF 2.1.0 output for GitHub code scanning: one run, one rule per detector with its
//! documentation, one result per finding.
//!
//! Locations: a file under the source root (`--sarif-root`, default the repository holding the
//! working folder, else the working folder itself) is a
//! relative URI reference with `uriBaseId: "%SRCROOT%"`, and `originalUriBaseIds` says where that
//! root is (an absolute `file:` URI), so code scanning can map it to the repository; any other file
//! is an absolute `file:` URI. Every path segment is percent-encoded per RFC 3986 (all but the
//! unreserved characters `A-Z a-z 0-9 - . _ ~`, non-ASCII as UTF-8 bytes). Columns are Unicode code
//! points (`columnKind: unicodeCodePoints`) and `endColumn` is exclusive, as in our findings.
//!
//! Fingerprints: `partialFingerprints["connascence/v1"]` is the finding's own fingerprint (rule,
//! file, normalized snippet, occurrence) and `primaryLocationLineHash` is GitHub's line hash of the
//! start line ([`super::line_hash`]), computed from the file as it is now (left out when the file
//! cannot be read back). Rules carry a PascalCase `name`, the rule's "What it flags" paragraph as
//! `fullDescription`, its whole documentation as `help` (text and Markdown), and `helpUri` when a
//! documentation URL is given. Diagnostics (files that could not be analyzed) become tool execution
//! notifications. Levels: critical and high → `error`, medium → `warning`, low → `note`.

use std::path::{Component, Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use crate::detectors::{REGISTRY, RuleInfo};
use crate::engine::Report;
use crate::finding::{Finding, Severity};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base id of relative locations.
pub const SRCROOT: &str = "%SRCROOT%";

/// GitHub code scanning accepts at most this many results in one run (and shows 5,000).
pub const GITHUB_RESULT_LIMIT: usize = 25_000;

/// How SARIF locations and rule links are written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SarifOptions {
    /// The folder relative locations are relative to (`%SRCROOT%`); default the nearest folder at
    /// or above the working folder that holds `.git`, else the working folder.
    pub root: Option<PathBuf>,
    /// A rule page's URL, `{id}` standing for the rule id (appended when absent); `{id}` = `index`
    /// gives the tool's `informationUri`.
    pub docs_url: Option<String>,
}

/// Everything but RFC 3986's unreserved characters is percent-encoded in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// A path made absolute against `cwd` with `.` and `..` resolved by name (not through the file
/// system, so a missing file still gets a location).
fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The percent-encoded segments of a relative path, joined by `/`.
fn encode_segments(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        let Component::Normal(segment) = component else {
            continue;
        };
        if !out.is_empty() {
            out.push('/');
        }
        out.extend(utf8_percent_encode(&segment.to_string_lossy(), SEGMENT));
    }
    out
}

/// `file:///…` for an absolute path; a folder's URI ends with `/`.
fn file_uri(path: &Path, folder: bool) -> String {
    let mut uri = format!("file:///{}", encode_segments(path));
    if folder && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Writes artifact locations relative to the source root where it can.
struct Locations {
    cwd: PathBuf,
    root: PathBuf,
    /// The root with symbolic links resolved, for paths spelled through another link.
    canonical_root: Option<PathBuf>,
}

/// The working folder as the shell spells it (`$PWD`, which keeps symbolic links, when it names
/// the same folder), else as the system resolves it.
fn working_folder() -> PathBuf {
    let current = std::env::current_dir().unwrap_or_default();
    match std::env::var_os("PWD").map(PathBuf::from) {
        Some(pwd)
            if pwd.is_absolute() && pwd.canonicalize().ok() == current.canonicalize().ok() =>
        {
            pwd
        }
        _ => current,
    }
}

/// The default source root: the nearest folder at or above `cwd` holding `.git` (the checkout,
/// which code scanning joins relative URIs onto), else `cwd`.
fn repository_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|folder| folder.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

impl Locations {
    fn new(options: &SarifOptions) -> Self {
        let cwd = working_folder();
        let root = match &options.root {
            Some(root) => absolute(root, &cwd),
            None => repository_root(&cwd),
        };
        let canonical_root = root.canonicalize().ok();
        Self {
            cwd,
            root,
            canonical_root,
        }
    }

    /// The path relative to the root, by name or else through resolved links.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let inside = |relative: &Path| !relative.as_os_str().is_empty();
        if let Ok(relative) = path.strip_prefix(&self.root) {
            return inside(relative).then(|| relative.to_path_buf());
        }
        let canonical = path.canonicalize().ok()?;
        let relative = canonical.strip_prefix(self.canonical_root.as_ref()?).ok()?;
        inside(relative).then(|| relative.to_path_buf())
    }

    fn artifact(&self, file: &str) -> Value {
        let path = absolute(Path::new(file), &self.cwd);
        match self.relative(&path) {
            Some(relative) => json!({ "uri": encode_segments(&relative), "uriBaseId": SRCROOT }),
            None => json!({ "uri": file_uri(&path, false) }),
        }
    }
}

/// A rule's `name`: its id in PascalCase (`magic-literal` → `MagicLiteral`). SARIF1001 wants the
/// name to differ from the id ignoring case, so the one-word ids have a two-word name.
fn rule_name(id: &str) -> String {
    match id {
        "complexity" => "CyclomaticComplexity".to_owned(),
        "convention" => "NamingConvention".to_owned(),
        "recursion" => "DirectRecursion".to_owned(),
        "timing" => "FixedTiming".to_owned(),
        other => pascal_case(other),
    }
}

/// `magic-literal` → `MagicLiteral`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The rule's "What it flags" paragraph as one line of text (its summary when there is none).
fn full_description(info: &RuleInfo) -> String {
    let documentation = info.documentation();
    documentation
        .split("\n\n")
        .find(|paragraph| paragraph.trim_start().starts_with("What it flags"))
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| info.summary.to_owned())
}

fn docs_link(template: &str, id: &str) -> String {
    if template.contains("{id}") {
        template.replace("{id}", id)
    } else {
        format!("{template}{id}")
    }
}

fn rule(info: &RuleInfo, docs_url: Option<&str>) -> Value {
    let documentation = info.documentation();
    let mut rule = json!({
        "id": info.id,
        "name": rule_name(info.id),
        "shortDescription": { "text": info.summary },
        "fullDescription": { "text": full_description(info) },
        "help": { "text": documentation, "markdown": documentation },
        "defaultConfiguration": { "enabled": info.enabled_by_default },
        "properties": {
            "connascenceType": info.connascence_type.map(|t| t.as_str()),
            "defaultThreshold": info.default_threshold,
            "defaultSeverity": info.default_severity,
        },
    });
    if let Some(template) = docs_url {
        rule["helpUri"] = docs_link(template, info.id).into();
    }
    rule
}

/// The line hashes of the file a run of findings is in, read once per file.
struct LineHashes {
    file: Option<String>,
    hashes: Vec<String>,
}

impl LineHashes {
    fn of(&mut self, file: &str, line: u32) -> Option<&str> {
        if self.file.as_deref() != Some(file) {
            self.hashes = std::fs::read(file)
                .map(|bytes| super::line_hash::line_hashes(&String::from_utf8_lossy(&bytes)))
                .unwrap_or_default();
            self.file = Some(file.to_owned());
        }
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.hashes.get(index).map(String::as_str)
    }
}

fn result(finding: &Finding, locations: &Locations, hashes: &mut LineHashes) -> Value {
    let mut fingerprints = Map::new();
    fingerprints.insert(
        "connascence/v1".into(),
        finding.fingerprint.to_string().into(),
    );
    if let Some(hash) = hashes.of(&finding.file, finding.line) {
        fingerprints.insert("primaryLocationLineHash".into(), hash.into());
    }
    json!({
        "ruleId": finding.rule.id(),
        "ruleIndex": finding.rule.index(),
        "level": level(finding.severity),
        "message": { "text": format!("{} — {}", finding.message, finding.recommendation) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": locations.artifact(&finding.file),
                "region": {
                    "startLine": finding.line,
                    "startColumn": finding.column,
                    "endLine": finding.end_line,
                    "endColumn": finding.end_column,
                }
            }
        }],
        "partialFingerprints": fingerprints,
        "properties": {
            "severity": finding.severity.as_str(),
            "connascenceType": finding.connascence_type.map(|t| t.as_str()),
        },
    })
}

pub fn render(report: &Report, options: &SarifOptions) -> String {
    let locations = Locations::new(options);
    let docs_url = options.docs_url.as_deref();
    let rules: Vec<Value> = REGISTRY.iter().map(|info| rule(info, docs_url)).collect();
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            json!({
                "level": "warning",
                "message": { "text": format!("{}: {}", diagnostic.kind.as_str(), diagnostic.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": locations.artifact(&diagnostic.file),
                        "region": { "startLine": diagnostic.line, "startColumn": diagnostic.column },
                    }
                }],
            })
        })
        .collect();
    let mut hashes = LineHashes {
        file: None,
        hashes: Vec::new(),
    };
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| result(finding, &locations, &mut hashes))
        .collect();
    let mut driver = json!({
        "name": "connascence",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(template) = docs_url {
        driver["informationUri"] = docs_link(template, "index").into();
    }
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "originalUriBaseIds": {
                SRCROOT: { "uri": file_uri(&locations.root, true) },
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&sarif).expect("SARIF always serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded_and_paths_resolved_by_name() {
        let cwd = Path::new("/work/repo");
        assert_eq!(
            encode_segments(Path::new("src/a b#1%/é~x-y_z.py")),
            "src/a%20b%231%25/%C3%A9~x-y_z.py"
        );
        assert_eq!(
            absolute(Path::new("./src/../lib/x.py"), cwd),
            Path::new("/work/repo/lib/x.py")
        );
        assert_eq!(
            file_uri(Path::new("/work/my repo"), true),
            "file:///work/my%20repo/"
        );
    }

    #[test]
    fn files_under_the_root_are_relative_to_srcroot_and_others_absolute() {
        let locations = Locations {
            cwd: PathBuf::from("/work/repo"),
            root: PathBuf::from("/work/repo"),
            canonical_root: None,
        };
        assert_eq!(
            locations.artifact("src/a b.py"),
            json!({ "uri": "src/a%20b.py", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            locations.artifact("/work/repo/src/x.py"),
            json!({ "uri": "src/x.py", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            locations.artifact("../other/x.py"),
            json!({ "uri": "file:///work/other/x.py" })
        );
    }

    #[test]
    fn rule_names_are_pascal_case_and_links_fill_the_template() {
        assert_eq!(pascal_case("magic-literal"), "MagicLiteral");
        assert_eq!(pascal_case("god-object"), "GodObject");
        assert_eq!(
            docs_link("https://x.org/rules/{id}.html", "timing"),
            "https://x.org/rules/timing.html"
        );
        assert_eq!(
            docs_link("https://x.org/rules/", "timing"),
            "https://x.org/rules/timing"
        );
    }
}
