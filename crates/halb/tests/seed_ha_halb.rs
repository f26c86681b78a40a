//! The seed-000 tutorial's cluster with halb alone: two nodes each running `halb proxy` on the
//! VIP (the seed's haproxy.cfg) and `halb vrrp` (the seed's master/backup keepalived.conf),
//! two nginx web servers, one client, all in network namespaces. The configs are the seeds'
//! files with addresses and interface names changed (see `support_netns::cluster`).
//!
//! Every scenario asserts states — who holds the VIP, which web server answered, through
//! which node — and every wait is a bounded poll, never a timing.

mod support_netns;

use support_netns::cluster::{
    assert_both_webs_via, Cluster, VrrpDaemon, LB1, LB2, SEED000_BACKUP, SEED000_MASTER, SEED003_HA,
};
use support_netns::{vip, wait_until};

use VrrpDaemon::Halb;

/// The seed-000 cluster with `halb vrrp` on both nodes, up and serving through lb1.
fn seed000_cluster() -> Option<Cluster> {
    let mut c = Cluster::new()?;
    let master = c.rewrite(SEED000_MASTER);
    let backup = c.rewrite(SEED000_BACKUP);
    c.bring_up((Halb, &master), (Halb, &backup));
    Some(c)
}

/// The baseline every scenario starts from: the VIP on lb1 only, both web servers answering
/// through it.
fn assert_serving_through(c: &Cluster, lb: usize) {
    assert!(
        wait_until(support_netns::cluster::LONG, || c.lab.holders(vip())
            == vec![lb]),
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
fn both_web_servers_answer_through_the_vip_and_the_backup_already_listens_on_it() {
    let Some(c) = seed000_cluster() else { return };
    assert_serving_through(&c, LB1);
    // The backup's proxy is bound to the VIP it does not hold, without the seed's sysctl.
    let target = format!("{}:80", vip());
    assert!(!c.lab.has_addr(LB2, vip()));
    assert!(c.listening(LB2, &target), "lb2's proxy not on {target}");
    assert_eq!(
        c.nonlocal_bind(LB2),
        "0",
        "the test must not need ip_nonlocal_bind"
    );
    assert_eq!(c.nonlocal_bind(LB1), "0");
    // halb read the seed's keepalived.conf as keepalived does.
    assert!(c.vrrp_log(LB1).contains("(VI_1) Entering MASTER STATE"));
    assert!(!c.vrrp_log(LB2).contains("Entering MASTER STATE"));
}

#[test]
fn killing_the_masters_halb_processes_moves_the_vip_and_the_restarted_master_takes_it_back() {
    let Some(mut c) = seed000_cluster() else {
        return;
    };
    assert_serving_through(&c, LB1);

    c.kill_node(LB1);
    assert!(
        wait_until(support_netns::cluster::LONG, || c.lab.has_addr(LB2, vip())),
        "VIP never moved to lb2"
    );
    assert!(c.wait_answer_via(LB2), "client never recovered through lb2");
    let answers = c
        .get_many(10)
        .unwrap_or_else(|e| panic!("request after failover failed: {e}"));
    assert_both_webs_via(&answers, &c.via(LB2));
    assert!(c.vrrp_log(LB2).contains("(VI_1) Entering MASTER STATE"));

    // The master comes back (proxy first, as a boot would order it): it drops the VIP
    // SIGKILL left behind, then preempts with priority 100 over 90.
    let master = c.rewrite(SEED000_MASTER);
    c.start_seed_proxy(LB1);
    c.start_vrrp(LB1, Halb, &master);
    assert_serving_through(&c, LB1);
    assert!(wait_until(support_netns::cluster::LONG, || c
        .vrrp_log(LB2)
        .matches("Entering BACKUP STATE")
        .count()
        >= 2));
}

#[test]
fn downing_the_masters_link_moves_the_vip_and_link_up_takes_it_back() {
    let Some(c) = seed000_cluster() else { return };
    assert_serving_through(&c, LB1);

    // The tutorial's "systemctl stop network" on the master.
    c.lab.link(LB1, false);
    assert_serving_through(&c, LB2);
    assert!(c.vrrp_log(LB1).contains("Entering FAULT STATE"));

    c.lab.link(LB1, true);
    assert_serving_through(&c, LB1);
}

/// seed003's keepalived.conf (vrrp_script + weight 2, priorities 101/100 as its comments
/// say) with one change besides addresses and interfaces: `killall -0 haproxy` cannot see
/// namespaces apart (all share one PID namespace), so the script asks the node's own
/// namespace whether anything listens on port 80.
fn seed003_confs(c: &Cluster) -> (String, String) {
    let script = c
        .lab
        .write_script("chk_proxy.sh", "ss -Hltn 'sport = :80' | grep -q .");
    let master = c
        .rewrite(SEED003_HA)
        .replace("killall -0 haproxy", &script.display().to_string());
    assert!(
        master.contains("chk_proxy.sh"),
        "seed003 lost its script line"
    );
    // "备机请填写小于主机的值（例如100）": the backup is the same file, BACKUP, priority 100.
    let backup = master
        .replace("state MASTER ", "state BACKUP ")
        .replace("priority 101 ", "priority 100 ");
    assert_ne!(master, backup);
    (master, backup)
}

#[test]
fn stopping_the_masters_proxy_is_seen_by_the_vrrp_script_and_moves_the_vip() {
    let Some(mut c) = Cluster::new() else { return };
    let (master, backup) = seed003_confs(&c);
    c.bring_up((Halb, &master), (Halb, &backup));
    assert_serving_through(&c, LB1);

    // 103 vs 102 while both proxies run; without lb1's proxy, 101 < 102.
    c.stop_proxy(LB1, "TERM");
    assert_serving_through(&c, LB2);
    assert!(c.vrrp_log(LB2).contains("(VI_1) Entering MASTER STATE"));

    c.start_seed_proxy(LB1);
    assert_serving_through(&c, LB1);
}

/// The seed's configs turned into keepalived's non-preemptive form: both `state BACKUP`
/// plus `nopreempt` (keepalived ignores nopreempt on a MASTER).
fn nopreempt(conf: &str) -> String {
    conf.lines()
        .map(|l| {
            if l.trim_start().starts_with("state ") {
                "    state BACKUP\n    nopreempt".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn with_nopreempt_the_returning_master_leaves_the_vip_where_it_is() {
    let Some(mut c) = Cluster::new() else { return };
    let master = nopreempt(&c.rewrite(SEED000_MASTER));
    let backup = nopreempt(&c.rewrite(SEED000_BACKUP));
    assert!(master.contains("nopreempt") && !master.contains("state MASTER"));
    c.bring_up((Halb, &master), (Halb, &backup));
    assert_serving_through(&c, LB1);

    c.stop_vrrp(LB1, "TERM");
    assert_serving_through(&c, LB2);

    c.start_vrrp(LB1, Halb, &master);
    assert!(wait_until(support_netns::cluster::LONG, || c
        .vrrp_log(LB1)
        .contains("Entering BACKUP STATE")));
    // Several advert intervals later the higher-priority lb1 is still a backup.
    std::thread::sleep(std::time::Duration::from_secs(5));
    assert!(!c.vrrp_log(LB1).contains("Entering MASTER STATE"));
    assert_serving_through(&c, LB2);
}
