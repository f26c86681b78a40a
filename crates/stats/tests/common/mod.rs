//! A snapshot with the same proxies, servers and states as the HAProxy 2.6 capture in
//! `tests/data/` (see `haproxy-capture.cfg`), filled through the public API as the proxy does.

#![allow(dead_code)]

use stats::counters::{Counter, CounterRow, RowKind};
use stats::rate::Rate;
use stats::timing::Timer;
use stats::*;

pub const NOW: u32 = 1000;

fn info() -> ProcessInfo {
    ProcessInfo {
        name: "HAProxy".into(),
        version: "2.6.12-1+deb12u4".into(),
        release_date: "2026/10/17".into(),
        nbthread: 2,
        pid: 12558,
        uptime_sec: 11,
        start_time_sec: 1_795_445_829,
        ulimit_n: 19999,
        maxsock: 19999,
        maxconn: 9984,
        hard_maxconn: 9984,
        node: "vm".into(),
        tasks: 16,
        idle_pct: 100,
        jobs: 4,
        listeners: 3,
        ..Default::default()
    }
}

fn traffic(row: &CounterRow, requests: u64) {
    for i in 0..requests {
        let t = (i % 2) as usize;
        row.session_started(t, NOW);
        row.incr(t, Counter::HttpRequests);
        row.tick(t, Rate::Requests, NOW);
        row.incr(t, Counter::Http2xx);
        row.add(t, Counter::BytesIn, 80);
        row.add(t, Counter::BytesOut, 480);
        row.record_time(t, Timer::Response, 1 + i as u32);
        row.record_time(t, Timer::Total, 2 + i as u32);
    }
}

fn check(status: &str, desc: &str, last: &str, health: u32) -> CheckFacts {
    CheckFacts {
        status: status.into(),
        code: None,
        duration_ms: Some(0),
        desc: desc.into(),
        last_output: last.into(),
        rise: 2,
        fall: 3,
        health,
        failures: 1,
        downs: 1,
    }
}

/// Proxy names are parameters so tests can try hostile ones.
pub fn snapshot_named(web: &str, app: &str, s1: &str) -> Snapshot {
    let mut snap = Snapshot::new(info());
    let fe = CounterRow::new(web, "FRONTEND", RowKind::Frontend, 2);
    traffic(&fe, 4);
    fe.add(0, Counter::ConnTotal, 4);
    fe.tick(0, Rate::Connections, NOW);
    snap.push(frontend_row(
        &fe,
        &FrontendFacts {
            iid: 2,
            maxconn: 9984,
            ..Default::default()
        },
        NOW,
    ));

    let servers = [
        (
            s1,
            1,
            ServerState::Up,
            false,
            Some(check("L4OK", "Layer4 check passed", "", 4)),
        ),
        ("s2", 2, ServerState::NoCheck, false, None),
        (
            "s3",
            3,
            ServerState::Down,
            true,
            Some(check(
                "L4CON",
                "Layer4 connection problem",
                "Connection refused",
                0,
            )),
        ),
    ];
    for (name, sid, state, backup, check) in servers {
        let row = CounterRow::new(app, name, RowKind::Server, 2);
        if sid == 1 {
            traffic(&row, 3);
            row.incr(0, Counter::LbTotal);
        }
        snap.push(server_row(
            &row,
            &ServerFacts {
                sid,
                iid: 3,
                state,
                weight: 1,
                uweight: 1,
                backup,
                addr: format!("127.0.0.1:{}", 18080 + sid),
                last_change_sec: 10,
                downtime_sec: 2,
                check,
                ..Default::default()
            },
            NOW,
        ));
    }
    let be = CounterRow::new(app, "BACKEND", RowKind::Backend, 2);
    traffic(&be, 3);
    snap.push(backend_row(
        &be,
        &BackendFacts {
            iid: 3,
            algo: "roundrobin".into(),
            weight: 2,
            uweight: 2,
            active: 2,
            maxconn: 999,
            last_change_sec: 12,
            ..Default::default()
        },
        NOW,
    ));

    let sfe = CounterRow::new("stats", "FRONTEND", RowKind::Frontend, 1);
    snap.push(frontend_row(
        &sfe,
        &FrontendFacts {
            iid: 4,
            maxconn: 9984,
            ..Default::default()
        },
        NOW,
    ));
    let sbe = CounterRow::new("stats", "BACKEND", RowKind::Backend, 1);
    snap.push(backend_row(
        &sbe,
        &BackendFacts {
            iid: 4,
            algo: "roundrobin".into(),
            maxconn: 999,
            ..Default::default()
        },
        NOW,
    ));
    snap
}

pub fn snapshot() -> Snapshot {
    snapshot_named("web", "app", "s1")
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// Runs `python3 -c SCRIPT` with `input` on stdin; `None` when python3 or a module it
/// imports is missing (the caller says so and skips).
pub fn python(script: &str, input: &str) -> Option<(bool, String)> {
    // Debian's packaged modules (python3-prometheus-client) belong to /usr/bin/python3, which
    // a `python3` earlier on PATH (pyenv, a venv) may not see.
    ["/usr/bin/python3", "python3"]
        .iter()
        .find_map(|py| python_with(py, script, input))
}

fn python_with(python: &str, script: &str, input: &str) -> Option<(bool, String)> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    if stderr.contains("ModuleNotFoundError") {
        return None;
    }
    Some((
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr),
    ))
}
