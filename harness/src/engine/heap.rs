//! The heap engine: each scenario's workload run once, on one thread, under dhat.
//!
//! dhat replaces the global allocator, which costs 15–30× in time, so it lives in a separate build
//! of perfgate with the `dhat-heap` feature (built into `target/perfgate/build` and copied out as
//! `perfgate-dhat`, see [`super::build`]), never the binaries that are timed. The engine builds it once (cargo does nothing when it is up to date)
//! and runs `perfgate heap-run` of that build per scenario. The profiler starts after the input is
//! loaded and the one-time setup is done, so only the workload's allocations count; the run writes
//! `dhat-heap.json` (open it in valgrind's `dh_view.html`) and `heap.json` with the totals and the
//! allocation sites ([`super::heap_sites`]) into `target/perfgate/heap/<id>/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::EngineError;
use super::kind::{Context, Engine, Kind, Values};
use crate::files::FileError;
pub use crate::results::HeapData;
use crate::results::ScenarioResult;
use crate::scenario::Scenario;

/// Builds (or finds up to date) the dhat perfgate and returns its path; a build that takes long
/// shows its progress ([`crate::progress`]).
pub fn ensure_binary(root: &Path) -> Result<PathBuf, EngineError> {
    let source = super::build::Source::current(root);
    Ok(super::build::build(&source, super::build::Kind::Dhat)?.binary)
}

/// Runs one scenario under dhat (in the dhat build) and reads its totals.
pub fn run(
    binary: &Path,
    root: &Path,
    scenario_name: &str,
    id: &str,
) -> Result<(HeapData, PathBuf), EngineError> {
    let out = root.join("target/perfgate/heap").join(id);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(FileError::of("create", &out))?;
    let output = Command::new(binary)
        .arg("--repo")
        .arg(root)
        .args(["heap-run", "--scenario", scenario_name, "--out"])
        .arg(&out)
        .output()
        .map_err(|source| EngineError::Start {
            what: "start the dhat binary".into(),
            source,
        })?;
    if !output.status.success() {
        return Err(EngineError::Failed {
            what: "the heap run".into(),
            status: output.status,
            detail: super::last_line(&output.stderr),
        });
    }
    let text = std::fs::read_to_string(out.join("heap.json"))
        .map_err(|error| EngineError::Output(format!("no heap.json from the heap run: {error}")))?;
    let data: HeapData = serde_json::from_str(&text)
        .map_err(|error| EngineError::Output(format!("heap.json is malformed: {error}")))?;
    if data.total_blocks == 0 {
        return Err(EngineError::Output(
            "dhat recorded no allocation: the workload did not run under the profiler".into(),
        ));
    }
    Ok((data, out.join("dhat-heap.json")))
}

/// The child side of [`run`] (`perfgate heap-run`, in the dhat build only): one iteration of the
/// workload under dhat's profiler, which writes `dhat-heap.json` into `out`; the totals go to
/// `heap.json` beside it.
#[cfg(feature = "dhat-heap")]
pub fn profile(workload: &crate::subject::Workload, out: &Path) -> Result<(), EngineError> {
    let iteration = workload.setup();
    let profiler = dhat::Profiler::builder()
        .file_name(out.join("dhat-heap.json"))
        .build();
    std::hint::black_box(workload.routine(iteration));
    let stats = dhat::HeapStats::get();
    drop(profiler);
    let profile = out.join("dhat-heap.json");
    let text = std::fs::read_to_string(&profile).map_err(FileError::of("read", &profile))?;
    let sites =
        super::heap_sites::sites(&text).map_err(|error| EngineError::Output(error.to_string()))?;
    let data = HeapData {
        total_bytes: stats.total_bytes,
        total_blocks: stats.total_blocks,
        max_bytes: stats.max_bytes as u64,
        max_blocks: stats.max_blocks as u64,
        sites,
    };
    let file = out.join("heap.json");
    let text = serde_json::to_string_pretty(&data).expect("heap totals serialize");
    std::fs::write(&file, text).map_err(FileError::of("write", &file))?;
    Ok(())
}

/// The heap engine in the registry (`allocations` on the command line, the `heap` family).
pub const ENGINE: Engine = Engine(&Heap);

/// See the module comment.
pub struct Heap;

impl Kind for Heap {
    fn name(&self) -> &'static str {
        "allocations"
    }
    fn family(&self) -> Option<&'static str> {
        Some("heap")
    }
    fn host_bound(&self) -> bool {
        false
    }
    fn enabled(&self, scenario: &Scenario) -> bool {
        scenario.engines.allocations
    }
    fn measure(&self, context: &Context, result: &mut ScenarioResult) -> Result<(), EngineError> {
        let scenario = context.scenario;
        (context.status)(&format!("{} (heap, dhat)", scenario.name));
        let binary = context
            .provisioned
            .get(self.name(), || ensure_binary(context.root))?;
        let (data, profile) = run(&binary, context.root, &scenario.name, &scenario.id)?;
        result.heap = Some(data);
        result.heap_profile = Some(
            profile
                .strip_prefix(context.root)
                .unwrap_or(&profile)
                .display()
                .to_string(),
        );
        Ok(())
    }
    fn present(&self, result: &ScenarioResult) -> bool {
        result.heap.is_some()
    }
    fn clear(&self, result: &mut ScenarioResult) -> bool {
        result.heap_profile = None;
        result.heap.take().is_some()
    }
    fn merge(&self, into: &mut ScenarioResult, more: &mut ScenarioResult) {
        into.heap = into.heap.take().or(more.heap.take());
        into.heap_profile = into.heap_profile.take().or(more.heap_profile.take());
    }
    fn strip_local(&self, result: &mut ScenarioResult) {
        result.heap_profile = None;
    }
    fn artifacts<'r>(&self, result: &'r mut ScenarioResult) -> Vec<&'r mut String> {
        result.heap_profile.iter_mut().collect()
    }
    fn implausible(&self, result: &ScenarioResult) -> Option<&'static str> {
        (result.heap.as_ref()?.total_blocks == 0).then_some("a heap profile of 0 blocks")
    }
    fn metrics(&self) -> &'static [&'static str] {
        &["heap.total_bytes", "heap.total_blocks", "heap.max_bytes"]
    }
    fn values(&self, result: &ScenarioResult) -> Option<Values> {
        let heap = result.heap.as_ref()?;
        Some(Values::Counts(vec![
            ("heap.total_bytes", heap.total_bytes),
            ("heap.total_blocks", heap.total_blocks),
            ("heap.max_bytes", heap.max_bytes),
        ]))
    }
}
