//! End-to-end test harness for halb, in the shape of HAProxy's reg-tests: a test embeds the
//! haproxy.cfg it runs, starts mock servers on 127.0.0.1 ephemeral ports, runs the real
//! `halb` binary, drives real clients, and asserts on what the servers received and what the
//! client got.
//!
//! Everything here is plain std (blocking sockets, threads) so the harness shares nothing with
//! the code under test. Every wait is bounded: a broken proxy fails a test, never hangs it.

mod client;
mod mock_http;
mod mock_tcp;
mod process;

pub use client::{HttpResponse, RawClient};
pub use mock_http::{MockHttp, Reply, SeenRequest};
pub use mock_tcp::MockTcp;
pub use process::{free_port, HalbProcess, TempDir};

/// Upper bound for any single wait in the harness.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Polls `f` until it returns `Some`, for at most `limit` (every 20 ms).
pub fn wait_for<T>(limit: std::time::Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = std::time::Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() > end {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
