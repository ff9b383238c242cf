//! What the commands share: the scenario selection (with perfgate.toml's default set), engines,
//! the run-and-save step, baselines loaded by name, file or revision, comparison options and
//! export formats.

use std::path::{Path, PathBuf};

use crate::cli::args::{OutputArgs, SelectArgs, StoredBaselineArgs};
use crate::cli::{CliError, Result, fail};
use crate::corpus::CorpusLock;
use crate::scenario::{self, Context, Scenario};

/// The selected scenarios, all scenarios and the settings of a repository.
pub fn select(
    root: &Path,
    lock: &CorpusLock,
    filter: Option<&str>,
    tags: &[String],
) -> Result<(Vec<Scenario>, Vec<Scenario>, crate::settings::Settings)> {
    select_in(root, root, lock, filter, tags)
}

/// [`select`] of the scenario files in `source` (another checkout, with its corpora lock `lock`),
/// with the settings of `root`.
pub fn select_in(
    root: &Path,
    source: &Path,
    lock: &CorpusLock,
    filter: Option<&str>,
    tags: &[String],
) -> Result<(Vec<Scenario>, Vec<Scenario>, crate::settings::Settings)> {
    let rules = crate::subject::rule_ids();
    let context = Context {
        repo_root: source,
        lock,
        rules: &rules,
    };
    let all = scenario::load_dir(&source.join("scenarios"), &context)?;
    let settings = crate::settings::load(&root.join("perfgate.toml"))?;
    let tags = tags_or_default(filter, tags, &settings);
    let selected = crate::run::select(all.clone(), filter, &tags)?;
    if selected.is_empty() {
        fail!("{}", nothing_selected(filter, &tags, &all));
    }
    Ok((selected, all, settings))
}

/// Why a selection is empty: the filter and tags it used, and the names there are.
pub fn nothing_selected(filter: Option<&str>, tags: &[String], all: &[Scenario]) -> String {
    let mut asked = Vec::new();
    if let Some(filter) = filter {
        asked.push(format!("--filter {filter}"));
    }
    if !tags.is_empty() {
        asked.push(format!("--tags {}", tags.join(",")));
    }
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    let mut known: Vec<&str> = all
        .iter()
        .flat_map(|s| s.tags.iter().map(String::as_str))
        .collect();
    known.sort_unstable();
    known.dedup();
    format!(
        "no scenario matches {}; scenarios: {}; tags: {} (`perfgate scenarios` lists them)",
        if asked.is_empty() {
            "the selection".to_owned()
        } else {
            asked.join(" ")
        },
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        },
        if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        }
    )
}

/// The `--engines` of a run, parsed.
pub fn engines(select: &SelectArgs) -> Result<Vec<crate::run::Engine>> {
    select
        .engines
        .iter()
        .map(|engine| crate::run::parse_engine(engine))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::from)
}

/// The selection `select` stands for: its tags (perfgate.toml's default set when neither tags nor a
/// filter were given) and filter.
pub fn selection(
    select: &SelectArgs,
    settings: &crate::settings::Settings,
) -> crate::results::Selection {
    crate::results::Selection {
        tags: tags_or_default(select.which.filter.as_deref(), &select.which.tags, settings),
        filter: select.which.filter.clone(),
    }
}

/// The tags a selection uses: without --tags and --filter, perfgate.toml's default set.
fn tags_or_default(
    filter: Option<&str>,
    tags: &[String],
    settings: &crate::settings::Settings,
) -> Vec<String> {
    if tags.is_empty() && filter.is_none() {
        settings.run.default_tags.clone()
    } else {
        tags.to_vec()
    }
}

/// Runs the selected scenarios and saves the results; returns them and their file.
pub fn run_and_save(
    root: &Path,
    lock: &CorpusLock,
    selected: &[Scenario],
    select: &SelectArgs,
    selection: crate::results::Selection,
    out: Option<PathBuf>,
) -> Result<(crate::results::Results, PathBuf)> {
    let engines = engines(select)?;
    if select.rounds == Some(0) {
        fail!("--rounds must be at least 1");
    }
    let options = crate::run::RunOptions {
        engines,
        rounds: select.rounds,
        selection: Some(selection),
    };
    let results = crate::run::run(selected, root, lock, &options);
    let path = out.unwrap_or_else(|| crate::run::default_results_path(root, &results));
    results.save(&path)?;
    Ok((results, path))
}

/// `--baseline NAME|FILE` of a profile, loaded.
pub fn load_baseline(
    root: &Path,
    profile: &str,
    name_or_file: &str,
) -> Result<crate::results::Results> {
    let file = crate::baseline::resolve(root, profile, name_or_file)?;
    Ok(crate::results::Results::load(&file)?)
}

/// `--baseline NAME|FILE` as it is at revision `rev` (`git show REV:PATH`).
pub fn load_baseline_at(
    root: &Path,
    profile: &str,
    name_or_file: &str,
    rev: &str,
) -> Result<crate::results::Results> {
    let path = if name_or_file.ends_with(".json") || name_or_file.contains('/') {
        PathBuf::from(name_or_file)
    } else {
        crate::baseline::path(root, profile, name_or_file)?
    };
    let relative = path.strip_prefix(root).unwrap_or(&path);
    let spec = format!("{rev}:{}", relative.display());
    let text = crate::git::git(root, &["show", &spec])
        .map_err(|error| CliError::Invalid(format!("cannot read the baseline {spec}: {error}")))?;
    let mut results = crate::results::Results::parse(&text, &spec)?;
    if let Ok(here) = crate::results::Results::load(&path)
        && here.history.len() > results.history.len()
    {
        for entry in &here.history[results.history.len()..] {
            results.load_notes.push(format!(
                "this change re-{}s the baseline ({}): {}; it is gated against {spec}",
                entry.action,
                path.strip_prefix(root).unwrap_or(&path).display(),
                entry.reason.as_deref().unwrap_or("no reason given")
            ));
        }
    }
    Ok(results)
}

/// The comparison options of the command line: perfgate.toml's thresholds, the scenarios'
/// overrides, the calibration, `--allow-foreign`, `--allow-uncompared` (checked).
pub fn options_of(
    root: &Path,
    output: &OutputArgs,
    stored: &StoredBaselineArgs,
    settings: &crate::settings::Settings,
    all: &[Scenario],
) -> Result<crate::compare::CompareOptions> {
    let mut options =
        crate::gate::compare_options(root, &output.profile, settings, all, stored.allow_foreign);
    for family in &stored.allow_uncompared {
        if !crate::metric::names().contains(&family.as_str()) {
            fail!(
                "--allow-uncompared: unknown metric family `{family}`; available: {}",
                crate::metric::names().join(", ")
            );
        }
    }
    options.allow_uncompared = stored.allow_uncompared.clone();
    Ok(options)
}

/// Checks --format names (all formats when none is given).
pub fn formats(output: &OutputArgs) -> Result<Vec<String>> {
    if output.format.is_empty() {
        return Ok(crate::export::FORMATS.map(str::to_owned).to_vec());
    }
    for name in &output.format {
        crate::export::by_name(name)?;
    }
    Ok(output.format.clone())
}

pub fn find_scenario(root: &Path, lock: &CorpusLock, name: &str) -> Result<scenario::Scenario> {
    let rules = crate::subject::rule_ids();
    let context = Context {
        repo_root: root,
        lock,
        rules: &rules,
    };
    scenario::load_dir(&root.join("scenarios"), &context)?
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| CliError::Invalid(format!("no scenario named `{name}`")))
}
