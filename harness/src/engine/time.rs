//! The wall-time engine: criterion in flat sampling mode, one separate process per round.
//!
//! A round is one run of `perfgate time-round` (this same binary) with its own `CRITERION_HOME`; it
//! prepares the scenario's input and one-time setup outside the measured time, lets criterion take
//! `samples` flat samples, and writes each sample's iteration count and time. The parent runs
//! `rounds` such processes one after another and stores every sample and each round's median
//! per-iteration time: the round, not the sample, is the unit of replication (docs/perfgate/statistics.md).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode};
use serde::Deserialize;

use super::EngineError;
use super::kind::{Context, Engine, Kind, Values};
use crate::results::ScenarioResult;
pub use crate::results::{Round, TimeData};
use crate::scenario::{Scenario, TimeEngine};
use crate::subject::{PreparedInput, Workload};

#[derive(Deserialize)]
struct CriterionSamples {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// Reads criterion's `sample.json` of a benchmark into a round; zero samples is an error.
pub fn read_round(criterion_home: &Path, id: &str) -> Result<Round, EngineError> {
    let path = criterion_home
        .join("perfgate")
        .join(id)
        .join("new/sample.json");
    let text = std::fs::read_to_string(&path).map_err(|error| {
        EngineError::Output(format!("no samples at {}: {error}", path.display()))
    })?;
    let samples: CriterionSamples = serde_json::from_str(&text).map_err(|error| {
        EngineError::Output(format!(
            "{} is not criterion's sample file: {error}",
            path.display()
        ))
    })?;
    if samples.iters.is_empty() || samples.iters.len() != samples.times.len() {
        return Err(EngineError::Output(format!(
            "{}: zero samples, or iteration and time counts differ",
            path.display()
        )));
    }
    let per_iteration: Vec<f64> = samples
        .times
        .iter()
        .zip(&samples.iters)
        .map(|(time, iters)| time / iters)
        .collect();
    Ok(Round {
        median_ns: crate::stats::median(&per_iteration),
        sequence: None,
        iters: samples.iters,
        times_ns: samples.times,
    })
}

/// Runs one round in this process (the `time-round` subcommand): criterion measures the workload.
pub fn measure_round(
    scenario: &Scenario,
    input: &PreparedInput,
    scratch: &Path,
    settings: &TimeEngine,
) -> Result<(), EngineError> {
    let workload = Workload::new(scenario, input, scratch)?;
    let mut criterion = Criterion::default()
        .sample_size(settings.samples as usize)
        .warm_up_time(Duration::from_millis(settings.warm_up_ms.max(1)))
        .measurement_time(Duration::from_millis(settings.measurement_ms.max(1)))
        .nresamples(1000)
        .with_output_color(false);
    let mut group = criterion.benchmark_group("perfgate");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(&scenario.id, |b| {
        if workload.per_iteration_setup() {
            b.iter_batched(
                || workload.setup(),
                |input| black_box(workload.routine(input)),
                BatchSize::PerIteration,
            );
        } else {
            // The setup of these kinds is empty: nothing to keep out of the measured time.
            b.iter(|| black_box(workload.routine(workload.setup())));
        }
    });
    group.finish();
    Ok(())
}

/// Runs one round process of `exe` (a perfgate binary: this one, or a side's) for a scenario, with
/// its own criterion home `home` (emptied first) and the extra environment `env`, and reads its
/// samples.
pub fn run_round(
    exe: &Path,
    root: &Path,
    scenario: &Scenario,
    settings: &TimeEngine,
    home: &Path,
    env: &[(&str, &Path)],
) -> Result<Round, EngineError> {
    // A stale `sample.json` must never be read as this round's samples.
    super::remove_stale(home)?;
    let output = Command::new(exe)
        .arg("--repo")
        .arg(root)
        .args(["time-round", "--scenario", &scenario.name])
        .args(["--samples", &settings.samples.to_string()])
        .args(["--warm-up-ms", &settings.warm_up_ms.to_string()])
        .args(["--measurement-ms", &settings.measurement_ms.to_string()])
        .env("CRITERION_HOME", home)
        .envs(env.iter().copied())
        .output()
        .map_err(|source| EngineError::Start {
            what: format!("start {}", exe.display()),
            source,
        })?;
    if !output.status.success() {
        // Said after `round N`: `round 3 failed (…)`.
        return Err(EngineError::Failed {
            what: String::new(),
            status: output.status,
            detail: super::last_line(&output.stderr),
        });
    }
    read_round(home, &scenario.id)
}

/// This process's own binary, to run rounds of: `/proc/self/exe` where there is one (Linux), which
/// is the image this process runs even after cargo replaced the file at the path it was started
/// from (a side's build, or one with other core features, re-links `target/release/perfgate`, the
/// binary `cargo run --release` started; that path then names another build, or nothing); else
/// that path.
pub fn own_image() -> Result<PathBuf, EngineError> {
    let image = Path::new("/proc/self/exe");
    if image.exists() {
        return Ok(image.to_path_buf());
    }
    std::env::current_exe().map_err(|source| EngineError::Start {
        what: "find the perfgate binary".into(),
        source,
    })
}

/// Runs `rounds` round processes of this binary ([`own_image`]) for a scenario and collects their
/// samples.
pub fn run_rounds(
    scenario: &Scenario,
    root: &Path,
    rounds: u32,
    settings: &TimeEngine,
    progress: &dyn Fn(u32),
) -> Result<TimeData, EngineError> {
    let exe = own_image()?;
    let mut collected = Vec::new();
    for round in 1..=rounds {
        progress(round);
        let home: PathBuf = root
            .join("target/perfgate/criterion")
            .join(&scenario.id)
            .join(format!("round-{round}"));
        let measured = run_round(&exe, root, scenario, settings, &home, &[]).map_err(|error| {
            EngineError::Round {
                round,
                source: Box::new(error),
            }
        })?;
        collected.push(measured);
    }
    Ok(TimeData {
        settings: TimeEngine {
            rounds,
            ..*settings
        },
        rounds: collected,
    })
}

/// The wall-time engine in the registry.
pub const ENGINE: Engine = Engine(&Time);

/// See the module comment.
pub struct Time;

impl Kind for Time {
    fn name(&self) -> &'static str {
        "time"
    }
    fn family(&self) -> Option<&'static str> {
        Some("time")
    }
    fn host_bound(&self) -> bool {
        true
    }
    fn enabled(&self, scenario: &Scenario) -> bool {
        scenario.engines.time.is_some()
    }
    fn measure(&self, context: &Context, result: &mut ScenarioResult) -> Result<(), EngineError> {
        let Some(settings) = context.scenario.engines.time else {
            return Ok(());
        };
        let rounds = context.rounds.unwrap_or(settings.rounds);
        let name = &context.scenario.name;
        let progress =
            |round: u32| (context.status)(&format!("{name} (time round {round}/{rounds})"));
        result.time = Some(run_rounds(
            context.scenario,
            context.root,
            rounds,
            &settings,
            &progress,
        )?);
        Ok(())
    }
    fn present(&self, result: &ScenarioResult) -> bool {
        result.time.is_some()
    }
    fn clear(&self, result: &mut ScenarioResult) -> bool {
        result.time.take().is_some()
    }
    fn merge(&self, into: &mut ScenarioResult, more: &mut ScenarioResult) {
        match (&mut into.time, more.time.take()) {
            (Some(time), Some(more)) => {
                time.rounds.extend(more.rounds);
                time.settings.rounds = time.rounds.len() as u32;
            }
            (none @ None, Some(more)) => *none = Some(more),
            _ => {}
        }
    }
    fn metrics(&self) -> &'static [&'static str] {
        &["time"]
    }
    fn values(&self, result: &ScenarioResult) -> Option<Values> {
        let time = result.time.as_ref()?;
        Some(Values::Rounds(
            time.rounds.iter().map(|round| round.median_ns).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHILD: &str = "PERFGATE_TEST_REMOVED_IMAGE";

    #[test]
    fn own_image_still_runs_after_its_file_is_gone() {
        if let Some(path) = std::env::var_os(CHILD) {
            // The child: a copy of this test binary that removes its own file, as cargo does when
            // it re-links the binary a gate was started from, then starts its own image.
            std::fs::remove_file(&path).unwrap();
            let status = Command::new(own_image().unwrap())
                .arg("--list")
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy");
        std::fs::copy(std::env::current_exe().unwrap(), &copy).unwrap();
        let output = Command::new(&copy)
            .args([
                "--exact",
                "engine::time::tests::own_image_still_runs_after_its_file_is_gone",
            ])
            .env(CHILD, &copy)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("1 passed"), "{stdout}");
        assert!(!copy.exists());
    }
}
