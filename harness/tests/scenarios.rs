//! Scenario files: the shipped ones are valid, and every malformed one is refused with its location,
//! the key and what is allowed.

use std::path::Path;

use perfgate::corpus::CorpusLock;
use perfgate::scenario::{self, Context, CorpusSource, WorkloadKind};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn lock() -> CorpusLock {
    CorpusLock::load(&repo().join("scenarios/corpora.toml")).unwrap()
}

fn check(text: &str) -> Result<scenario::Scenario, String> {
    let lock = lock();
    let rules = perfgate::subject::rule_ids();
    let context = Context {
        repo_root: repo(),
        lock: &lock,
        rules: &rules,
    };
    scenario::parse(text, "scenarios/x.toml", &context).map_err(|error| error.to_string())
}

const CORPUS: &str = "[corpus]\ncorpus = \"requests\"\n";
const WORKLOAD: &str = "[workload]\nkind = \"analyze\"\n";

fn with(head: &str, corpus: &str, workload: &str, tail: &str) -> String {
    format!("{head}{corpus}{workload}{tail}")
}

#[test]
fn the_shipped_scenarios_are_valid_unique_and_at_least_ten() {
    let lock = lock();
    let rules = perfgate::subject::rule_ids();
    let context = Context {
        repo_root: repo(),
        lock: &lock,
        rules: &rules,
    };
    let scenarios = scenario::load_dir(&repo().join("scenarios"), &context).unwrap();
    assert!(scenarios.len() >= 10, "{}", scenarios.len());
    let kinds: Vec<WorkloadKind> = scenarios.iter().map(|s| s.kind).collect();
    for kind in [
        WorkloadKind::Analyze,
        WorkloadKind::ParseOnly,
        WorkloadKind::Aggregate,
        WorkloadKind::CacheCold,
        WorkloadKind::CacheWarm,
        WorkloadKind::CacheEdit,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} scenario");
    }
    let edit = scenarios
        .iter()
        .find(|s| s.kind == WorkloadKind::CacheEdit)
        .unwrap();
    assert!(matches!(&edit.corpus, CorpusSource::Pinned { name, .. } if name == "django-5.2.18"));
    assert_eq!(edit.edit_to.as_deref(), Some("django"));
}

#[test]
fn a_minimal_scenario_gets_the_defaults() {
    let scenario = check(&with("name = \"Small: requests\"\n", CORPUS, WORKLOAD, "")).unwrap();
    assert_eq!(scenario.id, "Small__requests");
    assert_eq!(scenario.threads, 1);
    assert_eq!(scenario.engines.time.unwrap().rounds, 7);
    assert!(scenario.engines.instructions && scenario.engines.allocations);
    assert_eq!(scenario.detectors, None);
}

#[test]
fn identifiers_are_deterministic() {
    assert_eq!(scenario::identifier("django-unified"), "django_unified");
    assert_eq!(scenario::identifier("16x scaling"), "_16x_scaling");
    assert_eq!(scenario::identifier("ünïcode"), "_n_code");
}

#[test]
fn malformed_scenarios_are_refused_with_location_key_and_allowed_values() {
    let name = "name = \"s\"\n";
    let known_rules = perfgate::subject::rule_ids().join(", ");
    let corpora = "requests, rich, django, django-5.2.18, sympy";
    let cases: Vec<(String, String)> = vec![
        ("name = \"s\"\n[corpus\n".into(), "scenarios/x.toml:2:8: unclosed table, expected `]`".into()),
        (with("", CORPUS, WORKLOAD, ""), "scenarios/x.toml:1:1: missing field `name`".into()),
        (with(name, CORPUS, "", ""), "scenarios/x.toml:1:1: missing field `workload`".into()),
        (with(name, "", WORKLOAD, ""), "scenarios/x.toml:1:1: missing field `corpus`".into()),
        (with("name = \"\"\n", CORPUS, WORKLOAD, ""), "scenarios/x.toml:1:8: `name` must not be empty".into()),
        (with("name = 3\n", CORPUS, WORKLOAD, ""), "scenarios/x.toml:1:8: `name`: invalid type: integer `3`, expected a string".into()),
        (with("name = \"s\"\ncolour = \"red\"\n", CORPUS, WORKLOAD, ""), "scenarios/x.toml:2:1: unknown field `colour`, expected one of `name`, `description`, `tags`, `corpus`, `workload`, `engines`, `gate`".into()),
        (with("name = \"s\"\ntags = [\"p r\"]\n", CORPUS, WORKLOAD, ""), "scenarios/x.toml:2:9: invalid tag `p r`; tags are words such as pr, nightly, release".into()),
        (with(name, "[corpus]\ncorpus = \"flask\"\n", WORKLOAD, ""), format!("scenarios/x.toml:3:10: unknown corpus `flask`; the lock (scenarios/corpora.toml) has: {corpora}")),
        (with(name, "[corpus]\n", WORKLOAD, ""), "scenarios/x.toml:2:1: [corpus] needs exactly one of `corpus = \"NAME\"`, `synthetic = { files, lines_per_file, seed, profile }` or `path = \"FOLDER\"`".into()),
        (with(name, "[corpus]\ncorpus = \"requests\"\npath = \"core\"\n", WORKLOAD, ""), "scenarios/x.toml:2:1: [corpus] needs exactly one of `corpus = \"NAME\"`, `synthetic = { files, lines_per_file, seed, profile }` or `path = \"FOLDER\"`".into()),
        (with(name, "[corpus]\npath = \"../outside\"\n", WORKLOAD, ""), "scenarios/x.toml:3:8: `path` must be a folder inside the repository, relative and without `..`; got `../outside`".into()),
        (with(name, "[corpus]\npath = \"/etc\"\n", WORKLOAD, ""), "scenarios/x.toml:3:8: `path` must be a folder inside the repository, relative and without `..`; got `/etc`".into()),
        (with(name, "[corpus]\npath = \"no/such/folder\"\n", WORKLOAD, ""), "scenarios/x.toml:3:8: `path` `no/such/folder` is not a folder of the repository".into()),
        (with(name, "[corpus]\npath = \"core\"\nmax_files = 3\n", WORKLOAD, ""), "scenarios/x.toml:2:1: `max_files` and `include` only apply to a pinned `corpus`".into()),
        (with(name, "[corpus]\ncorpus = \"requests\"\nmax_files = 0\n", WORKLOAD, ""), "scenarios/x.toml:4:13: `max_files` = 0 is out of bounds; expected 1 to 1000000".into()),
        (with(name, "[corpus]\ncorpus = \"requests\"\ninclude = [\"a[b\"]\n", WORKLOAD, ""), "scenarios/x.toml:4:12: invalid glob `a[b`: unclosed character class; missing ']'".into()),
        (with(name, "[corpus]\nsynthetic = { files = 3, lines_per_file = 10, seed = 1, profile = \"weird\" }\n", WORKLOAD, ""), "scenarios/x.toml:3:67: unknown profile `weird`; expected one of: clean, typical, dense".into()),
        (with(name, "[corpus]\nsynthetic = { files = 3, seed = 1 }\n", WORKLOAD, ""), "scenarios/x.toml:3:13: `synthetic`: missing field `lines_per_file`".into()),
        (with(name, "[corpus]\nsynthetic = { files = 0, lines_per_file = 10, seed = 1 }\n", WORKLOAD, ""), "scenarios/x.toml:3:23: `files` = 0 is out of bounds; expected 1 to 100000".into()),
        (with(name, CORPUS, "[workload]\nkind = \"fast\"\n", ""), "scenarios/x.toml:5:8: `kind`: unknown value `fast`, expected one of: analyze, parse-only, aggregate, cache-cold, cache-warm, cache-edit".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\ntraversal = \"twice\"\n", ""), "scenarios/x.toml:6:13: `traversal`: unknown value `twice`, expected `unified` or `per-detector`".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\ndetectors = [\"magic\"]\n", ""), format!("scenarios/x.toml:6:13: unknown rule `magic` in `detectors`; known rules: {known_rules}")),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\ndetectors = \"some\"\n", ""), "scenarios/x.toml:6:13: `detectors` must be \"all\" or a list of rule ids, not \"some\"".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\ndetectors = 3\n", ""), "scenarios/x.toml:6:13: `detectors`: invalid type: integer `3`, expected \"all\" or a list of rule ids".into()),
        (with(name, CORPUS, "[workload]\nkind = 3\n", ""), "scenarios/x.toml:5:8: `kind`: invalid type: integer `3`, expected one of: analyze, parse-only, aggregate, cache-cold, cache-warm, cache-edit".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\nthreads = 99999999999999999999\n", ""), "scenarios/x.toml:6:11: `threads`: invalid value: integer `99999999999999999999`, expected a whole number ≥ 0".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\ndetectors = []\n", ""), "scenarios/x.toml:6:13: `detectors` must name at least one rule (or be \"all\")".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\nthreads = -1\n", ""), "scenarios/x.toml:6:11: `threads`: invalid value: integer `-1`, expected a whole number ≥ 0".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\nedit_to = \"django\"\n", ""), "scenarios/x.toml:6:11: `edit_to` is only for kind = \"cache-edit\"".into()),
        (with(name, CORPUS, "[workload]\nkind = \"cache-edit\"\n", ""), "scenarios/x.toml:2:1: kind = \"cache-edit\" needs `edit_to` in [workload]: the corpus analyzed second".into()),
        (with(name, CORPUS, "[workload]\nkind = \"cache-edit\"\nedit_to = \"flask\"\n", ""), format!("scenarios/x.toml:6:11: unknown corpus `flask`; the lock (scenarios/corpora.toml) has: {corpora}")),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\nshell = \"rm -rf /\"\n", ""), "scenarios/x.toml:6:1: unknown field `shell`, expected one of `kind`, `traversal`, `detectors`, `threads`, `edit_to`".into()),
        (with(name, CORPUS, WORKLOAD, "[engines]\ntime = { rounds = 0 }\n"), "scenarios/x.toml:7:19: `rounds` = 0 is out of bounds; expected 1 to 1000".into()),
        (with(name, CORPUS, WORKLOAD, "[engines]\ntime = { rounds = 3, samples = 5 }\n"), "scenarios/x.toml:7:32: `samples` = 5 is out of bounds; expected 10 to 10000".into()),
        (with(name, CORPUS, WORKLOAD, "[engines]\ntime = \"fast\"\n"), "scenarios/x.toml:7:8: `time`: invalid type: string \"fast\", expected `false`, `true` or a table { rounds, samples, warm_up_ms, measurement_ms }".into()),
        (with(name, CORPUS, WORKLOAD, "[engines]\ninstructions = \"yes\"\n"), "scenarios/x.toml:7:16: `instructions`: invalid type: string \"yes\", expected a boolean".into()),
        (with(name, CORPUS, WORKLOAD, "[engines]\nheap = true\n"), "scenarios/x.toml:7:1: unknown field `heap`, expected one of `time`, `instructions`, `allocations`".into()),
        (with(name, CORPUS, WORKLOAD, "[gate]\nspeed = 3.0\n"), "scenarios/x.toml:7:1: unknown field `speed`, expected one of `time`, `instructions`, `heap`".into()),
        (with(name, CORPUS, WORKLOAD, "[gate]\ntime = \"3%\"\n"), "scenarios/x.toml:7:8: `time`: invalid type: string \"3%\", expected a number".into()),
    ];
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for (text, expected) in &cases {
        let got = check(text).err().unwrap_or_else(|| "(accepted)".into());
        if &got != expected {
            failures.push(format!(
                "--- scenario:\n{text}--- expected: {expected}\n--- got:      {got}\n"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Numbers a hostile or careless user may write: each is refused at its own key with its bounds,
/// never accepted to hang a run, overflow an allocation or spawn thousands of threads.
#[test]
fn hostile_numbers_are_refused_at_their_key_with_their_bounds() {
    let name = "name = \"s\"\n";
    let engines = |time: &str| {
        with(
            name,
            CORPUS,
            WORKLOAD,
            &format!("[engines]\ntime = {time}\n"),
        )
    };
    let synthetic = |body: &str| {
        with(
            name,
            &format!("[corpus]\nsynthetic = {{ {body}, seed = 1 }}\n"),
            WORKLOAD,
            "",
        )
    };
    let long = "n".repeat(65);
    let cases: Vec<(String, String)> = vec![
        (engines("{ rounds = -3 }"), "scenarios/x.toml:7:19: `rounds`: invalid value: integer `-3`, expected a whole number ≥ 0".into()),
        (engines("{ rounds = 4000000000 }"), "scenarios/x.toml:7:19: `rounds` = 4000000000 is out of bounds; expected 1 to 1000".into()),
        (engines("{ rounds = 4e9 }"), "scenarios/x.toml:7:19: `rounds`: invalid type: floating point `4000000000.0`, expected a whole number ≥ 0".into()),
        (engines("{ warm_up_ms = 18446744073709551615 }"), "scenarios/x.toml:7:23: `warm_up_ms` = 18446744073709551615 is out of bounds; expected 0 to 600000".into()),
        (engines("{ measurement_ms = 0 }"), "scenarios/x.toml:7:27: `measurement_ms` = 0 is out of bounds; expected 1 to 3600000".into()),
        (engines("{ rounds = 1000, measurement_ms = 3600000 }"), "scenarios/x.toml:7:19: `time` asks for 1000 rounds × (500 + 3600000) ms = 1000.1 h; at most 6 h per scenario".into()),
        (engines("{ rounds = 3, speed = 1 }"), "scenarios/x.toml:7:22: unknown field `speed`, expected one of `rounds`, `samples`, `warm_up_ms`, `measurement_ms`".into()),
        (synthetic("files = 18446744073709551615, lines_per_file = 10"), "scenarios/x.toml:3:23: `files` = 18446744073709551615 is out of bounds; expected 1 to 100000".into()),
        (synthetic("files = 1000, lines_per_file = 1000000"), "scenarios/x.toml:3:46: `lines_per_file` = 1000000 is out of bounds; expected 1 to 100000".into()),
        (synthetic("files = 100000, lines_per_file = 100000"), "scenarios/x.toml:3:23: `synthetic` asks for 100000 files × 100000 lines = 10000000000 lines; at most 20000000 lines are generated".into()),
        (with(name, CORPUS, "[workload]\nkind = \"analyze\"\nthreads = 100000\n", ""), "scenarios/x.toml:6:11: `threads` = 100000 is out of bounds; expected 0 to 256".into()),
        (with(name, CORPUS, WORKLOAD, "[gate]\ntime = -5\n"), "scenarios/x.toml:7:8: [gate] time = -5: a threshold is a percentage between 0 and 100".into()),
        (with(name, CORPUS, WORKLOAD, "[gate]\n\ninstructions = nan\n"), "scenarios/x.toml:8:16: [gate] instructions = NaN: a threshold is a percentage between 0 and 100".into()),
        (with(&format!("name = \"{long}\"\n"), CORPUS, WORKLOAD, ""), format!("scenarios/x.toml:1:8: `name` is 65 characters as an identifier (`{long}`); at most 64 fit criterion's benchmark folder names")),
    ];
    let mut failures = Vec::new();
    for (text, expected) in &cases {
        let got = check(text).err().unwrap_or_else(|| "(accepted)".into());
        if &got != expected {
            failures.push(format!(
                "--- scenario:\n{text}--- expected: {expected}\n--- got:      {got}\n"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // The longest name that fits is accepted.
    let fits = "n".repeat(64);
    assert!(check(&with(&format!("name = \"{fits}\"\n"), CORPUS, WORKLOAD, "")).is_ok());
}

#[test]
fn a_gate_threshold_outside_zero_to_one_hundred_is_refused() {
    let error = check(&with(
        "name = \"s\"\n",
        CORPUS,
        WORKLOAD,
        "[gate]\ntime = 150.0\n",
    ))
    .unwrap_err();
    assert!(
        error.ends_with("[gate] time = 150: a threshold is a percentage between 0 and 100"),
        "{error}"
    );
}

#[test]
fn duplicate_names_across_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    std::fs::copy(
        repo().join("scenarios/corpora.toml"),
        dir.path().join("scenarios/corpora.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scenarios/a.toml"),
        with("name = \"same-name\"\n", CORPUS, WORKLOAD, ""),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scenarios/b.toml"),
        with("name = \"same_name\"\n", CORPUS, WORKLOAD, ""),
    )
    .unwrap();
    let lock = lock();
    let rules = perfgate::subject::rule_ids();
    let context = Context {
        repo_root: dir.path(),
        lock: &lock,
        rules: &rules,
    };
    let error = scenario::load_dir(&dir.path().join("scenarios"), &context)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "scenarios/b.toml:1:1: scenario name `same_name` is already used by scenarios/a.toml (`same-name`); names (as identifiers) must be unique"
    );
}
