//! The seed-000 cluster with real keepalived on one node and `halb vrrp` on the other, both
//! nodes running `halb proxy`: the two daemons must form one VRRP group from the seeds'
//! unchanged keepalived.conf files (addresses and interface names aside) and hand the VIP
//! over in both directions.

mod support_netns;

use support_netns::cluster::{
    assert_both_webs_via, Cluster, VrrpDaemon, LB1, LB2, LONG, SEED000_BACKUP, SEED000_MASTER,
    SEED003_HA,
};
use support_netns::{vip, wait_until};

use VrrpDaemon::{Halb, Keepalived};

fn assert_serving_through(c: &Cluster, lb: usize) {
    assert!(
        wait_until(LONG, || c.lab.holders(vip()) == vec![lb]),
        "VIP not on lb{} alone: {:?}",
        lb + 1,
        c.lab.holders(vip())
    );
    assert!(
        c.wait_answer_via(lb),
        "client never answered through lb{}: {:?}",
        lb + 1,
        c.get()
    );
    let answers = c
        .get_many(10)
        .unwrap_or_else(|e| panic!("a request through lb{} failed: {e}", lb + 1));
    assert_both_webs_via(&answers, &c.via(lb));
}

#[test]
fn keepalived_master_hands_the_vip_to_halb_on_link_loss_and_takes_it_back() {
    let Some(mut c) = Cluster::new() else { return };
    let master = c.rewrite(SEED000_MASTER);
    let backup = c.rewrite(SEED000_BACKUP);
    c.bring_up((Keepalived, &master), (Halb, &backup));
    assert_serving_through(&c, LB1);
    assert!(c.vrrp_log(LB1).contains("(VI_1) Entering MASTER STATE"));

    c.lab.link(LB1, false);
    assert_serving_through(&c, LB2);
    assert!(c.vrrp_log(LB2).contains("(VI_1) Entering MASTER STATE"));

    c.lab.link(LB1, true);
    assert_serving_through(&c, LB1);
    assert!(wait_until(LONG, || c
        .vrrp_log(LB2)
        .matches("Entering BACKUP STATE")
        .count()
        >= 2));
}

#[test]
fn halb_master_crash_hands_the_vip_to_keepalived_and_the_restart_preempts() {
    let Some(mut c) = Cluster::new() else { return };
    let master = c.rewrite(SEED000_MASTER);
    let backup = c.rewrite(SEED000_BACKUP);
    c.bring_up((Halb, &master), (Keepalived, &backup));
    assert_serving_through(&c, LB1);

    c.kill_node(LB1);
    assert!(
        wait_until(LONG, || c.lab.has_addr(LB2, vip())),
        "keepalived on lb2 never took the VIP"
    );
    assert!(c.wait_answer_via(LB2), "client never recovered through lb2");
    let answers = c
        .get_many(10)
        .unwrap_or_else(|e| panic!("request after failover failed: {e}"));
    assert_both_webs_via(&answers, &c.via(LB2));

    c.start_seed_proxy(LB1);
    c.start_vrrp(LB1, Halb, &master);
    assert_serving_through(&c, LB1);
    assert!(c.vrrp_log(LB2).contains("(VI_1) Entering BACKUP STATE"));
}

#[test]
fn keepalived_master_tracking_its_proxy_yields_to_halb_when_the_proxy_stops() {
    let Some(mut c) = Cluster::new() else { return };
    // As in seed_ha_halb: seed003 with a netns-local listener check for `killall -0`.
    let script = c
        .lab
        .write_script("chk_proxy.sh", "ss -Hltn 'sport = :80' | grep -q .");
    let master = c
        .rewrite(SEED003_HA)
        .replace("killall -0 haproxy", &script.display().to_string());
    let backup = master
        .replace("state MASTER ", "state BACKUP ")
        .replace("priority 101 ", "priority 100 ");
    c.bring_up((Keepalived, &master), (Halb, &backup));
    assert_serving_through(&c, LB1);

    c.stop_proxy(LB1, "TERM");
    assert_serving_through(&c, LB2);

    c.start_seed_proxy(LB1);
    assert_serving_through(&c, LB1);
}
