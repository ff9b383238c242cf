//! Helpers shared by the command-line tests: run the binary, read its output, make a project folder.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `connascence ARGS` in `dir`.
pub fn connascence(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connascence"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A temporary folder holding `files` (name, text), folders created as needed.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let bytes: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, text)| (*name, text.as_bytes()))
        .collect();
    project_bytes(&bytes)
}

/// A temporary folder holding `files` (name, bytes), folders created as needed.
pub fn project_bytes(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// A project of `files` seeded synthetic modules (120 dense lines each) under `src/`; returns the
/// folder and the files' paths.
/// Sets a file's modification time an hour back, as a file of a real project is: a file modified in
/// the tick a run began is "racily clean" and is re-hashed by every run until one re-stamps it,
/// which would make the cache counters of a test depend on the clock's granularity.
pub fn backdate(path: &std::path::Path) {
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(hour_ago))
        .unwrap();
}

pub fn synthetic_project(files: usize, seed: u64) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    use connascence::synth::{self, Profile, SynthSpec};
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for file in synth::generate(&SynthSpec {
        files,
        lines_per_file: 120,
        seed,
        profile: Profile::Dense,
    }) {
        let path = dir.path().join("src").join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, file.source).unwrap();
        backdate(&path);
        paths.push(path);
    }
    (dir, paths)
}
