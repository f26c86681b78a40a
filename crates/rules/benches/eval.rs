//! ns per evaluation for each rule type, with real configuration text and real request heads.
//! `cargo bench -p rules` — prints one line per case; never asserts on time.

use std::hint::black_box;
use std::time::Instant;

use rules::{ConnInfo, Env, HeadView, NoCounters, NoFiles, RulePlan, Scratch};

const HEAD: &str = "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nuserlist L\n    user bob insecure-password pw\n    user alice password $6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1\n";
const TAIL: &str = "    default_backend app\nbackend static\n    server s 127.0.0.1:9001\nbackend api.example\n    server s 127.0.0.1:9002\nbackend app\n    server s 127.0.0.1:9003\n";

const REQ: &str = "GET /static/js/app.js?v=3 HTTP/1.1\r\nHost: api.example:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\r\nAccept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nCookie: SID=abc; theme=dark\r\nAuthorization: Basic Ym9iOnB3\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n";

enum Phase {
    TcpContent,
    Request,
    Backend,
    Response,
}

fn bench(name: &str, lines: &str, phase: Phase, raw: &str) {
    let text = format!("{HEAD}frontend f\n    bind 127.0.0.1:8080\n{lines}\n{TAIL}");
    let loaded = match haproxy_cfg::parse_str("bench.cfg", &text) {
        Ok(l) => l,
        Err(e) => panic!("{name}: {:?}", e.diagnostics),
    };
    let (plan, _) = match RulePlan::compile(&loaded.config, &NoFiles) {
        Ok(p) => p,
        Err(e) => panic!("{name}: {e}"),
    };
    let mut head = http1::Head::with_capacity(16);
    let buf = raw.as_bytes();
    head.parse_request(buf, &http1::Limits::default())
        .expect("request parses");
    let view = HeadView { buf, head: &head };
    let resp_raw = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 10\r\n\r\n";
    let mut rhead = http1::Head::with_capacity(16);
    rhead
        .parse_response(resp_raw, &http1::Limits::default())
        .expect("response parses");
    let rview = HeadView {
        buf: resp_raw,
        head: &rhead,
    };
    let env = Env {
        conn: ConnInfo {
            src: "10.1.2.3:40000".parse().ok(),
            dst: "127.0.0.1:8080".parse().ok(),
            ssl: false,
        },
        counters: &NoCounters,
        frontend: 0,
        backend: None,
    };
    let mut s = Scratch::default();
    let run = |s: &mut Scratch| match phase {
        Phase::TcpContent => {
            s.begin_request(&view);
            black_box(plan.tcp_content(0, &env, Some(&view), s));
        }
        Phase::Request => {
            s.begin_request(&view);
            black_box(plan.http_request(0, &env, &view, s));
        }
        Phase::Backend => {
            s.begin_request(&view);
            black_box(plan.choose_backend(0, &env, Some(&view), s));
        }
        Phase::Response => {
            s.begin_response(&rview);
            black_box(plan.http_response(0, &env, Some(&view), &rview, s));
        }
    };
    for _ in 0..1000 {
        run(&mut s);
    }
    // Enough iterations for ~100 ms.
    let probe = Instant::now();
    for _ in 0..1000 {
        run(&mut s);
    }
    let per = probe.elapsed().as_nanos().max(1) / 1000;
    let iters = (100_000_000 / per).clamp(10, 2_000_000) as u32;
    let start = Instant::now();
    for _ in 0..iters {
        run(&mut s);
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(iters);
    println!("{name:<48} {ns:>10.1} ns/eval  ({iters} iterations)");
}

fn main() {
    use Phase::*;
    bench("use_backend path_beg -i (4 patterns), miss", "    acl s path_beg -i /static1 /images /javascript /stylesheets\n    use_backend static if s", Backend, REQ);
    bench("use_backend seed002 (path_beg || path_end)", "    acl s path_beg -i /static /images\n    acl s path_end -i .jpg .gif .png .css .js\n    use_backend static if s", Backend, REQ);
    bench(
        "use_backend hdr_dom(host) -i",
        "    use_backend static if { hdr_dom(host) -i example }",
        Backend,
        REQ,
    );
    bench(
        "use_backend hdr(host) -i exact (port kept)",
        "    use_backend static if { hdr(host) -i api.example:8080 }",
        Backend,
        REQ,
    );
    bench(
        "use_backend %[req.hdr(host),lower,host_only]",
        "    use_backend %[req.hdr(host),lower,host_only]",
        Backend,
        REQ,
    );
    bench(
        "acl src 3 networks (deny, miss)",
        "    http-request deny if { src 192.168.0.0/16 172.16.0.0/12 10.99.0.0/16 }",
        Request,
        REQ,
    );
    bench(
        "acl hdr_reg(user-agent) -i (deny, miss)",
        "    http-request deny if { hdr_reg(user-agent) -i (crawler|spider|bot) }",
        Request,
        REQ,
    );
    bench(
        "acl req.cook(SID) -m found",
        "    http-request deny if !{ req.cook(SID) -m found }",
        Request,
        REQ,
    );
    bench(
        "acl urlp(v) -m int gt 2",
        "    http-request deny if !{ urlp(v) -m int gt 2 }",
        Request,
        REQ,
    );
    bench(
        "http-request deny (unconditional)",
        "    http-request deny",
        Request,
        REQ,
    );
    bench(
        "http-request set-header (literal)",
        "    http-request set-header X-Forwarded-Proto https",
        Request,
        REQ,
    );
    bench(
        "http-request add-header %[src]",
        "    http-request add-header X-Client %[src]",
        Request,
        REQ,
    );
    bench(
        "http-request del-header",
        "    http-request del-header Cookie",
        Request,
        REQ,
    );
    bench(
        "http-request replace-header (regex captures)",
        "    http-request replace-header Cookie SID=([^;]*)(.*) SID=x\\2",
        Request,
        REQ,
    );
    bench(
        "http-request set-path /v2%[path]",
        "    http-request set-path /v2%[path]",
        Request,
        REQ,
    );
    bench(
        "http-request redirect scheme https",
        "    http-request redirect scheme https",
        Request,
        REQ,
    );
    bench(
        "http-request return status 200 lf-string",
        "    http-request return status 200 content-type text/plain lf-string \"ok %[src]\"",
        Request,
        REQ,
    );
    bench(
        "http-request auth (challenge, no match)",
        "    http-request auth realm R if { path /never }\n    http-request auth realm R",
        Request,
        REQ,
    );
    bench(
        "http_auth(L) insecure-password",
        "    http-request deny if !{ http_auth(L) }",
        Request,
        REQ,
    );
    bench(
        "http_auth(L) SHA-512-crypt (5000 rounds)",
        "    http-request deny if !{ http_auth(L) }",
        Request,
        &REQ.replace("Ym9iOnB3", "YWxpY2U6c2VjcmV0"),
    );
    bench(
        "http-response set-header + del-header",
        "    http-response set-header X-Frame-Options DENY\n    http-response del-header Server",
        Response,
        REQ,
    );
    bench(
        "tcp-request content reject (miss)",
        "    tcp-request content reject if { src 192.168.0.0/16 }",
        TcpContent,
        REQ,
    );
}
