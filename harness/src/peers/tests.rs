use super::*;

fn pin() -> RuffPin {
    PeersConfig::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/peers.toml"))
        .unwrap()
        .ruff
}

#[test]
fn the_committed_configuration_pins_ruff_0_16_4_by_hash() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/peers.toml");
    let config = PeersConfig::load(&path).unwrap();
    assert_eq!(config.ruff.version, "0.16.4");
    assert_eq!(config.ruff.wheels.len(), 2);
    assert_eq!(config.comparison.rounds, 20);
    assert_eq!(
        config.comparison.corpora,
        ["requests", "rich", "django", "sympy"]
    );
}

#[test]
fn fewer_than_ten_rounds_are_refused() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/peers.toml"),
    )
    .unwrap()
    .replace("rounds = 20", "rounds = 3");
    assert_eq!(
        PeersConfig::parse(&text, "peers.toml")
            .unwrap_err()
            .to_string(),
        "peers.toml: [comparison] rounds must be at least 10, got 3"
    );
}

#[test]
fn an_unknown_key_is_reported_at_its_line_and_column() {
    let text = "[ruff]\nversion = \"0.16.4\"\nwheel = []\n";
    let error = PeersConfig::parse(text, "peers.toml")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("peers.toml:3:1: unknown field `wheel`"),
        "{error}"
    );
}

#[test]
fn a_malformed_hash_or_version_is_refused() {
    let config = |version: &str, hash: &str| {
        format!(
            "[ruff]\nversion = \"{version}\"\nwheels = [\"{hash}\"]\nselect = []\n[comparison]\ncorpora = []\nrounds = 10\n"
        )
    };
    assert_eq!(
        PeersConfig::parse(&config("0.16.4", "abc"), "p")
            .unwrap_err()
            .to_string(),
        "p: [ruff] wheels must list one or more sha256 hashes (64 lowercase hex digits)"
    );
    assert_eq!(
        PeersConfig::parse(&config("latest", &"a".repeat(64)), "p")
            .unwrap_err()
            .to_string(),
        "p: [ruff] version must be a release number such as \"0.16.4\", got \"latest\""
    );
}

#[test]
fn a_wheel_with_another_hash_is_not_installed() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = dir.path().join("ruff-0.16.4-py3-none-any.whl");
    std::fs::write(&wheel, b"not the pinned wheel").unwrap();
    let error = verify_wheel(&wheel, &pin()).unwrap_err().to_string();
    assert!(
        error.contains("which is none of the pinned") && error.ends_with("nothing was installed"),
        "{error}"
    );
    let mut accepting = pin();
    accepting.wheels = vec![crate::corpus::sha256_file(&wheel).unwrap()];
    verify_wheel(&wheel, &accepting).unwrap();
}

#[test]
fn every_command_leads_a_round_equally_often() {
    assert_eq!(round_order(3, 0), [0, 1, 2]);
    assert_eq!(round_order(3, 1), [1, 2, 0]);
    assert_eq!(round_order(3, 2), [2, 0, 1]);
    let firsts: Vec<usize> = (0..10).map(|round| round_order(5, round)[0]).collect();
    for command in 0..5 {
        assert_eq!(firsts.iter().filter(|&&f| f == command).count(), 2);
    }
}

#[test]
fn the_commands_are_the_documented_ones() {
    let commands = commands(
        Path::new("/c/connascence"),
        Path::new("/r/ruff"),
        &pin(),
        Path::new("/corpus"),
        &[],
        Path::new("/cache"),
    );
    let shown: Vec<String> = commands.iter().map(PeerCommand::display).collect();
    assert_eq!(
        shown,
        [
            "/c/connascence check --threads 1 --no-cache --exit-zero --format json /corpus",
            "RAYON_NUM_THREADS=1 /r/ruff check --no-cache --isolated --exit-zero --preview --select PLR0913,PLR0917,PLR2004,PLR0912,PLR0915,C901,N801,N802,PLW0603,PLR1702 /corpus",
            "/c/connascence check --threads 1 --no-cache --exit-zero --parse-only --format json /corpus",
            "/c/connascence check --threads 0 --no-cache --exit-zero --format json /corpus",
            "/r/ruff check --no-cache --isolated --exit-zero --preview --select PLR0913,PLR0917,PLR2004,PLR0912,PLR0915,C901,N801,N802,PLW0603,PLR1702 /corpus",
            "/c/connascence check --threads 1 --cache-dir /cache --exit-zero --format json /corpus",
        ]
    );
    let keys: Vec<&str> = commands.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, KEYS);
    // A folder without some of its folders: every command leaves them out, each tool its way.
    let leaving_out = super::commands(
        Path::new("/c/connascence"),
        Path::new("/r/ruff"),
        &pin(),
        Path::new("/corpus"),
        &["test".to_owned(), "idlelib".to_owned()],
        Path::new("/cache"),
    );
    let shown: Vec<String> = leaving_out.iter().map(PeerCommand::display).collect();
    assert_eq!(
        shown[0],
        "/c/connascence check --threads 1 --no-cache --exit-zero --format json --exclude test --exclude idlelib /corpus"
    );
    assert_eq!(
        shown[1],
        "RAYON_NUM_THREADS=1 /r/ruff check --no-cache --isolated --exit-zero --preview --select PLR0913,PLR0917,PLR2004,PLR0912,PLR0915,C901,N801,N802,PLW0603,PLR1702 --extend-exclude test --extend-exclude idlelib /corpus"
    );
    assert_eq!(
        shown[5],
        "/c/connascence check --threads 1 --cache-dir /cache --exit-zero --format json --exclude test --exclude idlelib /corpus"
    );
    for line in &shown {
        assert_eq!(line.matches("exclude test").count(), 1, "{line}");
    }
}

fn row(connascence: &[f64], ruff: &[f64]) -> PeerRow {
    PeerRow {
        corpus: "c".into(),
        files: 1,
        ruff_files: 1,
        lines: 1000,
        findings: 0,
        ruff_findings: 0,
        seconds: BTreeMap::from([
            ("connascence-1".to_owned(), connascence.to_vec()),
            ("ruff-1".to_owned(), ruff.to_vec()),
        ]),
    }
}

#[test]
fn a_tool_twice_as_fast_has_ratio_one_half_and_swapping_inverts_it() {
    let ruff = [1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.00, 1.02, 0.98];
    let connascence: Vec<f64> = ruff.iter().map(|t| t / 2.0).collect();
    let row = row(&connascence, &ruff);
    let ratio = row.ratio("connascence-1", "ruff-1").unwrap();
    assert!((ratio.estimate - 0.5).abs() < 1e-12, "{ratio:?}");
    assert!(
        ratio.low < 0.5 && 0.5 < ratio.high && ratio.high < 0.55,
        "{ratio:?}"
    );
    let swapped = row.ratio("ruff-1", "connascence-1").unwrap();
    assert!((swapped.estimate - 2.0).abs() < 1e-12);
    assert!((swapped.low - 1.0 / ratio.high).abs() < 1e-12);
    assert_eq!(row.median("connascence-1"), Some(0.5));
    assert_eq!(row.lines_per_second("connascence-1"), Some(2000.0));
    assert_eq!(row.ratio("connascence-1", "parse-only-1"), None);
}

#[test]
fn measuring_runs_every_command_each_round_and_stops_at_a_failure() {
    let ok = PeerCommand {
        key: "true".into(),
        program: "true".into(),
        args: vec![],
        env: vec![],
    };
    let samples = measure(&[ok.clone(), ok.clone()], 3, &|_| {}).unwrap();
    assert_eq!(samples.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3]);
    assert!(samples.iter().flatten().all(|s| *s > 0.0));
    let failing = PeerCommand {
        key: "false".into(),
        program: "sh".into(),
        args: vec!["-c".into(), "echo broken >&2; exit 3".into()],
        env: vec![],
    };
    assert_eq!(
        measure(&[ok, failing], 3, &|_| {}).unwrap_err().to_string(),
        "`sh -c echo broken >&2; exit 3` failed (exit status: 3): broken"
    );
}

#[test]
fn output_is_only_discarded_into_the_null_device() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("null");
    std::fs::write(&file, "").unwrap();
    assert_eq!(
        discard_problem(&file).unwrap(),
        format!(
            "{0} is not the null device here (a regular file, put in its place): discarded output \
             would not be discarded for free and would skew the times; as root, restore it with \
             `rm {0} && mknod -m 666 {0} c 1 3`",
            file.display()
        )
    );
    assert!(
        discard_problem(dir.path())
            .unwrap()
            .contains("is not the null device here (a folder)")
    );
    assert!(
        discard_problem(Path::new("/dev/zero"))
            .unwrap()
            .contains("(another character device)")
    );
    assert_eq!(
        discard_problem(&dir.path().join("missing")).unwrap(),
        format!(
            "{}: No such file or directory (os error 2)",
            dir.path().join("missing").display()
        )
    );
    // The machine's own: a device (the test suite's commands need it too).
    assert_eq!(discard_problem(Path::new(DISCARD)), None);
}
