//! The seed scenario (seed000-haproxy.cfg: two nodes, `option httpchk GET /index.html`,
//! `inter 2000 rise 3 fall 3`) through the real binary, addresses moved to 127.0.0.1: stop one
//! node's web server, traffic all goes to the other with no failed client request after
//! detection; start it again, traffic returns.

mod checks_support;

use std::net::SocketAddr;

use checks_support::{free_port, get, message, Halb, Web};

/// seed000-haproxy.cfg with only the addresses changed (the VIP and the two nodes become
/// 127.0.0.1 ports). `daemon` stays: the test runs `halb proxy -db`, which keeps it in the
/// foreground as `haproxy -db` does.
fn seed000(fe: u16, node1: u16, node2: u16) -> String {
    format!(
        r#"# From seed 000: haproxy 1.7 behind a keepalived VIP, two HTTP nodes.
global
    log 127.0.0.1 local3 info
    user haproxy
    group haproxy
    daemon
    maxconn 4000

defaults
    log global
    mode http
    option httplog
    option dontlognull
    timeout connect 5000
    timeout client 50000
    timeout server 50000

frontend http_front
    bind 127.0.0.1:{fe}
    # haproxy的状态管理页面,通过/haproxy?stats来访问
    stats uri /haproxy?stats
    default_backend http_back

backend http_back
    balance roundrobin
    option httpchk GET /index.html
    option forwardfor header X-Forwarded-For
    server node1 127.0.0.1:{node1} check inter 2000 rise 3 fall 3 weight 30
    server node2 127.0.0.1:{node2} check inter 2000 rise 3 fall 3 weight 30
"#
    )
}

fn bodies(addr: SocketAddr, n: usize) -> Vec<(u16, String)> {
    (0..n).map(|_| get(addr, "/index.html")).collect()
}

#[test]
fn stopped_node_is_taken_out_without_failed_requests_and_comes_back() {
    let mut node1 = Web::start("node1");
    let node2 = Web::start("node2");
    let fe = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], fe).into();
    let halb = Halb::start(&seed000(fe, node1.port(), node2.port()), addr);

    // Both nodes serve while healthy (roundrobin, equal weights).
    let before = bodies(addr, 10);
    assert!(before.iter().all(|(s, _)| *s == 200), "{before:?}");
    assert!(before.iter().any(|(_, b)| b == "node1"), "{before:?}");
    assert!(before.iter().any(|(_, b)| b == "node2"), "{before:?}");

    node1.stop();
    let down = halb.wait_line("Server http_back/node1 is DOWN");
    assert!(
        message(&down).starts_with(
            "Server http_back/node1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: "
        ),
        "{down}"
    );
    assert!(
        down.ends_with("ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."),
        "{down}"
    );
    assert!(down.starts_with("[WARNING]  ("), "{down}");

    // After detection: every request succeeds, and all of them on node2.
    let during = bodies(addr, 20);
    assert!(
        during.iter().all(|r| r == &(200, "node2".to_string())),
        "{during:?}"
    );

    node1.restart();
    let up = halb.wait_line("Server http_back/node1 is UP");
    assert!(
        message(&up).starts_with("Server http_back/node1 is UP, reason: Layer7 check passed, code: 200, check duration: "),
        "{up}"
    );
    assert!(
        up.ends_with(
            "ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
        ),
        "{up}"
    );
    let after = bodies(addr, 10);
    assert!(after.iter().all(|(s, _)| *s == 200), "{after:?}");
    assert!(
        after.iter().any(|(_, b)| b == "node1"),
        "traffic returns to node1: {after:?}"
    );
    // The checks asked for the configured URI.
    assert!(node1.requests() > 0);
}
