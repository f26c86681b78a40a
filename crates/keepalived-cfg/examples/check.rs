//! `cargo run -p keepalived-cfg --example check -- FILE`: prints halb's diagnostics for a
//! keepalived.conf, like `keepalived -t -f FILE`.

use keepalived_cfg::parse_file;
use std::path::PathBuf;

fn main() {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: check FILE");
        std::process::exit(2);
    };
    match parse_file(&path) {
        Ok(loaded) => {
            for d in &loaded.diagnostics {
                eprintln!("{d}");
            }
            eprintln!(
                "OK: {} instance(s), {} script(s), interfaces: {:?}",
                loaded.config.instances.len(),
                loaded.config.scripts.len(),
                loaded.config.interfaces()
            );
        }
        Err(e) => {
            for d in e.diagnostics() {
                eprintln!("{d}");
            }
            eprintln!("REFUSED: {e}");
            std::process::exit(1);
        }
    }
}
