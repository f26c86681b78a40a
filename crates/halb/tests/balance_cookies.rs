//! Cookie persistence through the real `halb proxy` binary (configuration manual 4.2,
//! "cookie"): the `Set-Cookie` each mode produces and its attributes, stickiness across
//! requests, `indirect` hiding the cookie from the server, `prefix` and `rewrite` editing the
//! server's own cookie, down servers, `option persist` and `option redispatch`.

use std::net::SocketAddr;

use e2e::{free_port, HalbProcess, HttpResponse, MockHttp, RawClient, Reply};

/// A mock answering with its name; `set_cookie`, if any, is added to every response.
fn server(name: &'static str, set_cookie: Option<&'static str>) -> MockHttp {
    MockHttp::start(move |_| {
        let extra = set_cookie
            .map(|c| format!("Set-Cookie: {c}\r\n"))
            .unwrap_or_default();
        Reply::Raw(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n{extra}\r\n{name}",
                name.len()
            )
            .into_bytes(),
        )
    })
}

fn start(backend: &str) -> (HalbProcess, SocketAddr) {
    let port = free_port();
    let cfg = format!(
        "global
    nbthread 1
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    balance roundrobin
{backend}"
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let p = HalbProcess::start_proxy(env!("CARGO_BIN_EXE_halb"), &cfg, &[], &[addr])
        .unwrap_or_else(|e| panic!("proxy did not start: {e}\n{cfg}"));
    (p, addr)
}

fn request(addr: SocketAddr, method: &str, cookie: Option<&str>) -> HttpResponse {
    let mut c = RawClient::connect(addr).expect("connect");
    let cookie = cookie
        .map(|v| format!("Cookie: {v}\r\n"))
        .unwrap_or_default();
    let body = if method == "POST" {
        "Content-Length: 0\r\n"
    } else {
        ""
    };
    c.send(format!(
        "{method} / HTTP/1.1\r\nHost: test\r\n{cookie}{body}Connection: close\r\n\r\n"
    ))
    .expect("send");
    c.read_response().expect("response")
}

fn set_cookies(r: &HttpResponse) -> Vec<&str> {
    r.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn insert_indirect_nocache_sets_sticks_and_hides_the_cookie() {
    let s1 = server("s1", None);
    let s2 = server("s2", None);
    let (_p, addr) = start(&format!(
        "    cookie SRV insert indirect nocache\n    server s1 {} cookie c1\n    server s2 {} cookie c2\n",
        s1.addr(),
        s2.addr()
    ));
    let first = request(addr, "GET", None);
    let name = first.body_text();
    let value = if name == "s1" { "c1" } else { "c2" };
    assert_eq!(
        set_cookies(&first),
        vec![format!("SRV={value}; path=/").as_str()]
    );
    assert_eq!(
        first
            .header("Cache-Control")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("private")
    );
    // Round robin would alternate; the cookie keeps the client on its server, and no new
    // cookie is set once the client has a valid one.
    for _ in 0..6 {
        let r = request(
            addr,
            "GET",
            Some(&format!("lang=fr; SRV={value}; theme=dark")),
        );
        assert_eq!(r.body_text(), name);
        assert!(set_cookies(&r).is_empty());
    }
    // indirect: the servers never saw SRV, only the client's other cookies.
    let seen: Vec<_> = s1.requests().into_iter().chain(s2.requests()).collect();
    assert_eq!(seen.len(), 7);
    for r in &seen {
        for c in r.header_all("cookie") {
            assert!(
                !c.contains("SRV="),
                "server saw the persistence cookie: {c}"
            );
            assert_eq!(c, "lang=fr; theme=dark");
        }
    }
}

#[test]
fn insert_writes_every_attribute_and_dates() {
    let s1 = server("s1", Some("SRV=from-app; path=/app"));
    let (_p, addr) = start(&format!(
        "    cookie SRV insert httponly secure domain .example.com maxidle 30m maxlife 8h attr SameSite=Lax\n    server s1 {} cookie c1\n",
        s1.addr()
    ));
    let r = request(addr, "GET", None);
    let sc = set_cookies(&r);
    // Insert mode drops the server's own SRV cookie and sets ours.
    assert_eq!(sc.len(), 1, "{sc:?}");
    let v = sc[0];
    let (value, attrs) = v.split_once("; ").expect("attributes");
    assert_eq!(
        attrs,
        "path=/; domain=.example.com; HttpOnly; Secure; SameSite=Lax"
    );
    // c1|LAST|FIRST, each date 5 base64 characters.
    let parts: Vec<&str> = value.trim_start_matches("SRV=").split('|').collect();
    assert_eq!(parts.len(), 3, "{value}");
    assert_eq!(parts[0], "c1");
    assert!(parts[1..].iter().all(|d| d.len() == 5));
    // The dated cookie is accepted on the way back and refreshed.
    let again = request(addr, "GET", Some(value));
    assert_eq!(again.body_text(), "s1");
    // A cookie idle for too long is ignored: a date from 1970 is far older than 30m.
    let stale = request(addr, "GET", Some("SRV=c1|AAAAB"));
    assert_eq!(stale.body_text(), "s1");
    assert_eq!(set_cookies(&stale).len(), 1);
}

#[test]
fn postonly_inserts_only_on_post() {
    let s1 = server("s1", None);
    let (_p, addr) = start(&format!(
        "    cookie SRV insert postonly\n    server s1 {} cookie c1\n",
        s1.addr()
    ));
    assert!(set_cookies(&request(addr, "GET", None)).is_empty());
    assert_eq!(
        set_cookies(&request(addr, "POST", None)),
        vec!["SRV=c1; path=/"]
    );
}

#[test]
fn rewrite_replaces_the_value_the_server_set() {
    let s1 = server("s1", Some("SRV=placeholder; path=/; HttpOnly"));
    let (_p, addr) = start(&format!(
        "    cookie SRV rewrite\n    server s1 {} cookie c1\n",
        s1.addr()
    ));
    let r = request(addr, "GET", None);
    assert_eq!(set_cookies(&r), vec!["SRV=c1; path=/; HttpOnly"]);
    // The client's cookie reaches the server untouched in rewrite mode.
    request(addr, "GET", Some("SRV=c1"));
    assert_eq!(s1.requests()[1].header("cookie").as_deref(), Some("SRV=c1"));
}

#[test]
fn prefix_prefixes_the_servers_cookie_and_strips_it_back() {
    let s1 = server("s1", Some("JSESSIONID=abc123; path=/"));
    let s2 = server("s2", Some("JSESSIONID=zzz; path=/"));
    let (_p, addr) = start(&format!(
        "    cookie JSESSIONID prefix\n    server s1 {} cookie c1\n    server s2 {} cookie c2\n",
        s1.addr(),
        s2.addr()
    ));
    let first = request(addr, "GET", None);
    let (srv, cookie) = if first.body_text() == "s1" {
        ("c1", "abc123")
    } else {
        ("c2", "zzz")
    };
    assert_eq!(
        set_cookies(&first),
        vec![format!("JSESSIONID={srv}~{cookie}; path=/").as_str()]
    );
    for _ in 0..4 {
        let r = request(addr, "GET", Some(&format!("JSESSIONID={srv}~{cookie}")));
        assert_eq!(r.body_text(), first.body_text());
    }
    // The server gets its own cookie back without the prefix.
    let mock = if srv == "c1" { &s1 } else { &s2 };
    let last = mock.requests().pop().expect("requests");
    assert_eq!(last.header("cookie"), Some(format!("JSESSIONID={cookie}")));
}

#[test]
fn a_cookie_for_a_down_server_is_ignored_unless_persist() {
    let s1 = server("s1", None);
    let s2 = server("s2", None);
    let backend = |extra: &str| {
        format!(
            "    cookie SRV insert indirect\n{extra}    server s1 {} cookie c1\n    server s2 {} cookie c2 disabled\n",
            s1.addr(),
            s2.addr()
        )
    };
    let (_p, addr) = start(&backend(""));
    let r = request(addr, "GET", Some("SRV=c2"));
    assert_eq!(r.body_text(), "s1");
    assert_eq!(set_cookies(&r), vec!["SRV=c1; path=/"]);
    drop(_p);
    let (_p, addr) = start(&backend("    option persist\n"));
    let r = request(addr, "GET", Some("SRV=c2"));
    assert_eq!(r.body_text(), "s2");
}

#[test]
fn redispatch_breaks_persistence_when_the_server_fails() {
    let s1 = server("s1", None);
    let dead = free_port();
    let backend = |extra: &str| {
        format!(
            "    cookie SRV insert indirect\n    retries 1\n{extra}    server s1 {} cookie c1\n    server s2 127.0.0.1:{dead} cookie c2\n",
            s1.addr()
        )
    };
    let (_p, addr) = start(&backend("    option redispatch\n"));
    let r = request(addr, "GET", Some("SRV=c2"));
    assert_eq!(r.status, 200);
    assert_eq!(r.body_text(), "s1");
    // Persistence moved: the client now carries s1's cookie.
    assert_eq!(set_cookies(&r), vec!["SRV=c1; path=/"]);
    drop(_p);
    let (_p, addr) = start(&backend(""));
    assert_eq!(request(addr, "GET", Some("SRV=c2")).status, 503);
}
