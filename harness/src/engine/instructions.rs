//! The instruction engine: each scenario's workload run once, on one thread, under callgrind through
//! gungraun 0.20.0 (the `callgrind` bench of this package, a binary benchmark created at run time).
//!
//! [`ensure_tools`] checks valgrind, finds or installs `gungraun-runner` 0.20.0 and builds the bench
//! (once, into the workspace's `target/`, reusing the release build's units, see [`build`]). [`run`] does a
//! scenario's one-time setup here (filling the cache of cache-warm, the first version of cache-edit),
//! then runs the bench, which runs `perfgate workload` under callgrind in the repository root.
//! Collection is on only inside the workload function (`connascence::workload::run`, or `::aggregate`
//! for aggregation scenarios) and the core's analysis thread; an Ir of 0 means the function was not
//! found and fails the scenario. Results: every event of gungraun's summary JSON (read with
//! gungraun-summary) and, from the callgrind output files ([`profile`]), self and inclusive Ir of every function above
//! 0.1 % of the total. gungraun's output folder `target/perfgate/gungraun/perfgate/callgrind/scenarios/workload.<id>/` keeps the
//! callgrind output files and the flamegraph of this run only (the folder is emptied first).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::engine::kind::{Context, Engine, Kind, Values};
use crate::engine::{EngineError, build, profile};
use crate::files::FileError;
use crate::results::ScenarioResult;
pub use crate::results::{FunctionIr, InstructionData};
use crate::scenario::{Scenario, WorkloadKind};
use crate::subject::{PreparedInput, Workload};
use crate::tools;

pub use crate::subject::{ENTRY_AGGREGATE, ENTRY_RUN, THREAD_ENTRY};
/// Replaces the entry point (for checking that a wrong name fails the scenario instead of
/// reporting 0).
pub const ENTRY_POINT_OVERRIDE: &str = "PERFGATE_ENTRY_POINT";
/// A runner given by the user (the variable gungraun itself reads); it must be version 0.20.0.
pub const RUNNER_VARIABLE: &str = "GUNGRAUN_RUNNER";
/// Functions below this share of the total Ir are not recorded.
pub const FUNCTION_SHARE: f64 = 0.001;

/// What the instruction engine needs, found or made once per run.
#[derive(Debug, Clone)]
pub struct Tools {
    pub bench: PathBuf,
    /// The perfgate the bench runs under callgrind (built with it).
    pub binary: PathBuf,
    pub runner: PathBuf,
    pub valgrind: String,
}

/// The runner: `GUNGRAUN_RUNNER` if set (and then exactly 0.20.0), else found or installed.
fn runner(root: &Path, progress: &dyn Fn(&str)) -> Result<PathBuf, EngineError> {
    match std::env::var_os(RUNNER_VARIABLE) {
        Some(path) => {
            let path = PathBuf::from(path);
            match tools::runner_version(&path) {
                Some(version) if version == tools::RUNNER_VERSION => Ok(path),
                found => Err(EngineError::Setting(format!(
                    "{RUNNER_VARIABLE}={} is {}, but the gungraun library is {} and both must be the same version; unset {RUNNER_VARIABLE} to let perfgate install gungraun-runner {} into its per-user cache",
                    path.display(),
                    found.map_or("not a runnable gungraun-runner".to_owned(), |v| format!(
                        "gungraun-runner {v}"
                    )),
                    tools::RUNNER_VERSION,
                    tools::RUNNER_VERSION
                ))),
            }
        }
        None => Ok(tools::ensure_runner(root, progress)?),
    }
}

/// Checks valgrind, provides the runner and builds the bench (cargo does nothing when up to date).
pub fn ensure_tools(root: &Path, progress: &dyn Fn(&str)) -> Result<Tools, EngineError> {
    let valgrind = tools::valgrind_version("valgrind")?;
    let runner = runner(&super::build_workspace(root), progress)?;
    let source = build::Source::current(root);
    let built = build::build(&source, build::Kind::Callgrind)?;
    Ok(Tools {
        bench: built.bench.ok_or_else(build::no_bench)?,
        binary: built.binary,
        runner,
        valgrind,
    })
}

/// The function callgrind starts counting in for this scenario.
pub fn entry_point(scenario: &Scenario) -> String {
    if let Ok(name) = std::env::var(ENTRY_POINT_OVERRIDE) {
        return name;
    }
    match scenario.kind {
        WorkloadKind::Aggregate => ENTRY_AGGREGATE.to_owned(),
        _ => ENTRY_RUN.to_owned(),
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Runs one scenario under callgrind and reads its counts.
pub fn run(
    tools: &Tools,
    root: &Path,
    scenario: &Scenario,
    input: &PreparedInput,
) -> Result<InstructionData, EngineError> {
    let mut scenario = scenario.clone();
    scenario.threads = 1;
    let scratch = format!("target/perfgate/instructions/{}", scenario.id);
    if matches!(
        scenario.kind,
        WorkloadKind::CacheWarm | WorkloadKind::CacheEdit
    ) {
        Workload::new(&scenario, input, &root.join(&scratch))?;
    }
    let home = root.join("target/perfgate/gungraun");
    let dir = home
        .join("perfgate/callgrind/scenarios")
        .join(format!("workload.{}", scenario.id));
    // Nothing of an earlier run stays: its summary must never be read as this run's counts, and
    // with its outputs present gungraun 0.20.0 also draws a differential flamegraph against them,
    // which fails silently (exit 1, no message) for some profiles, e.g. django-cache-cold on every
    // second run. An earlier run may be of another commit anyway; the report compares with the
    // baseline, not with whatever ran last.
    super::remove_stale(&dir)?;
    let runner_dir = tools.runner.parent().unwrap_or(Path::new("."));
    let path = match std::env::var_os("PATH") {
        Some(path) => std::env::join_paths(
            std::iter::once(runner_dir.to_path_buf()).chain(std::env::split_paths(&path)),
        )
        .map_err(|error| {
            EngineError::Setting(format!(
                "cannot extend PATH with the runner's folder: {error}"
            ))
        })?,
        None => runner_dir.as_os_str().to_owned(),
    };
    let entry = entry_point(&scenario);
    let output = Command::new(&tools.bench)
        .args(["--bench", "--save-summary=json", "--nocapture=false"])
        .env("PATH", path)
        .env("GUNGRAUN_HOME", &home)
        .env("GUNGRAUN_WORKSPACE_ROOT", super::build_workspace(root))
        .env("GUNGRAUN_COLOR", "never")
        // gungraun puts its output under `$GUNGRAUN_HOME/$CARGO_PKG_NAME/`, as under `cargo bench`.
        .env("CARGO_PKG_NAME", "perfgate")
        .env("PERFGATE_REPO", root)
        .env("PERFGATE_BINARY", &tools.binary)
        .env("PERFGATE_SCENARIO", &scenario.name)
        .env("PERFGATE_SCENARIO_ID", &scenario.id)
        .env("PERFGATE_SCRATCH", &scratch)
        .env("PERFGATE_ENTRY_POINT", &entry)
        .env("PERFGATE_THREAD_ENTRY", THREAD_ENTRY)
        .env_remove(RUNNER_VARIABLE)
        .current_dir(root)
        .output()
        .map_err(|source| EngineError::Start {
            what: "start the callgrind bench".into(),
            source,
        })?;
    let log = root.join(&scratch).join("gungraun.log");
    let _ = std::fs::create_dir_all(root.join(&scratch));
    let _ = std::fs::write(
        &log,
        [output.stdout.as_slice(), output.stderr.as_slice()].concat(),
    );
    if !output.status.success() {
        let last = match super::last_line(&output.stderr) {
            line if line == "no message" => format!(
                "gungraun printed no message; `GUNGRAUN_LOG=debug perfgate run --filter {} --engines instructions` shows its steps",
                crate::shell_quote(&scenario.name)
            ),
            line => line,
        };
        return Err(EngineError::Failed {
            what: "the callgrind run".into(),
            status: output.status,
            detail: format!("{last} (log: {})", relative(root, &log)),
        });
    }
    let summary = gungraun_summary::v7::parse(&dir.join("summary.json"))
        .map_err(|error| EngineError::Output(format!("cannot read gungraun's summary: {error}")))?;
    let events = callgrind_events(&summary)?;
    let ir = events.get("Ir").copied().unwrap_or(0);
    if ir == 0 {
        return Err(not_counted(&entry));
    }
    let costs = costs(&output_files(&dir, &scenario.id)?)?;
    // Every function collection is toggled on in must have been entered, else part of the work
    // went uncounted (a renamed or inlined function) and the total is wrong, not just smaller.
    let mut toggles = vec![entry.as_str()];
    if scenario.kind != WorkloadKind::Aggregate {
        toggles.push(THREAD_ENTRY);
    }
    for name in toggles {
        if costs.get(name).is_none_or(|cost| cost.inclusive == 0) {
            return Err(not_counted(name));
        }
    }
    let functions = above_share(costs, ir);
    let mut flamegraphs: Vec<String> = std::fs::read_dir(&dir)
        .map_err(FileError::of("list", &dir))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "svg"))
        .map(|path| relative(root, &path))
        .collect();
    flamegraphs.sort();
    Ok(InstructionData {
        events,
        functions,
        artifacts: relative(root, &dir),
        flamegraphs,
    })
}

fn not_counted(function: &str) -> EngineError {
    EngineError::Output(format!(
        "callgrind counted 0 instructions inside `{function}`: the function was not found (renamed, inlined or stripped?); 0 is never a result"
    ))
}

/// Total of every callgrind event count over all parts (threads).
fn callgrind_events(
    summary: &gungraun_summary::v7::BenchmarkSummary,
) -> Result<BTreeMap<String, u64>, EngineError> {
    let missing =
        |what: &str| EngineError::Output(format!("gungraun's summary has no callgrind {what}"));
    use gungraun_summary::v7::{Metric, Tool, ToolMetricResults};
    let profile = summary
        .profiles
        .0
        .iter()
        .find(|profile| profile.tool == Tool::Callgrind)
        .ok_or_else(|| missing("profile"))?;
    let ToolMetricResults::Callgrind(results) = &profile.data.total.metrics else {
        return Err(missing("metrics"));
    };
    let mut events = BTreeMap::new();
    for (kind, result) in &results.0 {
        // Counts only: the rates gungraun derives from them (hit rates, miss rates) are floats
        // that the counts reproduce.
        if let Some(Metric::Int(value)) = result.values.as_ref().left() {
            events.insert(format!("{kind:?}"), *value);
        }
    }
    Ok(events)
}

/// The callgrind output files of this run in gungraun's folder, one per thread
/// (`callgrind.workload.<id>.t<thread>.p<part>.out`; the previous run's end in `.old`).
fn output_files(dir: &Path, id: &str) -> Result<Vec<PathBuf>, EngineError> {
    let prefix = format!("callgrind.workload.{id}.");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(FileError::of("list", dir))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&prefix) && name.ends_with(".out"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(EngineError::Output(format!(
            "no callgrind output files in {}",
            dir.display()
        )));
    }
    Ok(files)
}

/// Self and inclusive Ir per function over all output files (threads).
fn costs(outputs: &[PathBuf]) -> Result<BTreeMap<String, profile::Cost>, EngineError> {
    let mut merged: BTreeMap<String, profile::Cost> = BTreeMap::new();
    for output in outputs {
        let text = std::fs::read_to_string(output).map_err(FileError::of("read", output))?;
        let costs = profile::parse(&text)
            .map_err(|error| EngineError::Output(format!("{}: {error}", output.display())))?;
        for (name, cost) in costs {
            let entry = merged.entry(name).or_default();
            entry.self_ir += cost.self_ir;
            entry.inclusive += cost.inclusive;
            for (callee, ir) in cost.calls {
                *entry.calls.entry(callee).or_default() += ir;
            }
        }
    }
    Ok(merged)
}

/// The functions above [`FUNCTION_SHARE`] of `total`, by inclusive Ir (descending).
fn above_share(merged: BTreeMap<String, profile::Cost>, total: u64) -> Vec<FunctionIr> {
    let floor = (total as f64 * FUNCTION_SHARE) as u64;
    let kept: BTreeMap<String, profile::Cost> = merged
        .into_iter()
        .filter(|(_, cost)| cost.inclusive > floor)
        .collect();
    let mut functions: Vec<FunctionIr> = kept
        .iter()
        .map(|(name, cost)| FunctionIr {
            name: name.clone(),
            inclusive: cost.inclusive,
            self_ir: cost.self_ir,
            calls: cost
                .calls
                .iter()
                .filter(|(callee, ir)| **ir > floor && kept.contains_key(*callee))
                .map(|(callee, ir)| (callee.clone(), *ir))
                .collect(),
        })
        .collect();
    functions.sort_by(|a, b| b.inclusive.cmp(&a.inclusive).then(a.name.cmp(&b.name)));
    functions
}

/// The instruction engine in the registry.
pub const ENGINE: Engine = Engine(&Instructions);

/// See the module comment.
pub struct Instructions;

impl Kind for Instructions {
    fn name(&self) -> &'static str {
        "instructions"
    }
    fn family(&self) -> Option<&'static str> {
        Some("instructions")
    }
    fn host_bound(&self) -> bool {
        false
    }
    fn enabled(&self, scenario: &Scenario) -> bool {
        scenario.engines.instructions
    }
    fn measure(&self, context: &Context, result: &mut ScenarioResult) -> Result<(), EngineError> {
        (context.status)(&format!(
            "{} (instructions, callgrind)",
            context.scenario.name
        ));
        let tools = context.provisioned.get(self.name(), || {
            ensure_tools(context.root, &|message| {
                (context.say)(&format!("perfgate: {message}"))
            })
        })?;
        result.instructions = Some(run(&tools, context.root, context.scenario, context.input)?);
        Ok(())
    }
    fn present(&self, result: &ScenarioResult) -> bool {
        result.instructions.is_some()
    }
    fn clear(&self, result: &mut ScenarioResult) -> bool {
        result.instructions.take().is_some()
    }
    fn merge(&self, into: &mut ScenarioResult, more: &mut ScenarioResult) {
        into.instructions = into.instructions.take().or(more.instructions.take());
    }
    fn strip_local(&self, result: &mut ScenarioResult) {
        if let Some(data) = &mut result.instructions {
            data.artifacts.clear();
            data.flamegraphs.clear();
        }
    }
    fn artifacts<'r>(&self, result: &'r mut ScenarioResult) -> Vec<&'r mut String> {
        match &mut result.instructions {
            Some(data) => std::iter::once(&mut data.artifacts)
                .chain(data.flamegraphs.iter_mut())
                .collect(),
            None => Vec::new(),
        }
    }
    fn values(&self, result: &ScenarioResult) -> Option<Values> {
        let data = result.instructions.as_ref()?;
        Some(Values::Counts(vec![("instructions", data.ir())]))
    }
    fn implausible(&self, result: &ScenarioResult) -> Option<&'static str> {
        (result.instructions.as_ref()?.ir() == 0).then_some("Ir == 0")
    }
    fn metrics(&self) -> &'static [&'static str] {
        &["instructions"]
    }
    fn cause(
        &self,
        _metric: &str,
        baseline: &ScenarioResult,
        candidate: &ScenarioResult,
    ) -> Option<Result<Vec<crate::compare::cause::Cause>, crate::compare::cause::NoCause>> {
        let (a, b) = (
            baseline.instructions.as_ref()?,
            candidate.instructions.as_ref()?,
        );
        Some(Ok(crate::compare::cause::instructions(a, b)))
    }
    fn more_measures(&self, result: &ScenarioResult) -> Vec<(&'static str, f64)> {
        result
            .instructions
            .as_ref()
            .and_then(|data| data.events.get("EstimatedCycles"))
            .map(|cycles| vec![("estimated-cycles", *cycles as f64)])
            .unwrap_or_default()
    }
}
