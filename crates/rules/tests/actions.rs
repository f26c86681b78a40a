//! `http-request` / `http-response` / `http-after-response` actions, `redirect` rules and
//! `tcp-request` rules: what the client gets and what the server would receive (the edits
//! are applied with `http1::write_head`, as the proxy forwards them).

mod support;
use rules::{RequestVerdict, ResponseVerdict, Scratch, TcpVerdict};
use support::{compile, compile_err, conn, env, req, resp, HEAD};

fn cfg(lines: &str) -> String {
    format!(
        "{HEAD}userlist admins\n    user alice password $5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA\nfrontend f\n    bind 127.0.0.1:8080\n    {lines}\n    default_backend b\nbackend b\n    server s 127.0.0.1:9000\n"
    )
}

struct Out {
    verdict: RequestVerdict,
    reply: String,
    forwarded: String,
}

fn run(lines: &str, raw: &str) -> Out {
    let c = compile(&cfg(lines));
    let r = req(raw);
    let mut s = Scratch::default();
    s.begin_request(&r.view());
    let e = env(conn("10.1.2.3:40000", "127.0.0.1:8080"));
    let verdict = c.plan.http_request(0, &e, &r.view(), &mut s);
    let mut edits = Vec::new();
    s.request_edits().to_http1(&mut edits);
    let mut out = Vec::new();
    http1::write_head(
        &r.buf,
        &r.head,
        http1::Side::Request,
        &edits,
        http1::ConnectionHeader::AsReceived,
        &mut out,
    );
    Out {
        verdict,
        reply: String::from_utf8_lossy(s.reply()).replace("\r\n", "\n"),
        forwarded: String::from_utf8_lossy(&out).replace("\r\n", "\n"),
    }
}

#[test]
fn deny_allow_and_deny_status() {
    assert_eq!(
        run("http-request deny", "GET / HTTP/1.1\n\n").verdict,
        RequestVerdict::Deny { status: 403 }
    );
    assert_eq!(
        run(
            "http-request deny deny_status 429 if { path /x }",
            "GET /x HTTP/1.1\n\n"
        )
        .verdict,
        RequestVerdict::Deny { status: 429 }
    );
    // allow stops the rule set: the deny after it is not reached.
    let o = run(
        "http-request allow if { src 10.0.0.0/8 }\n    http-request deny",
        "GET / HTTP/1.1\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Continue);
    assert_eq!(
        run("http-request tarpit", "GET / HTTP/1.1\n\n").verdict,
        RequestVerdict::Tarpit { status: 500 }
    );
    assert_eq!(
        run("http-request reject", "GET / HTTP/1.1\n\n").verdict,
        RequestVerdict::Reject
    );
}

#[test]
fn auth_challenges_with_the_realm_until_credentials_are_valid() {
    let lines = "http-request auth realm Restricted\\ Area unless { http_auth(admins) }";
    let o = run(lines, "GET / HTTP/1.1\n\n");
    assert_eq!(o.verdict, RequestVerdict::Reply { status: 401 });
    assert!(
        o.reply.starts_with("HTTP/1.1 401 Unauthorized\n"),
        "{}",
        o.reply
    );
    assert!(
        o.reply
            .contains("\nwww-authenticate: Basic realm=\"Restricted Area\"\n"),
        "{}",
        o.reply
    );
    assert!(o.reply.ends_with("</body></html>\n"));
    // alice:secret against a SHA-256-crypt hash.
    let ok = run(
        lines,
        "GET / HTTP/1.1\nAuthorization: Basic YWxpY2U6c2VjcmV0\n\n",
    );
    assert_eq!(ok.verdict, RequestVerdict::Continue);
    let bad = run(
        lines,
        "GET / HTTP/1.1\nAuthorization: Basic YWxpY2U6d3Jvbmc=\n\n",
    );
    assert_eq!(bad.verdict, RequestVerdict::Reply { status: 401 });
    // Without a realm, the proxy's name is used.
    let o = run("http-request auth", "GET / HTTP/1.1\n\n");
    assert!(o.reply.contains("realm=\"f\""), "{}", o.reply);
}

#[test]
fn redirects() {
    let o = run(
        "http-request redirect location https://example.com/new code 301",
        "GET /old HTTP/1.1\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Reply { status: 301 });
    assert_eq!(
        o.reply,
        "HTTP/1.1 301 Moved Permanently\ncontent-length: 0\nlocation: https://example.com/new\n\n"
    );
    let o = run(
        "redirect scheme https if !{ ssl_fc }",
        "GET /a/b?c=1 HTTP/1.1\nHost: shop.example\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Reply { status: 302 });
    assert!(
        o.reply
            .contains("\nlocation: https://shop.example/a/b?c=1\n"),
        "{}",
        o.reply
    );
    let o = run(
        "redirect prefix http://new.example drop-query append-slash code 308",
        "GET /dir?q=1 HTTP/1.1\n\n",
    );
    assert!(
        o.reply.starts_with("HTTP/1.1 308 Permanent Redirect\n"),
        "{}",
        o.reply
    );
    assert!(
        o.reply.contains("\nlocation: http://new.example/dir/\n"),
        "{}",
        o.reply
    );
    let o = run(
        "redirect location /login set-cookie SEEN=1 if { path /private }",
        "GET /private HTTP/1.1\n\n",
    );
    assert_eq!(
        o.reply,
        "HTTP/1.1 302 Found\ncontent-length: 0\nlocation: /login\ncache-control: no-cache\nset-cookie: SEEN=1; path=/;\n\n"
    );
    let o = run(
        "redirect location /bye clear-cookie SEEN",
        "GET / HTTP/1.1\n\n",
    );
    assert!(
        o.reply.contains("\nset-cookie: SEEN; path=/; Max-Age=0;\n"),
        "{}",
        o.reply
    );
    // A prefix of "/" redirects to the same path, relative.
    let o = run(
        "redirect prefix / if { path_beg /rel }",
        "GET /rel/x?y=1 HTTP/1.1\n\n",
    );
    assert!(o.reply.contains("\nlocation: /rel/x?y=1\n"), "{}", o.reply);
    let o = run(
        "http-request redirect location https://%[hdr(host)]%[path] code 303",
        "GET /p?x HTTP/1.1\nHost: h.example\n\n",
    );
    assert!(
        o.reply.contains("\nlocation: https://h.example/p\n"),
        "{}",
        o.reply
    );
    // A redirect whose condition is false lets the request through.
    assert_eq!(
        run("redirect location /x if { path /y }", "GET / HTTP/1.1\n\n").verdict,
        RequestVerdict::Continue
    );
    // http-request rules run before `redirect` rules.
    assert_eq!(
        run(
            "redirect location /x\n    http-request deny",
            "GET / HTTP/1.1\n\n"
        )
        .verdict,
        RequestVerdict::Deny { status: 403 }
    );
}

#[test]
fn return_builds_a_response() {
    let o = run(
        "http-request return status 200 content-type text/plain string ok hdr x-from halb if { path /health }",
        "GET /health HTTP/1.1\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Reply { status: 200 });
    // Byte for byte what haproxy 2.6.12 sends for this rule.
    assert_eq!(
        o.reply,
        "HTTP/1.1 200 OK\nx-from: halb\ncontent-length: 2\ncontent-type: text/plain\n\nok"
    );
    let o = run("http-request return status 404", "GET / HTTP/1.1\n\n");
    assert_eq!(o.reply, "HTTP/1.1 404 Not Found\ncontent-length: 0\n\n");
    let o = run(
        "http-request return content-type text/plain lf-string \"you are %[src]\"",
        "GET / HTTP/1.1\n\n",
    );
    assert!(o.reply.ends_with("\n\nyou are 10.1.2.3"), "{}", o.reply);
    // deny with a body is a return with deny's status.
    let o = run(
        "http-request deny deny_status 451 content-type text/plain string gone",
        "GET / HTTP/1.1\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Reply { status: 451 });
}

#[test]
fn header_edits_are_forwarded_and_seen_by_later_rules() {
    let lines = "http-request set-header X-Proto http\n    \
                 http-request add-header X-Client %[src]\n    \
                 http-request del-header X-Secret\n    \
                 http-request set-header Host backend.local\n    \
                 http-request deny if !{ hdr(host) backend.local }";
    let o = run(
        lines,
        "GET / HTTP/1.1\nHost: front\nX-Secret: s\nX-Proto: gopher\nAccept: */*\n\n",
    );
    assert_eq!(
        o.verdict,
        RequestVerdict::Continue,
        "later rules see the new Host"
    );
    assert_eq!(
        o.forwarded,
        "GET / HTTP/1.1\naccept: */*\nx-proto: http\nx-client: 10.1.2.3\nhost: backend.local\n\n"
    );
    let o = run(
        "http-request add-header X-A 1\n    http-request del-header x-a",
        "GET / HTTP/1.1\n\n",
    );
    assert_eq!(o.forwarded, "GET / HTTP/1.1\n\n");
}

#[test]
fn replace_header_and_value() {
    let o = run(
        "http-request replace-header Cookie foo=([^;]*);(.*) foo=\\1;ip=%[src];\\2",
        "GET / HTTP/1.1\nCookie: foo=foobar; expires=Tue\n\n",
    );
    assert_eq!(
        o.forwarded,
        "GET / HTTP/1.1\ncookie: foo=foobar;ip=10.1.2.3; expires=Tue\n\n"
    );
    let o = run(
        "http-request replace-value X-Forwarded-For ^192\\.168\\.(.*)$ 172.16.\\1",
        "GET / HTTP/1.1\nX-Forwarded-For: 192.168.1.1, 10.0.0.1, 192.168.2.2\n\n",
    );
    assert_eq!(
        o.forwarded,
        "GET / HTTP/1.1\nx-forwarded-for: 172.16.1.1, 10.0.0.1, 172.16.2.2\n\n"
    );
    // No match: the header is forwarded unchanged.
    let o = run(
        "http-request replace-header X-A ^zzz$ y",
        "GET / HTTP/1.1\nX-A: b\n\n",
    );
    assert_eq!(o.forwarded, "GET / HTTP/1.1\nx-a: b\n\n");
}

#[test]
fn start_line_edits() {
    let f = |lines: &str, raw: &str| {
        run(lines, raw)
            .forwarded
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        f(
            "http-request set-path /v2%[path]",
            "GET /a?b=1 HTTP/1.1\n\n"
        ),
        "GET /v2/a?b=1 HTTP/1.1"
    );
    assert_eq!(
        f("http-request set-query x=1", "GET /a?b=1 HTTP/1.1\n\n"),
        "GET /a?x=1 HTTP/1.1"
    );
    assert_eq!(
        f("http-request set-uri /new", "GET /a?b=1 HTTP/1.1\n\n"),
        "GET /new HTTP/1.1"
    );
    assert_eq!(
        f("http-request set-method POST", "GET /a HTTP/1.1\n\n"),
        "POST /a HTTP/1.1"
    );
    assert_eq!(
        f(
            "http-request replace-path /api/(.*) /\\1",
            "GET /api/users?id=3 HTTP/1.1\n\n"
        ),
        "GET /users?id=3 HTTP/1.1"
    );
    assert_eq!(
        f("http-request set-pathq /x?y", "GET /a?b HTTP/1.1\n\n"),
        "GET /x?y HTTP/1.1"
    );
    // Later rules see the new path.
    let o = run(
        "http-request set-path /b\n    http-request deny if { path /b }",
        "GET /a HTTP/1.1\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Deny { status: 403 });
}

#[test]
fn variables() {
    let o = run(
        "http-request set-var(txn.host) req.hdr(host),lower\n    http-request set-header X-Host %[var(txn.host)]\n    http-request deny if { var(txn.host) -m beg evil }",
        "GET / HTTP/1.1\nHost: Good.Example\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Continue);
    assert!(
        o.forwarded.contains("x-host: good.example\n"),
        "{}",
        o.forwarded
    );
    let o = run(
        "http-request set-var(txn.host) req.hdr(host),lower\n    http-request deny if { var(txn.host) -m beg evil }",
        "GET / HTTP/1.1\nHost: EVIL.example\n\n",
    );
    assert_eq!(o.verdict, RequestVerdict::Deny { status: 403 });
}

fn run_response(lines: &str, raw_req: &str, raw_res: &str) -> (ResponseVerdict, String) {
    let c = compile(&cfg(lines));
    let r = req(raw_req);
    let p = resp(raw_res);
    let mut s = Scratch::default();
    s.begin_request(&r.view());
    s.begin_response(&p.view());
    let e = env(conn("10.1.2.3:40000", "127.0.0.1:8080"));
    let mut v = c
        .plan
        .http_response(0, &e, Some(&r.view()), &p.view(), &mut s);
    if v == ResponseVerdict::Continue {
        c.plan
            .http_after_response(0, &e, Some(&r.view()), &p.view(), &mut s);
    }
    let mut edits = Vec::new();
    s.response_edits().to_http1(&mut edits);
    let mut out = Vec::new();
    http1::write_head(
        &p.buf,
        &p.head,
        http1::Side::Response,
        &edits,
        http1::ConnectionHeader::AsReceived,
        &mut out,
    );
    if v == ResponseVerdict::Continue && s.reply().is_empty() {
        v = ResponseVerdict::Continue;
    }
    (v, String::from_utf8_lossy(&out).replace("\r\n", "\n"))
}

#[test]
fn response_rules() {
    let (v, out) = run_response(
        "http-response del-header Server\n    http-response set-header X-Path %[path] if { status 200 }\n    http-response add-header X-Never 1 if { status 500 }\n    http-after-response set-header X-Served-By halb",
        "GET /p HTTP/1.1\n\n",
        "HTTP/1.1 200 OK\nServer: nginx\nContent-Length: 0\n\n",
    );
    assert_eq!(v, ResponseVerdict::Continue);
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\ncontent-length: 0\nx-path: /p\nx-served-by: halb\n\n"
    );
    let (v, _) = run_response(
        "http-response deny if { res.hdr(x-leak) -m found }",
        "GET / HTTP/1.1\n\n",
        "HTTP/1.1 200 OK\nX-Leak: 1\n\n",
    );
    assert_eq!(v, ResponseVerdict::Deny { status: 502 });
    let (_, out) = run_response(
        "http-response set-status 503 reason \"Try Later\" if { status 500 }",
        "GET / HTTP/1.1\n\n",
        "HTTP/1.1 500 Internal Server Error\nContent-Length: 0\n\n",
    );
    assert!(out.starts_with("HTTP/1.1 503 Try Later\n"), "{out}");
    let (_, out) = run_response(
        "http-response set-status 404",
        "GET / HTTP/1.1\n\n",
        "HTTP/1.1 200 OK\n\n",
    );
    assert!(out.starts_with("HTTP/1.1 404 Not Found\n"), "{out}");
    let (_, out) = run_response(
        "http-response replace-value Cache-Control ^private$ public",
        "GET / HTTP/1.1\n\n",
        "HTTP/1.1 200 OK\nCache-Control: private, max-age=60\n\n",
    );
    assert!(out.contains("cache-control: public, max-age=60\n"), "{out}");
}

#[test]
fn tcp_request_rules() {
    let c = compile(&cfg(
        "tcp-request connection reject if { src 192.168.0.0/16 }\n    tcp-request connection accept if { src 192.168.7.7 }\n    tcp-request inspect-delay 5s\n    tcp-request content reject if { hdr(x-bad) -m found }",
    ));
    let mut s = Scratch::default();
    let v = |src: &str, s: &mut Scratch| {
        c.plan
            .tcp_connection(0, &env(conn(src, "127.0.0.1:8080")), s)
    };
    assert_eq!(
        v("192.168.7.7:1", &mut s),
        TcpVerdict::Reject,
        "first matching rule decides"
    );
    assert_eq!(v("10.0.0.1:1", &mut s), TcpVerdict::Accept);
    assert_eq!(
        c.plan.proxy(0).inspect_delay(),
        Some(std::time::Duration::from_secs(5))
    );
    let r = req("GET / HTTP/1.1\nX-Bad: 1\n\n");
    s.begin_request(&r.view());
    let e = env(conn("10.0.0.1:1", "127.0.0.1:8080"));
    assert_eq!(
        c.plan.tcp_content(0, &e, Some(&r.view()), &mut s),
        TcpVerdict::Reject
    );
    let r = req("GET / HTTP/1.1\n\n");
    s.begin_request(&r.view());
    assert_eq!(
        c.plan.tcp_content(0, &e, Some(&r.view()), &mut s),
        TcpVerdict::Accept
    );
}

#[test]
fn http_fetches_in_tcp_connection_rules_warn() {
    let c = compile(&cfg("tcp-request connection reject if { path /x }"));
    assert!(
        c.warnings
            .iter()
            .any(|w| w.message.contains("will never match")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn unsupported_haproxy_actions_warn_and_unknown_ones_fail() {
    let c = compile(&cfg(
        "http-request capture req.hdr(host) len 20\n    http-request track-sc0 src",
    ));
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    assert_eq!(c.warnings[0].location.as_ref().map(|l| l.line), Some(10));
    let e = compile_err(&cfg("http-request fly-away"));
    assert!(
        e.to_string()
            .starts_with("'http-request fly-away' : unknown action 'fly-away'"),
        "{e}"
    );
    let e = compile_err(&cfg("http-request set-status 200"));
    assert!(e.to_string().contains("unknown action 'set-status'"), "{e}");
    let e = compile_err(&cfg("http-request redirect location /x code 305"));
    assert!(e.to_string().contains("unsupported HTTP code '305'"), "{e}");
    let e = compile_err(&cfg("http-request return status 200 string x"));
    assert!(e.to_string().contains("needs a 'content-type'"), "{e}");
    let e = compile_err(&cfg("http-request set-header X-A %[nope]"));
    assert!(e.to_string().contains("unknown fetch method 'nope'"), "{e}");
    let e = compile_err(&cfg("http-request set-header X-A %Z"));
    assert!(e.to_string().contains("'%Z' is not supported"), "{e}");
    let e = compile_err(&cfg("http-request replace-header X-A (x y"));
    assert!(
        e.to_string().contains("regex '(x' is invalid") || e.to_string().contains("expects"),
        "{e}"
    );
}

#[test]
fn bad_password_hash_is_refused() {
    let text = format!("{HEAD}userlist L\n    user u password notahash\nfrontend f\n    bind 127.0.0.1:8080\n    default_backend b\nbackend b\n    server s 127.0.0.1:9000\n");
    let e = compile_err(&text);
    assert!(
        e.to_string()
            .contains("user 'u' : unsupported password hash"),
        "{e}"
    );
    assert_eq!(e.location.line, 6);
}

#[test]
fn stats_admin_and_stats_http_request() {
    let text = format!(
        "{HEAD}userlist admins\n    user alice insecure-password s\nlisten stats\n    bind 127.0.0.1:1080\n    stats uri /stats\n    stats admin if LOCALHOST\n    stats http-request auth realm Stats unless {{ http_auth(admins) }}\n"
    );
    let c = compile(&text);
    let r = req("GET /stats HTTP/1.1\n\n");
    let mut s = Scratch::default();
    s.begin_request(&r.view());
    let local = env(conn("127.0.0.1:5000", "127.0.0.1:1080"));
    let remote = env(conn("10.0.0.1:5000", "127.0.0.1:1080"));
    assert!(c.plan.stats_admin(0, &local, &r.view(), &mut s));
    assert!(!c.plan.stats_admin(0, &remote, &r.view(), &mut s));
    assert_eq!(
        c.plan.stats_http_request(0, &remote, &r.view(), &mut s),
        RequestVerdict::Reply { status: 401 }
    );
    assert!(String::from_utf8_lossy(s.reply()).contains("realm=\"Stats\""));
    let r = req("GET /stats HTTP/1.1\nAuthorization: Basic YWxpY2U6cw==\n\n");
    s.begin_request(&r.view());
    assert_eq!(
        c.plan.stats_http_request(0, &remote, &r.view(), &mut s),
        RequestVerdict::Continue
    );
}

#[test]
fn rules_out_of_processing_order_warn_like_haproxy() {
    let c = compile(&cfg(
        "redirect location /x if { path /y }\n    http-request deny if { path /z }",
    ));
    assert_eq!(
        c.warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect::<Vec<_>>(),
        vec![
            "a 'http-request' rule placed after a 'redirect' rule will still be processed before."
        ]
    );
    let c = compile(&cfg(
        "use_backend b if { path /y }\n    http-request deny if { path /z }",
    ));
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].message.contains("after a 'use_backend' rule"));
}

#[test]
fn response_fetches() {
    let res = "HTTP/1.1 404 Not Found\nSet-Cookie: a=1\nSet-Cookie: b=2\nX-Cache: HIT, MISS\n\n";
    let denied = |cond: &str| {
        run_response(
            &format!("http-response deny if {cond}"),
            "GET / HTTP/1.1\nX-Req: 1\n\n",
            res,
        )
        .0 == ResponseVerdict::Deny { status: 502 }
    };
    assert!(denied("{ status 404 }"));
    assert!(denied("{ status 400:499 }"));
    assert!(!denied("{ status lt 400 }"));
    assert!(denied("{ res.hdr_cnt(set-cookie) 2 }"));
    assert!(denied("{ res.hdr(x-cache) MISS }"));
    assert!(denied("{ res.hdr(x-cache,1) HIT }"));
    assert!(denied("{ shdr_beg(x-cache) HI }"));
    // `hdr()` follows the direction: in a response rule it reads the response.
    assert!(denied("{ hdr(x-cache) HIT }"));
    assert!(!denied("{ hdr(x-req) -m found }"));
    // The `hdr_*` ACL keywords always read the request.
    assert!(denied("{ hdr_beg(x-req) 1 }"));
}
