//! Every tutorial configuration the project is built around parses, and means what it says.

use std::time::Duration;

use haproxy_cfg::model::{BackendRef, HttpConnMode, ListenAddr, Mode, ServerAddr, ServerPort};
use haproxy_cfg::{parse_str, Severity};

fn load(name: &str) -> haproxy_cfg::Loaded {
    let path = format!("{}/tests/data/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    match parse_str(name, &text) {
        Ok(l) => l,
        Err(e) => panic!("{name} refused: {:#?}", e.diagnostics),
    }
}

#[test]
fn seed000_roundrobin_with_checks() {
    let l = load("seed000-haproxy.cfg");
    let c = &l.config;
    assert!(c.global.daemon);
    assert_eq!(c.global.maxconn, Some(4000));
    assert_eq!(c.global.user.as_deref(), Some("haproxy"));
    let fe = c.frontends().next().unwrap();
    assert_eq!(fe.name, "http_front");
    assert_eq!(fe.mode, Mode::Http);
    assert_eq!(fe.timeouts.client, Some(Duration::from_millis(50000)));
    assert_eq!(
        fe.binds[0].addrs,
        [ListenAddr::Tcp("192.168.43.100:80".parse().unwrap())]
    );
    assert_eq!(
        fe.stats.as_ref().unwrap().uri.as_deref(),
        Some("/haproxy?stats")
    );
    let be = c.backend("http_back").unwrap();
    assert_eq!(be.servers.len(), 2);
    let s = &be.servers[0];
    assert_eq!(s.addr, ServerAddr::Ip("192.168.43.33".parse().unwrap()));
    assert_eq!(s.port, ServerPort::Fixed(80));
    assert_eq!(
        (s.weight, s.rise, s.fall, s.inter),
        (30, 3, 3, Duration::from_millis(2000))
    );
    assert!(s.check);
    assert_eq!(be.checks.httpchk.as_ref().unwrap().uri, "/index.html");
    assert_eq!(
        be.options.forwardfor.as_ref().unwrap().header,
        "X-Forwarded-For"
    );
    match fe.default_backend.as_ref().unwrap() {
        BackendRef::Static { name, index } => {
            assert_eq!(name, "http_back");
            assert_eq!(c.proxies[*index].name, "http_back");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Health checks are acted on (the checks crate): nothing in them is warned about.
    assert!(!l
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Warning && d.message.contains("check")));
}

#[test]
fn seed002_legacy_frontend_address_is_read_as_bind() {
    for name in ["seed002-example.cfg", "seed002-websrvs.cfg"] {
        let l = load(name);
        let fe = l.config.frontends().next().unwrap();
        assert_eq!(fe.name, "main");
        assert!(fe.binds[0].legacy);
        let ListenAddr::Tcp(a) = &fe.binds[0].addrs[0] else {
            panic!()
        };
        assert!(a.ip().is_unspecified());
        assert!(l
            .diagnostics
            .iter()
            .any(|d| d.message.contains("legacy form") && d.location.as_ref().unwrap().line > 0));
        assert_eq!(fe.options.http_conn_mode, HttpConnMode::ServerClose);
        let ff = fe.options.forwardfor.as_ref().unwrap();
        assert!(ff.except.unwrap().contains("127.0.0.1".parse().unwrap()));
        assert_eq!(fe.timeouts.http_request, Some(Duration::from_secs(10)));
        assert_eq!(fe.maxconn, Some(3000));
    }
    let l = load("seed002-example.cfg");
    let fe = l.config.frontends().next().unwrap();
    assert_eq!(fe.use_backends.len(), 1);
    assert_eq!(fe.use_backends[0].condition, ["if", "url_static"]);
    assert_eq!(
        fe.rule_lines.iter().filter(|r| r.keyword == "acl").count(),
        2
    );
    assert_eq!(l.config.backend("app").unwrap().servers.len(), 4);
    assert_eq!(l.config.global.stats_sockets.len(), 1);
}

#[test]
fn seed003_l4_and_l7() {
    let l4 = load("seed003-l4.cfg");
    let be = l4.config.backend("default_servers").unwrap();
    assert_eq!(be.mode, Mode::Tcp);
    assert_eq!(be.balance.algorithm, "source");
    assert_eq!(be.servers[0].maxconn, 300);
    assert_eq!(l4.config.global.logs.len(), 2);

    let l7 = load("seed003-l7.cfg");
    let c = &l7.config;
    let ms1 = c.backend("ms1").unwrap();
    let ck = ms1.cookie.as_ref().unwrap();
    assert_eq!(ck.name, "HA_STICKY_ms1");
    assert!(ck.indirect && ck.nocache);
    assert_eq!(ms1.servers[0].cookie.as_deref(), Some("ms1.srv1"));
    assert_eq!(ms1.servers[0].rise, 2);
    let stats = c.proxies.iter().find(|p| p.name == "stats").unwrap();
    assert!(stats.cap.frontend && stats.cap.backend);
    let st = stats.stats.as_ref().unwrap();
    assert_eq!(st.realm.as_deref(), Some("HAProxy Stats"));
    assert_eq!(st.auth, [("admin".to_string(), "admin".to_string())]);
    assert_eq!(st.refresh, Some(Duration::from_secs(30)));
    let fe = c.proxies.iter().find(|p| p.name == "http-in").unwrap();
    assert_eq!(fe.use_backends.len(), 2);
}
