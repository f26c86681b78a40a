//! The seed-000 cluster's health checks (`option httpchk GET /index.html`, `check inter 2000
//! rise 3 fall 3`) with halb alone: a stopped web server is taken out of rotation by both
//! nodes' proxies, so after the checks see it every client request is answered — also after a
//! failover — and it comes back when it returns; the seed's stats page shows each change.

mod support_netns;

use support_netns::cluster::{
    Answer, Cluster, VrrpDaemon, LB1, LB2, LONG, SEED000_BACKUP, SEED000_MASTER, WEB1,
};
use support_netns::{vip, wait_until};

use VrrpDaemon::Halb;

/// Ten requests in a row all answered, all by web2 through node `lb`.
fn only_web2_via(c: &Cluster, lb: usize) -> bool {
    let via = c.via(lb);
    c.get_many(10)
        .map(|a: Vec<Answer>| a.iter().all(|x| x.web == "web2" && x.via == via))
        .unwrap_or(false)
}

#[test]
fn a_stopped_web_server_is_taken_out_and_every_request_is_answered_through_either_node() {
    let Some(mut c) = Cluster::new() else { return };
    let master = c.rewrite(SEED000_MASTER);
    let backup = c.rewrite(SEED000_BACKUP);
    c.bring_up((Halb, &master), (Halb, &backup));
    assert!(c.wait_answer_via(LB1));
    // Both servers pass their checks first (rise 3 × inter 2000 from the proxies' start).
    assert!(
        wait_until(LONG, || c
            .get_many(10)
            .map(|a| a.iter().any(|x| x.web == "web1") && a.iter().any(|x| x.web == "web2"))
            .unwrap_or(false)),
        "both web servers never answered"
    );

    c.stop_web(WEB1);
    // fall 3 × inter 2000: until then some requests still go to web1 and fail.
    assert!(
        wait_until(LONG, || only_web2_via(&c, LB1)),
        "requests through lb1 still fail or reach web1: {:?}",
        c.get_many(10)
    );
    for lb in [LB1, LB2] {
        assert!(
            wait_until(LONG, || c.proxy_log(lb).contains("http_back/node1 is DOWN")),
            "lb{}'s proxy never logged node1 DOWN:\n{}",
            lb + 1,
            c.proxy_log(lb)
        );
    }
    let answers = c
        .get_many(30)
        .unwrap_or_else(|e| panic!("a request failed: {e}"));
    assert!(answers.iter().all(|a| a.web == "web2"), "{answers:?}");
    // The seed's stats page (`stats uri /haproxy?stats`) says so too.
    assert_eq!(
        c.stats_status("http_back", "node1").as_deref(),
        Some("DOWN"),
        "stats page through the VIP"
    );
    assert_eq!(c.stats_status("http_back", "node2").as_deref(), Some("UP"));

    // The backup's proxy checked too: after a failover nothing reaches the dead server.
    c.lab.link(LB1, false);
    assert!(wait_until(LONG, || c.lab.holders(vip()) == vec![LB2]));
    assert!(c.wait_answer_via(LB2));
    let answers = c
        .get_many(30)
        .unwrap_or_else(|e| panic!("a request via lb2 failed: {e}"));
    assert!(
        answers
            .iter()
            .all(|a| a.web == "web2" && a.via == c.via(LB2)),
        "{answers:?}"
    );

    // web1 returns: rise 3 checks later it is back in rotation.
    c.start_web(WEB1);
    assert!(
        wait_until(LONG, || c.get().map(|a| a.web == "web1").unwrap_or(false)),
        "web1 never came back into rotation"
    );
    assert!(c.proxy_log(LB2).contains("http_back/node1 is UP"));
    assert_eq!(
        c.stats_status("http_back", "node1").as_deref(),
        Some("UP"),
        "the stats page shows node1 back"
    );
}
