//! The instruction engine end to end: a tiny synthetic scenario and a cache-warm one counted under
//! callgrind through gungraun (the runner provisioned on first use), counts that repeat, per-function
//! costs, runs that do not depend on the one before, and the fail-closed paths (a function that counts nothing, a runner of another version).

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use perfgate::results::{Results, Status};

mod common;

use common::{run_ok, tiny_repo};

#[test]
fn the_workload_alone_is_counted_with_every_event_and_per_function_costs_and_repeats() {
    let repo = tiny_repo();
    let run = |out: &str| {
        let args = ["--engines", "instructions,counters"];
        run_ok(repo.path(), &args, &repo.path().join(out)).0
    };
    let first = run("first.json");
    let names: Vec<&str> = first.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["path", "tiny"]);
    for scenario in &first.scenarios {
        assert_eq!(scenario.status, Status::Ok, "{}", scenario.name);
        let data = scenario.instructions.as_ref().unwrap();
        let ir = data.ir();
        assert!(ir > 10_000, "{}: Ir {ir}", scenario.name);
        for event in ["Dr", "Dw", "I1mr", "EstimatedCycles"] {
            assert!(data.events[event] > 0, "{}: {event}", scenario.name);
        }
        let function = |name: &str| data.functions.iter().find(|f| f.name == name);
        // Collection is on in the workload function and the core's analysis thread …
        let thread = function("connascence::engine::analysis_thread").unwrap();
        let analyze = function("connascence::engine::analyze_bytes_cached")
            .or(function("connascence::engine::analyze_bytes"))
            .unwrap();
        assert!(analyze.inclusive <= thread.inclusive && thread.inclusive <= ir);
        // … and nowhere else: the input was generated and loaded before the entry point.
        for outside in ["connascence::synth::generate", "perfgate::subject::prepare"] {
            assert!(function(outside).is_none(), "{outside} was counted");
        }
        for function in &data.functions {
            assert!(function.self_ir <= function.inclusive, "{function:?}");
            assert!(function.inclusive <= ir, "{function:?}");
            assert!(!function.name.contains("::h0") && !function.name.ends_with("'2"));
            assert!(function.inclusive * 1000 > ir, "below 0.1 %: {function:?}");
        }
        let artifacts = repo.path().join(&data.artifacts);
        assert!(artifacts.join("summary.json").is_file(), "{artifacts:?}");
        let id = &scenario.id;
        assert!(
            artifacts
                .join(format!("callgrind.workload.{id}.t1.p1.out"))
                .is_file()
        );
        assert!(!data.flamegraphs.is_empty());
    }
    // One thread, fixed hashers, repository-relative paths: the counts repeat (≤ 0.01 %).
    let second = run("second.json");
    for (a, b) in first.scenarios.iter().zip(&second.scenarios) {
        let name = a.name.clone();
        let (a, b) = (
            a.instructions.as_ref().unwrap(),
            b.instructions.as_ref().unwrap(),
        );
        let change = (a.ir() as f64 - b.ir() as f64).abs() / a.ir() as f64;
        // The cache-warm scenario opens a file-locked database: on a fresh clone under full load one
        // second run counted 3,655 Ir more (0.45 % of this 815 k Ir workload, 0.02 % of
        // django-cache-warm's), not reproduced since; such a constant is allowed there, nothing
        // relative.
        let allowed = if name == "path" { 5_000 } else { 0 };
        assert!(
            change <= 1e-4 || a.ir().abs_diff(b.ir()) <= allowed,
            "{name}: Ir {} then {}",
            a.ir(),
            b.ir()
        );
    }
    // Nothing of the first run is left for the second: no `.old` outputs, so no differential
    // flamegraph against whatever ran last (gungraun 0.20.0 fails silently drawing one for some
    // profiles, every second run of django-cache-cold).
    for scenario in &second.scenarios {
        let data = scenario.instructions.as_ref().unwrap();
        let files: Vec<String> = std::fs::read_dir(repo.path().join(&data.artifacts))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            files
                .iter()
                .all(|f| !f.contains(".old") && !f.contains(".diff.")),
            "{files:?}"
        );
        assert_eq!(data.flamegraphs.len(), 1, "{:?}", data.flamegraphs);
    }
    // The cache-warm scenario counts hits only: far less than analyzing.
    let warm = first.scenarios[0].counters.as_ref().unwrap();
    assert_eq!((warm.cache_hits, warm.cache_misses), (Some(1), Some(0)));
}

#[test]
fn an_entry_point_that_counts_nothing_fails_the_scenario_with_exit_2() {
    let repo = tiny_repo();
    let out = repo.path().join("results.json");
    let output = Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(repo.path())
        .args(["run", "--filter", "tiny", "--engines", "instructions"])
        .arg("--out")
        .arg(&out)
        .env(
            perfgate::engine::instructions::ENTRY_POINT_OVERRIDE,
            "connascence::workload::no_such_function",
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let results = Results::load(&out).unwrap();
    assert_eq!(
        results.scenarios[0].status,
        Status::Failed {
            reason: "callgrind counted 0 instructions inside `connascence::workload::no_such_function`: the function was not found (renamed, inlined or stripped?); 0 is never a result".into()
        }
    );
    assert_eq!(results.scenarios[0].instructions, None);
}

#[test]
fn a_runner_of_another_version_is_refused_with_what_to_do() {
    let repo = tiny_repo();
    let fake = repo.path().join("gungraun-runner");
    std::fs::write(&fake, "#!/bin/sh\necho 'gungraun-runner 0.19.0'\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = repo.path().join("results.json");
    let output = Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .arg("--repo")
        .arg(repo.path())
        .args(["run", "--filter", "tiny", "--engines", "instructions"])
        .arg("--out")
        .arg(&out)
        .env("GUNGRAUN_RUNNER", &fake)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let results = Results::load(&out).unwrap();
    assert_eq!(
        results.scenarios[0].status,
        Status::Failed {
            reason: format!(
                "GUNGRAUN_RUNNER={} is gungraun-runner 0.19.0, but the gungraun library is 0.20.0 and both must be the same version; unset GUNGRAUN_RUNNER to let perfgate install gungraun-runner 0.20.0 into its per-user cache",
                fake.display()
            )
        }
    );
}
