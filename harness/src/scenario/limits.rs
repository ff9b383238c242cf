//! The bounds on every number a scenario file may hold, and the checks that apply them.
//!
//! A scenario is data a user writes by hand; a typo must be an error naming the key, never a run that
//! hangs for days (`rounds = 4000000000`), a capacity overflow (`files = 18446744073709551615`), or
//! thousands of threads. Each bound is far above anything a useful scenario needs, and the error says
//! it.

use std::ops::Range;

use toml::Spanned;

use super::raw::{RawGate, RawTimeSettings};
use super::{GateOverrides, ScenarioError, TimeEngine};

/// criterion cuts benchmark folder names at 64 bytes (`MAX_DIRECTORY_NAME_LEN` in its report
/// module); a longer identifier would measure into a folder perfgate never reads.
pub const MAX_ID_LEN: usize = 64;
pub const MAX_ROUNDS: u32 = 1_000;
/// criterion needs at least 10 samples.
pub const MIN_SAMPLES: u32 = 10;
pub const MAX_SAMPLES: u32 = 10_000;
/// Ten minutes of warm-up, one hour of measurement per round.
pub const MAX_WARM_UP_MS: u64 = 600_000;
pub const MAX_MEASUREMENT_MS: u64 = 3_600_000;
/// Every round's warm-up and measurement together: six hours.
pub const MAX_TIME_BUDGET_MS: u64 = 6 * 3_600_000;
pub const MAX_SYNTHETIC_FILES: usize = 100_000;
pub const MAX_SYNTHETIC_LINES_PER_FILE: usize = 100_000;
/// The generated corpus lives in memory: 20 million lines is about a gigabyte of source.
pub const MAX_SYNTHETIC_LINES: usize = 20_000_000;
/// `threads = 0` means one per core; an explicit count is bounded.
pub const MAX_THREADS: usize = 256;
pub const MAX_MAX_FILES: usize = 1_000_000;

/// Where an error points: the file's name and text.
pub(super) struct Located<'t> {
    pub(super) file: String,
    pub(super) text: &'t str,
}

impl Located<'_> {
    pub(super) fn at(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        let (line, column) = crate::corpus::line_column(self.text, span.start);
        ScenarioError {
            file: self.file.clone(),
            line: line as u32,
            column: column as u32,
            message: message.into(),
        }
    }

    /// A value error of the TOML decoder, with the key it belongs to when the span follows
    /// `key = ` (serde's messages name the expected type, not the key).
    pub(super) fn decoding(&self, span: Range<usize>, message: String) -> ScenarioError {
        match key_before(self.text, span.start) {
            Some(key) if !message.contains(&format!("`{key}`")) => {
                self.at(span, format!("`{key}`: {message}"))
            }
            _ => self.at(span, message),
        }
    }

    /// `value` of `key` within `min..=max`, else an error at its span saying the bounds.
    pub(super) fn within<T>(
        &self,
        key: &str,
        value: &Spanned<T>,
        min: T,
        max: T,
    ) -> Result<T, ScenarioError>
    where
        T: PartialOrd + Copy + std::fmt::Display,
    {
        let v = *value.get_ref();
        if v < min || v > max {
            return Err(self.at(
                value.span(),
                format!("`{key}` = {v} is out of bounds; expected {min} to {max}"),
            ));
        }
        Ok(v)
    }
}

/// The time engine's settings of a `time = { … }` table, defaults filled in, each bounded.
pub(super) fn time_engine(
    raw: &RawTimeSettings,
    located: &Located<'_>,
) -> Result<TimeEngine, ScenarioError> {
    let default = super::default_time();
    let or = |value: &Option<Spanned<u64>>, default: u64| {
        value.clone().unwrap_or_else(|| Spanned::new(0..0, default))
    };
    let or32 = |value: &Option<Spanned<u32>>, default: u32| {
        value.clone().unwrap_or_else(|| Spanned::new(0..0, default))
    };
    let rounds = or32(&raw.rounds, default.rounds);
    let time = TimeEngine {
        rounds: located.within("rounds", &rounds, 1, MAX_ROUNDS)?,
        samples: located.within(
            "samples",
            &or32(&raw.samples, default.samples),
            MIN_SAMPLES,
            MAX_SAMPLES,
        )?,
        warm_up_ms: located.within(
            "warm_up_ms",
            &or(&raw.warm_up_ms, default.warm_up_ms),
            0,
            MAX_WARM_UP_MS,
        )?,
        measurement_ms: located.within(
            "measurement_ms",
            &or(&raw.measurement_ms, default.measurement_ms),
            1,
            MAX_MEASUREMENT_MS,
        )?,
    };
    let budget = u64::from(time.rounds) * (time.warm_up_ms + time.measurement_ms);
    if budget > MAX_TIME_BUDGET_MS {
        return Err(located.at(
            rounds.span(),
            format!(
                "`time` asks for {} rounds × ({} + {}) ms = {:.1} h; at most {} h per scenario",
                time.rounds,
                time.warm_up_ms,
                time.measurement_ms,
                budget as f64 / 3_600_000.0,
                MAX_TIME_BUDGET_MS / 3_600_000
            ),
        ));
    }
    Ok(time)
}

/// `[gate]`: each threshold finite and strictly between 0 and 100 percent.
pub(super) fn gate_overrides(
    raw: &RawGate,
    located: &Located<'_>,
) -> Result<GateOverrides, ScenarioError> {
    let check = |key: &str, value: &Option<Spanned<f64>>| match value {
        Some(spanned) if !(*spanned.get_ref() > 0.0 && *spanned.get_ref() < 100.0) => Err(located
            .at(
                spanned.span(),
                format!(
                    "[gate] {key} = {}: a threshold is a percentage between 0 and 100",
                    spanned.get_ref()
                ),
            )),
        other => Ok(other.as_ref().map(|spanned| *spanned.get_ref())),
    };
    Ok(GateOverrides {
        time: check("time", &raw.time)?,
        instructions: check("instructions", &raw.instructions)?,
        heap: check("heap", &raw.heap)?,
    })
}

/// The key whose value starts at `offset` (`key = value` or `key=value`, the key bare or quoted).
fn key_before(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?.trim_end_matches([' ', '\t']);
    let before = before.strip_suffix('=')?.trim_end_matches([' ', '\t']);
    let key: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '"' | '\'' | '.'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let key = key.rsplit('.').next()?.trim_matches(['"', '\'']).to_owned();
    (!key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::key_before;

    #[test]
    fn the_key_of_a_value_is_found_in_tables_and_inline_tables() {
        assert_eq!(key_before("rounds = -3", 9).as_deref(), Some("rounds"));
        assert_eq!(
            key_before("time = { rounds=-3 }", 16).as_deref(),
            Some("rounds")
        );
        assert_eq!(key_before("a.\"b\" = 1", 8).as_deref(), Some("b"));
        assert_eq!(key_before("[gate]", 0), None);
        assert_eq!(key_before("x = [1, -3]", 8), None);
    }
}
