//! The heap engine: each scenario's workload run once, on one thread, under dhat.
//!
//! dhat replaces the global allocator, which costs 15–30× in time, so it lives in a second binary
//! of the package, `perfgate-dhat` (dhat's allocator, otherwise this library; built into the
//! workspace's `target/` and copied out to `target/perfgate/bin/`, see [`super::build`]), never the
//! binaries that are timed. The engine builds it once (cargo does nothing when it is up to date; it
//! links one small binary against the release build's units) and runs its `perfgate heap-run`
//! per scenario. The profiler starts after the input is
//! loaded and the one-time setup is done, so only the workload's allocations count; the run writes
//! `dhat-heap.json` (open it in valgrind's `dh_view.html`) and `heap.json` with the totals and the
//! allocation sites ([`super::heap_sites`]) into `target/perfgate/heap/<id>/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use super::EngineError;
use super::kind::{Context, Engine, Kind, Values};
use crate::compare::cause::{Cause, NoCause};
use crate::files::FileError;
pub use crate::results::HeapData;
use crate::results::ScenarioResult;
use crate::scenario::Scenario;

/// Whether this process allocates through dhat ([`declare_dhat_allocator`]).
static DHAT_ALLOCATOR: AtomicBool = AtomicBool::new(false);

/// Called first by the `perfgate-dhat` binary, whose global allocator is dhat's: only then can
/// [`profile`] (`perfgate heap-run`) count allocations.
pub fn declare_dhat_allocator() {
    DHAT_ALLOCATOR.store(true, Ordering::SeqCst);
}

/// Whether this process is `perfgate-dhat` ([`declare_dhat_allocator`]).
pub fn dhat_allocator() -> bool {
    DHAT_ALLOCATOR.load(Ordering::SeqCst)
}

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

/// The child side of [`run`] (`perfgate heap-run`, in `perfgate-dhat` only: the caller checks
/// [`dhat_allocator`]): one iteration of the workload under dhat's profiler, which writes
/// `dhat-heap.json` into `out`; the totals go to `heap.json` beside it.
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

/// A heap metric's whole value, and its part at one site.
type Measure = (fn(&HeapData) -> u64, fn(&crate::results::HeapSite) -> u64);

/// What a heap metric counts per site.
fn measure_of(metric: &str) -> Option<Measure> {
    match metric {
        "heap.total_bytes" => Some((|h| h.total_bytes, |s| s.bytes)),
        "heap.total_blocks" => Some((|h| h.total_blocks, |s| s.blocks)),
        "heap.max_bytes" => Some((|h| h.max_bytes, |s| s.peak_bytes)),
        _ => None,
    }
}

/// The allocation sites behind a heap metric's change, largest first.
pub fn sites_cause(
    metric: &str,
    before: &HeapData,
    after: &HeapData,
) -> Result<Vec<Cause>, NoCause> {
    let Some((total, part)) = measure_of(metric) else {
        return Ok(Vec::new());
    };
    if before.sites.is_empty() {
        return Err(NoCause::BaselineWithoutSites);
    }
    if after.sites.is_empty() {
        return Err(NoCause::CandidateWithoutSites);
    }
    // By description: (bytes before, after, recorded before, recorded after).
    let mut by_site: std::collections::BTreeMap<String, (u64, u64, bool, bool)> =
        std::collections::BTreeMap::new();
    for site in &before.sites {
        let entry = by_site
            .entry(super::heap_sites::describe(site))
            .or_default();
        entry.0 += part(site);
        entry.2 = true;
    }
    for site in &after.sites {
        let entry = by_site
            .entry(super::heap_sites::describe(site))
            .or_default();
        entry.1 += part(site);
        entry.3 = true;
    }
    let parts = by_site
        .into_iter()
        .map(|(site, (old, new, in_old, in_new))| (site, new as i64 - old as i64, in_old != in_new))
        .collect();
    Ok(crate::compare::cause::explain(
        total(after) as i64 - total(before) as i64,
        parts,
    ))
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
    fn cause(
        &self,
        metric: &str,
        baseline: &ScenarioResult,
        candidate: &ScenarioResult,
    ) -> Option<Result<Vec<Cause>, NoCause>> {
        let (a, b) = (baseline.heap.as_ref()?, candidate.heap.as_ref()?);
        Some(sites_cause(metric, a, b))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::cause::line;
    use crate::results::HeapSite;

    fn heap_data(bytes: u64, sites: &[(&str, u64)]) -> HeapData {
        HeapData {
            total_bytes: bytes,
            total_blocks: 10,
            max_bytes: 10,
            max_blocks: 1,
            sites: sites
                .iter()
                .map(|(name, bytes)| HeapSite {
                    frames: vec![format!("{name} (core/src/x.rs)")],
                    bytes: *bytes,
                    blocks: 1,
                    peak_bytes: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn heap_changes_are_explained_by_site_largest_first_until_eighty_percent() {
        let before = heap_data(10_000, &[("a", 6_000), ("b", 3_000), ("c", 1_000)]);
        let after = heap_data(
            14_000,
            &[("a", 6_000), ("b", 6_000), ("c", 1_500), ("new", 500)],
        );
        let causes = sites_cause("heap.total_bytes", &before, &after).unwrap();
        let named: Vec<(&str, i64)> = causes.iter().map(|c| (c.site.as_str(), c.delta)).collect();
        // b explains 75 %, with c 87.5 %; c and new tie in size and c comes first by name.
        assert_eq!(
            named,
            [("b (core/src/x.rs)", 3_000), ("c (core/src/x.rs)", 500)]
        );
        assert_eq!(
            line("heap.total_bytes", &causes[0]),
            "+3,000 B (75.0 %) b (core/src/x.rs)"
        );
        let after = heap_data(
            10_500,
            &[("a", 6_000), ("b", 3_000), ("c", 1_000), ("new", 500)],
        );
        let causes = sites_cause("heap.total_bytes", &before, &after).unwrap();
        assert_eq!(
            line("heap.total_bytes", &causes[0]),
            "+500 B (100 %) new (core/src/x.rs) [one side only]"
        );
    }

    #[test]
    fn a_side_without_sites_says_so() {
        let with = heap_data(11_000, &[("a", 1_000)]);
        let without = heap_data(10_000, &[]);
        assert_eq!(
            sites_cause("heap.total_bytes", &without, &with),
            Err(NoCause::BaselineWithoutSites)
        );
        assert_eq!(
            sites_cause("heap.total_bytes", &with, &without),
            Err(NoCause::CandidateWithoutSites)
        );
        assert!(
            NoCause::BaselineWithoutSites
                .to_string()
                .starts_with("the baseline has no allocation sites")
        );
    }
}
