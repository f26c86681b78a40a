//! `agent-check` through the real binary: the agent on the server says `drain`, `maint`,
//! `ready`, `down`, `up`; traffic follows and stderr says it in HAProxy's words.

mod checks_support;

use std::net::SocketAddr;

use checks_support::{free_port, get, message, Agent, Halb, Web};

#[test]
fn agent_drains_and_readies_a_server() {
    let a = Web::start("a");
    let b = Web::start("b");
    let agent = Agent::start("up\n");
    let p = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], p).into();
    let cfg = format!(
        "defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{p}
    default_backend app
backend app
    server a {} check inter 100 agent-check agent-port {} agent-inter 100
    server b {} check inter 100
",
        a.addr,
        agent.port(),
        b.addr
    );
    let h = Halb::start(&cfg, addr);

    agent.say("drain\n");
    let drain = h.wait_line("enters drain state");
    assert_eq!(
        message(&drain),
        "Server app/a enters drain state. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
    );
    let during: Vec<_> = (0..6).map(|_| get(addr, "/")).collect();
    assert!(
        during.iter().all(|r| r == &(200, "b".to_string())),
        "{during:?}"
    );

    agent.say("maint\n");
    let maint = h.wait_line("is going DOWN for maintenance");
    assert_eq!(
        message(&maint),
        "Server app/a is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );

    agent.say("ready\n");
    assert_eq!(
        message(&h.wait_line("leaving forced maintenance")),
        "Server app/a is UP/READY (leaving forced maintenance)."
    );
    let after: Vec<_> = (0..6).map(|_| get(addr, "/")).collect();
    assert!(
        after.contains(&(200, "a".to_string())),
        "traffic returns: {after:?}"
    );

    agent.say("down\n");
    let down = h.wait_line("Server app/a is DOWN");
    assert!(
        message(&down).starts_with("Server app/a is DOWN, reason: Layer7 wrong status, code: 0, info: \"via agent : down\", check duration: "),
        "{down}"
    );
    let during: Vec<_> = (0..6).map(|_| get(addr, "/")).collect();
    assert!(
        during.iter().all(|r| r == &(200, "b".to_string())),
        "{during:?}"
    );
}

#[test]
fn agent_weight_percentage_shifts_traffic() {
    let a = Web::start("a");
    let b = Web::start("b");
    let agent = Agent::start("up 25%\n");
    let p = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], p).into();
    let cfg = format!(
        "global
    nbthread 1
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{p}
    default_backend app
backend app
    balance roundrobin
    server a {} weight 100 check inter 100 agent-check agent-port {} agent-inter 100
    server b {} weight 100 check inter 100
",
        a.addr,
        agent.port(),
        b.addr
    );
    let _h = Halb::start(&cfg, addr);
    // Equal weights give a 5 of every 10 requests; at 25% of its weight it gets 2.
    let start = std::time::Instant::now();
    loop {
        let to_a = (0..10)
            .map(|_| get(addr, "/"))
            .filter(|r| r == &(200, "a".to_string()))
            .count();
        if to_a <= 3 {
            assert!(to_a >= 1, "a still takes its share");
            break;
        }
        assert!(
            start.elapsed() < checks_support::WAIT,
            "the agent's 25% never applied"
        );
    }
}
