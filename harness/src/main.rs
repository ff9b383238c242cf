//! The `perfgate` command line; not implemented yet (see the Harness issues).

fn main() {
    eprintln!("perfgate: not implemented yet; see README.md");
    std::process::exit(2);
}
