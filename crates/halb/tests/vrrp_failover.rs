//! `halb vrrp` failover between real processes in network namespaces: election, crash, link
//! loss, graceful stop, tracked scripts, preemption, reload. States are asserted (who holds
//! the VIP, what the logs and notify scripts say), never timings: every wait is a bounded poll.

mod support_netns;

use std::time::Duration;

use support_netns::{keepalived_conf, vip, wait_until, InstanceConf, Lab};

/// Generous: an election takes 3×advert + skew; loaded CI machines are slow.
const LONG: Duration = Duration::from_secs(20);

fn v3(state: &'static str, priority: u8, extra: &str) -> String {
    let mut i = InstanceConf::new(state, priority, vip());
    i.advert_int = "0.5";
    i.extra = extra.to_string();
    keepalived_conf(3, "", &[i])
}

fn notify_line(lab: &Lab, name: &str) -> String {
    let script = lab.write_script(
        &format!("notify-{name}.sh"),
        &format!(
            "echo \"$@\" >> {}",
            lab.path(&format!("{name}.states")).display()
        ),
    );
    format!("    notify {}", script.display())
}

#[test]
fn master_crash_moves_vip_and_client_follows_the_gratuitous_arp() {
    let Some(lab) = Lab::new(3) else { return };
    let v = vip();
    let lb1 = lab.start_halb(0, "lb1", &v3("MASTER", 100, ""));
    assert!(
        wait_until(LONG, || lab.holders(v) == vec![0]),
        "VIP never on lb1"
    );
    let lb2 = lab.start_halb(1, "lb2", &v3("BACKUP", 90, ""));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));
    // The backup hears the master and stays backup for several down intervals.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(lab.holders(v), vec![0], "VIP exactly on the master");
    assert!(!lb2.log_contains("Entering MASTER STATE"));

    // The client (host 3) reaches the VIP at lb1's MAC.
    let _r1 = lab.serve_name(0, "lb1");
    let _r2 = lab.serve_name(1, "lb2");
    assert!(
        wait_until(LONG, || lab.fetch(2, v).as_deref() == Some("lb1")),
        "client cannot reach the VIP on lb1"
    );
    assert_eq!(lab.neighbour_mac(2, v), lab.mac(0));

    lb1.signal("KILL");
    assert!(
        wait_until(LONG, || lab.has_addr(1, v)),
        "VIP never moved to lb2"
    );
    assert!(
        wait_until(LONG, || lab.neighbour_mac(2, v) == lab.mac(1)),
        "client's neighbour entry still {} (lb2 is {})",
        lab.neighbour_mac(2, v),
        lab.mac(1)
    );
    assert_eq!(
        lab.fetch(2, v).as_deref(),
        Some("lb2"),
        "client does not reach the VIP on lb2"
    );
    assert!(lb2.log_contains("(VI_1) Entering MASTER STATE"));
    assert!(lb2.log_contains("Sending gratuitous ARP on eth0 for 198.18.7.100"));

    // SIGKILL left the VIP on lb1 (as keepalived does); a restarted lb1 removes it at start
    // and, with the higher priority, preempts.
    let _lb1b = lab.start_halb(0, "lb1b", &v3("MASTER", 100, ""));
    assert!(
        wait_until(LONG, || lab.holders(v) == vec![0]),
        "restarted master did not take the VIP back alone: {:?}",
        lab.holders(v)
    );
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));
}

#[test]
fn sigterm_hands_over_with_priority_zero_and_runs_notify_stop() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let mut i1 = InstanceConf::new("MASTER", 100, v);
    i1.extra = notify_line(&lab, "lb1");
    let mut i2 = InstanceConf::new("BACKUP", 90, v);
    i2.extra = notify_line(&lab, "lb2");
    let mut lb1 = lab.start_halb(0, "lb1", &keepalived_conf(2, "", &[i1]));
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &keepalived_conf(2, "", &[i2]));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));

    lb1.signal("TERM");
    assert_eq!(lb1.wait_exit(LONG), Some(0), "lb1 did not exit cleanly");
    assert!(wait_until(LONG, || lab.holders(v) == vec![1]));
    let log1 = lb1.log_text();
    assert!(log1.contains("(VI_1) sent 0 priority"), "{log1}");
    assert!(log1.contains("(VI_1) removing VIPs."));
    assert!(log1.contains("Stopped"));
    assert!(lb2.log_contains("(VI_1) Backup received priority 0 advertisement"));
    let states = |n: &str| std::fs::read_to_string(lab.path(&format!("{n}.states")));
    assert!(wait_until(LONG, || states("lb2")
        .unwrap_or_default()
        .contains("INSTANCE VI_1 MASTER 90")));
    assert_eq!(
        states("lb1").unwrap_or_default(),
        "INSTANCE VI_1 BACKUP 100\nINSTANCE VI_1 MASTER 100\nINSTANCE VI_1 STOP 100\n"
    );
}

#[test]
fn link_down_is_fault_and_link_up_preempts_back() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let lb1 = lab.start_halb(0, "lb1", &v3("MASTER", 100, ""));
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &v3("BACKUP", 90, ""));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));

    lab.link(0, false);
    assert!(wait_until(LONG, || lb1.log_contains("(VI_1) Entering FAULT STATE")));
    assert!(wait_until(LONG, || lab.holders(v) == vec![1]));

    lab.link(0, true);
    assert!(
        wait_until(LONG, || lab.holders(v) == vec![0]),
        "lb1 did not preempt after its link came back: {:?}",
        lab.holders(v)
    );
    assert_eq!(lb1.count_in_log("Entering MASTER STATE"), 2);
}

#[test]
fn failing_track_script_moves_the_vip_and_recovery_brings_it_back() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let healthy = lab.path("healthy");
    std::fs::write(&healthy, "").expect("flag file");
    let check = lab.write_script("chk.sh", &format!("test -f {}", healthy.display()));
    let block = format!(
        "vrrp_script chk_flag {{\n    script \"{}\"\n    interval 1\n    fall 1\n    rise 1\n}}\n",
        check.display()
    );
    let track = "    track_script {\n        chk_flag\n    }";
    let mut i1 = InstanceConf::new("MASTER", 100, v);
    i1.advert_int = "0.5";
    i1.extra = track.to_string();
    let lb1 = lab.start_halb(0, "lb1", &keepalived_conf(3, &block, &[i1]));
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &v3("BACKUP", 90, ""));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));
    assert!(lb1.log_contains("VRRP_Script(chk_flag) succeeded"));

    std::fs::remove_file(&healthy).expect("remove flag");
    assert!(wait_until(LONG, || lb1.log_contains("VRRP_Script(chk_flag) failed")));
    assert!(wait_until(LONG, || lb1.log_contains("(VI_1) Entering FAULT STATE")));
    assert!(wait_until(LONG, || lab.holders(v) == vec![1]));

    std::fs::write(&healthy, "").expect("flag file");
    assert!(
        wait_until(LONG, || lab.holders(v) == vec![0]),
        "VIP did not come back after the script recovered"
    );
}

#[test]
fn negative_weight_lowers_priority_below_the_backup() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let healthy = lab.path("healthy");
    std::fs::write(&healthy, "").expect("flag file");
    let block = format!(
        "vrrp_script chk_flag {{\n    script \"test -f {}\"\n    interval 1\n    weight -20\n}}\n",
        healthy.display()
    );
    let mut i1 = InstanceConf::new("MASTER", 100, v);
    i1.advert_int = "0.5";
    i1.extra = "    track_script {\n        chk_flag\n    }".to_string();
    let lb1 = lab.start_halb(0, "lb1", &keepalived_conf(3, &block, &[i1]));
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &v3("BACKUP", 90, ""));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));

    std::fs::remove_file(&healthy).expect("remove flag");
    assert!(wait_until(LONG, || lb1.log_contains(
        "(VI_1) Changing effective priority from 100 to 80"
    )));
    assert!(wait_until(LONG, || lab.holders(v) == vec![1]));
    // Weighted: lb1 is BACKUP, not FAULT.
    assert!(!lb1.log_contains("Entering FAULT STATE"));
}

#[test]
fn nopreempt_keeps_the_new_master_when_the_old_one_returns() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let conf1 = v3("BACKUP", 100, "    nopreempt");
    let mut lb1 = lab.start_halb(0, "lb1", &conf1);
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &v3("BACKUP", 90, "    nopreempt"));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));
    lb1.signal("TERM");
    assert_eq!(lb1.wait_exit(LONG), Some(0));
    assert!(wait_until(LONG, || lab.holders(v) == vec![1]));

    let lb1b = lab.start_halb(0, "lb1b", &conf1);
    assert!(wait_until(LONG, || lb1b.log_contains("Entering BACKUP STATE")));
    // Several master-down intervals (3×0.5 s + skew) pass: the higher priority stays backup.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(lab.holders(v), vec![1]);
    assert!(!lb1b.log_contains("Entering MASTER STATE"));
}

#[test]
fn sighup_with_the_same_config_keeps_state_and_a_new_priority_applies() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let lb1 = lab.start_halb(0, "lb1", &v3("MASTER", 100, ""));
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &v3("BACKUP", 90, ""));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));

    lb1.signal("HUP");
    assert!(wait_until(LONG, || lb1.log_contains("Reload finished")));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(lab.holders(v), vec![0]);
    assert_eq!(lb1.count_in_log("Entering MASTER STATE"), 1);
    assert_eq!(
        lb1.count_in_log("removing VIPs."),
        1,
        "only the start-up cleanup"
    );
    assert!(!lb2.log_contains("Entering MASTER STATE"));

    // A new config that cannot run here is refused; the running one stays.
    lab.write(
        "lb1.conf",
        &v3("MASTER", 100, "").replace("interface eth0", "interface nosuchif0"),
    );
    lb1.signal("HUP");
    assert!(wait_until(LONG, || lb1
        .log_contains("keeping the running configuration")));
    assert_eq!(lab.holders(v), vec![0]);

    // The same file with a lower priority: the reload restarts the instance, lb2 wins.
    lab.write("lb1.conf", &v3("MASTER", 80, ""));
    lb1.signal("HUP");
    assert!(wait_until(LONG, || lb1.count_in_log("Reload finished") == 3));
    assert!(wait_until(LONG, || lab.holders(v) == vec![1]));
}

#[test]
fn without_dont_fork_the_daemon_detaches_and_writes_its_pid_file() {
    let Some(lab) = Lab::new(1) else { return };
    let v = vip();
    let conf = lab.write("lb1.conf", &v3("MASTER", 100, ""));
    let pid_file = lab.path("lb1.pid");
    let conf_s = conf.to_string_lossy().into_owned();
    let pid_s = pid_file.to_string_lossy().into_owned();
    let out = lab.exec(
        0,
        &[
            support_netns::halb(),
            "vrrp",
            "-D",
            "-f",
            &conf_s,
            "-p",
            &pid_s,
        ],
    );
    assert!(out.status.success(), "launcher failed: {out:?}");
    let read_pid = || {
        std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
    };
    assert!(wait_until(LONG, || read_pid().is_some()), "no pid file");
    let pid = read_pid().unwrap_or_default();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));

    let _ = support_netns::run("kill", &["-TERM", &pid.to_string()]);
    assert!(
        wait_until(LONG, || lab.holders(v).is_empty()),
        "VIP left behind"
    );
    assert!(
        wait_until(LONG, || !pid_file.exists()),
        "pid file left behind"
    );
}

#[test]
fn sync_group_members_fail_over_together() {
    let Some(lab) = Lab::new(2) else { return };
    let v1 = vip();
    let v2 = std::net::Ipv4Addr::new(198, 18, 7, 101);
    let healthy = lab.path("healthy");
    std::fs::write(&healthy, "").expect("flag file");
    let block = format!(
        "vrrp_script chk_flag {{\n    script \"test -f {}\"\n    interval 1\n}}\n",
        healthy.display()
    );
    let states = lab.path("group.states");
    let notify = lab.write_script(
        "notify-group.sh",
        &format!("echo \"$@\" >> {}", states.display()),
    );
    let conf = |state: &'static str, prio: u8, track: bool| {
        let mut a = InstanceConf::new(state, prio, v1);
        a.advert_int = "0.5";
        if track {
            a.extra = "    track_script {\n        chk_flag\n    }".to_string();
        }
        let mut b = InstanceConf::new(state, prio, v2);
        b.name = "VI_2";
        b.vrid = 52;
        b.advert_int = "0.5";
        let mut text = keepalived_conf(3, &block, &[a, b]);
        text.push_str(&format!(
            "vrrp_sync_group G1 {{\n    group {{\n        VI_1\n        VI_2\n    }}\n    notify {}\n}}\n",
            notify.display()
        ));
        text
    };
    let lb1 = lab.start_halb(0, "lb1", &conf("MASTER", 100, true));
    assert!(wait_until(LONG, || lab.holders(v1) == vec![0]
        && lab.holders(v2) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &conf("BACKUP", 90, false));
    assert!(wait_until(LONG, || lb2
        .count_in_log("Entering BACKUP STATE")
        >= 2));

    // Only VI_1 tracks the script; the group takes VI_2 along.
    std::fs::remove_file(&healthy).expect("remove flag");
    assert!(
        wait_until(LONG, || lab.holders(v1) == vec![1]
            && lab.holders(v2) == vec![1]),
        "group did not move together: VI_1 on {:?}, VI_2 on {:?}",
        lab.holders(v1),
        lab.holders(v2)
    );
    assert!(lb1.log_contains("VRRP_Group(G1) Syncing instances to FAULT state"));
    assert!(wait_until(LONG, || std::fs::read_to_string(&states)
        .unwrap_or_default()
        .contains("GROUP G1 FAULT")));
}

#[test]
fn unicast_peers_elect_and_fail_over() {
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let unicast = |me: usize, peer: usize| {
        format!(
            "    unicast_src_ip {}\n    unicast_peer {{\n        {}\n    }}",
            lab.addr(me),
            lab.addr(peer)
        )
    };
    let lb1 = lab.start_halb(0, "lb1", &v3("MASTER", 100, &unicast(0, 1)));
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let lb2 = lab.start_halb(1, "lb2", &v3("BACKUP", 90, &unicast(1, 0)));
    assert!(wait_until(LONG, || lb2.log_contains("Entering BACKUP STATE")));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        lab.holders(v),
        vec![0],
        "backup must hear the unicast adverts"
    );
    assert!(!lb2.log_contains("Entering MASTER STATE"));

    lb1.signal("KILL");
    assert!(wait_until(LONG, || lab.has_addr(1, v)));
    assert!(lb2.log_contains("(VI_1) Entering MASTER STATE"));
}
