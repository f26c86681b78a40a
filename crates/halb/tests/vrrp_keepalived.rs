//! Interoperability: `halb vrrp` and the real keepalived 2.2.7 in one VRRP group, each as
//! master and as backup, VRRPv2 with PASS authentication and VRRPv3 (sub-second). The group
//! must elect one master, hold the VIP exactly there, and hand over on a graceful stop.

mod support_netns;

use std::path::Path;
use std::time::Duration;

use support_netns::{keepalived_conf, vip, wait_until, Daemon, InstanceConf, Lab};

const LONG: Duration = Duration::from_secs(25);

fn keepalived_installed() -> bool {
    Path::new("/usr/sbin/keepalived").exists()
}

fn conf(version: u8, advert: &'static str, state: &'static str, prio: u8) -> String {
    let mut i = InstanceConf::new(state, prio, vip());
    i.advert_int = advert;
    keepalived_conf(version, "", &[i])
}

/// Complaints either daemon would log about the other's adverts.
const COMPLAINTS: &[&str] = &[
    "invalid passwd",
    "checksum",
    "auth",
    "wrong version",
    "interval mismatch",
    "ip number count",
    "not present in MASTER advert",
    "TTL",
];

fn assert_no_complaints(d: &Daemon) {
    let log = d.log_text();
    for line in log.lines() {
        // keepalived's own start-up notices mention "authentication" for v3; not a complaint.
        if line.contains("does not support authentication") {
            continue;
        }
        for c in COMPLAINTS {
            assert!(!line.contains(c), "{} complained: {line}", d.name);
        }
    }
}

/// Master on host 0 (`halb_master`: halb, else keepalived), backup on host 1 (the other).
/// Checks election and stability, then SIGTERM of the master moves the VIP to the backup.
fn group(version: u8, advert: &'static str, halb_master: bool) {
    if !keepalived_installed() {
        eprintln!("SKIP: /usr/sbin/keepalived not installed");
        return;
    }
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let master_conf = conf(version, advert, "MASTER", 100);
    let backup_conf = conf(version, advert, "BACKUP", 90);
    let (mut master, backup) = if halb_master {
        let m = lab.start_halb(0, "halb", &master_conf);
        assert!(
            wait_until(LONG, || lab.holders(v) == vec![0]),
            "halb never master"
        );
        (m, lab.start_keepalived(1, "keepalived", &backup_conf))
    } else {
        let m = lab.start_keepalived(0, "keepalived", &master_conf);
        assert!(
            wait_until(LONG, || lab.holders(v) == vec![0]),
            "keepalived never master"
        );
        (m, lab.start_halb(1, "halb", &backup_conf))
    };
    assert!(wait_until(LONG, || backup.log_contains("Entering BACKUP STATE")));
    // Many adverts pass: the backup accepts every one of them and never takes over.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(lab.holders(v), vec![0], "VIP must be on the master only");
    assert!(!backup.log_contains("Entering MASTER STATE"));
    assert_no_complaints(&master);
    assert_no_complaints(&backup);

    master.signal("TERM");
    assert!(master.wait_exit(LONG).is_some(), "master did not exit");
    assert!(
        wait_until(LONG, || lab.holders(v) == vec![1]),
        "backup ({}) did not take the VIP: {:?}",
        backup.name,
        lab.holders(v)
    );
    assert!(backup.log_contains("(VI_1) Entering MASTER STATE"));
    assert_no_complaints(&backup);
}

#[test]
fn v2_pass_keepalived_master_halb_backup() {
    group(2, "1", false);
}

#[test]
fn v2_pass_halb_master_keepalived_backup() {
    group(2, "1", true);
}

#[test]
fn v3_subsecond_keepalived_master_halb_backup() {
    group(3, "0.5", false);
}

#[test]
fn v3_subsecond_halb_master_keepalived_backup() {
    group(3, "0.5", true);
}

#[test]
fn keepalived_rejects_halb_adverts_with_another_password() {
    if !keepalived_installed() {
        eprintln!("SKIP: /usr/sbin/keepalived not installed");
        return;
    }
    let Some(lab) = Lab::new(2) else { return };
    let v = vip();
    let _halb = lab.start_halb(0, "halb", &conf(2, "1", "MASTER", 100));
    assert!(wait_until(LONG, || lab.holders(v) == vec![0]));
    let other = conf(2, "1", "BACKUP", 90).replace("auth_pass s3cret", "auth_pass other");
    let ka = lab.start_keepalived(1, "keepalived", &other);
    // keepalived does not accept halb's adverts: it complains and becomes master itself.
    assert!(wait_until(LONG, || ka.log_contains("invalid passwd")));
    assert!(wait_until(LONG, || lab.has_addr(1, v)));
}
