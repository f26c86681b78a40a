//! A stand-in for `halb proxy -f FILE` used while developing the data plane: reads one
//! haproxy.cfg, binds, runs until SIGINT/SIGTERM kill it. Accepts `proxy -f FILE` or `-f FILE`
//! so the same command line works for both.

use std::sync::Arc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(pos) = args.iter().position(|a| a == "-f") else {
        eprintln!("usage: proxy_dev [proxy] -f FILE");
        std::process::exit(1);
    };
    let Some(path) = args.get(pos + 1) else {
        eprintln!("usage: proxy_dev [proxy] -f FILE");
        std::process::exit(1);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let loaded = match haproxy_cfg::parse_str(path, &text) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let proxy = match proxy::Proxy::bind(Arc::new(loaded.config)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = proxy.run() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
