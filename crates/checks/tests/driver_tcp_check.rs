//! `option tcp-check` against real listeners: a PING/PONG conversation that passes, then a
//! server that answers the wrong thing, then one that closes without a word.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use checks::driver::{CheckerOptions, HealthChecker, HealthTable};
use support::{config, CollectLog};

/// 0: answers `+PONG` to `PING`; 1: answers `-ERR`; 2: closes at once.
fn redis_like(mode: Arc<AtomicU8>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let m = mode.load(Ordering::SeqCst);
            std::thread::spawn(move || {
                if m == 2 {
                    return;
                }
                let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 64];
                let mut got = Vec::new();
                while !got.ends_with(b"PING\r\n") {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = c.write_all(if m == 0 { b"+PONG\r\n" } else { b"-ERR\r\n" });
            });
        }
    });
    port
}

#[test]
fn ping_pong_conversation() {
    let mode = Arc::new(AtomicU8::new(0));
    let port = redis_like(mode.clone());
    let cfg = config(&format!(
        "defaults\n mode tcp\nbackend redis\n option tcp-check\n tcp-check send PING\\r\\n\n tcp-check expect string +PONG\n server r1 127.0.0.1:{port} check inter 50 rise 1 fall 1\n"
    ));
    let table = Arc::new(HealthTable::new(&cfg));
    let log = Arc::new(CollectLog::default());
    let opts = CheckerOptions {
        log_health_checks: true,
    };
    let _c = HealthChecker::start(&cfg, table.clone(), log.clone(), opts).expect("starts");
    let ok = log.wait_for("Health check for server redis/r1 succeeded");
    assert!(
        ok.contains("reason: Layer7 check passed, code: 0, info: \"(tcp-check)\""),
        "{ok}"
    );

    mode.store(1, Ordering::SeqCst);
    let bad = log.wait_for("Health check for server redis/r1 failed");
    assert!(
        bad.contains("reason: Layer7 invalid response, info: \"TCPCHK did not match content '+PONG' at step 2\""),
        "{bad}"
    );
    assert!(!table.usable(0, 0));

    mode.store(0, Ordering::SeqCst);
    log.wait_for("Server redis/r1 is UP");
    mode.store(2, Ordering::SeqCst);
    log.wait_for("TCPCHK got an empty response at step 2");
}

#[test]
fn bad_check_lines_are_refused_at_start_with_their_line() {
    let cfg = config(
        "defaults\n mode tcp\nbackend b\n option tcp-check\n tcp-check expect binary 4g\n server s 127.0.0.1:1 check\n",
    );
    let table = Arc::new(HealthTable::new(&cfg));
    let err = HealthChecker::start(
        &cfg,
        table,
        Arc::new(CollectLog::default()),
        CheckerOptions::default(),
    )
    .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.starts_with("parsing [test.cfg:5] : 'tcp-check expect' : "),
        "{text}"
    );
}
