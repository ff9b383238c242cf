//! The nightly history end to end: `gate --history` appends one record per run (also a failing
//! one) and puts the trends into the report; `history show` lists the runs; `history trend` finds a
//! planted step in a history file and draws its charts; a broken history file is a clear error.

mod common;

use common::{perfgate, stdout, tiny_repo};
use perfgate::history::{self, Record};

#[test]
fn each_gate_run_is_appended_to_the_history_and_its_report_shows_the_trends() {
    let repo = tiny_repo();
    let root = repo.path();
    let run = perfgate(
        root,
        &[
            "run",
            "--filter",
            "tiny",
            "--engines",
            "counters,allocations",
            "--out",
            "r.json",
        ],
    );
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        perfgate(
            root,
            &[
                "baseline",
                "save",
                "main",
                "--from",
                "r.json",
                "--allow-dirty"
            ]
        )
        .status
        .code(),
        Some(0)
    );
    let file = root.join("nightly.jsonl");
    let gate = || {
        perfgate(
            root,
            &[
                "gate",
                "--filter",
                "tiny",
                "--engines",
                "counters,allocations",
                "--history",
                file.to_str().unwrap(),
            ],
        )
    };
    assert_eq!(gate().status.code(), Some(0));
    // The second run regresses (a baseline that allocated less): recorded too, with its exit code.
    let baseline = root.join("baselines/ci/main.json");
    let mut saved = perfgate::results::Results::load(&baseline).unwrap();
    let heap = saved.scenarios[0].heap.as_mut().unwrap();
    heap.total_bytes = heap.total_bytes * 9 / 10;
    saved.save(&baseline).unwrap();
    assert_eq!(gate().status.code(), Some(1));

    let records = history::load(&file).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records.iter().map(|r| r.exit_code).collect::<Vec<_>>(),
        [0, 1]
    );
    let values = &records[0].scenarios["tiny"];
    assert_eq!(
        values.keys().map(String::as_str).collect::<Vec<_>>(),
        ["heap.max_bytes", "heap.total_blocks", "heap.total_bytes"]
    );
    assert_eq!(records[1].verdicts["regressed"], 1);
    let report = std::fs::read_to_string(root.join("reports/gate/index.html")).unwrap();
    assert!(report.contains("<h2>Trends</h2>\n<p>2 runs in the history on this host"));

    let show = perfgate(
        root,
        &["history", "show", "--history", file.to_str().unwrap()],
    );
    let text = stdout(&show);
    assert_eq!(show.status.code(), Some(0), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .contains("    1  1 regressed, 2 unchanged"),
        "{text}"
    );
}

#[test]
fn history_trend_finds_a_planted_step_and_draws_every_series() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.jsonl");
    let mut text = String::new();
    for run in 0..30u64 {
        let ir = if run < 18 { 5.0e8 } else { 5.15e8 } + (run % 4) as f64 * 1e3;
        let line = format!(
            "{{\"schema_version\":1,\"timestamp\":{},\"commit\":\"{run:040x}\",\"dirty\":false,\"host\":\"h1\",\"host_label\":\"CPU, 2 cores\",\"profile\":\"ci\",\"baseline\":\"main\",\"exit_code\":0,\"verdicts\":{{}},\"scenarios\":{{\"django\":{{\"instructions\":{ir},\"heap.max_bytes\":1000000}}}}}}\n",
            1_790_000_000 + run * 86_400
        );
        let _: Record = serde_json::from_str(&line).unwrap();
        text.push_str(&line);
    }
    std::fs::write(&file, text).unwrap();
    let repo = tiny_repo();
    let out = dir.path().join("trend");
    let trend = perfgate(
        repo.path(),
        &[
            "history",
            "trend",
            "--history",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let text = stdout(&trend);
    assert_eq!(trend.status.code(), Some(0), "{text}");
    let rows: Vec<&str> = text
        .lines()
        .skip(1)
        .take_while(|line| !line.is_empty())
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    // Then every series: its runs on its host and how many runs a step of the gate's size needs.
    let coverage: Vec<&str> = text.split("\n\n").nth(1).unwrap_or("").lines().collect();
    assert!(coverage[0].starts_with("scenario"), "{text}");
    assert_eq!(coverage.len(), 3, "{text}");
    // The step is at run 19 (index 18); a 3 % step against ±1,500 Ir of jitter: p 2.7e-106
    // (Bonferroni over 157 cuts), BH over 2 series doubles it; printed, not rounded to 0.
    assert_eq!(
        rows[0],
        "django                   instructions       h1              19 000000000000     3.00% 2.7e-106 5.5e-106"
    );
    assert!(out.join("index.html").is_file());
    assert_eq!(std::fs::read_dir(out.join("charts")).unwrap().count(), 2);

    let only = perfgate(
        repo.path(),
        &[
            "history",
            "trend",
            "--history",
            file.to_str().unwrap(),
            "--metric",
            "nope",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(only.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&only.stderr),
        format!(
            "error: no series in {} matches the filter and metric\n",
            file.display()
        )
    );
    std::fs::write(&file, "not json\n").unwrap();
    let broken = perfgate(
        repo.path(),
        &["history", "show", "--history", file.to_str().unwrap()],
    );
    assert_eq!(broken.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&broken.stderr),
        format!(
            "error: {}:1:2: not a history record (expected ident); expected one JSON object per line as `perfgate gate --history` writes\n",
            file.display()
        )
    );
}
