//! Which format a proxy gets (HAProxy's selection rules), framing details not covered by the
//! HAProxy captures (day padding, UTC offsets, priorities, bad targets), and hostile input:
//! arbitrary format strings and arbitrary record bytes never panic.

use haproxy_cfg::model::{LogFormat as Framing, Proxy};
use logging::{
    format_for_proxy, FramingError, Level, LogFormat, LogMoment, LogRecord, LogTime, SyslogFraming,
    SyslogIdentity, CLF_LOG_FORMAT, HTTP_LOG_FORMAT, TCP_LOG_FORMAT,
};
use proptest::prelude::*;

fn proxy(body: &str) -> Proxy {
    let cfg = format!("frontend fe\n  bind 127.0.0.1:1\n{body}\n");
    let mut loaded = haproxy_cfg::parse_str("t.cfg", &cfg).expect("config parses");
    loaded.config.proxies.remove(0)
}

fn same_as(p: &Proxy, format: &str) -> bool {
    format_for_proxy(p).unwrap().format == LogFormat::compile(format).unwrap()
}

#[test]
fn format_selection_follows_haproxy() {
    assert!(same_as(
        &proxy("  mode http\n  option httplog"),
        HTTP_LOG_FORMAT
    ));
    assert!(same_as(
        &proxy("  mode http\n  option httplog clf"),
        CLF_LOG_FORMAT
    ));
    assert!(same_as(
        &proxy("  mode tcp\n  option tcplog"),
        TCP_LOG_FORMAT
    ));
    // httplog on a TCP proxy degrades to tcplog, as in HAProxy.
    assert!(same_as(
        &proxy("  mode tcp\n  option httplog"),
        TCP_LOG_FORMAT
    ));
    // log-format wins over the options.
    assert!(same_as(
        &proxy("  mode http\n  option httplog\n  log-format \"%ci %ST\""),
        "%ci %ST"
    ));
    let plain = format_for_proxy(&proxy("  mode http")).unwrap();
    assert_eq!(plain.moment, LogMoment::Accept);
    let sd = format_for_proxy(&proxy("  log-format-sd \"[id@1 a=%b]\"")).unwrap();
    assert!(sd.structured_data.is_some());
}

#[test]
fn bad_log_format_in_config_is_an_error_with_its_column() {
    let p = proxy("  mode http\n  log-format \"%ci %bogus\"");
    let e = format_for_proxy(&p).unwrap_err();
    assert_eq!(
        e.to_string(),
        "column 5: no such log-format variable '%bogus'"
    );
}

fn id(send_hostname: Option<&str>) -> SyslogIdentity {
    SyslogIdentity {
        tag: "halb".into(),
        pid: 7,
        send_hostname: send_hostname.map(str::to_string),
        hostname: "sys".into(),
    }
}

fn frame(format: Framing, now: LogTime, sd: Option<&[u8]>) -> String {
    let f = SyslogFraming::new(format, 16, Level::Debug, None, 1024);
    let mut out = Vec::new();
    assert!(f.frame(&id(None), Level::Warning, &now, sd, b"msg", &mut out));
    String::from_utf8(out).unwrap()
}

#[test]
fn framing_pads_days_and_shows_offsets() {
    // 2026-03-05T04:05:06.000042Z in UTC-05:00 => local 2026-03-04 23:05:06.
    let t = LogTime::new(1_772_683_506, 42, -5 * 3600);
    assert_eq!(
        frame(Framing::Rfc3164, t, None),
        "<132>Mar  4 23:05:06 halb[7]: msg\n"
    );
    assert_eq!(
        frame(Framing::Rfc5424, t, None),
        "<132>1 2026-03-04T23:05:06.000042-05:00 - halb 7 - - msg\n"
    );
    assert_eq!(
        frame(Framing::Timed, t, None),
        "<4>2026-03-04T23:05:06.000042-05:00 msg\n"
    );
    assert_eq!(frame(Framing::Priority, t, None), "<132>msg\n");
    assert_eq!(frame(Framing::Short, t, None), "<4>msg\n");
    assert_eq!(frame(Framing::Raw, t, None), "msg\n");
    assert_eq!(
        frame(Framing::Rfc5424, t, Some(b"[x@1 a=\"b\"]")),
        "<132>1 2026-03-04T23:05:06.000042-05:00 - halb 7 - [x@1 a=\"b\"] msg\n"
    );
    let with_host = SyslogFraming::new(Framing::Rfc3164, 0, Level::Debug, None, 1024);
    let mut out = Vec::new();
    with_host.frame(&id(Some("lb")), Level::Emerg, &t, None, b"m", &mut out);
    assert_eq!(out, b"<0>Mar  4 23:05:06 lb halb[7]: m\n");
}

#[test]
fn identity_prefers_proxy_tag_then_global_then_program() {
    let cfg = "global\n  log-tag gtag\n  log-send-hostname\nfrontend a\n  bind :1\n  log-tag ptag\nfrontend b\n  bind :2\n";
    let c = haproxy_cfg::parse_str("t.cfg", cfg).unwrap().config;
    let a = SyslogIdentity::resolve(&c.global, Some(&c.proxies[0]), "sys", 1, "haproxy");
    let b = SyslogIdentity::resolve(&c.global, Some(&c.proxies[1]), "sys", 1, "haproxy");
    assert_eq!((a.tag.as_str(), b.tag.as_str()), ("ptag", "gtag"));
    assert_eq!(a.send_hostname.as_deref(), Some("sys"));
    let none = SyslogIdentity::resolve(&Default::default(), None, "sys", 1, "haproxy");
    assert_eq!((none.tag.as_str(), none.send_hostname), ("haproxy", None));
}

#[test]
fn unknown_facility_in_a_hand_built_target_is_refused_with_its_location() {
    let cfg = "global\n  log 127.0.0.1:514 local0\n";
    let mut t = haproxy_cfg::parse_str("t.cfg", cfg)
        .unwrap()
        .config
        .global
        .logs
        .remove(0);
    t.facility = "local9".into();
    let e = SyslogFraming::from_target(&t).unwrap_err();
    assert!(
        matches!(e, FramingError::UnknownFacility { line: 2, .. }),
        "{e}"
    );
    assert_eq!(e.to_string(), "t.cfg:2: unknown log facility 'local9'");
}

proptest! {
    #[test]
    fn compile_never_panics(s in "\\PC{0,40}|[%{}\\[\\]+QXE,a-zA-Z ()0-9.-]{0,40}") {
        let _ = LogFormat::compile(&s);
    }

    #[test]
    fn render_escapes_every_hostile_byte(
        line in proptest::collection::vec(any::<u8>(), 0..200),
        hdr in proptest::collection::vec(any::<u8>(), 0..50),
    ) {
        let caps = [Some(&hdr[..])];
        let rec = LogRecord { request_line: &line, request_headers: &caps, ..LogRecord::default() };
        let f = LogFormat::compile(HTTP_LOG_FORMAT).unwrap();
        let mut out = Vec::new();
        f.render(&rec, &mut out);
        // 8.6: nothing outside 32..=126 reaches the log, so no line break can be injected.
        prop_assert!(out.iter().all(|b| (32..=126).contains(b)));
    }

    #[test]
    fn frames_respect_len(msg in proptest::collection::vec(any::<u8>(), 0..3000), len in 80usize..2000) {
        let f = SyslogFraming::new(Framing::Rfc5424, 23, Level::Debug, None, len);
        let mut out = Vec::new();
        f.frame(&id(Some("h")), Level::Info, &LogTime::default(), None, &msg, &mut out);
        prop_assert!(out.len() <= len + 1);
        prop_assert_eq!(out.last(), Some(&b'\n'));
    }
}
