//! The heap engine: each scenario's workload run once, on one thread, under dhat.
//!
//! dhat replaces the global allocator, which costs 15–30× in time, so it lives in a separate build
//! of perfgate with the `dhat-heap` feature (built into `target/perfgate/build` and copied out as
//! `perfgate-dhat`, see [`super::build`]), never the binaries that are timed. The engine builds it once (cargo does nothing when it is up to date)
//! and runs `perfgate heap-run` of that build per scenario. The profiler starts after the input is
//! loaded and the one-time setup is done, so only the workload's allocations count; the run writes
//! `dhat-heap.json` (open it in valgrind's `dh_view.html`) and `heap.json` with the totals into
//! `target/perfgate/heap/<id>/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::EngineError;
use crate::files::FileError;
pub use crate::results::HeapData;

/// Builds (or finds up to date) the dhat perfgate and returns its path.
pub fn ensure_binary(root: &Path, progress: &dyn Fn(&str)) -> Result<PathBuf, EngineError> {
    let source = super::build::Source::current(root);
    progress(&format!(
        "building the dhat-instrumented perfgate (once; {})",
        source.target_dir.display()
    ));
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
