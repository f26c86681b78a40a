//! Every fetch, matching method and flag, through real configuration text and real request
//! bytes (configuration manual 7.1 and 7.3).

mod support;
use support::{acl_matches as m, acl_matches_from, cond_matches as c};

const GET: &str = "GET /static/img/Logo.PNG?id=42&lang=fr;sess=abc HTTP/1.1\nHost: WWW.Example.com:8080\nCookie: a=1; SID=xyz ; b=\nX-List: one, two ,three\nX-List: four\nContent-Length: 0\n\n";

#[test]
fn path_family() {
    assert!(m("path /static/img/Logo.PNG", GET));
    assert!(!m("path /static/img/logo.png", GET));
    assert!(m("path -i /static/img/logo.png", GET));
    assert!(m("path_beg /static /images", GET));
    assert!(!m("path_beg /images", GET));
    assert!(m("path_end .PNG", GET));
    assert!(!m("path_end .png", GET));
    assert!(m("path_end -i .jpg .png", GET));
    assert!(m("path_sub img/Lo", GET));
    assert!(m("path_reg ^/static/.*\\.PNG$", GET));
    assert!(!m("path_reg ^/static/.*\\.png$", GET));
    assert!(m("path_reg -i ^/static/.*\\.png$", GET));
    assert!(m("path_dir img", GET));
    assert!(m("path_dir /static/img", GET));
    assert!(!m("path_dir im", GET));
    assert!(m("path_dom PNG", GET));
    assert!(m("path_len 20", GET));
    assert!(m("path_len gt 19", GET));
    assert!(!m("path_len lt 20", GET));
    // The query string is not part of the path.
    assert!(!m("path_sub id=42", GET));
}

#[test]
fn absolute_uri_path_starts_after_authority() {
    let abs = "GET http://a.example/x/y?q=1 HTTP/1.1\nHost: a.example\n\n";
    assert!(m("path /x/y", abs));
    assert!(m("url http://a.example/x/y?q=1", abs));
    assert!(c("HTTP_URL_ABS", abs));
    assert!(!c("HTTP_URL_SLASH", abs));
    assert!(c("HTTP_URL_SLASH", GET));
    assert!(!c("HTTP_URL_ABS", GET));
}

#[test]
fn url_query_base_and_params() {
    assert!(m("url_beg /static/img/Logo.PNG?id=", GET));
    assert!(m("url_sub lang=fr", GET));
    assert!(m("url_end sess=abc", GET));
    assert!(m("query id=42&lang=fr;sess=abc", GET));
    assert!(m(
        "query -m found",
        "GET /?\nHost: a\n\n"
            .replace("/?\n", "/? HTTP/1.1\n")
            .as_str()
    ));
    assert!(!m("query -m found", "GET / HTTP/1.1\nHost: a\n\n"));
    assert!(m("base WWW.Example.com:8080/static/img/Logo.PNG", GET));
    assert!(m("base_beg -i www.example.com:8080/static", GET));
    assert!(m("url_param(id) 42", GET));
    assert!(m("urlp(lang) fr", GET));
    assert!(m("urlp(sess) abc", GET));
    assert!(!m("urlp(nope) -m found", GET));
    assert!(m("urlp_beg(lang) f", GET));
    assert!(m("urlp_val(id) gt 41", GET));
    // No name: every parameter is tried.
    assert!(m("urlp fr", GET));
    // A custom delimiter: `;JSESSIONID=` style.
    assert!(m("urlp(J,;) 9", "GET /a;J=9 HTTP/1.1\nHost: a\n\n"));
}

#[test]
fn method_and_version() {
    assert!(m("method GET", GET));
    assert!(m("method get", GET));
    assert!(!m("method POST", GET));
    assert!(c("METH_GET", "HEAD / HTTP/1.1\nHost: a\n\n"));
    assert!(c(
        "METH_POST",
        "POST / HTTP/1.1\nHost: a\nContent-Length: 0\n\n"
    ));
    assert!(c(
        "METH_PUT",
        "PUT / HTTP/1.1\nHost: a\nContent-Length: 0\n\n"
    ));
    assert!(c("METH_DELETE", "DELETE / HTTP/1.1\nHost: a\n\n"));
    assert!(c("METH_OPTIONS", "OPTIONS * HTTP/1.1\nHost: a\n\n"));
    assert!(c("HTTP_URL_STAR", "OPTIONS * HTTP/1.1\nHost: a\n\n"));
    assert!(m("method PURGE", "PURGE / HTTP/1.1\nHost: a\n\n"));
    assert!(m("req.ver 1.1", GET));
    assert!(c("HTTP_1.1", GET));
    assert!(!c("HTTP_1.0", GET));
    assert!(c("HTTP_1.0", "GET / HTTP/1.0\n\n"));
    assert!(c("HTTP", GET));
    assert!(c("TRUE", GET));
    assert!(!c("FALSE", GET));
    assert!(m("always_true", GET));
}

#[test]
fn remaining_predefined_method_acls() {
    assert!(c("METH_HEAD", "HEAD / HTTP/1.1\nHost: a\n\n"));
    assert!(!c("METH_HEAD", GET));
    assert!(c("METH_TRACE", "TRACE / HTTP/1.1\nHost: a\n\n"));
    assert!(c(
        "METH_CONNECT",
        "CONNECT a.example:443 HTTP/1.1\nHost: a.example:443\n\n"
    ));
    assert!(!c("METH_CONNECT", GET));
}

#[test]
fn headers() {
    // hdr(host) keeps the port, as in HAProxy.
    assert!(m("hdr(host) WWW.Example.com:8080", GET));
    assert!(!m("hdr(host) www.example.com", GET));
    assert!(m("hdr(host) -i www.example.com:8080", GET));
    assert!(m("hdr(Host),lower,host_only www.example.com", GET));
    assert!(m("req.hdr(host),field(1,:),lower www.example.com", GET));
    assert!(m("hdr_dom(host) -i example.com", GET));
    assert!(m("hdr_dom(host) -i example", GET));
    assert!(m("hdr_dom(host) 8080", GET));
    assert!(!m("hdr_dom(host) -i ample.com", GET));
    assert!(m("hdr_beg(host) -i www.", GET));
    assert!(m("hdr_end(host) :8080", GET));
    assert!(m("hdr_sub(host) Example", GET));
    assert!(m("hdr_reg(host) ^WWW\\.", GET));
    assert!(m("hdr_len(host) 20", GET));
    // Each comma-separated value is a sample; every occurrence is tried.
    assert!(m("hdr(x-list) two", GET));
    assert!(m("hdr(x-list) four", GET));
    assert!(!m("hdr(x-list) one,", GET));
    assert!(m("req.fhdr(x-list) -m sub two ,three", GET));
    assert!(m("hdr(x-list,1) one", GET));
    assert!(m("hdr(x-list,-1) four", GET));
    assert!(!m("hdr(x-list,1) two", GET));
    assert!(m("hdr_cnt(x-list) eq 4", GET));
    assert!(m("req.hdr_cnt(x-list) 4", GET));
    assert!(m("req.fhdr_cnt(x-list) 2", GET));
    assert!(m("hdr_cnt(x-missing) 0", GET));
    assert!(!m("hdr(x-missing) -m found", GET));
    assert!(m("req.hdr(cookie) -m found", GET));
    assert!(m("req.hdr_val(content-length) eq 0", GET));
    assert!(!c("HTTP_CONTENT", GET));
    assert!(c(
        "HTTP_CONTENT",
        "POST / HTTP/1.1\nHost: a\nContent-Length: 3\n\n"
    ));
    assert!(m(
        "hdr_ip(x-forwarded-for) 10.0.0.0/8",
        "GET / HTTP/1.1\nX-Forwarded-For: 10.9.8.7:1234\n\n"
    ));
}

#[test]
fn cookies() {
    assert!(m("req.cook(SID) xyz", GET));
    assert!(m("cook(a) 1", GET));
    assert!(m("req.cook(b) -m found", GET));
    assert!(m("req.cook(b) -m len 0", GET));
    assert!(
        !m("req.cook(sid) -m found", GET),
        "cookie names are case-sensitive"
    );
    assert!(m("req.cook_beg(SID) x", GET));
    assert!(m("req.cook_cnt eq 3", GET));
    assert!(m("req.cook_cnt(SID) 1", GET));
    assert!(m("req.cook_val(a) 1", GET));
}

#[test]
fn addresses_and_ports() {
    let from = |crit: &str, src: &str| acl_matches_from(crit, GET, src);
    assert!(from("src 10.1.2.3", "10.1.2.3:40000"));
    assert!(from("src 10.0.0.0/8", "10.1.2.3:40000"));
    assert!(from("src 10.1.2.3/255.255.0.0", "10.1.9.9:1"));
    // inet_aton forms (manual 7.1.6): 127.1 is 127.0.0.1, 10.1/16 is 10.0.0.1/16.
    assert!(from("src 127.1", "127.0.0.1:1"));
    assert!(from("src 10.1/16", "10.0.5.5:1"));
    assert!(!from("src 10.1/16", "10.1.2.3:1"));
    assert!(support::cond_matches_from("LOCALHOST", GET, "127.0.0.1:1"));
    assert!(support::cond_matches_from("LOCALHOST", GET, "[::1]:1"));
    assert!(!support::cond_matches_from("LOCALHOST", GET, "10.1.2.3:1"));
    // IPv4 patterns against IPv6 sources: ::ffff:a.b.c.d, ::a.b.c.d and 2002:a.b.c.d::.
    assert!(from("src 10.0.0.0/8", "[::ffff:10.1.2.3]:1"));
    assert!(from("src 10.0.0.0/8", "[::10.1.2.3]:1"));
    assert!(from("src 10.0.0.0/8", "[2002:a01:203::]:1"));
    assert!(!from("src 10.0.0.0/8", "[2001:db8::1]:1"));
    // IPv6 patterns against IPv4 sources compare ::ffff:a.b.c.d.
    assert!(from("src ::ffff:10.1.2.3/128", "10.1.2.3:1"));
    assert!(from("src 2001:db8::/32", "[2001:db8::5]:1"));
    assert!(!from("src 2001:db8::/32", "[2001:db9::5]:1"));
    assert!(from("src_port 40000", "10.1.2.3:40000"));
    assert!(from("src_port 1024:65535", "10.1.2.3:40000"));
    assert!(!from("src_port :1023", "10.1.2.3:40000"));
    assert!(from("dst 127.0.0.1", "10.1.2.3:1"));
    assert!(from("dst_port 8080", "10.1.2.3:1"));
    // `-m ip` on a string sample.
    assert!(m(
        "req.hdr(x-real-ip) -m ip 192.168.0.0/16",
        "GET / HTTP/1.1\nX-Real-IP: 192.168.3.4\n\n"
    ));
    assert!(!m(
        "req.hdr(x-real-ip) -m ip 192.168.0.0/16",
        "GET / HTTP/1.1\nX-Real-IP: not-an-ip\n\n"
    ));
}

#[test]
fn integer_operators_apply_to_following_values() {
    assert!(m("dst_port eq 8080", GET));
    assert!(m("dst_port ge 8080", GET));
    assert!(!m("dst_port gt 8080", GET));
    assert!(m("dst_port le 8080", GET));
    assert!(!m("dst_port lt 8080", GET));
    assert!(m("dst_port lt 1 9000", GET), "lt applies to 9000 too");
    assert!(m("dst_port 80 8080", GET));
    assert!(m("dst_port 8000:8100", GET));
    assert!(m("dst_port 8000:", GET));
    assert!(!m("dst_port 8081:", GET));
}

#[test]
fn match_methods_via_dash_m() {
    assert!(m("req.hdr(host) -m beg WWW", GET));
    assert!(m("req.hdr(host) -m end 8080", GET));
    assert!(m("req.hdr(host) -m sub Example", GET));
    assert!(m("req.hdr(host) -m str WWW.Example.com:8080", GET));
    assert!(m("req.hdr(host) -m reg [0-9]+$", GET));
    assert!(m("req.hdr(host) -m dom com", GET));
    assert!(m("req.hdr(host) -m len 20", GET));
    assert!(m("req.hdr(host) -m found", GET));
    assert!(m("path -m dir img/Logo.PNG", GET));
    assert!(m("req.hdr(x-n) -m int gt 5", "GET / HTTP/1.1\nX-N: 7\n\n"));
    assert!(!m("req.hdr(x-n) -m int gt 5", "GET / HTTP/1.1\nX-N: 3\n\n"));
    assert!(
        !m("req.hdr(x-n) -m bool", "GET / HTTP/1.1\nX-N: 7\n\n"),
        "bool takes booleans/ints only"
    );
    assert!(m("hdr_cnt(x-n) -m bool", "GET / HTTP/1.1\nX-N: 7\n\n"));
    assert!(!m("hdr_cnt(x-n) -m bool", "GET / HTTP/1.1\n\n"));
    assert!(m("req.hdr(x-b) -m bin 4142", "GET / HTTP/1.1\nX-B: AB\n\n"));
    // `-m` overrides an ACL derivative's default.
    assert!(m("hdr_beg(host) -m end :8080", GET));
    // `-i` before patterns; after the first pattern it is a pattern.
    assert!(m("path -i /STATIC/IMG/LOGO.PNG", GET));
    assert!(!m("path /STATIC/IMG/LOGO.PNG -i", GET));
    // `--` ends the flags: "-i" is then a pattern.
    assert!(m("req.hdr(x-t) -- -i", "GET / HTTP/1.1\nX-T: -i\n\n"));
    assert!(m("req.hdr(x-t) -n -m str x", "GET / HTTP/1.1\nX-T: x\n\n"));
}

#[test]
fn dir_and_dom_follow_the_manual_examples() {
    let req = "GET /images/png/logo/32x32.png HTTP/1.1\nHost: a\n\n";
    // The manual lists "png" as a miss, but haproxy 2.6.12 matches it (the segment "/png/"
    // is delimited on both sides); halb follows the running HAProxy.
    for hit in [
        "/images",
        "/images/png",
        "images/png",
        "/png/logo",
        "logo/32x32.png",
        "32x32.png",
        "png",
    ] {
        assert!(m(&format!("path_dir {hit}"), req), "{hit}");
    }
    for miss in ["32x32", "imag", "logo/32x32"] {
        assert!(!m(&format!("path_dir {miss}"), req), "{miss}");
    }
    let url =
        "GET http://www1.dc-eu.example.com:80/blah HTTP/1.1\nHost: www1.dc-eu.example.com:80\n\n";
    // The manual also lists "dc-eu.example:80" as a hit; it is not a substring of the URL and
    // haproxy 2.6.12 does not match it either.
    for hit in [
        "http",
        "www1",
        ".www1",
        "dc-eu",
        "example",
        "com",
        "80",
        "dc-eu.example",
        "blah",
        ":www1:",
        "example.com:80",
    ] {
        assert!(m(&format!("url_dom {hit}"), url), "{hit}");
    }
    for miss in ["eu", "dc", "dc-eu.example:80"] {
        assert!(!m(&format!("url_dom {miss}"), url), "{miss}");
    }
}

#[test]
fn auth_fetches_check_userlists() {
    // bob:pw and eve:pw2; bob is in group admins.
    let with = |cred: &str| format!("GET / HTTP/1.1\nAuthorization: Basic {cred}\n\n");
    assert!(m("http_auth(L)", &with("Ym9iOnB3")));
    assert!(!m("http_auth(L)", &with("Ym9iOnB3eA==")), "bob:pwx");
    assert!(!m("http_auth(L)", "GET / HTTP/1.1\n\n"));
    assert!(!m("http_auth(L)", &with("!!!")));
    assert!(m("http_auth_group(L) admins", &with("Ym9iOnB3")));
    assert!(
        !m("http_auth_group(L) admins", &with("ZXZlOnB3Mg==")),
        "eve is not an admin"
    );
    assert!(m("http_auth(L)", &with("ZXZlOnB3Mg==")));
}

#[test]
fn counters_and_connection_flags() {
    // Live counters in the harness: 2 usable servers, 7 backend and 3 frontend connections.
    assert!(m("nbsrv(b) lt 3", GET));
    assert!(!m("nbsrv(b) lt 2", GET));
    assert!(m("be_conn(b) 7", GET));
    assert!(m("be_conn gt 6", GET));
    assert!(m("fe_conn 3", GET));
    assert!(m("fe_conn(f) 3", GET));
    assert!(!m("ssl_fc", GET));
}
