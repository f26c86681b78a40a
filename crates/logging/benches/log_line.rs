//! What one access log line costs: rendering the httplog format, framing it (rfc3164), and
//! `LogSink::send` to a UDP receiver on 127.0.0.1 that drains in another thread.
//! `cargo bench -p logging --bench log_line`; prints ns per line, asserts nothing.

use std::hint::black_box;
use std::net::UdpSocket;
use std::time::Instant;

use haproxy_cfg::model::LogFormat as Framing;
use logging::{
    Level, LogFormat, LogRecord, LogSink, LogTime, SyslogFraming, SyslogIdentity, Timers,
    HTTP_LOG_FORMAT,
};

const N: u32 = 200_000;

fn main() {
    let hdrs: [Option<&[u8]>; 2] = [Some(b"www.example.com"), Some(b"curl/8.0")];
    let rec = LogRecord {
        client: "192.0.2.7:40000".parse().ok(),
        accept_date: LogTime::new(1_795_445_943, 123_456, 0),
        frontend: "fe_main",
        backend: "be_app",
        server: Some("web1"),
        timers: Timers::from_phases(
            Some(0),
            Some(1),
            Some(2),
            Some(0),
            Some(1),
            Some(12),
            Some(20),
        ),
        status: Some(200),
        bytes_read: 5120,
        request_headers: &hdrs,
        request_line: b"GET /index.html?a=1&b=2 HTTP/1.1",
        http: true,
        ..LogRecord::default()
    };
    let fmt = LogFormat::compile(HTTP_LOG_FORMAT).unwrap();
    let mut line = Vec::new();
    let t = Instant::now();
    for _ in 0..N {
        line.clear();
        fmt.render(black_box(&rec), &mut line);
    }
    let render_ns = t.elapsed().as_nanos() / u128::from(N);

    let framing = SyslogFraming::new(Framing::Rfc3164, 16, Level::Debug, None, 1024);
    let id = SyslogIdentity {
        tag: "haproxy".into(),
        pid: 1,
        send_hostname: Some("lb1".into()),
        hostname: "lb1".into(),
    };
    let mut frame = Vec::new();
    let now = logging::now();
    let t = Instant::now();
    for _ in 0..N {
        frame.clear();
        framing.frame(&id, Level::Info, black_box(&now), None, &line, &mut frame);
    }
    let frame_ns = t.elapsed().as_nanos() / u128::from(N);

    let t = Instant::now();
    for _ in 0..N {
        black_box(logging::now());
    }
    let clock_ns = t.elapsed().as_nanos() / u128::from(N);

    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = rx.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut b = [0u8; 2048];
        while rx.recv(&mut b).is_ok() {}
    });
    let cfg = format!("global\n  log {to} local0\n");
    let g = haproxy_cfg::parse_str("b.cfg", &cfg).unwrap().config.global;
    let sink = LogSink::new(
        &g.logs,
        SyslogIdentity::resolve(&g, None, "lb1", 1, "haproxy"),
    )
    .unwrap();
    let t = Instant::now();
    for _ in 0..N {
        sink.send(Level::Info, &line);
    }
    let send_ns = t.elapsed().as_nanos() / u128::from(N);
    let st = &sink.stats()[0];

    println!("line: {} bytes", line.len());
    println!("render httplog:        {render_ns} ns/line");
    println!("frame rfc3164:         {frame_ns} ns/line");
    println!("clock (now):           {clock_ns} ns/call");
    println!(
        "LogSink::send (UDP):   {send_ns} ns/line  (sent {}, dropped {})",
        st.sent, st.dropped
    );
}
