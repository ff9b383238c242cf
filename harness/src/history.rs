//! The nightly history: one JSON line per gate run (`perfgate gate --history FILE`), its series
//! per (host, scenario, metric), and their change points ([`crate::stats::changepoint`]).
//!
//! A record keeps what a trend needs and what identifies the run: when, which commit, on which host
//! (an id over CPU model, cores, CPU flags and target — series never mix hosts, since wall time and
//! even instruction counts can differ between them), the gate's exit code and verdict counts, and
//! per scenario the value of each metric (time: the median of the round medians in ns; Ir; heap
//! bytes and blocks). The file is rewritten atomically with the new line appended, so a run killed
//! mid-write leaves the old file; a line that does not parse is an error naming its line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::compare::Comparison;
use crate::results::{Fingerprint, Results, ScenarioResult, Status};
use crate::stats::changepoint::{self, ChangePoint};

pub const HISTORY_SCHEMA: u32 = 1;

/// One gate run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub schema_version: u32,
    /// Seconds since the Unix epoch, when the run started.
    pub timestamp: u64,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
    /// [`host_id`] of the machine.
    pub host: String,
    /// CPU model and cores, for people.
    pub host_label: String,
    pub profile: String,
    pub baseline: String,
    pub exit_code: u8,
    /// Verdict → count.
    pub verdicts: BTreeMap<String, usize>,
    /// Scenario → metric → value; failed scenarios are absent.
    pub scenarios: BTreeMap<String, BTreeMap<String, f64>>,
}

/// A short id of the machine a run measured on.
pub fn host_id(fingerprint: &Fingerprint) -> String {
    let key = format!(
        "{}|{}|{}|{}",
        fingerprint.cpu_model.as_deref().unwrap_or("?"),
        fingerprint.cores,
        fingerprint.cpu_flags_hash.as_deref().unwrap_or("?"),
        fingerprint.target
    );
    format!("{:012x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes()) >> 16)
}

/// Every metric value of one scenario result.
pub fn metric_values(scenario: &ScenarioResult) -> BTreeMap<String, f64> {
    use crate::engine::Values;
    let mut values = BTreeMap::new();
    for engine in &crate::engine::ENGINES {
        let Some(family) = engine.family() else {
            continue;
        };
        match engine.values(scenario) {
            // Sampled: the median of the round medians, under the family's name.
            Some(Values::Rounds(medians)) if !medians.is_empty() => {
                values.insert(family.to_owned(), crate::stats::median(&medians));
            }
            Some(Values::Counts(counts)) => {
                for (name, count) in counts {
                    values.insert(name.to_owned(), count as f64);
                }
            }
            _ => {}
        }
    }
    values
}

impl Record {
    /// The record of a gate run.
    pub fn new(
        results: &Results,
        comparison: &Comparison,
        profile: &str,
        baseline: &str,
    ) -> Record {
        let fingerprint = &results.fingerprint;
        Record {
            schema_version: HISTORY_SCHEMA,
            timestamp: fingerprint.timestamp,
            commit: fingerprint.git_commit.clone(),
            dirty: fingerprint.git_dirty,
            host: host_id(fingerprint),
            host_label: format!(
                "{}, {} cores",
                fingerprint.cpu_model.as_deref().unwrap_or("unknown CPU"),
                fingerprint.cores
            ),
            profile: profile.to_owned(),
            baseline: baseline.to_owned(),
            exit_code: comparison.exit_code(),
            verdicts: comparison
                .tally()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            scenarios: results
                .scenarios
                .iter()
                .filter(|s| s.status == Status::Ok)
                .map(|s| (s.name.clone(), metric_values(s)))
                .filter(|(_, values)| !values.is_empty())
                .collect(),
        }
    }
}

/// `reports/history/<profile>.jsonl`.
pub fn default_path(root: &Path, profile: &str) -> PathBuf {
    root.join("reports/history")
        .join(format!("{profile}.jsonl"))
}

/// Reads a history file; a missing file is an empty history.
/// Why a history file cannot be read or appended to.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// A line that is no record of this schema, at its place.
    #[error(transparent)]
    Invalid(crate::files::AtPlace),
    #[error("cannot encode: {0}")]
    Encode(#[from] serde_json::Error),
}

pub fn load(path: &Path) -> Result<Vec<Record>, HistoryError> {
    let text = match crate::files::read_regular(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(crate::files::FileError::of("read", path)(error).into()),
    };
    let mut records = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(line).map_err(|error| {
            // serde's message without its own "at line 1 column N" (the line is the file's).
            let text = error.to_string();
            let message = text.split(" at line ").next().unwrap_or(&text).to_owned();
            HistoryError::Invalid(crate::files::AtPlace {
                path: path.to_path_buf(),
                line: number + 1,
                column: error.column(),
                message: format!(
                    "not a history record ({message}); expected one JSON object per line as `perfgate gate --history` writes"
                ),
            })
        })?;
        if record.schema_version != HISTORY_SCHEMA {
            return Err(HistoryError::Invalid(crate::files::AtPlace {
                path: path.to_path_buf(),
                line: number + 1,
                column: 1,
                message: format!(
                    "history schema {} is not the supported {HISTORY_SCHEMA}",
                    record.schema_version
                ),
            }));
        }
        records.push(record);
    }
    Ok(records)
}

/// Appends a record: the existing file (checked to parse) plus the new line, written atomically.
pub fn append(path: &Path, record: &Record) -> Result<(), HistoryError> {
    load(path)?;
    let mut text = std::fs::read_to_string(path).unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&serde_json::to_string(record)?);
    text.push('\n');
    crate::write_atomic(path, &text).map_err(crate::files::FileError::of("write", path))?;
    Ok(())
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub timestamp: u64,
    pub commit: Option<String>,
    pub value: f64,
}

/// The values of one metric of one scenario on one host, in run order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub host: String,
    pub host_label: String,
    pub scenario: String,
    pub metric: String,
    pub points: Vec<Point>,
}

impl Series {
    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.value).collect()
    }
}

/// Every (host, scenario, metric) series of the records, sorted by key.
pub fn series(records: &[Record]) -> Vec<Series> {
    let mut by_key: BTreeMap<(String, String, String), Series> = BTreeMap::new();
    for record in records {
        for (scenario, values) in &record.scenarios {
            for (metric, value) in values {
                let key = (record.host.clone(), scenario.clone(), metric.clone());
                by_key
                    .entry(key)
                    .or_insert_with(|| Series {
                        host: record.host.clone(),
                        host_label: record.host_label.clone(),
                        scenario: scenario.clone(),
                        metric: metric.clone(),
                        points: Vec::new(),
                    })
                    .points
                    .push(Point {
                        timestamp: record.timestamp,
                        commit: record.commit.clone(),
                        value: *value,
                    });
            }
        }
    }
    by_key.into_values().collect()
}

/// Every series with its change points (BH across all of them).
pub fn trends(
    records: &[Record],
    options: &changepoint::Options,
) -> Vec<(Series, Vec<ChangePoint>)> {
    let all = series(records);
    let values: Vec<Vec<f64>> = all.iter().map(Series::values).collect();
    let refs: Vec<&[f64]> = values.iter().map(Vec::as_slice).collect();
    let found = changepoint::detect_all(&refs, options);
    all.into_iter().zip(found).collect()
}

/// `history show`: one line per run.
pub fn show(records: &[Record]) -> String {
    let mut out = format!(
        "{:<20} {:<12} {:<12} {:>4}  {}\n",
        "date (UTC)", "commit", "host", "exit", "verdicts"
    );
    for record in records {
        let date = jiff::Timestamp::from_second(record.timestamp as i64)
            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| record.timestamp.to_string());
        let verdicts: Vec<String> = record
            .verdicts
            .iter()
            .map(|(verdict, count)| format!("{count} {verdict}"))
            .collect();
        out.push_str(&format!(
            "{:<20} {:<12} {:<12} {:>4}  {}\n",
            date,
            record
                .commit
                .as_deref()
                .map_or("-", |c| &c[..c.len().min(12)]),
            record.host,
            record.exit_code,
            verdicts.join(", ")
        ));
    }
    out
}

/// The noise of a series relative to its level: the median absolute successive difference over
/// 0.6745·√2 (robust to the steps themselves), divided by the median value; `None` below three
/// runs or for a series around 0.
pub fn relative_noise(values: &[f64]) -> Option<f64> {
    if values.len() < 3 {
        return None;
    }
    let differences: Vec<f64> = values.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let level = crate::stats::median(values);
    if level <= 0.0 || !level.is_finite() {
        return None;
    }
    Some(crate::stats::median(&differences) / (0.6745 * std::f64::consts::SQRT_2) / level)
}

/// The number of cuts the change-point scan tries in `n` runs (splits and stretches, every part
/// at least `min_size`).
pub fn cuts(n: usize, min_size: usize) -> usize {
    let splits = (n + 1).saturating_sub(2 * min_size);
    let pairs = (n + 1)
        .saturating_sub(3 * min_size)
        .checked_mul((n + 2).saturating_sub(3 * min_size))
        .map_or(usize::MAX, |p| p / 2);
    splits.saturating_add(pairs)
}

/// How many runs after a step of `step` (a fraction) the change-point scan needs before it can
/// flag it with even odds, in a series of `runs` runs so far with relative noise `noise`, when it
/// is the only one of `series` series that changed (Benjamini–Hochberg then asks it for p below
/// q / series): the fewest m ≥ min_size with step / (noise · √(1/n + 1/m)) at least the two-sided
/// t quantile at q / (series · cuts(n + m)). `None` beyond 10,000 runs.
pub fn runs_to_see(
    runs: usize,
    noise: f64,
    step: f64,
    series: usize,
    options: &changepoint::Options,
) -> Option<usize> {
    let min_size = options.min_size.max(2);
    let before = runs.max(min_size) as f64;
    if noise == 0.0 {
        return Some(min_size);
    }
    let seen = |after: usize| {
        let total = runs.max(min_size) + after;
        let level = options.alpha / (series.max(1) as f64 * cuts(total, min_size) as f64);
        let critical = crate::stats::t_upper_quantile((total - 2) as f64, level / 2.0);
        step / (noise * (1.0 / before + 1.0 / after as f64).sqrt()) >= critical
    };
    // More runs after the step raise the statistic towards a ceiling while the number of cuts
    // (and so the critical value) keeps growing slowly: double until seen, then bisect.
    const LIMIT: usize = 10_000;
    let mut high = min_size;
    while !seen(high) {
        if high >= LIMIT {
            return None;
        }
        high = (high * 2).min(LIMIT);
    }
    let mut low = (high / 2).max(min_size);
    while low < high {
        let middle = (low + high) / 2;
        if seen(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low)
}

/// A series' relative noise, the size of change the gate looks for in its metric (wall time:
/// `time_detect`; instructions and heap: their thresholds), and how many runs after such a change
/// the scan needs to see it among `series` series, as words.
pub fn sensitivity(
    series: &Series,
    count: usize,
    gate: &crate::settings::GateDefaults,
) -> (Option<f64>, f64, String) {
    let options = changepoint::Options::default();
    let step = crate::metric::detect(&series.metric, gate) / 100.0;
    let values = series.values();
    let noise = relative_noise(&values);
    let needs = match noise {
        None => format!(
            "unknown (fewer than 3 runs, or no positive level; at least {})",
            options.min_size
        ),
        Some(noise) => match runs_to_see(values.len(), noise, step, count, &options) {
            Some(runs) => runs.to_string(),
            None => "more than 10000".into(),
        },
    };
    (noise, step, needs)
}

/// `history trend`, per series: how many runs it has on its host, its noise, and how many runs
/// after a change of the size the gate looks for (wall time: `time_detect`; instructions and heap:
/// their thresholds) the change-point scan needs to see it.
pub fn coverage_table(
    trends: &[(Series, Vec<ChangePoint>)],
    gate: &crate::settings::GateDefaults,
) -> String {
    let mut out = format!(
        "\n{:<24} {:<18} {:<12} {:>5} {:>8} {:>7}  {}\n",
        "scenario", "metric", "host", "runs", "noise", "step", "runs a step needs after it"
    );
    for (series, _) in trends {
        let (noise, step, needs) = sensitivity(series, trends.len(), gate);
        let values = series.values();
        out.push_str(&format!(
            "{:<24} {:<18} {:<12} {:>5} {:>8} {:>6.1}%  {}\n",
            series.scenario,
            series.metric,
            series.host,
            values.len(),
            noise.map_or("-".into(), |n| format!("{:.2}%", n * 100.0)),
            step * 100.0,
            needs
        ));
    }
    out
}

/// `history trend`: every change point found, as a table.
pub fn trend_table(trends: &[(Series, Vec<ChangePoint>)]) -> String {
    let mut out = format!(
        "{:<24} {:<18} {:<12} {:>5} {:<12} {:>9} {:>8} {:>8}\n",
        "scenario", "metric", "host", "run", "commit", "change", "p", "p (BH)"
    );
    let mut any = false;
    for (series, points) in trends {
        for point in points {
            any = true;
            let commit = series.points[point.index]
                .commit
                .as_deref()
                .map_or("-", |c| &c[..c.len().min(12)]);
            out.push_str(&format!(
                "{:<24} {:<18} {:<12} {:>5} {:<12} {:>8.2}% {:>8} {:>8}\n",
                series.scenario,
                series.metric,
                series.host,
                point.index + 1,
                commit,
                (point.after / point.before - 1.0) * 100.0,
                crate::export::format_p(point.p),
                crate::export::format_p(point.p_adjusted)
            ));
        }
    }
    if !any {
        let options = changepoint::Options::default();
        out.push_str(&format!(
            "no change point in {} series (t scan of steps and undone steps, min segment {}, Benjamini–Hochberg q = {} across series)\n",
            trends.len(),
            options.min_size,
            options.alpha
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(host: &str, timestamp: u64, ir: f64) -> Record {
        Record {
            schema_version: HISTORY_SCHEMA,
            timestamp,
            commit: Some(format!("{timestamp:040x}")),
            dirty: Some(false),
            host: host.into(),
            host_label: "test CPU, 2 cores".into(),
            profile: "ci".into(),
            baseline: "main".into(),
            exit_code: 0,
            verdicts: BTreeMap::from([("unchanged".to_owned(), 1)]),
            scenarios: BTreeMap::from([(
                "s".to_owned(),
                BTreeMap::from([("instructions".to_owned(), ir)]),
            )]),
        }
    }

    #[test]
    fn records_append_atomically_and_load_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history/ci.jsonl");
        assert!(load(&path).unwrap().is_empty());
        let (a, b) = (record("h", 1, 10.0), record("h", 2, 11.0));
        append(&path, &a).unwrap();
        append(&path, &b).unwrap();
        assert_eq!(load(&path).unwrap(), [a, b]);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    }

    #[test]
    fn a_bad_line_is_an_error_naming_its_line_and_column_and_nothing_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ci.jsonl");
        let good = serde_json::to_string(&record("h", 1, 10.0)).unwrap();
        std::fs::write(&path, format!("{good}\n{{\"schema_version\": 1, oops}}\n")).unwrap();
        let error = load(&path).unwrap_err().to_string();
        assert!(
            error
                == format!(
                    "{}:2:23: not a history record (key must be a string); expected one JSON object per line as `perfgate gate --history` writes",
                    path.display()
                ),
            "{error}"
        );
        assert_eq!(
            append(&path, &record("h", 2, 1.0)).unwrap_err().to_string(),
            error
        );
    }

    #[test]
    fn the_runs_a_step_needs_grow_with_noise_and_shrink_with_its_size() {
        let options = changepoint::Options::default();
        assert_eq!(cuts(60, 5), 51 + 1081);
        assert_eq!(cuts(9, 5), 0);
        // No noise (instruction counts): the shortest segment.
        assert_eq!(runs_to_see(30, 0.0, 0.01, 10, &options), Some(5));
        let quiet = runs_to_see(30, 0.01, 0.10, 50, &options).unwrap();
        let noisy = runs_to_see(30, 0.03, 0.10, 50, &options).unwrap();
        let small = runs_to_see(30, 0.03, 0.05, 50, &options).unwrap();
        assert!(quiet <= noisy && noisy < small, "{quiet} {noisy} {small}");
        assert_eq!(quiet, 5);
        assert_eq!(runs_to_see(30, 0.5, 0.01, 50, &options), None);
        // A step of 5 σ among 50 series after 30 runs: about a dozen runs.
        assert!((8..=20).contains(&small), "{small}");
        assert_eq!(relative_noise(&[1.0, 2.0]), None);
        let alternating: Vec<f64> = (0..20).map(|i| 100.0 + (i % 2) as f64).collect();
        let noise = relative_noise(&alternating).unwrap();
        assert!((noise - 1.0 / (0.6745 * std::f64::consts::SQRT_2) / 100.5).abs() < 1e-12);
    }

    #[test]
    fn series_never_mix_hosts_and_a_step_in_instructions_is_a_change_point() {
        let mut records = Vec::new();
        for run in 0..30u64 {
            // Instruction counts repeat within a build: a flat line, then a 2 % step at run 20.
            let ir = if run < 20 { 1_000_000.0 } else { 1_020_000.0 };
            records.push(record("a", run, ir + (run % 3) as f64));
            records.push(record("b", run, 2_000_000.0 + (run % 2) as f64));
        }
        let trends = trends(&records, &changepoint::Options::default());
        let keys: Vec<(&str, usize)> = trends
            .iter()
            .map(|(s, points)| (s.host.as_str(), points.len()))
            .collect();
        assert_eq!(keys, [("a", 1), ("b", 0)]);
        let (series, points) = &trends[0];
        assert_eq!(series.points.len(), 30);
        assert_eq!(points[0].index, 20);
        let table = trend_table(&trends);
        assert!(table.contains("s                        instructions       a               21 000000000000     2.00%"), "{table}");
    }
}
