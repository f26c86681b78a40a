//! HAProxy's own log analyser, `halog` (Debian's haproxy package), reads our httplog lines:
//! a set of records rendered with `option httplog` in rfc3164 framing (as a syslog file holds
//! them) goes through `halog -srv`, `-st`, `-tc`, `-e -c` and `-ad`, and what halog reports
//! must agree with what the records say.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use haproxy_cfg::model::LogFormat as Framing;
use logging::{
    CompiledFormat, Level, LogFormat, LogRecord, LogTime, SessionPhase, SyslogFraming,
    SyslogIdentity, TerminationCause, TerminationState, Timers, HTTP_LOG_FORMAT,
};

const HALOG: &str = "/usr/sbin/halog";
const N: usize = 60;
/// 2026-11-23T10:00:00Z
const T0: i64 = 1_795_428_000;

struct Req {
    server: Option<&'static str>,
    status: u16,
    tr: Option<u64>,
    accept_ms: u64,
    term: TerminationState,
}

fn requests() -> Vec<Req> {
    (0..N)
        .map(|i| {
            // A 5-second hole in accept dates after request 40 (what -ad looks for).
            let accept_ms = i as u64 * 100 + if i > 40 { 5_000 } else { 0 };
            match i % 3 {
                2 => Req {
                    server: None,
                    status: 503,
                    tr: None,
                    accept_ms,
                    term: TerminationState::new(
                        TerminationCause::ServerAbort,
                        SessionPhase::Connect,
                    ),
                },
                s => Req {
                    server: Some(if s == 0 { "web1" } else { "web2" }),
                    status: if i % 4 == 0 { 404 } else { 200 },
                    tr: Some((i % 7) as u64 * 10),
                    accept_ms,
                    term: TerminationState::default(),
                },
            }
        })
        .collect()
}

fn render(reqs: &[Req]) -> Vec<u8> {
    let fmt: CompiledFormat = LogFormat::compile(HTTP_LOG_FORMAT).unwrap();
    let framing = SyslogFraming::new(Framing::Rfc3164, 16, Level::Debug, None, 1024);
    let id = SyslogIdentity {
        tag: "haproxy".into(),
        pid: 777,
        send_hostname: Some("lb1".into()),
        hostname: "lb1".into(),
    };
    let hdrs: [Option<&[u8]>; 1] = [Some(b"example.com")];
    let client: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    let mut out = Vec::new();
    let mut line = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        let accept = LogTime::new(
            T0 + (r.accept_ms / 1000) as i64,
            (r.accept_ms % 1000) as u32 * 1000,
            0,
        );
        let tc = r.tr.map(|_| 1);
        let tt = r.tr.map_or(3000, |tr| tr + 6);
        let rec = LogRecord {
            client: Some(client),
            accept_date: accept,
            frontend: "fe_main",
            backend: "be_app",
            server: r.server,
            timers: Timers::from_phases(Some(0), Some(0), Some(2), Some(0), tc, r.tr, Some(tt)),
            status: Some(r.status),
            bytes_read: 100 + i as u64,
            termination: r.term,
            actconn: 1,
            feconn: 1,
            beconn: 1,
            request_headers: &hdrs,
            request_line: if i % 2 == 0 {
                b"GET /a HTTP/1.1"
            } else {
                b"GET /b?x=1 HTTP/1.1"
            },
            http: true,
            ..LogRecord::default()
        };
        line.clear();
        fmt.render(&rec, &mut line);
        assert!(framing.frame(
            &id,
            Level::Info,
            &accept.plus_millis(tt),
            None,
            &line,
            &mut out
        ));
    }
    out
}

fn halog(args: &[&str], input: &[u8]) -> String {
    assert!(
        std::path::Path::new(HALOG).exists(),
        "{HALOG} missing: install Debian's haproxy package"
    );
    let mut child = Command::new(HALOG)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "halog {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn table(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn halog_srv_counts_requests_per_server_and_status_class() {
    let reqs = requests();
    let out = halog(&["-srv"], &render(&reqs));
    let rows = table(&out);
    // server -> (2xx, 4xx, 5xx, total, sum of Tr over valid requests)
    let mut want: BTreeMap<String, (u64, u64, u64, u64, u64)> = BTreeMap::new();
    for r in &reqs {
        let e = want
            .entry(format!("be_app/{}", r.server.unwrap_or("<NOSRV>")))
            .or_default();
        match r.status / 100 {
            2 => e.0 += 1,
            4 => e.1 += 1,
            _ => e.2 += 1,
        }
        e.3 += 1;
        e.4 += r.tr.unwrap_or(0);
    }
    assert_eq!(rows.len(), want.len(), "{out}");
    for row in rows {
        let (ok2, c4, c5, total, tr_sum) = want[&row[0]];
        let n = |i: usize| row[i].parse::<u64>().unwrap();
        assert_eq!((n(2), n(4), n(5), n(7)), (ok2, c4, c5, total), "{row:?}");
        if c5 == 0 {
            // Every request of a live server was valid: halog averages our Tr field.
            assert_eq!(n(8), total, "{row:?}");
            assert_eq!(n(11), tr_sum / total, "{row:?}");
            assert_eq!(n(10), 1, "avg Tc {row:?}");
        } else {
            assert_eq!(n(8), 0, "{row:?}");
        }
    }
}

#[test]
fn halog_st_and_tc_count_statuses_and_termination_codes() {
    let reqs = requests();
    let log = render(&reqs);
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut terms: BTreeMap<String, usize> = BTreeMap::new();
    for r in &reqs {
        *statuses.entry(r.status.to_string()).or_default() += 1;
        let codes = r.term.codes();
        *terms
            .entry(String::from_utf8_lossy(&codes[..2]).into_owned())
            .or_default() += 1;
    }
    let as_map = |out: &str| -> BTreeMap<String, usize> {
        table(out)
            .into_iter()
            .map(|r| (r[0].clone(), r[1].parse().unwrap()))
            .collect()
    };
    assert_eq!(as_map(&halog(&["-st"], &log)), statuses);
    assert_eq!(as_map(&halog(&["-tc"], &log)), terms);
    let errors = reqs.iter().filter(|r| r.status >= 500).count();
    assert_eq!(halog(&["-e", "-c"], &log).trim(), errors.to_string());
    assert_eq!(halog(&["-c"], &log).trim(), N.to_string());
}

#[test]
fn halog_ad_finds_the_hole_in_accept_dates() {
    let reqs = requests();
    let out = halog(&["-ad", "1000"], &render(&reqs));
    let rows = table(&out);
    assert_eq!(rows.len(), 1, "{out}");
    // The first request after the hole, and the hole's length in ms.
    let (prev, next) = reqs
        .windows(2)
        .map(|w| (w[0].accept_ms, w[1].accept_ms))
        .find(|(a, b)| b - a > 1000)
        .unwrap();
    let ms = next % 1000;
    let secs = next / 1000;
    assert_eq!(rows[0][0], format!("10:00:{secs:02}.{ms:03}"));
    assert_eq!(rows[0][2], (next - prev).to_string());
}

/// The whole path: rendered lines go through a real `LogSink` to a UDP receiver, and what
/// arrived is what halog reads.
#[cfg(feature = "driver")]
#[test]
fn lines_received_over_udp_from_the_sink_parse_in_halog() {
    use std::net::UdpSocket;
    use std::time::Duration;

    let reqs = requests();
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let cfg = format!(
        "global\n  log-send-hostname lb1\n  log {} local0\n",
        rx.local_addr().unwrap()
    );
    let g = haproxy_cfg::parse_str("t.cfg", &cfg).unwrap().config.global;
    let sink = logging::LogSink::new(
        &g.logs,
        SyslogIdentity::resolve(&g, None, "vm", 9, "haproxy"),
    )
    .unwrap();
    let framed = render(&reqs);
    let mut received = Vec::new();
    let mut buf = [0u8; 2048];
    for framed_line in framed.split_inclusive(|&b| b == b'\n') {
        // Strip our own rfc3164 header: the sink frames again, with the clock.
        let msg = framed_line
            .windows(3)
            .position(|w| w == b"]: ")
            .map(|p| &framed_line[p + 3..framed_line.len() - 1])
            .unwrap();
        sink.send(Level::Info, msg);
        let n = rx.recv(&mut buf).expect("datagram");
        received.extend_from_slice(&buf[..n]);
    }
    assert_eq!(sink.stats()[0].sent, N as u64);
    let st = halog(&["-st"], &received);
    let count = |code: &str| reqs.iter().filter(|r| r.status.to_string() == code).count();
    for row in table(&st) {
        assert_eq!(row[1].parse::<usize>().unwrap(), count(&row[0]), "{st}");
    }
    assert_eq!(halog(&["-c"], &received).trim(), N.to_string());
}
