//! Every variable of the table in configuration manual 8.2.6, with and without flags, on a
//! record where each field has a distinct value.

use std::net::SocketAddr;

use logging::{
    ClientCookie, LogFormat, LogRecord, LogTime, ServerCookie, SessionPhase, TerminationCause,
    TerminationState, Timers,
};

fn addr(s: &str) -> Option<SocketAddr> {
    s.parse().ok()
}

const REQ: [Option<&[u8]>; 3] = [Some(b"host.example"), None, Some(b"a|b{c}\"#\x7f")];
const RES: [Option<&[u8]>; 1] = [Some(b"text/html")];

fn rec() -> LogRecord<'static> {
    LogRecord {
        client: addr("10.0.0.1:1234"),
        frontend_addr: addr("10.0.0.2:80"),
        backend_source: addr("10.0.0.3:40000"),
        server_addr: addr("[2001:db8::5]:8080"),
        // 2026-11-23T14:59:03.007Z, logged in UTC+01:30.
        accept_date: LogTime::new(1_795_445_943, 7_123, 5400),
        request_date: None,
        frontend: "fe",
        frontend_ssl: true,
        backend: "be",
        server: Some("s1"),
        timers: Timers::from_phases(
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            Some(5),
            Some(6),
            Some(100),
        ),
        status: Some(302),
        bytes_read: 5000,
        bytes_uploaded: 77,
        request_cookie: Some(b"abc"),
        response_cookie: None,
        termination: TerminationState {
            cause: TerminationCause::ClientTimeout,
            phase: SessionPhase::Data,
            client_cookie: ClientCookie::Valid,
            server_cookie: ServerCookie::Provided,
        },
        actconn: 11,
        feconn: 12,
        beconn: 13,
        srv_conn: 14,
        retries: 2,
        redispatched: true,
        srv_queue: 15,
        backend_queue: 16,
        request_headers: &REQ,
        response_headers: &RES,
        request_line: b"POST http://h.example/p/q?x=1&y=2 HTTP/1.0",
        http: true,
        pid: 4321,
        hostname: "lb1",
        unique_id: b"ID-1",
        request_counter: 99,
        log_counter: 98,
        logasap: false,
    }
}

fn render(fmt: &str, r: &LogRecord<'_>) -> String {
    let f = LogFormat::compile(fmt).unwrap_or_else(|e| panic!("{fmt}: {e}"));
    let mut out = Vec::new();
    f.render(r, &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn every_variable_renders() {
    let r = rec();
    let cases: &[(&str, &str)] = &[
        ("%B %U", "5000 77"),
        ("%CC %CS", "abc -"),
        ("%H", "lb1"),
        (
            "%HM|%HU|%HP|%HPO|%HQ|%HV",
            "POST|http://h.example/p/q?x=1&y=2|http://h.example/p/q|/p/q|?x=1&y=2|HTTP/1.0",
        ),
        ("%ID", "ID-1"),
        ("%ST", "302"),
        ("%T", "23/Nov/2026:14:59:03 +0000"),
        ("%Tl", "23/Nov/2026:16:29:03 +0130"),
        ("%t", "23/Nov/2026:16:29:03.007"),
        // request date = accept + Th + Ti = +3 ms
        ("%tr", "23/Nov/2026:16:29:03.010"),
        ("%trg", "23/Nov/2026:14:59:03 +0000"),
        ("%trl", "23/Nov/2026:16:29:03 +0130"),
        ("%ms", "007"),
        ("%Ts", "1795445943"),
        ("%Th/%Ti/%TR/%Tw/%Tc/%Tr/%Tt", "1/2/3/4/5/6/100"),
        ("%Tq %Ta %Td %Tu", "6 97 79 98"),
        ("%ac/%fc/%bc/%sc/%rc %sq/%bq", "11/12/13/14/+2 15/16"),
        ("%b %f %ft %s", "be fe fe~ s1"),
        (
            "%ci:%cp %fi:%fp %bi:%bp %si:%sp",
            "10.0.0.1:1234 10.0.0.2:80 10.0.0.3:40000 2001:db8::5:8080",
        ),
        ("%lc %rt %pid", "98 99 4321"),
        (
            "%hr %hs",
            "{host.example||a#7Cb#7Bc#7D#22#23#7F} {text/html}",
        ),
        (
            "%hrl %hsl",
            "host.example - a#7Cb#7Bc#7D#22#23#7F text/html",
        ),
        (
            "%{+Q}hrl",
            "\"host.example\" \"\" \"a#7Cb#7Bc#7D#22#23#7F\"",
        ),
        ("%r", "POST http://h.example/p/q?x=1&y=2 HTTP/1.0"),
        ("%ts %tsc", "cD cDVP"),
        ("%sslc %sslv", "- -"),
        ("%%o", "%o"),
    ];
    for (fmt, want) in cases {
        assert_eq!(render(fmt, &r), *want, "{fmt}");
    }
}

#[test]
fn logasap_marks_partial_values() {
    let r = LogRecord {
        logasap: true,
        ..rec()
    };
    // Manual 8.8's example: "0/0/0/162/+162 200 +350".
    assert_eq!(render("%Tw/%Tc/%Tt %Ta %B %U", &r), "4/5/+100 +97 +5000 77");
}

#[test]
fn flags_quote_hex_and_escape() {
    let r = rec();
    assert_eq!(
        render("%{+Q}o %b %ci %cp %ST %r %{-Q}s %ft %ID %CS", &r),
        "\"be\" \"10.0.0.1\" 1234 302 \"POST http://h.example/p/q?x=1&y=2 HTTP/1.0\" s1 \"fe~\" \"ID-1\" \"\""
    );
    assert_eq!(
        render("%{+X}ci:%{+X}cp %{+X}si %{+X}Ts %{+X}pid", &r),
        "0A000001:04D2 20010DB8000000000000000000000005 6B0454B7 10E1"
    );
    let quoted = LogRecord {
        backend: "b\"e]\\",
        ..rec()
    };
    assert_eq!(
        render("%{+E}b %{+Q,+E}b", &quoted),
        "b\\\"e\\]\\\\ \"b\\\"e\\]\\\\\""
    );
}

#[test]
fn absent_values_render_as_haproxy_does() {
    let r = LogRecord::default();
    assert_eq!(
        render("%s %ci %cp %ST %Tc %r %HM %HU %hr x %hs y", &r),
        "<NOSRV> - - -1 -1 <BADREQ> <BADREQ> <BADREQ> x y"
    );
    assert_eq!(render("%{+Q}si %{+Q}s", &r), "\"\" \"<NOSRV>\"");
    // Seen from HAProxy 2.6 on a connection closed before any request.
    assert_eq!(
        render("%{+Q}HQ %HV %HP", &r),
        "\"<BADREQ>\" <BADREQ> <BADREQ>"
    );
    let tcp = LogRecord {
        http: false,
        client: addr("[::1]:9"),
        frontend_addr: addr("[::1]:10"),
        frontend: "f",
        ..LogRecord::default()
    };
    assert_eq!(
        render(
            logging::DEFAULT_LOG_FORMAT.split(" (").next().unwrap(),
            &tcp
        ),
        "Connect from ::1:9 to ::1:10"
    );
    let mut out = Vec::new();
    logging::CompiledFormat::connect_line().render(&tcp, &mut out);
    assert_eq!(out, b"Connect from ::1:9 to ::1:10 (f/TCP)");
}

#[test]
fn samples_render_from_the_record() {
    let r = rec();
    assert_eq!(
        render("%[capture.req.hdr(0)] %[capture.req.hdr(1)] %[capture.req.hdr(9)] %[capture.res.hdr(0)]", &r),
        "host.example - - text/html"
    );
    assert_eq!(
        render("%{+Q}[src]:%[src_port] %[dst]:%[dst_port] %[fe_name] %[be_name] %[srv_name] %[status] %[unique-id]", &r),
        "\"10.0.0.1\":1234 10.0.0.2:80 fe be s1 302 ID-1"
    );
    assert_eq!(
        render("%[capture.req.method] %[capture.req.uri] %[capture.req.ver] %[ssl_fc_sni] %{+Q}[fc_err]", &r),
        "POST http://h.example/p/q?x=1&y=2 HTTP/1.0 - \"\""
    );
}

#[test]
fn render_appends_and_reuses_the_buffer() {
    let f = LogFormat::compile(logging::HTTP_LOG_FORMAT).unwrap();
    let mut out = b"prefix ".to_vec();
    f.render(&rec(), &mut out);
    assert!(out.starts_with(b"prefix 10.0.0.1:1234 [23/Nov/2026:16:29:03.010] fe~ be/s1 3/4/5/6/97 302 5000 abc - cDVP 11/12/13/14/+2 15/16 {host.example||"));
    let cap = out.capacity();
    out.clear();
    f.render(&rec(), &mut out);
    assert_eq!(out.capacity(), cap, "a warmed buffer is not reallocated");
}
