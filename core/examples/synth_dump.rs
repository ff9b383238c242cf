//! Writes a generated corpus to a folder: `cargo run -p connascence --example synth_dump -- DIR FILES LINES SEED [clean|typical|dense]`.
use connascence::synth::{self, Profile, SynthSpec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, files, lines, seed, rest @ ..] = args.as_slice() else {
        eprintln!("usage: synth_dump DIR FILES LINES SEED [clean|typical|dense]");
        std::process::exit(2);
    };
    let profile = match rest.first().map(String::as_str) {
        None | Some("typical") => Profile::Typical,
        Some("clean") => Profile::Clean,
        Some("dense") => Profile::Dense,
        Some(other) => {
            eprintln!("unknown profile `{other}`; expected clean, typical or dense");
            std::process::exit(2);
        }
    };
    let parse = |text: &str, what: &str| -> u64 {
        text.parse().unwrap_or_else(|_| {
            eprintln!("{what} must be a whole number, got `{text}`");
            std::process::exit(2)
        })
    };
    let spec = SynthSpec {
        files: parse(files, "FILES") as usize,
        lines_per_file: parse(lines, "LINES") as usize,
        seed: parse(seed, "SEED"),
        profile,
    };
    for file in synth::generate(&spec) {
        let path = std::path::Path::new(dir).join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.source).unwrap();
    }
}
