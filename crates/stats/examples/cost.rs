//! Rough cost of the record paths and of rendering a large snapshot (prints numbers, asserts
//! nothing): `cargo run --release -p stats --example cost`.

use std::time::Instant;

use stats::counters::{Counter, CounterRow, RowKind};
use stats::rate::Rate;
use stats::timing::Timer;
use stats::{BackendFacts, FrontendFacts, ProcessInfo, ServerFacts, Snapshot};

fn per_op(label: &str, n: u64, f: impl Fn(u64)) {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!("{label:<40} {ns:>8.1} ns/op");
}

fn main() {
    let row = CounterRow::new("b", "s", RowKind::Server, 4);
    let n = 20_000_000;
    per_op("add(Counter::BytesOut)", n, |i| {
        row.add(1, Counter::BytesOut, i & 0xff)
    });
    per_op("tick(Rate::Requests)", n, |i| {
        row.tick(1, Rate::Requests, (i >> 20) as u32)
    });
    per_op("record_time(Timer::Total)", n, |i| {
        row.record_time(1, Timer::Total, (i & 0x3ff) as u32)
    });
    per_op("timer_summary (read, 4 threads)", 100_000, |_| {
        std::hint::black_box(row.timer_summary(Timer::Total));
    });

    // 100 backends x 10 servers + 100 frontends.
    let threads = 4;
    let mut snap = Snapshot::new(ProcessInfo::default());
    let start = Instant::now();
    for b in 0..100 {
        let name = format!("be{b}");
        let fe = CounterRow::new(&name, "FRONTEND", RowKind::Frontend, threads);
        snap.push(stats::frontend_row(&fe, &FrontendFacts::default(), 1));
        for s in 0..10 {
            let sr = CounterRow::new(&name, &format!("s{s}"), RowKind::Server, threads);
            for t in 0..1000 {
                sr.record_time(t % threads, Timer::Response, t as u32);
            }
            snap.push(stats::server_row(&sr, &ServerFacts::default(), 1));
        }
        let be = CounterRow::new(&name, "BACKEND", RowKind::Backend, threads);
        snap.push(stats::backend_row(&be, &BackendFacts::default(), 1));
    }
    println!(
        "build snapshot of {} rows: {:?}",
        snap.rows.len(),
        start.elapsed()
    );
    for (label, render) in [
        ("csv", stats::csv::render as fn(&Snapshot) -> String),
        ("json", stats::json::render),
        ("prometheus", stats::prometheus::render),
    ] {
        let start = Instant::now();
        let out = render(&snap);
        println!(
            "render {label:<10} {:>9} bytes in {:?}",
            out.len(),
            start.elapsed()
        );
    }
    let opts = stats::html::PageOptions {
        admin: true,
        uri: "/stats".into(),
        ..Default::default()
    };
    let start = Instant::now();
    let out = stats::html::render(&snap, &opts, &Default::default());
    println!(
        "render {:<10} {:>9} bytes in {:?}",
        "html",
        out.len(),
        start.elapsed()
    );
}
