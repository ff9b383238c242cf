//! `perfgate.toml` at the repository root: the defaults of runs and of the gate. Strict like the
//! scenario files: unknown keys and wrong types are errors with file:line:column.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// `[run]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunDefaults {
    /// Scenarios run when neither `--tags` nor `--filter` is given.
    #[serde(default = "pr")]
    pub default_tags: Vec<String>,
}

fn pr() -> Vec<String> {
    vec!["pr".to_owned()]
}

/// `[gate]`: regression thresholds in percent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateDefaults {
    #[serde(default = "three")]
    pub time: f64,
    #[serde(default = "one")]
    pub instructions: f64,
    #[serde(default = "two")]
    pub heap: f64,
    /// The smallest wall-time slowdown (percent) the gate promises to see: a scenario whose minimum
    /// detectable effect is larger is `inconclusive` with the rounds it needs, never `unchanged`.
    #[serde(default = "ten")]
    pub time_detect: f64,
}

impl Default for GateDefaults {
    fn default() -> Self {
        gate_defaults()
    }
}

impl GateDefaults {
    /// What the gate promises to see (a fraction) in a scenario whose time threshold is
    /// `threshold` (a fraction): `time_detect`, or `time_detect` scaled as the scenario's threshold
    /// is scaled from the default when that is more (a looser threshold keeps the same margin).
    pub fn promise(&self, threshold: f64) -> f64 {
        (self.time_detect / 100.0).max(threshold * self.time_detect / self.time)
    }
}

fn three() -> f64 {
    3.0
}
fn one() -> f64 {
    1.0
}
fn two() -> f64 {
    2.0
}
fn ten() -> f64 {
    10.0
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "run_defaults")]
    pub run: RunDefaults,
    #[serde(default = "gate_defaults")]
    pub gate: GateDefaults,
}

fn run_defaults() -> RunDefaults {
    RunDefaults { default_tags: pr() }
}
fn gate_defaults() -> GateDefaults {
    GateDefaults {
        time: three(),
        instructions: one(),
        heap: two(),
        time_detect: ten(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            run: run_defaults(),
            gate: gate_defaults(),
        }
    }
}

/// Why `perfgate.toml` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Read(#[from] crate::files::FileError),
    /// A syntax, type or range error at its place in the file.
    #[error(transparent)]
    Invalid(crate::files::AtPlace),
}

/// Reads `perfgate.toml` (defaults when the file does not exist).
pub fn load(path: &Path) -> Result<Settings, SettingsError> {
    let text = match crate::files::read_regular(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Settings::default());
        }
        Err(error) => return Err(crate::files::FileError::of("read", path)(error).into()),
    };
    let at = |start: usize, message: &str| {
        let (line, column) = crate::corpus::line_column(&text, start);
        SettingsError::Invalid(crate::files::AtPlace {
            path: path.to_path_buf(),
            line,
            column,
            message: message.to_owned(),
        })
    };
    let settings: Settings = toml::from_str(&text).map_err(|error| {
        at(
            error.span().map_or(0, |s| s.start),
            error.message().trim_end(),
        )
    })?;
    // A threshold that is not a percentage strictly between 0 and 100 (NaN, infinite, 1000) would
    // let any change pass: refused with the key's place.
    #[derive(Deserialize)]
    struct Spans {
        gate: Option<GateSpans>,
    }
    #[derive(Deserialize)]
    struct GateSpans {
        time: Option<toml::Spanned<f64>>,
        instructions: Option<toml::Spanned<f64>>,
        heap: Option<toml::Spanned<f64>>,
        time_detect: Option<toml::Spanned<f64>>,
    }
    let spans: Spans = toml::from_str(&text).map_err(|error| at(0, error.message().trim_end()))?;
    if let Some(gate) = &spans.gate {
        for (key, value) in [
            ("time", gate.time.clone()),
            ("instructions", gate.instructions.clone()),
            ("heap", gate.heap.clone()),
            ("time_detect", gate.time_detect.clone()),
        ] {
            if let Some(value) = value
                && !(value.get_ref().is_finite()
                    && *value.get_ref() > 0.0
                    && *value.get_ref() < 100.0)
            {
                return Err(at(
                    value.span().start,
                    &format!(
                        "[gate] {key} = {}: a threshold is a percentage between 0 and 100",
                        value.get_ref()
                    ),
                ));
            }
        }
    }
    if settings.gate.time_detect <= settings.gate.time {
        // At the place of time_detect when it is written, else of time.
        let place = spans
            .gate
            .as_ref()
            .and_then(|g| g.time_detect.as_ref().or(g.time.as_ref()))
            .map_or(0, |value| value.span().start);
        return Err(at(
            place,
            &format!(
                "[gate] time_detect = {}: what the gate promises to see must exceed the time threshold ({} %)",
                settings.gate.time_detect, settings.gate.time
            ),
        ));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_that_is_not_a_percentage_is_refused_at_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("perfgate.toml");
        for (value, shown) in [("nan", "NaN"), ("inf", "inf"), ("1000", "1000"), ("0", "0")] {
            std::fs::write(
                &path,
                format!("[gate]\ntime = 3.0\ninstructions = {value}\n"),
            )
            .unwrap();
            assert_eq!(
                load(&path).unwrap_err().to_string(),
                format!(
                    "{}:3:16: [gate] instructions = {shown}: a threshold is a percentage between 0 and 100",
                    path.display()
                )
            );
        }
    }

    #[test]
    fn time_detect_must_exceed_the_time_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("perfgate.toml");
        std::fs::write(&path, "[gate]\ntime = 3.0\ntime_detect = 2.5\n").unwrap();
        assert_eq!(
            load(&path).unwrap_err().to_string(),
            format!(
                "{}:3:15: [gate] time_detect = 2.5: what the gate promises to see must exceed the time threshold (3 %)",
                path.display()
            )
        );
        std::fs::write(&path, "[gate]\ntime_detect = 8\n").unwrap();
        let gate = load(&path).unwrap().gate;
        assert_eq!(gate.time_detect, 8.0);
        assert_eq!(gate.promise(0.03), 0.08);
        // The larger of time_detect and the scenario's threshold scaled by 8 / 3, so the promise
        // never jumps: 10 % → 26.7 %, 4 % → 10.7 %, 2 % → 8 %.
        assert!((gate.promise(0.10) - 0.10 * 8.0 / 3.0).abs() < 1e-12);
        assert_eq!(gate.promise(0.02), 0.08);
        assert!((gate.promise(0.04) - 0.04 * 8.0 / 3.0).abs() < 1e-12);
        // A time threshold at or above the default promise is refused too.
        std::fs::write(&path, "[gate]\ntime = 12\n").unwrap();
        assert_eq!(
            load(&path).unwrap_err().to_string(),
            format!(
                "{}:2:8: [gate] time_detect = 10: what the gate promises to see must exceed the time threshold (12 %)",
                path.display()
            )
        );
    }

    #[test]
    fn a_missing_file_gives_the_defaults_and_a_bad_key_its_location() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            load(&dir.path().join("perfgate.toml")).unwrap(),
            Settings::default()
        );
        let path = dir.path().join("perfgate.toml");
        std::fs::write(&path, "[gate]\ntime = 3.0\nspeed = 1\n").unwrap();
        assert_eq!(
            load(&path).unwrap_err().to_string(),
            format!(
                "{}:3:1: unknown field `speed`, expected one of `time`, `instructions`, `heap`, `time_detect`",
                path.display()
            )
        );
    }

    #[test]
    fn the_repository_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../perfgate.toml");
        let settings = load(&path).unwrap();
        assert_eq!(settings.run.default_tags, ["pr"]);
        assert_eq!(
            (
                settings.gate.time,
                settings.gate.instructions,
                settings.gate.heap
            ),
            (3.0, 1.0, 2.0)
        );
    }
}
