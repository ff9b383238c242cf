//! Hostile inputs: paths that lead out of the repository, results files that name places outside
//! the perfgate folders, and names written to inject HTML or Markdown into the reports.

mod common;

use common::{compare_into, perfgate, text, tiny_repo};
use perfgate::results::Results;
use perfgate::synthetic::{results, scenario};

#[test]
fn a_scenario_path_through_a_symbolic_link_out_of_the_repository_is_refused() {
    let repo = tiny_repo();
    let root = repo.path();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.py"), "x = 1\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("linked")).unwrap();
    std::fs::write(
        root.join("scenarios/escape.toml"),
        "name = \"escape\"\n[corpus]\npath = \"linked\"\n[workload]\nkind = \"analyze\"\n",
    )
    .unwrap();
    let output = perfgate(root, &["scenarios"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains(
            "scenarios/escape.toml:3:8: `path` `linked` leads out of the repository through a symbolic link; a scenario reads only the repository's own files"
        ),
        "{}",
        text(&output)
    );
    // A link inside a repository folder to a file outside: the scenario fails, exit 2.
    std::fs::remove_file(root.join("scenarios/escape.toml")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("x.py"), root.join("code/linked.py")).unwrap();
    let output = perfgate(root, &["run", "--filter", "path", "--engines", "counters"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains(
            "code/linked.py leads out of the repository through a symbolic link; a scenario reads only the repository's own files"
        ),
        "{}",
        text(&output)
    );
}

#[test]
fn results_naming_places_outside_the_perfgate_folders_are_refused_on_load() {
    type Spoil = fn(&mut perfgate::results::ScenarioResult);
    let cases: [(&str, Spoil); 3] = [
        (
            "scenario `a` has id \"../../x\"; expected ASCII letters, digits and `_`",
            |s| s.id = "../../x".into(),
        ),
        (
            "scenario `a` has heap_profile \"/etc/passwd\"; expected a path under `target/perfgate/` without `..`",
            |s| s.heap_profile = Some("/etc/passwd".into()),
        ),
        (
            "scenario `a` has instructions.artifacts \"target/perfgate/../../..\"; expected a path under `target/perfgate/` without `..`",
            |s| s.instructions.as_mut().unwrap().artifacts = "target/perfgate/../../..".into(),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.json");
    for (expected, spoil) in cases {
        let mut bad = scenario("a", 1.0, 1_000_000, 100_000);
        spoil(&mut bad);
        results(vec![bad]).save(&file).unwrap();
        let error = Results::load(&file).unwrap_err().to_string();
        assert!(error.ends_with(expected), "{error}");
        assert!(error.contains(&file.display().to_string()), "{error}");
    }
    let mut good = scenario("a", 1.0, 1_000_000, 100_000);
    good.heap_profile = Some("target/perfgate/heap/a/dhat-heap.json".into());
    results(vec![good]).save(&file).unwrap();
    Results::load(&file).unwrap();
}

const HOSTILE: &str =
    "x</details><img src=x onerror=alert(1)> | @octocat `t` [l](https://e.invalid)";

#[test]
fn hostile_scenario_names_are_inert_in_markdown_junit_and_html() {
    let repo = tiny_repo();
    let root = repo.path();
    let (base, cand) = (root.join("base.json"), root.join("cand.json"));
    let named = |time_factor: f64, ir: u64| {
        let mut result = scenario(HOSTILE, time_factor, ir, 100_000);
        result.id = "hostile".into();
        results(vec![result])
    };
    named(1.0, 1_000_000).save(&base).unwrap();
    named(1.10, 1_050_000).save(&cand).unwrap();
    let out = root.join("exports");
    let output = compare_into(root, &base, &cand, &out);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let markdown = std::fs::read_to_string(out.join("perfgate.md")).unwrap();
    let escaped = "x&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; \\| &#64;octocat \\`t\\` \\[l\\](https://e.invalid)";
    assert!(
        markdown.contains(&format!("| {escaped} | time |")),
        "{markdown}"
    );
    for raw in ["</details><img", "@octocat", "`t`", "[l]("] {
        assert!(!markdown.contains(raw), "{raw} in {markdown}");
    }
    // The folded section still closes once, where perfgate closes it.
    assert_eq!(markdown.matches("</details>").count(), 1);
    let junit = std::fs::read_to_string(out.join("perfgate.junit.xml")).unwrap();
    let document = roxmltree::Document::parse(&junit).unwrap();
    assert!(
        document
            .descendants()
            .any(|node| node.attribute("classname") == Some(HOSTILE))
    );
    let report = root.join("report");
    let output = perfgate(
        root,
        &[
            "report",
            "--baseline",
            base.to_str().unwrap(),
            "--candidate",
            cand.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(
        !html.contains("<img src=x"),
        "raw markup in the HTML report"
    );
    assert!(html.contains("x&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn reproduce_commands_quote_names_for_the_shell_and_names_refuse_control_characters() {
    assert_eq!(perfgate::shell_quote("tiny"), "'tiny'");
    assert_eq!(
        perfgate::shell_quote("it's $(rm -rf ~)"),
        "'it'\\''s $(rm -rf ~)'"
    );
    let repo = tiny_repo();
    let root = repo.path();
    std::fs::write(
        root.join("scenarios/bell.toml"),
        "name = \"a\\u001b[31mred\"\n[corpus]\npath = \"code\"\n[workload]\nkind = \"analyze\"\n",
    )
    .unwrap();
    let output = perfgate(root, &["scenarios"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains(
            "scenarios/bell.toml:1:8: `name` must be at most 100 characters without control characters (line breaks, tabs, escapes)"
        ),
        "{}",
        text(&output)
    );
}
