//! Prints what `connascence::config::load` says about a file: `cargo run --example config_check FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: config_check FILE");
    match connascence::config::load(std::path::Path::new(&path)) {
        Ok(config) => println!(
            "ok: {:?} exclude={:?} fail_on={:?}",
            config.settings.enabled_rules(),
            config.exclude,
            config.fail_on
        ),
        Err(error) => println!("{error}"),
    }
}
