//! `perfgate report` renders a self-contained report from fixture results: every section present,
//! every chart valid SVG (XML), user strings escaped, nothing loaded from elsewhere.

mod common;

use common::{perfgate, tiny_repo};
use perfgate::synthetic::{results, scenario};

#[test]
fn a_report_from_fixture_results_has_every_section_valid_svg_and_escaped_strings() {
    let repo = tiny_repo();
    let root = repo.path();
    std::fs::write(
        root.join("scenarios/tiny.toml"),
        "name = \"tiny\"\ndescription = \"<script>alert('x')</script> & more\"\ntags = [\"pr\"]\n[corpus]\nsynthetic = { files = 3, lines_per_file = 60, seed = 4, profile = \"dense\" }\n[workload]\nkind = \"analyze\"\n",
    )
    .unwrap();
    // A synthetic scaling pair (cost growth) and a per-detector twin of `tiny` (what one pass buys).
    for (name, files, traversal) in [
        ("syn-1x", 6, "unified"),
        ("syn-4x", 24, "unified"),
        ("tiny-per-detector", 3, "per-detector"),
    ] {
        std::fs::write(
            root.join(format!("scenarios/{name}.toml")),
            format!("name = \"{name}\"\n[corpus]\nsynthetic = {{ files = {files}, lines_per_file = 60, seed = 4, profile = \"dense\" }}\n[workload]\nkind = \"analyze\"\ntraversal = \"{traversal}\"\n"),
        )
        .unwrap();
    }
    // A parse-only twin of `tiny` (the analysis-over-parse target).
    std::fs::write(
        root.join("scenarios/tiny-parse-only.toml"),
        "name = \"tiny-parse-only\"\n[corpus]\nsynthetic = { files = 3, lines_per_file = 60, seed = 4, profile = \"dense\" }\n[workload]\nkind = \"parse-only\"\n",
    )
    .unwrap();
    // Heap and findings four times as large at four times the lines: slope 1 against both.
    let synthetic = |name: &str, factor: f64, lines: u64| {
        let mut s = scenario(
            name,
            factor,
            (1_000_000.0 * factor) as u64,
            (100_000.0 * factor) as u64,
        );
        s.corpus_id = format!("synthetic:{name}");
        s.counters.as_mut().unwrap().lines = lines;
        s.counters.as_mut().unwrap().findings = (10.0 * factor) as u64;
        s.heap.as_mut().unwrap().max_bytes = (50_000.0 * factor) as u64;
        s
    };
    // `analyze` (its own Ir grows) calls `parse_module`: with calls on both sides the report
    // draws the differential flamegraph.
    let functions = |own: u64| {
        let function = |name: &str, self_ir: u64, calls: &[(&str, u64)]| {
            perfgate::engine::instructions::FunctionIr {
                name: name.into(),
                inclusive: self_ir + calls.iter().map(|(_, ir)| ir).sum::<u64>(),
                self_ir,
                calls: calls.iter().map(|(n, ir)| ((*n).to_owned(), *ir)).collect(),
            }
        };
        vec![
            function(
                "connascence::engine::analyze",
                own,
                &[("connascence::parse::parse_module", 400_000)],
            ),
            function("connascence::parse::parse_module", 400_000, &[]),
        ]
    };
    let mut base = results(vec![
        scenario("tiny", 1.0, 1_000_000, 100_000),
        scenario("path", 1.0, 2_000_000, 100_000),
    ]);
    let mut cand = results(vec![
        scenario("tiny", 1.10, 1_030_000, 100_000),
        scenario("path", 1.0, 2_000_000, 100_000),
        synthetic("syn-1x", 1.0, 1000),
        synthetic("syn-4x", 4.0, 4000),
        scenario("tiny-per-detector", 1.5, 1_545_000, 100_000),
        scenario("tiny-parse-only", 1.0, 800_000, 100_000),
    ]);
    // Per-function data on both sides, so the Ir change (+30,000) is attributed.
    base.scenarios[0].instructions.as_mut().unwrap().functions = functions(100_000);
    cand.scenarios[0].instructions.as_mut().unwrap().functions = functions(130_000);
    // A heap regression of `path` (+10 %) with allocation sites on both sides: explained by site.
    let site = |bytes: u64| perfgate::results::HeapSite {
        frames: vec![
            "with_capacity<u8> (src/vec/mod.rs)".into(),
            "analyze_file (core/src/engine.rs)".into(),
        ],
        bytes,
        blocks: 10,
        peak_bytes: 0,
    };
    base.scenarios[1].heap.as_mut().unwrap().sites = vec![site(100_000)];
    let heap = cand.scenarios[1].heap.as_mut().unwrap();
    heap.total_bytes = 110_000;
    heap.sites = vec![site(110_000)];
    // A peer comparison left by `perfgate peers`: the report shows it.
    let peers = perfgate::peers::PeersReport {
        fingerprint: perfgate::synthetic::fingerprint(),
        ruff_version: "0.16.4".into(),
        rounds: 10,
        rows: vec![perfgate::peers::PeerRow {
            corpus: "django".into(),
            files: 885,
            ruff_files: 885,
            lines: 158_984,
            findings: 4561,
            ruff_findings: 1142,
            seconds: [("connascence-1", 0.116), ("ruff-1", 0.141)]
                .map(|(key, s)| (key.to_owned(), vec![s; 10]))
                .into(),
        }],
        commands: vec!["cargo run --release -p perfgate -- peers --rounds 10".into()],
    };
    peers.save(&perfgate::peers::default_output(root)).unwrap();
    base.save(&root.join("base.json")).unwrap();
    cand.save(&root.join("cand.json")).unwrap();
    let output = perfgate(
        root,
        &[
            "report",
            "--baseline",
            "base.json",
            "--candidate",
            "cand.json",
            "--out",
            "reports/test",
            "--targets-markdown",
            "docs/measured/targets.md",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = root.join("reports/test");
    keep_example(&dir, "regression");
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    for section in [
        "<h2>Summary</h2>",
        "<h2>Changes</h2>",
        "<h2>Scenarios</h2>",
        "<h3 id=\"scenario-tiny\">tiny</h3>",
        "<h2>What one pass buys, and other figures of this run</h2>",
        "<h2>Cost growth (synthetic series)</h2>",
        "<h2>Targets of the core (informational)</h2>",
        "<h2>connascence and ruff, side by side</h2>",
        "<td>django</td><td class=\"num\">885 (885)</td><td class=\"num\">158984</td><td class=\"num\">4561 (1142)</td><td class=\"num\">0.116</td><td class=\"num\">0.141</td>",
        // tiny ÷ tiny-parse-only in instructions (the target's measure, although both have wall
        // times, which give 1.10): 1,030,000 ÷ 800,000 = 1.29 (> 1.2: not met).
        // Informational in a gate's report: not red beside the gate's own verdict.
        "<td>1.29× (instructions)</td><td>≤ 1.2×</td><td><span class=\"informational\">not met</span></td><td>tiny / tiny-parse-only</td>",
        "<td>slope 1.00 against lines, 1.00 against findings</td>",
        "<td>–</td><td>≥ 20×</td><td>reported</td>",
        "<h2>Reproduce</h2>",
        "Not calibrated",
        // The banner: the result with a mark and its exit code, then what regressed, worst first.
        "<div class=\"banner fail\" role=\"status\"><p><strong>✗ FAIL (regression)</strong> · exit code 1 · ",
        "<li>▲ <a href=\"#scenario-tiny\">tiny</a> time +10.0 % [+9.16 %, +10.8 %]</li>\n<li>▲ <a href=\"#scenario-path\">path</a> heap.total_bytes +10.0 %</li>\n<li>▲ <a href=\"#scenario-tiny\">tiny</a> instructions +3.00 %</li>\n</ul>",
        "<pre class=\"commands\">",
        "explain 100 % of it",
        "<figure class=\"flame\">\n<a href=\"charts/flame-tiny.svg\"><img src=\"charts/flame-tiny.svg\" alt=\"differential flamegraph of tiny\"></a>",
        "<p>heap.total_bytes regressed: Δtotal_bytes = +10,000 (+10.0 %). The allocation sites below account for most of it",
        "<td><code>with_capacity&lt;u8&gt; in analyze_file (core/src/engine.rs)</code></td><td class=\"num\">+10,000 B</td><td class=\"num\">100 %</td>",
    ] {
        assert!(
            index.contains(section),
            "missing {section} in {}",
            index
                .split("<h2>Targets of the core (informational)</h2>")
                .nth(1)
                .unwrap_or("")
                .split("<h2>")
                .next()
                .unwrap_or("")
        );
    }
    // The targets as a Markdown page, beside the report and where --targets-markdown said.
    let targets = std::fs::read_to_string(dir.join("targets.md")).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("docs/measured/targets.md")).unwrap(),
        targets
    );
    for line in [
        "# Targets of the core (measured)",
        "| analysis against parse+walk alone | 1.29× (instructions) | ≤ 1.2× | **not met** | tiny / tiny-parse-only |",
        "| peak heap over the synthetic series | slope 1.00 against lines, 1.00 against findings | grows with findings kept, not with source | reported | syn-1x, syn-4x |",
        "| syn-4x | 4000 | 40 | 200 kB | 5000 B |",
        "cargo run --release -p perfgate -- run --engines time,instructions,allocations,counters --out cand.json",
        "cargo run --release -p perfgate -- report --baseline base.json --candidate cand.json --output reports/test --targets-markdown docs/measured/targets.md",
    ] {
        assert!(
            targets.lines().any(|l| l == line),
            "missing {line:?} in:\n{targets}"
        );
    }
    assert!(
        targets.contains(" cores); results `cand.json`."),
        "{targets}"
    );
    assert!(!index.contains("<script>"), "an unescaped user string");
    assert!(index.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    assert!(
        !index.contains("http://") && !index.contains("https://"),
        "external resource"
    );
    // Every chart is well-formed SVG.
    let mut charts = 0;
    for entry in std::fs::read_dir(dir.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // inferno's flamegraphs declare the SVG 1.1 DTD.
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let document = roxmltree::Document::parse_with_options(&text, options)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert_eq!(document.root_element().tag_name().name(), "svg");
        charts += 1;
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            index.contains(&format!("src=\"charts/{name}\"")),
            "{name} not shown"
        );
    }
    // The change chart, one rounds chart per scenario with time (six), two growth charts and the
    // differential flamegraph of tiny, whose own Ir grew (red) under an unchanged callee.
    assert_eq!(charts, 10);
    let flame = std::fs::read_to_string(dir.join("charts/flame-tiny.svg")).unwrap();
    assert!(
        flame.contains("<title>connascence::engine::analyze (530,000 Ir, 100.00%; +5.66%)</title>"),
        "{flame}"
    );
    // The change chart: every compared scenario and metric, each over its own threshold band.
    let changes = std::fs::read_to_string(dir.join("charts/changes.svg")).unwrap();
    for label in [
        "tiny · instructions",
        "path · heap.total_bytes",
        "tiny · time",
    ] {
        assert!(changes.contains(label), "{label} not in the change chart");
    }
    assert_eq!(
        changes.matches("fill=\"#DEECDE\"").count(),
        changes.matches(" · ").count(),
        "one threshold band per row"
    );
    // Rounds charts put the baseline beside the candidate.
    let rounds = std::fs::read_to_string(dir.join("charts/rounds-tiny.svg")).unwrap();
    assert!(
        rounds.contains("\nbaseline\n</text>") && rounds.contains("\ncandidate\n</text>"),
        "{rounds}"
    );
    assert!(index.contains("Wall time per iteration: every sample (box) and each round&#39;s median (points), baseline beside candidate. Change +10.0 %"));
    // Tables rank by severity: in the changes table the regressions come first, with their mark.
    let notable = index
        .split("Metrics that are not unchanged")
        .nth(1)
        .unwrap();
    let notable = notable.split("</table>").next().unwrap();
    let rows: Vec<&str> = notable.split("<tr").skip(2).collect();
    assert_eq!(rows.len(), 3, "{notable}");
    for row in &rows {
        assert!(row.starts_with(" class=\"regressed\"><td>"), "{row}");
        assert!(
            row.contains("<span class=\"verdict-regressed\">▲ regressed</span>"),
            "{row}"
        );
    }
    assert!(
        rows[2].starts_with(" class=\"regressed\"><td>tiny</td><td>instructions</td>"),
        "the smallest change last: {}",
        rows[2]
    );
    // The scenario table of `tiny` ranks its regressions above the unchanged rows.
    let tiny = index.split("<h3 id=\"scenario-tiny\">").nth(1).unwrap();
    let tiny = tiny.split("</table>").next().unwrap();
    let verdicts: Vec<&str> = tiny
        .split("<span class=\"verdict-")
        .skip(1)
        .map(|v| v.split('"').next().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        [
            "regressed",
            "regressed",
            "unchanged",
            "unchanged",
            "unchanged"
        ]
    );
    assert!(!index.contains("<h2>Artifacts"), "no artifacts: no section");
    assert_no_empty_section(&index);
    let growth = std::fs::read_to_string(dir.join("charts/growth-time.svg")).unwrap();
    assert!(growth.contains("fitted slope 1.00"), "time ∝ lines");
    // Per-detector ÷ unified instructions: 1,545,000 / 1,030,000.
    assert!(
        index.contains("<td class=\"num\">1.50×</td>"),
        "the per-detector ratio"
    );
}

/// With `PERFGATE_REPORT_EXAMPLES` set (by `ci/screenshot-report.sh --examples`), copies a report
/// there to be looked at.
fn keep_example(report: &std::path::Path, name: &str) {
    let Some(into) = std::env::var_os("PERFGATE_REPORT_EXAMPLES") else {
        return;
    };
    let into = std::path::Path::new(&into).join(name);
    for sub in ["", "charts"] {
        std::fs::create_dir_all(into.join(sub)).unwrap();
        for entry in std::fs::read_dir(report.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, into.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
}

/// Every `<h2>` section holds more than a note: a table, a figure, a list or a paragraph of text.
fn assert_no_empty_section(index: &str) {
    let body = index.split("</h1>").nth(1).unwrap();
    for section in body.split("<h2>").skip(1) {
        let title = section.split("</h2>").next().unwrap();
        let content = section.split("</h2>").nth(1).unwrap_or("");
        let content = content.split("</body>").next().unwrap();
        let substantive = ["<table", "<figure", "<ul", "<pre", "<p>"]
            .iter()
            .any(|tag| content.contains(tag));
        assert!(substantive, "the section {title:?} is empty: {content:?}");
    }
}

#[test]
fn a_pass_report_has_a_pass_banner_no_empty_section_and_warns_of_a_foreign_calibration() {
    // tiny_repo() defines `tiny` (pr) and `path`; a nightly synthetic scenario joins them.
    let repo = tiny_repo();
    let root = repo.path();
    std::fs::write(
        root.join("scenarios/syn-1x.toml"),
        "name = \"syn-1x\"\ntags = [\"nightly\"]\n[corpus]\nsynthetic = { files = 6, lines_per_file = 60, seed = 4, profile = \"dense\" }\n[workload]\nkind = \"analyze\"\n",
    )
    .unwrap();
    let same = results(vec![scenario("tiny", 1.0, 1_000_000, 100_000)]);
    same.save(&root.join("base.json")).unwrap();
    same.save(&root.join("cand.json")).unwrap();
    // A calibration measured on another machine.
    let mut fingerprint = perfgate::synthetic::fingerprint();
    fingerprint.cpu_model = Some("Other CPU".into());
    fingerprint.cores = 64;
    perfgate::calibrate::Calibration {
        fingerprint,
        rounds: 10,
        pairs: 20,
        scenarios: [(
            "tiny".to_owned(),
            perfgate::calibrate::Entry {
                s: 0.01,
                s_all: 0.012,
                mde: 0.02,
                threshold: 0.03,
                false_alarms: 1,
                pairs: 20,
                rate_interval: (0.001, 0.25),
            },
        )]
        .into(),
    }
    .save(root, "ci")
    .unwrap();
    let output = perfgate(
        root,
        &[
            "report",
            "--baseline",
            "base.json",
            "--candidate",
            "cand.json",
            "--out",
            "reports/pass",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    keep_example(&root.join("reports/pass"), "pass");
    let index = std::fs::read_to_string(root.join("reports/pass/index.html")).unwrap();
    assert!(
        index.contains("<div class=\"banner pass\" role=\"status\"><p><strong>✓ PASS</strong> · exit code 0 · 5 unchanged</p>\n</div>"),
        "{index}"
    );
    assert!(index.contains("<p class=\"warning\">⚠ Measured on another host (Other CPU on 64 cores; this run: Test CPU on 2 cores)"));
    assert!(
        !index.contains("class=\"flame\""),
        "a flamegraph without a change"
    );
    // Sections with nothing to show are left out, and one line says what would fill them.
    for absent in ["<h2>What one pass buys", "<h2>Cost growth", "<h2>Artifacts"] {
        assert!(!index.contains(absent), "{absent} shown empty");
    }
    assert!(index.contains("Not in this run — <strong>what one pass buys</strong> needs a per-detector scenario with its unified twin, or a cache-edit or aggregate scenario: none is defined in <code>scenarios/</code>; <strong>cost growth</strong> needs two synthetic analysis scenarios: <code>syn-1x</code> (nightly), <code>tiny</code> (pr).</p>"), "{index}");
    assert_no_empty_section(&index);
}
