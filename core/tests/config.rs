//! Configuration files: every bad input is an error naming file:line:col and what is allowed; good
//! input yields exactly the expected settings.

use connascence::config::{self, ConfigError};
use connascence::{Rule, Severity};

fn error(text: &str) -> String {
    config::parse(text, "connascence.toml", false)
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_configurations_are_rejected_with_location_and_allowed_values() {
    let known = "known rules: positional-params, magic-literal, duplicate-algorithm, timing, repeated-value, convention, global-state, god-object, recursion, unbounded-loop, long-function, assertion-density, deep-nesting, complexity";
    let cases: &[(&str, String)] = &[
        ("selct = [\"timing\"]\n", "connascence.toml:1:1: unknown key `selct`; expected one of: select, ignore, exclude, fail-on, max-file-size, rules".into()),
        ("select = [\"magic\"]\n", format!("connascence.toml:1:11: unknown rule `magic`; {known}")),
        ("ignore = \"timing\"\n", "connascence.toml:1:10: expected an array of rule ids, such as [\"magic-literal\"]".into()),
        ("ignore = [3]\n", "connascence.toml:1:11: expected a rule id (a string)".into()),
        ("[rules.nope]\nenabled = true\n", format!("connascence.toml:1:8: unknown rule `nope`; {known}")),
        ("[rules.long-function]\nmax_line = 80\n", "connascence.toml:2:1: unknown field `max_line`, expected `max_lines` (or `enabled`, `severity`)".into()),
        ("[rules.long-function]\nmax_lines = \"eighty\"\n", "connascence.toml:2:13: invalid type: string \"eighty\", expected a whole number ≥ 0".into()),
        ("[rules.long-function]\nmax_lines = -3\n", "connascence.toml:2:13: invalid value: integer `-3`, expected a whole number ≥ 0".into()),
        ("[rules.timing]\nseverity = \"severe\"\n", "connascence.toml:2:12: invalid severity \"severe\"; expected one of \"low\", \"medium\", \"high\", \"critical\"".into()),
        ("[rules.timing]\nenabled = \"yes\"\n", "connascence.toml:2:11: invalid type: string \"yes\", expected a boolean".into()),
        ("[rules.timing]\nlimit = 3\n", "connascence.toml:2:1: unknown field `limit`, there are no fields (or `enabled`, `severity`)".into()),
        ("fail-on = 3\n", "connascence.toml:1:11: invalid severity integer; expected one of \"low\", \"medium\", \"high\", \"critical\"".into()),
        ("exclude = \"tests\"\n", "connascence.toml:1:11: `exclude` must be an array of globs, such as [\"tests/data/**\"], found string".into()),
        ("rules = 3\n", "connascence.toml:1:9: `rules` must be a table, found integer".into()),
        ("select = [\n", "connascence.toml:1:11: unclosed array, expected `]`".into()),
        ("[rules.magic-literal]\nallowed_numbers = [\"one\"]\n", "connascence.toml:2:20: invalid type: string \"one\", expected a number".into()),
        ("[rules.complexity]\nmax_complexity = 1.5\n", "connascence.toml:2:18: invalid type: floating point `1.5`, expected a whole number ≥ 0".into()),
    ];
    for (text, expected) in cases {
        assert_eq!(&error(text), expected, "config:\n{text}");
    }
}

#[test]
fn pyproject_errors_point_into_the_tool_table() {
    let text =
        "[project]\nname = \"x\"\n\n[tool.connascence.rules.complexity]\nmax_complexity = \"x\"\n";
    let error: ConfigError = config::parse(text, "pyproject.toml", true).unwrap_err();
    assert_eq!(
        error.to_string(),
        "pyproject.toml:5:18: invalid type: string \"x\", expected a whole number ≥ 0"
    );
}

#[test]
fn pyproject_without_a_tool_table_is_an_empty_configuration() {
    let config = config::parse("[project]\nname = \"x\"\n", "pyproject.toml", true).unwrap();
    assert_eq!(
        config.settings.enabled_rules(),
        config::parse("", "c.toml", false)
            .unwrap()
            .settings
            .enabled_rules()
    );
}

#[test]
fn select_ignore_and_per_rule_enabled_combine_in_that_order() {
    let text = "select = [\"timing\", \"complexity\"]\nignore = [\"timing\"]\n[rules.magic-literal]\nenabled = true\n";
    let config = config::parse(text, "c.toml", false).unwrap();
    let ids: Vec<&str> = config
        .settings
        .enabled_rules()
        .into_iter()
        .map(Rule::id)
        .collect();
    assert_eq!(ids, ["magic-literal", "complexity"]);
}

#[test]
fn options_severity_exclude_and_fail_on_are_read() {
    let text = "exclude = [\"gen/**\"]\nfail-on = \"medium\"\n[rules.long-function]\nmax_lines = 80\nseverity = \"high\"\n";
    let config = config::parse(text, "c.toml", false).unwrap();
    assert_eq!(config.exclude, ["gen/**"]);
    assert_eq!(config.fail_on, Some(Severity::Medium));
    let long = &config.settings.rules["long-function"];
    assert_eq!(long.options, serde_json::json!({ "max_lines": 80 }));
    assert_eq!(long.severity, Some(Severity::High));
}

#[test]
fn discovery_prefers_the_nearest_file_and_skips_pyproject_without_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("pkg/sub");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(dir.path().join("connascence.toml"), "").unwrap();
    std::fs::write(
        dir.path().join("pkg/pyproject.toml"),
        "[project]\nname = \"x\"\n",
    )
    .unwrap();
    assert_eq!(
        config::discover(&nested).unwrap(),
        std::path::absolute(dir.path().join("connascence.toml")).unwrap()
    );
    std::fs::write(
        dir.path().join("pkg/pyproject.toml"),
        "[tool.connascence]\nfail-on = \"low\"\n",
    )
    .unwrap();
    assert_eq!(
        config::discover(&nested).unwrap(),
        std::path::absolute(dir.path().join("pkg/pyproject.toml")).unwrap()
    );
}
