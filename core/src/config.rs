//! Configuration files: `connascence.toml`, or `[tool.connascence]` in `pyproject.toml`.
//!
//! Found like ruff finds its own: `--config FILE`, or the nearest `connascence.toml` or `pyproject.toml`
//! with a `[tool.connascence]` table, walking up from the first path given. Keys:
//!
//! ```toml
//! select = ["magic-literal", "complexity"]   # run exactly these rules (default: the default set)
//! ignore = ["convention"]                     # then turn these off
//! exclude = ["tests/data/**", "*_pb2.py"]     # globs, relative to the config file's folder
//! fail-on = "high"                            # low | medium | high | critical
//!
//! [rules.magic-literal]
//! enabled = true
//! severity = "low"                            # override the detector's severity
//! allowed_numbers = [-1, 0, 1, 2, 10]         # the detector's own options (see `connascence rules ID`)
//! ```
//!
//! Every key is checked: an unknown key, an unknown rule or a value of the wrong type is an error
//! naming the file, line and column and what is allowed there.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::detectors::{Rule, RuleSettings, Settings, unknown_rule_message};
use crate::finding::Severity;
use crate::source::LineIndex;

/// A configuration file that could not be used, with the place of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The effective configuration of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub settings: Settings,
    /// Glob patterns of paths to skip, relative to [`Config::root`].
    pub exclude: Vec<String>,
    pub fail_on: Option<Severity>,
    /// The file the configuration was read from, if any.
    pub source: Option<PathBuf>,
    /// The folder globs and the cache are relative to: the config file's folder, else the working one.
    pub root: PathBuf,
    /// `max-file-size`: files above it are skipped with a `too-large` diagnostic.
    pub max_file_bytes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            exclude: Vec::new(),
            fail_on: None,
            source: None,
            root: PathBuf::new(),
            max_file_bytes: crate::discover::DEFAULT_MAX_FILE_BYTES,
        }
    }
}

const TOP_LEVEL_KEYS: [&str; 6] = [
    "select",
    "ignore",
    "exclude",
    "fail-on",
    "max-file-size",
    "rules",
];

/// The nearest configuration file at or above `start`.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(start).ok()?;
    let mut dir = if absolute.is_dir() {
        Some(absolute.as_path())
    } else {
        absolute.parent()
    };
    while let Some(current) = dir {
        let own = current.join("connascence.toml");
        if own.is_file() {
            return Some(own);
        }
        let pyproject = current.join("pyproject.toml");
        if pyproject.is_file()
            && std::fs::read_to_string(&pyproject)
                .is_ok_and(|text| text.contains("[tool.connascence"))
        {
            return Some(pyproject);
        }
        dir = current.parent();
    }
    None
}

/// The largest configuration file read (a `pyproject.toml` of a large project is a few kB).
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads a configuration file (`pyproject.toml` is read from its `[tool.connascence]` table).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let label = path.display().to_string();
    // Only a regular file is read (a FIFO would block until a writer appears), and at most
    // MAX_CONFIG_BYTES of it.
    let unreadable = |message: String| ConfigError {
        file: label.clone(),
        line: 1,
        column: 1,
        message: format!("cannot read the configuration: {message}"),
    };
    let bytes = crate::discover::read_regular_file(path, MAX_CONFIG_BYTES).map_err(|error| {
        unreadable(match error {
            crate::discover::ReadError::TooLarge { size, limit } => {
                format!("{size} bytes; a configuration file is at most {limit} bytes")
            }
            crate::discover::ReadError::Io(message)
                if message.starts_with("not a regular file") =>
            {
                "not a regular file".to_owned()
            }
            crate::discover::ReadError::Io(message) => message,
        })
    })?;
    let text = String::from_utf8(bytes).map_err(|_| unreadable("not UTF-8".to_owned()))?;
    let is_pyproject = path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml");
    let mut config = parse(&text, &label, is_pyproject)?;
    config.source = Some(path.to_path_buf());
    config.root = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    if config.root.as_os_str().is_empty() {
        config.root = PathBuf::from(".");
    }
    Ok(config)
}

/// Parses configuration text; `file` names it in errors.
pub fn parse(text: &str, file: &str, is_pyproject: bool) -> Result<Config, ConfigError> {
    let lines = LineIndex::new(text);
    let at = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = lines.position(text, span.start as u32);
        ConfigError {
            file: file.to_owned(),
            line,
            column,
            message,
        }
    };
    let from_toml = |error: toml::de::Error| {
        let span = error.span().unwrap_or(0..0);
        at(span, plain_types(error.message().trim_end()))
    };
    let document = DeTable::parse(text).map_err(from_toml)?;
    let table = if is_pyproject {
        match document.get_ref().get("tool").map(Spanned::get_ref) {
            Some(DeValue::Table(tool)) => match tool.get("connascence") {
                Some(value) => expect_table(value, "[tool.connascence]", &at)?,
                None => return Ok(Config::default()),
            },
            _ => return Ok(Config::default()),
        }
    } else {
        document.get_ref()
    };
    let mut config = Config::default();
    let mut per_rule: Vec<(Rule, RuleSettings)> = Vec::new();
    let mut select: Option<Vec<String>> = None;
    let mut ignore = Vec::new();
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "select" => select = Some(rule_list(value, &at)?),
            "ignore" => ignore = rule_list(value, &at)?,
            "exclude" => config.exclude = exclude_list(value, &at)?,
            "fail-on" => config.fail_on = Some(severity(value, &at)?),
            "max-file-size" => {
                let text = match value.get_ref() {
                    DeValue::String(text) => text.to_string(),
                    DeValue::Integer(number) => number.to_string(),
                    _ => String::new(),
                };
                config.max_file_bytes = crate::discover::parse_size(&text)
                    .map_err(|error| at(value.span(), format!("`max-file-size` {error}")))?;
            }
            "rules" => {
                for (id, rule_value) in expect_table(value, "rules", &at)? {
                    let Some(rule) = Rule::by_id(id.get_ref()) else {
                        return Err(at(id.span(), unknown_rule_message(id.get_ref())));
                    };
                    per_rule.push((rule, rule_settings(rule, rule_value, &at, &from_toml)?));
                }
            }
            other => {
                return Err(at(
                    key.span(),
                    format!(
                        "unknown key `{other}`; expected one of: {}",
                        TOP_LEVEL_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    // `select`/`ignore` first; a rule's own `enabled` then has the last word.
    config.settings.select(select.as_deref(), &ignore);
    for (rule, settings) in per_rule {
        let entry = config
            .settings
            .rules
            .entry(rule.id().to_owned())
            .or_default();
        entry.enabled = settings.enabled.or(entry.enabled);
        entry.severity = settings.severity;
        entry.options = settings.options;
    }
    Ok(config)
}

fn expect_table<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
    what: &str,
    at: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<&'a DeTable<'i>, ConfigError> {
    match value.get_ref() {
        DeValue::Table(table) => Ok(table),
        other => Err(at(
            value.span(),
            format!("`{what}` must be a table, found {}", other.type_str()),
        )),
    }
}

fn typed<T: serde::de::DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
) -> Result<T, toml::de::Error> {
    use serde::de::IntoDeserializer;
    T::deserialize(value.clone().into_deserializer())
}

fn rule_list(
    value: &Spanned<DeValue<'_>>,
    at: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<Vec<String>, ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(at(
            value.span(),
            "expected an array of rule ids, such as [\"magic-literal\"]".to_owned(),
        ));
    };
    items
        .iter()
        .map(|item| match item.get_ref().as_str() {
            Some(id) if Rule::by_id(id).is_some() => Ok(id.to_owned()),
            Some(id) => Err(at(item.span(), unknown_rule_message(id))),
            None => Err(at(item.span(), "expected a rule id (a string)".to_owned())),
        })
        .collect()
}

/// `exclude`: an array of globs, each compiled here so that a bad one is shown at its place.
fn exclude_list(
    value: &Spanned<DeValue<'_>>,
    at: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<Vec<String>, ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(at(
            value.span(),
            format!(
                "`exclude` must be an array of globs, such as [\"tests/data/**\"], found {}",
                value.get_ref().type_str()
            ),
        ));
    };
    items
        .iter()
        .map(|item| match item.get_ref().as_str() {
            Some(pattern) => crate::discover::Exclude::check(pattern)
                .map(|()| pattern.to_owned())
                .map_err(|reason| at(item.span(), format!("`exclude`: {reason}"))),
            None => Err(at(
                item.span(),
                format!(
                    "`exclude`: expected a glob (a string), found {}",
                    item.get_ref().type_str()
                ),
            )),
        })
        .collect()
}

fn rule_settings(
    rule: Rule,
    value: &Spanned<DeValue<'_>>,
    at: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
    from_toml: &impl Fn(toml::de::Error) -> ConfigError,
) -> Result<RuleSettings, ConfigError> {
    let table = expect_table(value, &format!("rules.{}", rule.id()), at)?;
    let mut settings = RuleSettings::default();
    let mut options = DeTable::new();
    for (key, item) in table {
        match key.get_ref().as_ref() {
            "enabled" => settings.enabled = Some(typed::<bool>(item).map_err(from_toml)?),
            "severity" => settings.severity = Some(severity(item, at)?),
            _ => {
                options.insert(key.clone(), item.clone());
            }
        }
    }
    let options = Spanned::new(value.span(), DeValue::Table(options));
    settings.options = (rule.info().read_options)(options).map_err(|error| {
        let mut error = from_toml(error);
        if error.message.starts_with("unknown field") {
            error.message.push_str(" (or `enabled`, `severity`)");
        }
        error
    })?;
    Ok(settings)
}

fn severity(
    value: &Spanned<DeValue<'_>>,
    at: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<Severity, ConfigError> {
    let text = value.get_ref().as_str();
    Severity::ALL.into_iter().find(|severity| Some(severity.as_str()) == text).ok_or_else(|| {
        let found = text.map_or_else(|| value.get_ref().type_str().to_owned(), |t| format!("\"{t}\""));
        at(value.span(), format!("invalid severity {found}; expected one of \"low\", \"medium\", \"high\", \"critical\""))
    })
}

/// serde's Rust type names in messages, said for people who write TOML.
fn plain_types(message: &str) -> String {
    message
        .replace("expected usize", "expected a whole number ≥ 0")
        .replace("expected u32", "expected a whole number ≥ 0")
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected an array")
}
