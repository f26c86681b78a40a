//! One instance, driven by hand: the exact actions, in keepalived's order, with keepalived's
//! log lines (as captured from keepalived 2.2.7 in a network namespace).

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use vrrp::{Action, Advert, Auth, Instance, InstanceConfig, State, SyncGroup, Version};

const OURS: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);
const PEER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 12);
const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);

fn cfg(priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 51, priority, OURS);
    c.vips = vec![VIP];
    c
}

fn drain(i: &mut Instance) -> Vec<Action> {
    std::iter::from_fn(|| i.poll_action()).collect()
}

fn log(line: &str) -> Action {
    Action::Log {
        detail: false,
        line: line.to_string(),
    }
}

fn detail(line: &str) -> Action {
    Action::Log {
        detail: true,
        line: line.to_string(),
    }
}

fn advert(priority: u8) -> Advert {
    Advert {
        version: Version::V2,
        vrid: 51,
        priority,
        advert_int: 1,
        auth: Auth::None,
        addresses: vec![VIP],
        checksum: 0,
    }
}

fn sent(priority: u8) -> Action {
    Action::SendAdvert(advert(priority))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn backup_start_then_master_on_timeout_in_keepalived_order() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(100), t0);
    assert_eq!(
        drain(&mut i),
        vec![
            Action::DelVips,
            log("(VI_1) Entering BACKUP STATE (init)"),
            Action::Notify(State::Backup),
        ]
    );
    let mdi = Duration::from_micros(3_609_375);
    assert_eq!(i.poll_timeout(), Some(t0 + mdi));
    i.handle_timeout(t0 + mdi - ms(1));
    assert!(drain(&mut i).is_empty(), "nothing before the deadline");
    let t1 = t0 + mdi;
    i.handle_timeout(t1);
    assert_eq!(
        drain(&mut i),
        vec![
            detail("(VI_1) Receive advertisement timeout"),
            sent(100),
            log("(VI_1) Entering MASTER STATE"),
            Action::AddVips,
            Action::SendGarp { repeat: 5 },
            Action::Notify(State::Master),
        ]
    );
    // Adverts every second; the second GARP burst 5 s after the transition.
    assert_eq!(i.poll_timeout(), Some(t1 + ms(1000)));
    for k in 1..=4 {
        i.handle_timeout(t1 + ms(1000 * k));
        assert_eq!(drain(&mut i), vec![sent(100)]);
    }
    assert_eq!(i.poll_timeout(), Some(t1 + ms(5000)));
    i.handle_timeout(t1 + ms(5000));
    assert_eq!(
        drain(&mut i),
        vec![Action::SendGarp { repeat: 5 }, sent(100)]
    );
    i.handle_timeout(t1 + ms(6000));
    assert_eq!(
        drain(&mut i),
        vec![sent(100)],
        "the delayed burst happens once"
    );
}

#[test]
fn sigterm_as_master_sends_priority_zero_then_removes_vips() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(255), t0);
    assert_eq!(
        i.state(),
        State::Master,
        "address owner with state MASTER: at once"
    );
    drain(&mut i);
    i.shutdown(t0 + ms(100));
    assert_eq!(
        drain(&mut i),
        vec![
            sent(0),
            detail("(VI_1) sent 0 priority"),
            Action::DelVips,
            Action::Notify(State::Stopped),
        ]
    );
    assert_eq!(i.state(), State::Stopped);
    assert_eq!(i.poll_timeout(), None);
    i.handle_advert(t0 + ms(200), PEER, &advert(200));
    assert!(
        drain(&mut i).is_empty(),
        "a stopped instance ignores adverts"
    );
}

#[test]
fn sigterm_as_backup_only_reports_stop() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(100), t0);
    drain(&mut i);
    i.shutdown(t0);
    assert_eq!(drain(&mut i), vec![Action::Notify(State::Stopped)]);
}

#[test]
fn state_master_below_255_still_waits_in_backup() {
    let t0 = Instant::now();
    let mut c = cfg(100);
    c.initial_master = true;
    c.preempt = false;
    let mut i = Instance::new(c, t0);
    assert_eq!(i.state(), State::Backup);
    assert!(i.config().preempt, "nopreempt cleared");
    let actions = drain(&mut i);
    assert_eq!(
        actions[0],
        log("(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing")
    );
    assert_eq!(
        i.poll_timeout(),
        Some(t0 + Duration::from_micros(3_609_375))
    );
}

#[test]
fn master_answers_lower_priority_and_yields_to_higher() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(255), t0);
    drain(&mut i);
    i.handle_advert(t0, PEER, &advert(90));
    assert_eq!(
        drain(&mut i),
        vec![
            log("(VI_1) Received advert from 198.18.0.12 with lower priority 90, ours 255, forcing new election"),
            sent(255),
        ]
    );
    // Another owner: keepalived's configuration-error workaround, then the address decides.
    i.handle_advert(t0, PEER, &advert(255));
    let a = drain(&mut i);
    assert!(
        a.contains(&log(
            "(VI_1) Master received advert from 198.18.0.12 with higher priority 255, ours 254"
        )),
        "{a:?}"
    );
    assert_eq!(i.state(), State::Backup);
    assert!(a.contains(&Action::DelVips));
    assert_eq!(a.last(), Some(&Action::Notify(State::Backup)));
}

#[test]
fn master_at_equal_priority_yields_to_higher_address_only() {
    let t0 = Instant::now();
    let mut c = cfg(100);
    c.garp_master_delay = Duration::ZERO;
    let mut i = Instance::new(c, t0);
    i.handle_timeout(t0 + Duration::from_secs(4));
    drain(&mut i);
    let lower = Ipv4Addr::new(198, 18, 0, 5);
    i.handle_advert(t0, lower, &advert(100));
    assert_eq!(i.state(), State::Master);
    drain(&mut i);
    i.handle_advert(t0, PEER, &advert(100));
    assert_eq!(i.state(), State::Backup);
    assert_eq!(
        drain(&mut i)[0],
        log("(VI_1) Master received advert from 198.18.0.12 with same priority 100 but higher IP address than ours")
    );
}

#[test]
fn backup_priority_zero_shortens_to_skew_time() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(90), t0);
    drain(&mut i);
    i.handle_advert(t0 + ms(500), PEER, &advert(100));
    assert_eq!(i.master_addr(), Some(PEER));
    i.handle_advert(t0 + ms(1000), PEER, &advert(0));
    assert_eq!(
        drain(&mut i),
        vec![detail("(VI_1) Backup received priority 0 advertisement")]
    );
    assert_eq!(
        i.poll_timeout(),
        Some(t0 + ms(1000) + Duration::from_micros(648_437))
    );
}

#[test]
fn fault_from_master_and_back() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(255), t0);
    drain(&mut i);
    i.set_fault(t0, true);
    assert_eq!(
        drain(&mut i),
        vec![
            log("(VI_1) Entering FAULT STATE"),
            sent(0),
            sent(0),
            detail("(VI_1) sent 0 priority"),
            Action::DelVips,
            Action::Notify(State::Fault),
        ]
    );
    assert_eq!(i.poll_timeout(), None);
    i.handle_advert(t0, PEER, &advert(10));
    assert!(drain(&mut i).is_empty(), "FAULT ignores adverts");
    i.set_fault(t0, true);
    assert!(drain(&mut i).is_empty());
    // The owner with state MASTER goes straight back to MASTER.
    i.set_fault(t0 + ms(10), false);
    assert_eq!(i.state(), State::Master);

    let mut b = Instance::new(cfg(100), t0);
    b.set_fault(t0, true);
    b.set_fault(t0 + ms(5), false);
    let a = drain(&mut b);
    assert_eq!(
        &a[a.len() - 2..],
        &[
            log("(VI_1) Entering BACKUP STATE"),
            Action::Notify(State::Backup)
        ]
    );
    assert_eq!(
        b.poll_timeout(),
        Some(t0 + ms(5) + Duration::from_micros(3_609_375))
    );
}

#[test]
fn track_delta_clamps_and_the_owner_ignores_it() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(100), t0);
    drain(&mut i);
    i.set_track_delta(t0, 2);
    assert_eq!(
        drain(&mut i),
        vec![log("(VI_1) Changing effective priority from 100 to 102")]
    );
    i.set_track_delta(t0, 1000);
    assert_eq!(i.effective_priority(), 254);
    i.set_track_delta(t0, -1000);
    assert_eq!(i.effective_priority(), 1);
    i.set_track_delta(t0, -1000);
    assert_eq!(drain(&mut i).len(), 2, "no line when nothing changes");
    // The master-down deadline moves with Skew_Time: priority 1 → 255/256 s.
    assert_eq!(
        i.poll_timeout(),
        Some(t0 + Duration::from_micros(3_000_000 + 996_093))
    );

    let mut owner = Instance::new(cfg(255), t0);
    owner.set_track_delta(t0, -50);
    assert_eq!(owner.effective_priority(), 255);
}

#[test]
fn vrrpv3_ignores_authentication_and_rounds_the_interval() {
    let t0 = Instant::now();
    let mut c = cfg(100);
    c.version = Version::V3;
    c.auth = Some(InstanceConfig::password("1111"));
    c.advert_int = Duration::from_millis(1234);
    let mut i = Instance::new(c, t0);
    let a = drain(&mut i);
    assert!(a.contains(&log(
        "(VI_1) VRRP version 3 does not support authentication. Ignoring."
    )));
    assert_eq!(i.config().advert_int, Duration::from_millis(1230));
    assert_eq!(i.make_advert(100).advert_int, 123);
    assert_eq!(i.make_advert(100).auth, Auth::None);
}

#[test]
fn preempt_delay_accepts_lower_adverts_until_it_expires() {
    let t0 = Instant::now();
    let mut c = cfg(100);
    c.preempt_delay = Duration::from_secs(10);
    let mut i = Instance::new(c, t0);
    drain(&mut i);
    for s in 0..12 {
        i.handle_advert(t0 + Duration::from_secs(s), PEER, &advert(90));
    }
    assert_eq!(i.state(), State::Backup);
    // Accepted until t0+10 s (the delay started at t0); the t0+10 s and t0+11 s adverts are
    // discarded, so the timer runs from the advert at t0+9 s.
    assert_eq!(
        i.poll_timeout(),
        Some(t0 + Duration::from_secs(9) + Duration::from_micros(3_609_375))
    );
}

#[test]
fn sync_group_members_go_master_together_and_fault_together() {
    let t0 = Instant::now();
    let mut a = cfg(100);
    a.name = "VI_1".into();
    let mut b = cfg(100);
    b.name = "VI_2".into();
    b.vrid = 52;
    b.vips = vec![Ipv4Addr::new(198, 18, 0, 101)];
    b.down_timer_adverts = 5; // expires later than VI_1
    let mut insts = vec![Instance::new(a, t0), Instance::new(b, t0)];
    let mut g = SyncGroup::new("G1", vec![0, 1, 7], &mut insts);
    assert_eq!(g.members(), &[0, 1]);
    for i in insts.iter_mut() {
        drain(i);
    }
    // VI_1 expires first but only wants master: the group waits for VI_2.
    let t1 = t0 + Duration::from_secs(4);
    insts[0].handle_timeout(t1);
    assert!(g.reconcile(t1, &mut insts).is_empty());
    assert_eq!(insts[0].state(), State::Backup);
    assert!(insts[0].wants_master());
    let t2 = t0 + Duration::from_secs(6);
    insts[1].handle_timeout(t2);
    let out = g.reconcile(t2, &mut insts);
    assert_eq!(
        out[0],
        log("VRRP_Group(G1) Syncing instances to MASTER state")
    );
    assert_eq!(insts[0].state(), State::Master);
    assert_eq!(insts[1].state(), State::Master);
    assert_eq!(g.state(), State::Master);

    // One member loses to a higher priority: both go BACKUP.
    let mut high = advert(200);
    high.vrid = 52;
    high.addresses = vec![Ipv4Addr::new(198, 18, 0, 101)];
    insts[1].handle_advert(t2, PEER, &high);
    g.reconcile(t2, &mut insts);
    assert_eq!(insts[0].state(), State::Backup);
    assert_eq!(insts[1].state(), State::Backup);

    // One member faults: both FAULT; recovery brings both back to BACKUP.
    let out = g.set_fault(t2, &mut insts, 0, true);
    assert_eq!(
        out[0],
        log("VRRP_Group(G1) Syncing instances to FAULT state")
    );
    assert_eq!(insts[1].state(), State::Fault);
    g.set_fault(t2, &mut insts, 0, false);
    assert_eq!(insts[0].state(), State::Backup);
    assert_eq!(insts[1].state(), State::Backup);
    assert_eq!(g.state(), State::Backup);
}

#[test]
fn master_rearms_its_advert_timer_after_answering_but_not_for_bad_packets() {
    let t0 = Instant::now();
    let mut i = Instance::new(cfg(255), t0);
    drain(&mut i);
    assert_eq!(i.poll_timeout(), Some(t0 + ms(1000)));
    // A lower-priority advert is answered at once, and the next advert is one interval later.
    i.handle_advert(t0 + ms(400), PEER, &advert(90));
    assert_eq!(drain(&mut i).last(), Some(&sent(255)));
    assert_eq!(i.poll_timeout(), Some(t0 + ms(1400)));
    // Packets that fail the checks change nothing (keepalived would re-arm the timer, so a
    // stream of them could keep its master silent).
    let mut bytes = vrrp::encode(&advert(90), PEER, vrrp::VRRP_MCAST_GROUP);
    bytes[7] ^= 0xff;
    for k in 1..20 {
        let t = t0 + ms(400 + 50 * k);
        assert!(i
            .receive(t, 255, PEER, vrrp::VRRP_MCAST_GROUP, &bytes)
            .is_err());
    }
    assert_eq!(i.poll_timeout(), Some(t0 + ms(1400)));
    assert_eq!(i.stats().checksum_err, 19);
}

#[test]
fn interval_corrections_are_logged_in_keepalived_words() {
    let t0 = Instant::now();
    let mut c = cfg(100);
    c.advert_int = ms(100);
    let mut i = Instance::new(c, t0);
    assert_eq!(
        drain(&mut i)[0],
        log("(VI_1) VRRPv2 advertisement interval 0.100000s must be an integer. rounding")
    );
    assert_eq!(i.config().advert_int, Duration::from_secs(1));
}

#[test]
fn garp_master_refresh_repeats_while_master() {
    let t0 = Instant::now();
    let mut c = cfg(255);
    c.garp_master_delay = Duration::ZERO;
    c.garp_master_refresh = Some(Duration::from_secs(10));
    c.garp_master_refresh_repeat = 2;
    let mut i = Instance::new(c, t0);
    drain(&mut i);
    let mut garps = vec![];
    for s in 1..=30 {
        let t = t0 + Duration::from_secs(s);
        i.handle_timeout(t);
        if drain(&mut i).contains(&Action::SendGarp { repeat: 2 }) {
            garps.push(s);
        }
    }
    // Checked when an advert goes out, strictly after the refresh time, as keepalived does.
    assert_eq!(garps, vec![11, 22]);
}

#[test]
fn skip_check_adv_addr_trusts_only_the_known_master() {
    let t0 = Instant::now();
    let mut c = cfg(90);
    c.skip_check_adv_addr = true;
    let mut i = Instance::new(c, t0);
    drain(&mut i);
    let mut other_vips = advert(100);
    other_vips.addresses = vec![Ipv4Addr::new(198, 18, 0, 99)];
    // Not yet known as master: the list is checked.
    i.handle_advert(t0, PEER, &other_vips);
    assert_eq!(i.stats().addr_list_err, 1);
    i.handle_advert(t0, PEER, &advert(100));
    i.handle_advert(t0 + ms(1000), PEER, &other_vips);
    assert_eq!(i.stats().addr_list_err, 1);
    assert_eq!(i.stats().advert_rcvd, 2);
    // Another sender is still checked.
    i.handle_advert(t0 + ms(1000), Ipv4Addr::new(198, 18, 0, 13), &other_vips);
    assert_eq!(i.stats().addr_list_err, 2);
}
