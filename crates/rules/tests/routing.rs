//! Content switching: `use_backend … if|unless`, first match wins, then `default_backend`;
//! dynamic backend names; virtual hosts on the Host header.

mod support;
use support::{compile, route, HEAD};

#[test]
fn seed002_static_content_goes_to_static() {
    let c = compile(include_str!("data/seed002-example.cfg"));
    // path_beg is a plain prefix (so /staticfoo.txt is static too, as in HAProxy), and the
    // query string is not part of the path.
    for path in [
        "/static/x",
        "/images/y",
        "/a.png",
        "/b.css",
        "/javascript/app.js",
        "/STATIC/X",
        "/x/y.JPG",
        "/staticfoo.txt",
        "/a.png?x",
    ] {
        assert_eq!(
            route(&c, &format!("GET {path} HTTP/1.1\nHost: a\n\n")).as_deref(),
            Some("static"),
            "{path}"
        );
    }
    for path in [
        "/",
        "/index.html",
        "/app/static",
        "/a.png.html",
        "/x?f=a.png",
    ] {
        assert_eq!(
            route(&c, &format!("GET {path} HTTP/1.1\nHost: a\n\n")).as_deref(),
            Some("app"),
            "{path}"
        );
    }
}

#[test]
fn seed003_prefixes_route_case_insensitively() {
    let c = compile(include_str!("data/seed003-l7.cfg"));
    let r = |p: &str| route(&c, &format!("GET {p} HTTP/1.1\nHost: a\n\n"));
    assert_eq!(r("/ms1/a").as_deref(), Some("ms1"));
    assert_eq!(r("/MS1/a").as_deref(), Some("ms1"));
    assert_eq!(r("/ms2/").as_deref(), Some("ms2"));
    assert_eq!(r("/Ms2/x?y").as_deref(), Some("ms2"));
    assert_eq!(r("/ms1").as_deref(), Some("default_servers"));
    assert_eq!(r("/ms3/").as_deref(), Some("default_servers"));
}

const VHOSTS: &str = "frontend f
    bind 127.0.0.1:8080
    acl is_api hdr(host) -i api.example.com
    acl is_www hdr_dom(host) -i www.example.com
    acl is_old hdr_end(host) -i .old.example.com
    use_backend api if is_api
    use_backend www if is_www
    use_backend legacy unless !is_old
    default_backend fallback
backend api
    server s 127.0.0.1:9001
backend www
    server s 127.0.0.1:9002
backend legacy
    server s 127.0.0.1:9003
backend fallback
    server s 127.0.0.1:9004
";

#[test]
fn virtual_hosts_on_the_host_header() {
    let c = compile(&format!("{HEAD}{VHOSTS}"));
    let r = |host: &str| route(&c, &format!("GET / HTTP/1.1\nHost: {host}\n\n"));
    assert_eq!(r("api.example.com").as_deref(), Some("api"));
    assert_eq!(r("API.Example.COM").as_deref(), Some("api"));
    // hdr(host) keeps the port: an exact match on the name alone misses.
    assert_eq!(r("api.example.com:8080").as_deref(), Some("fallback"));
    // hdr_dom matches whole dot-delimited parts, port included as a part.
    assert_eq!(r("www.example.com:8080").as_deref(), Some("www"));
    assert_eq!(r("www.example.com").as_deref(), Some("www"));
    assert_eq!(r("x.old.example.com").as_deref(), Some("legacy"));
    assert_eq!(r("example.com").as_deref(), Some("fallback"));
    // No Host header at all.
    assert_eq!(route(&c, "GET / HTTP/1.0\n\n").as_deref(), Some("fallback"));
}

#[test]
fn first_matching_rule_wins() {
    let c = compile(&format!(
        "{HEAD}frontend f\n    bind 127.0.0.1:8080\n    use_backend one if {{ path_beg /a }}\n    use_backend two if {{ path_beg /ab }}\n    use_backend two\n    default_backend one\nbackend one\n    server s 127.0.0.1:9001\nbackend two\n    server s 127.0.0.1:9002\n"
    ));
    assert_eq!(route(&c, "GET /abc HTTP/1.1\n\n").as_deref(), Some("one"));
    // An unconditional use_backend catches the rest before default_backend.
    assert_eq!(route(&c, "GET /zzz HTTP/1.1\n\n").as_deref(), Some("two"));
}

#[test]
fn dynamic_backend_names() {
    let c = compile(&format!(
        "{HEAD}frontend f\n    bind 127.0.0.1:8080\n    use_backend %[req.hdr(host),lower,host_only]\n    use_backend never\n    default_backend fallback\nbackend shop.example\n    server s 127.0.0.1:9001\nbackend never\n    server s 127.0.0.1:9002\nbackend fallback\n    server s 127.0.0.1:9003\n"
    ));
    assert_eq!(
        route(&c, "GET / HTTP/1.1\nHost: SHOP.example:8080\n\n").as_deref(),
        Some("shop.example")
    );
    // A name that is no backend stops the rules: the default backend applies.
    assert_eq!(
        route(&c, "GET / HTTP/1.1\nHost: other.example\n\n").as_deref(),
        Some("fallback")
    );
    assert_eq!(route(&c, "GET / HTTP/1.1\n\n").as_deref(), Some("fallback"));
}

#[test]
fn no_default_backend_means_none() {
    let c = compile(&format!(
        "{HEAD}frontend f\n    bind 127.0.0.1:8080\n    use_backend b if {{ path /b }}\nbackend b\n    server s 127.0.0.1:9001\n"
    ));
    assert_eq!(route(&c, "GET /b HTTP/1.1\n\n").as_deref(), Some("b"));
    assert_eq!(route(&c, "GET /c HTTP/1.1\n\n"), None);
}

#[test]
fn use_server_picks_a_server_by_condition() {
    let c = compile(&format!(
        "{HEAD}frontend f\n    bind 127.0.0.1:8080\n    default_backend b\nbackend b\n    use-server s2 if {{ req.cook(srv) s2 }}\n    use-server s1 if {{ hdr(x-pin) 1 }}\n    server s1 127.0.0.1:9001\n    server s2 127.0.0.1:9002\n"
    ));
    let pick_if = |raw: &str, usable: &dyn Fn(usize) -> bool| {
        let r = support::req(raw);
        let mut s = rules::Scratch::default();
        s.begin_request(&r.view());
        let e = support::env(support::conn("10.0.0.1:1", "127.0.0.1:8080"));
        c.plan.choose_server(1, &e, Some(&r.view()), &mut s, usable)
    };
    let pick = |raw: &str| pick_if(raw, &|_| true);
    assert_eq!(pick("GET / HTTP/1.1\nCookie: srv=s2\n\n"), Some(1));
    assert_eq!(pick("GET / HTTP/1.1\nX-Pin: 1\n\n"), Some(0));
    assert_eq!(pick("GET / HTTP/1.1\n\n"), None);
    // A rule naming a down server is skipped and the next one that matches wins.
    let both = "GET / HTTP/1.1\nCookie: srv=s2\nX-Pin: 1\n\n";
    assert_eq!(pick(both), Some(1));
    assert_eq!(pick_if(both, &|id| id != 1), Some(0));
    assert_eq!(pick_if(both, &|_| false), None);
}
