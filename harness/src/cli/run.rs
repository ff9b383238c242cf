//! The measuring commands: `scenarios`, `run` (and `--shard`), `merge`, and the hidden one-process
//! steps the engines start (`time-round`, `heap-run`, `workload`).

use std::path::Path;

use crate::cli::args::RunArgs;
use crate::cli::common::{find_scenario, run_and_save, select, selection};
use crate::cli::{Result, fail};
use crate::corpus::CorpusLock;
use crate::scenario::{self, Context};

/// `perfgate scenarios`: one line per scenario.
/// `perfgate scenarios`: a header, aligned columns, `*` marking the default set (what `run` and
/// `gate` measure without --tags or --filter), then what the mark means.
pub fn scenario_table(scenarios: &[crate::scenario::Scenario], default_tags: &[String]) -> String {
    let rows: Vec<[String; 5]> = scenarios
        .iter()
        .map(|s| {
            let default = s.tags.iter().any(|tag| default_tags.contains(tag));
            [
                format!("{}{}", if default { "* " } else { "  " }, s.name),
                s.kind.as_str().to_owned(),
                s.tags.join(","),
                s.file
                    .file_name()
                    .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
                s.description.clone(),
            ]
        })
        .collect();
    let header = [
        "  scenario",
        "kind",
        "tags",
        "file (scenarios/)",
        "description",
    ];
    let mut widths: [usize; 4] = [0; 4];
    for row in rows
        .iter()
        .map(|r| &r[..4])
        .chain(std::iter::once(&header.map(str::to_owned)[..4]))
    {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (cell, width) in cells.iter().zip(widths) {
            out.push_str(cell);
            out.push_str(&" ".repeat(width - cell.chars().count() + 2));
        }
        out.push_str(&cells[4]);
        out.push('\n');
        out
    };
    let mut out = line(&header.map(str::to_owned));
    for row in &rows {
        out.push_str(&line(row));
    }
    out.push_str(&format!(
        "\n* the default set (perfgate.toml [run] default_tags = {}): what `run` and `gate` measure without --tags or --filter\n",
        default_tags.join(",")
    ));
    out
}

pub fn scenarios(root: &Path, lock: &CorpusLock) -> Result<u8> {
    let rules = crate::subject::rule_ids();
    let context = Context {
        repo_root: root,
        lock,
        rules: &rules,
    };
    let scenarios = scenario::load_dir(&root.join("scenarios"), &context)?;
    let settings = crate::settings::load(&root.join("perfgate.toml"))?;
    crate::stdout::print(&scenario_table(&scenarios, &settings.run.default_tags))?;
    Ok(0)
}

/// `perfgate run`: the selected scenarios (of one shard), measured and saved.
pub fn run(root: &Path, lock: &CorpusLock, args: RunArgs) -> Result<u8> {
    let RunArgs {
        select: args,
        shard,
        out,
    } = args;
    let (mut selected, _, settings) =
        select(root, lock, args.which.filter.as_deref(), &args.which.tags)?;
    if let Some(shard) = &shard {
        let shard = crate::merge::Shard::parse(shard)?;
        selected.retain(|s| shard.contains(&s.name));
        eprintln!(
            "shard {}/{}: {} scenario(s){}",
            shard.k,
            shard.n,
            selected.len(),
            if selected.is_empty() {
                " (an empty shard: nothing to run)"
            } else {
                ""
            }
        );
    }
    let selection = selection(&args, &settings);
    let (results, path) = run_and_save(root, lock, &selected, &args, selection, out)?;
    crate::out!("{}", crate::run::summary(&results));
    crate::outln!("results: {}", path.display());
    if results.any_failed() {
        fail!("some scenarios failed; they are recorded as failed in the results");
    }
    Ok(0)
}

/// `perfgate merge`: results files (shards) into one.
pub fn merge(files: &[std::path::PathBuf], out: &Path) -> Result<u8> {
    let mut loaded = Vec::new();
    for file in files {
        loaded.push((
            file.display().to_string(),
            crate::results::Results::load(file)?,
        ));
    }
    let merged = crate::merge::merge(&loaded)?;
    merged.save(out)?;
    crate::outln!(
        "merged {} file(s), {} scenario(s): {}",
        files.len(),
        merged.scenarios.len(),
        out.display()
    );
    Ok(0)
}

/// `perfgate time-round`: one round of the time engine in this process.
pub fn time_round(
    root: &Path,
    lock: &CorpusLock,
    name: &str,
    settings: crate::scenario::TimeEngine,
) -> Result<u8> {
    let scenario = find_scenario(root, lock, name)?;
    let input = crate::subject::prepare(&scenario, root, lock)?;
    let scratch = root
        .join("target/perfgate/scratch")
        .join(format!("{}-time", scenario.id));
    crate::engine::time::measure_round(&scenario, &input, &scratch, &settings)?;
    Ok(0)
}

/// `perfgate workload`: one measured workload run (under callgrind), one thread so counts repeat.
pub fn workload(root: &Path, lock: &CorpusLock, name: &str, scratch: &Path) -> Result<u8> {
    let mut scenario = find_scenario(root, lock, name)?;
    scenario.threads = 1;
    let input = crate::subject::prepare(&scenario, root, lock)?;
    let workload = crate::subject::Workload::resume(&scenario, &input, scratch)?;
    let iteration = workload.setup();
    let findings = std::hint::black_box(workload.routine(iteration));
    if findings == u64::MAX {
        fail!("the workload of scenario `{name}` failed");
    }
    crate::outln!("{name}: {findings} findings");
    Ok(0)
}

/// `perfgate heap-run`: one workload run under dhat (`perfgate-dhat` only; elsewhere an error
/// naming the binary that has it); writes `dhat-heap.json` and `heap.json` into `out`.
pub fn heap_run(root: &Path, lock: &CorpusLock, name: &str, out: &Path) -> Result<u8> {
    if !crate::engine::heap::dhat_allocator() {
        fail!(
            "this perfgate does not allocate through dhat; `perfgate run --engines allocations` builds perfgate-dhat, which does, and runs it"
        );
    }
    let mut scenario = find_scenario(root, lock, name)?;
    // One thread: rayon's work stealing would make the allocation profile vary.
    scenario.threads = 1;
    let input = crate::subject::prepare(&scenario, root, lock)?;
    let scratch = root
        .join("target/perfgate/scratch")
        .join(format!("{}-heap", scenario.id));
    let workload = crate::subject::Workload::new(&scenario, &input, &scratch)?;
    crate::engine::heap::profile(&workload, out)?;
    Ok(0)
}
