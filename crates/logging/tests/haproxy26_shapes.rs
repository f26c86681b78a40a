//! Byte-exact comparison with lines captured from real HAProxy 2.6 (tests/data/haproxy26,
//! produced by tests/data/capture/capture.py from tests/data/capture/haproxy.cfg). The same
//! haproxy.cfg is parsed with haproxy-cfg, so the formats, tags, hostnames and targets under
//! test are the ones HAProxy ran with; each record carries the values HAProxy printed.

use std::net::SocketAddr;

use haproxy_cfg::model::{Config, LogDest, Proxy};
use logging::{
    format_for_proxy, proxy_targets, Level, LogMoment, LogRecord, LogTime, SessionPhase,
    SyslogFraming, SyslogIdentity, TerminationCause, TerminationState, Timers,
};

const CFG: &str = include_str!("data/capture/haproxy.cfg");
const PID: u32 = 22609;
/// 2026-11-23T14:59:03Z.
const T0: i64 = 1_795_445_943;

fn config() -> Config {
    haproxy_cfg::parse_str("haproxy.cfg", CFG)
        .expect("fixture config parses")
        .config
}

fn proxy<'a>(c: &'a Config, name: &str) -> &'a Proxy {
    c.proxies.iter().find(|p| p.name == name).expect("proxy")
}

/// The datagrams one receiver got: one per line, `\\` and `\n` escaped by capture.py.
fn fixture(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/tests/data/haproxy26/{name}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(path).expect("fixture");
    raw.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut out = Vec::new();
            let mut i = 0;
            while i < l.len() {
                if l[i] == b'\\' && i + 1 < l.len() {
                    out.push(if l[i + 1] == b'n' { b'\n' } else { l[i + 1] });
                    i += 2;
                } else {
                    out.push(l[i]);
                    i += 1;
                }
            }
            out
        })
        .collect()
}

fn addr(s: &str) -> Option<SocketAddr> {
    s.parse().ok()
}

fn at(secs: i64, micros: u32) -> LogTime {
    LogTime::new(T0 + secs, micros, 0)
}

fn ms(v: i64) -> Option<u64> {
    u64::try_from(v).ok()
}

fn timers(treq: i64, tw: i64, tc: i64, tr: i64, tt: i64) -> Timers {
    Timers::from_phases(Some(0), Some(0), ms(treq), ms(tw), ms(tc), ms(tr), ms(tt))
}

const HDRS: [Option<&[u8]>; 2] = [Some(b"example.com"), Some(b"curl/7.8")];
const RES_HDRS: [Option<&[u8]>; 1] = [Some(b"text/plain")];

fn http_record(
    port: u16,
    millis: u32,
    tr: i64,
    status: u16,
    bytes: u64,
    line: &'static [u8],
) -> LogRecord<'static> {
    LogRecord {
        client: addr(&format!("127.0.0.1:{port}")),
        accept_date: at(0, millis * 1000),
        frontend: "fe_http",
        backend: "be_web",
        server: Some("web1"),
        timers: timers(0, 0, 0, tr, tr),
        status: Some(status),
        bytes_read: bytes,
        actconn: 1,
        feconn: 1,
        request_headers: &HDRS,
        response_headers: &RES_HDRS,
        request_line: line,
        http: true,
        pid: PID,
        ..LogRecord::default()
    }
}

fn frame_all(
    cfg: &Config,
    p: &Proxy,
    dest_port: u16,
    level: Level,
    recs: &[(LogRecord<'_>, LogTime)],
) -> Vec<Vec<u8>> {
    let fmt = format_for_proxy(p).expect("format compiles");
    let target = proxy_targets(&cfg.global, p)
        .into_iter()
        .find(|t| t.dest == LogDest::Udp(addr(&format!("127.0.0.1:{dest_port}")).unwrap()))
        .expect("target");
    let framing = SyslogFraming::from_target(&target).expect("framing");
    let id = SyslogIdentity::resolve(&cfg.global, Some(p), "vm", PID, "haproxy");
    recs.iter()
        .map(|(rec, now)| {
            let mut msg = Vec::new();
            fmt.format.render(rec, &mut msg);
            let mut sd = Vec::new();
            let sd = fmt.structured_data.as_ref().map(|f| {
                f.render(rec, &mut sd);
                &sd[..]
            });
            let mut out = Vec::new();
            if framing.frame(&id, level, now, sd, &msg, &mut out) {
                out
            } else {
                b"<filtered>".to_vec()
            }
        })
        .collect()
}

fn assert_lines(got: Vec<Vec<u8>>, fixture_name: &str) {
    let want = fixture(fixture_name);
    assert_eq!(got.len(), want.len(), "{fixture_name}: line count");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(
            String::from_utf8_lossy(g),
            String::from_utf8_lossy(w),
            "{fixture_name}"
        );
    }
}

fn fe_http_records() -> Vec<(LogRecord<'static>, u32, u32)> {
    vec![
        (
            http_record(38440, 756, 1, 200, 149, b"GET /index.html?a=1&b=2 HTTP/1.1"),
            758_003,
            758_012,
        ),
        (
            http_record(38456, 758, 0, 404, 156, b"GET /missing HTTP/1.1"),
            759_604,
            759_613,
        ),
    ]
}

#[test]
fn httplog_in_every_framing_matches_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_http");
    // timed and iso carry the emission time with microseconds: HAProxy's own values.
    let recs = fe_http_records();
    let with =
        |pick: fn(&(LogRecord<'static>, u32, u32)) -> u32| -> Vec<(LogRecord<'static>, LogTime)> {
            recs.iter().map(|r| (r.0, at(0, pick(r)))).collect()
        };
    let timed = with(|r| r.1);
    let iso = with(|r| r.2);
    assert_lines(frame_all(&cfg, p, 27141, Level::Info, &timed), "27141.log");
    assert_lines(frame_all(&cfg, p, 27143, Level::Info, &timed), "27143.log");
    assert_lines(frame_all(&cfg, p, 27144, Level::Info, &timed), "27144.log");
    assert_lines(frame_all(&cfg, p, 27145, Level::Info, &timed), "27145.log");
    assert_lines(frame_all(&cfg, p, 27146, Level::Info, &iso), "27146.log");
    assert_lines(frame_all(&cfg, p, 27147, Level::Info, &timed), "27147.log");
    assert_lines(frame_all(&cfg, p, 27148, Level::Info, &timed), "27148.log");
    assert_lines(frame_all(&cfg, p, 27149, Level::Info, &timed), "27149.log");
    // `local1 notice`: HAProxy sent nothing at info; neither do we.
    let filtered = frame_all(&cfg, p, 27142, Level::Info, &timed);
    assert!(filtered.iter().all(|f| f == b"<filtered>"));
    assert!(fixture("27142.log").is_empty());
}

#[test]
fn len_caps_the_frame_before_its_newline() {
    let lines = fixture("27149.log");
    assert!(lines.iter().all(|l| l.len() == 101 && l.ends_with(b"\n")));
}

#[test]
fn clf_matches_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_clf");
    let hdr: [Option<&[u8]>; 1] = [Some(b"example.com")];
    let rec = LogRecord {
        client: addr("127.0.0.1:41876"),
        accept_date: at(0, 760_000),
        frontend: "fe_clf",
        backend: "be_web",
        server: Some("web1"),
        timers: timers(0, 0, 0, 0, 0),
        status: Some(200),
        bytes_read: 149,
        actconn: 1,
        feconn: 1,
        request_headers: &hdr,
        request_line: b"GET /clf?x=y HTTP/1.1",
        http: true,
        ..LogRecord::default()
    };
    assert_lines(
        frame_all(&cfg, p, 27150, Level::Info, &[(rec, at(0, 761_000))]),
        "27150.log",
    );
}

#[test]
fn tcplog_matches_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_tcp");
    let rec = LogRecord {
        client: addr("127.0.0.1:34350"),
        accept_date: at(3, 772_000),
        frontend: "fe_tcp",
        backend: "be_tcp",
        server: Some("tcp1"),
        timers: Timers {
            tw: Some(1),
            tc: Some(0),
            tt: Some(0),
            ..Timers::default()
        },
        bytes_read: 150,
        actconn: 1,
        feconn: 1,
        ..LogRecord::default()
    };
    assert_lines(
        frame_all(&cfg, p, 27151, Level::Info, &[(rec, at(3, 0))]),
        "27151.log",
    );
}

#[test]
fn default_format_is_the_connect_line_at_accept() {
    let cfg = config();
    let p = proxy(&cfg, "fe_default");
    assert_eq!(format_for_proxy(p).unwrap().moment, LogMoment::Accept);
    let rec = LogRecord {
        client: addr("127.0.0.1:48134"),
        frontend_addr: addr("127.0.0.1:27184"),
        frontend: "fe_default",
        http: true,
        ..LogRecord::default()
    };
    assert_lines(
        frame_all(&cfg, p, 27152, Level::Info, &[(rec, at(0, 0))]),
        "27152.log",
    );
}

#[test]
fn custom_format_with_flags_and_escaping_matches_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_custom");
    let hdr: [Option<&[u8]>; 1] = [Some(b"h\x01st.example")];
    let rec = LogRecord {
        client: addr("127.0.0.1:35590"),
        frontend_addr: addr("127.0.0.1:27185"),
        server_addr: addr("127.0.0.1:27190"),
        accept_date: at(0, 763_000),
        frontend: "fe_custom",
        backend: "be_web",
        server: Some("web1"),
        timers: timers(0, 0, 0, 0, 0),
        status: Some(200),
        bytes_read: 149,
        bytes_uploaded: 122,
        request_headers: &hdr,
        request_line: b"GET /custom/path?q=\"quoted\" HTTP/1.1",
        http: true,
        pid: PID,
        hostname: "vm",
        request_counter: 4,
        ..LogRecord::default()
    };
    assert_lines(
        frame_all(&cfg, p, 27153, Level::Info, &[(rec, at(0, 0))]),
        "27153.log",
    );
}

#[test]
fn rfc5424_with_structured_data_matches_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_sd");
    let rec = LogRecord {
        client: addr("127.0.0.1:40000"),
        status: Some(200),
        request_line: b"GET /sd?q=]x HTTP/1.1",
        http: true,
        ..LogRecord::default()
    };
    assert_lines(
        frame_all(&cfg, p, 27154, Level::Info, &[(rec, at(0, 764_735))]),
        "27154.log",
    );
}

#[test]
fn server_connect_failure_matches_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_nosrv");
    let rec = LogRecord {
        client: addr("127.0.0.1:47600"),
        accept_date: at(0, 765_000),
        frontend: "fe_nosrv",
        backend: "be_dead",
        server: Some("dead1"),
        timers: timers(0, 0, -1, -1, 3005),
        status: Some(503),
        bytes_read: 217,
        termination: TerminationState::new(TerminationCause::ServerAbort, SessionPhase::Connect),
        actconn: 1,
        feconn: 1,
        retries: 3,
        request_line: b"GET /nosrv HTTP/1.1",
        http: true,
        ..LogRecord::default()
    };
    assert_lines(
        frame_all(&cfg, p, 27155, Level::Info, &[(rec, at(3, 0))]),
        "27155.log",
    );
}

#[test]
fn edge_cases_of_request_parts_dates_and_empty_fields_match_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_edge");
    let rec = |millis: u32, line: &'static [u8]| LogRecord {
        client: addr("127.0.0.1:50000"),
        frontend_addr: addr("127.0.0.1:27189"),
        server_addr: addr("127.0.0.1:27190"),
        accept_date: at(3, millis * 1000),
        frontend: "fe_edge",
        backend: "be_web",
        server: Some("web1"),
        request_line: line,
        http: true,
        ..LogRecord::default()
    };
    let recs = [
        (rec(770, b"GET /nq HTTP/1.1"), at(3, 0)),
        (rec(772, b"GET http://ex.com/abs/p?z=1 HTTP/1.1"), at(3, 0)),
    ];
    assert_lines(frame_all(&cfg, p, 27156, Level::Info, &recs), "27156.log");
}

#[test]
fn stdout_raw_and_stderr_short_match_haproxy() {
    let cfg = config();
    let p = proxy(&cfg, "fe_stdout");
    let fmt = format_for_proxy(p).unwrap();
    let rec = LogRecord {
        client: addr("127.0.0.1:57590"),
        accept_date: at(3, 769_000),
        frontend: "fe_stdout",
        backend: "be_web",
        server: Some("web1"),
        timers: timers(0, 0, 0, 0, 0),
        status: Some(200),
        bytes_read: 149,
        actconn: 2,
        feconn: 1,
        request_line: b"GET /stdout HTTP/1.1",
        http: true,
        ..LogRecord::default()
    };
    let mut msg = Vec::new();
    fmt.format.render(&rec, &mut msg);
    let id = SyslogIdentity::resolve(&cfg.global, Some(p), "vm", PID, "haproxy");
    let targets = proxy_targets(&cfg.global, p);
    for (t, file) in targets.iter().zip(["stdout.log", "stderr.log"]) {
        let mut out = Vec::new();
        assert!(SyslogFraming::from_target(t).unwrap().frame(
            &id,
            Level::Info,
            &at(3, 0),
            None,
            &msg,
            &mut out
        ));
        let want = std::fs::read(format!(
            "{}/tests/data/haproxy26/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&want)
        );
    }
}

#[test]
fn without_log_send_hostname_over_ipv6_and_rfc5424_matches_haproxy() {
    let cfg = haproxy_cfg::parse_str("nohost.cfg", include_str!("data/capture/nohost.cfg"))
        .expect("fixture config parses")
        .config;
    let p = proxy(&cfg, "f");
    let fmt = format_for_proxy(p).unwrap();
    let id = SyslogIdentity::resolve(&cfg.global, Some(p), "vm", 8717, "haproxy");
    // 2026-11-23T15:08:10Z; a request routed to `b`, then a connection closed before any
    // request (no backend chosen: HAProxy logs the frontend's name as the backend).
    let t = |us| LogTime::new(1_795_446_490, us, 0);
    let recs = [
        (
            LogRecord {
                backend: "b",
                request_line: b"GET /x HTTP/1.0",
                http: true,
                ..LogRecord::default()
            },
            t(416_752),
        ),
        (
            LogRecord {
                backend: "f",
                http: true,
                ..LogRecord::default()
            },
            t(917_359),
        ),
    ];
    let targets = proxy_targets(&cfg.global, p);
    for (target, file) in targets.iter().zip(["nohost-v6.log", "nohost-5424.log"]) {
        let framing = SyslogFraming::from_target(target).unwrap();
        let got: Vec<Vec<u8>> = recs
            .iter()
            .map(|(rec, now)| {
                let mut msg = Vec::new();
                fmt.format.render(rec, &mut msg);
                let mut out = Vec::new();
                assert!(framing.frame(&id, Level::Info, now, None, &msg, &mut out));
                out
            })
            .collect();
        assert_lines(got, file);
    }
}

#[test]
fn capture_plan_from_the_config_yields_the_values_haproxy_logged() {
    let cfg = config();
    let plan = logging::CapturePlan::from_proxy(proxy(&cfg, "fe_http"));
    // What capture.py sent and what the server answered.
    let req: [(&[u8], &[u8]); 3] = [
        (b"Host", b"example.com"),
        (b"User-Agent", b"curl/7.88.1-long-agent"),
        (b"Accept-Encoding", b"identity"),
    ];
    let res: [(&[u8], &[u8]); 2] = [(b"Content-Type", b"text/plain"), (b"Content-Length", b"12")];
    let mut r = [None; 2];
    let mut s = [None; 1];
    plan.fill_request(req, &mut r);
    plan.fill_response(res, &mut s);
    // HDRS / RES_HDRS are the values behind the lines of 27141.log.
    assert_eq!(r, HDRS);
    assert_eq!(s, RES_HDRS);
}

#[test]
fn logasap_prefixes_partial_values_like_haproxy() {
    let cfg = haproxy_cfg::parse_str("logasap.cfg", include_str!("data/capture/logasap.cfg"))
        .expect("fixture config parses")
        .config;
    let p = proxy(&cfg, "f");
    // 2026-11-23T15:12:58.322Z; the model has no `option logasap` yet, the proxy sets the flag.
    let accept = LogTime::new(1_795_446_778, 322_000, 0);
    let rec = LogRecord {
        client: addr("127.0.0.1:59436"),
        accept_date: accept,
        frontend: "f",
        backend: "b",
        server: Some("s"),
        timers: timers(0, 0, 0, 1, 1),
        status: Some(200),
        bytes_read: 119,
        actconn: 1,
        feconn: 1,
        beconn: 1,
        srv_conn: 1,
        request_line: b"GET /x HTTP/1.0",
        http: true,
        logasap: true,
        ..LogRecord::default()
    };
    let fmt = format_for_proxy(p).unwrap();
    let mut msg = Vec::new();
    fmt.format.render(&rec, &mut msg);
    let framing = SyslogFraming::from_target(&proxy_targets(&cfg.global, p)[0]).unwrap();
    let id = SyslogIdentity::resolve(&cfg.global, Some(p), "vm", 6136, "haproxy");
    let mut out = Vec::new();
    assert!(framing.frame(&id, Level::Info, &accept, None, &msg, &mut out));
    assert_lines(vec![out], "logasap.log");
}
