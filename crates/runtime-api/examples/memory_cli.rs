//! Serves the runtime API on a unix socket (and optionally a TCP address) with an
//! in-memory target, to try clients by hand:
//!
//! ```text
//! cargo run -p runtime-api --example memory_cli -- /tmp/halb.sock [127.0.0.1:9999]
//! echo 'show servers state' | socat stdio /tmp/halb.sock
//! hatop -s /tmp/halb.sock
//! ```

use std::sync::Arc;
use std::time::Duration;

use runtime_api::{Level, ListenerSpec, MemoryServer, MemoryTarget, RuntimeServer, RuntimeTarget};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: memory_cli SOCKET_PATH [TCP_ADDR]");
        std::process::exit(2);
    };
    let mut specs = vec![ListenerSpec::unix(path, Level::Admin).with_mode(0o600)];
    if let Some(addr) = args.next() {
        match addr.parse() {
            Ok(a) => specs.push(ListenerSpec::tcp(a, Level::Admin)),
            Err(e) => {
                eprintln!("bad TCP address {addr}: {e}");
                std::process::exit(2);
            }
        }
    }
    let target = MemoryTarget::new().frontend(2, "fe").backend(
        3,
        "be",
        vec![
            MemoryServer::new(1, "s1", "127.0.0.1", 18081).weight(10),
            MemoryServer::new(2, "s2", "127.0.0.1", 18082)
                .with_check()
                .disabled(),
        ],
    );
    let target = target.backend(
        4,
        "be2",
        vec![MemoryServer::new(1, "a", "127.0.0.1", 18083)],
    );
    let server = match RuntimeServer::start(
        specs,
        Arc::new(target) as Arc<dyn RuntimeTarget>,
        Duration::from_secs(30),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    eprintln!("serving on {:?}", server.local_addrs());
    loop {
        std::thread::park();
    }
}
