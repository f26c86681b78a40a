//! "Evaluating rules allocates nothing per request that could be reused": after one warm-up
//! request has grown the `Scratch` buffers, the same rules on further requests allocate zero
//! times. Counted with a global allocator, on this thread only.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rules::{RequestVerdict, ResponseVerdict, Scratch};
use support::{compile, conn, env, req, resp, HEAD};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(|c| c.get())
}

const CFG: &str = "userlist L
    user bob insecure-password pw
frontend f
    bind 127.0.0.1:8080
    acl url_static path_beg -i /static /images /javascript /stylesheets
    acl url_static path_end -i .jpg .gif .png .css .js
    acl api hdr_dom(host) -i api
    acl blocked src 192.168.0.0/16 10.99.0.0/16
    acl bot hdr_reg(user-agent) -i (crawler|spider)
    http-request deny if blocked || bot
    http-request auth realm R if { path_beg /admin } !{ http_auth(L) }
    http-request redirect scheme https code 301 if { path /old }
    http-request return status 200 content-type text/plain lf-string \"ok %[src]\" if { path /health }
    http-request set-header X-Forwarded-Proto http
    http-request add-header X-Client %[src]
    http-request del-header X-Internal
    http-request set-path /v2%[path] if { path_beg /v1 }
    http-request set-var(txn.h) req.hdr(host),lower,field(1,:)
    use_backend static if url_static
    use_backend %[var(txn.h)] if api
    default_backend app
    http-response set-header X-Frame-Options DENY
    http-response del-header Server
backend static
    server s 127.0.0.1:9001
backend api.example
    server s 127.0.0.1:9002
backend app
    server s 127.0.0.1:9003
";

#[test]
fn steady_state_evaluation_allocates_nothing() {
    let c = compile(&format!("{HEAD}{CFG}"));
    let requests = [
        "GET /static/app.css HTTP/1.1\nHost: www.example\nUser-Agent: curl\nX-Internal: 1\n\n",
        "GET /v1/users?id=3 HTTP/1.1\nHost: api.example:8080\n\n",
        "GET /old HTTP/1.1\nHost: a\n\n",
        "GET /health HTTP/1.1\nHost: a\n\n",
        "GET /admin HTTP/1.1\nHost: a\n\n",
        "GET /admin HTTP/1.1\nHost: a\nAuthorization: Basic Ym9iOnB3\n\n",
        "GET / HTTP/1.1\nHost: a\nUser-Agent: MegaCrawler/1.0\n\n",
    ];
    let parsed: Vec<_> = requests.iter().map(|r| req(r)).collect();
    let response = resp("HTTP/1.1 200 OK\nServer: x\nContent-Length: 0\n\n");
    let e = env(conn("10.1.2.3:40000", "127.0.0.1:8080"));
    let mut s = Scratch::default();
    let mut edits = Vec::with_capacity(32);
    let mut verdicts = Vec::with_capacity(64);
    let mut out = Vec::with_capacity(1024);
    let round = |s: &mut Scratch,
                 edits: &mut Vec<http1::Edit<'static>>,
                 out: &mut Vec<u8>,
                 verdicts: &mut Vec<(RequestVerdict, Option<usize>)>| {
        for r in &parsed {
            s.begin_request(&r.view());
            let v = c.plan.http_request(0, &e, &r.view(), s);
            let be = c.plan.choose_backend(0, &e, Some(&r.view()), s);
            let xff = [http1::Edit::Append {
                name: b"x-forwarded-for",
                value: b"10.1.2.3",
            }];
            s.request_edits().write_head(
                &r.buf,
                &r.head,
                http1::Side::Request,
                &xff,
                http1::ConnectionHeader::KeepAlive { http10_peer: false },
                edits,
                out,
            );
            s.begin_response(&response.view());
            let rv = c
                .plan
                .http_response(0, &e, Some(&r.view()), &response.view(), s);
            assert_eq!(rv, ResponseVerdict::Continue);
            s.response_edits().write_head(
                &response.buf,
                &response.head,
                http1::Side::Response,
                &[],
                http1::ConnectionHeader::KeepAlive { http10_peer: false },
                edits,
                out,
            );
            verdicts.push((v, be));
        }
    };
    round(&mut s, &mut edits, &mut out, &mut verdicts);
    let warm = verdicts.clone();
    verdicts.clear();
    let before = allocs();
    round(&mut s, &mut edits, &mut out, &mut verdicts);
    let during = allocs() - before;
    assert_eq!(verdicts, warm, "same answers on the second pass");
    assert_eq!(
        during,
        0,
        "allocations during {} steady-state requests",
        parsed.len()
    );
    // The answers themselves, so this test also proves the rules ran.
    assert_eq!(warm[0], (RequestVerdict::Continue, Some(1)));
    assert_eq!(warm[1], (RequestVerdict::Continue, Some(2)));
    assert_eq!(warm[2].0, RequestVerdict::Reply { status: 301 });
    assert_eq!(warm[3].0, RequestVerdict::Reply { status: 200 });
    assert_eq!(warm[4].0, RequestVerdict::Reply { status: 401 });
    assert_eq!(warm[5], (RequestVerdict::Continue, Some(3)));
    assert_eq!(warm[6].0, RequestVerdict::Deny { status: 403 });
}
