//! `vrrp_sync_group` on a virtual LAN: two hosts, each with VI_1 (VRID 51) and VI_2 (VRID 52)
//! in one sync group, as in the tutorial's reference config (`vrrp_sync_group VG_1`).
//! Adverts go through the real codec; time jumps to the next deadline. After every step the
//! members of a host's group must share one state, and the VIPs of an instance are set iff it
//! is master.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use vrrp::{encode, Action, Instance, InstanceConfig, State, SyncGroup, VRRP_MCAST_GROUP};

struct Host {
    addr: Ipv4Addr,
    insts: Vec<Instance>,
    group: SyncGroup,
    group_log: Vec<String>,
}

struct Lan {
    now: Instant,
    hosts: Vec<Host>,
    /// (deliver at, to host, from addr, payload)
    wire: Vec<(Instant, usize, Ipv4Addr, Vec<u8>)>,
}

fn host(i: usize, prio: u8, now: Instant) -> Host {
    let addr = Ipv4Addr::new(198, 18, 0, 11 + i as u8);
    let mut insts: Vec<Instance> = [(51u8, 100u8), (52, 101)]
        .iter()
        .map(|&(vrid, vip)| {
            let mut c = InstanceConfig::new(format!("VI_{}", vrid - 50), vrid, prio, addr);
            c.vips = vec![Ipv4Addr::new(198, 18, 0, vip)];
            Instance::new(c, now)
        })
        .collect();
    let group = SyncGroup::new("VG_1", vec![0, 1], &mut insts);
    Host {
        addr,
        insts,
        group,
        group_log: Vec::new(),
    }
}

impl Lan {
    fn new(prios: &[u8]) -> Self {
        let now = Instant::now();
        let mut lan = Lan {
            now,
            hosts: prios
                .iter()
                .enumerate()
                .map(|(i, p)| host(i, *p, now))
                .collect(),
            wire: Vec::new(),
        };
        for h in 0..lan.hosts.len() {
            lan.settle(h);
        }
        lan
    }

    /// Execute the host's actions and reconcile its group until nothing is left.
    fn settle(&mut self, h: usize) {
        loop {
            let mut any = false;
            for k in 0..self.hosts[h].insts.len() {
                while let Some(a) = self.hosts[h].insts[k].poll_action() {
                    any = true;
                    if let Action::SendAdvert(adv) = a {
                        let from = self.hosts[h].addr;
                        let bytes = encode(&adv, from, VRRP_MCAST_GROUP);
                        for to in 0..self.hosts.len() {
                            if to != h {
                                let at = self.now + Duration::from_micros(300);
                                self.wire.push((at, to, from, bytes.clone()));
                            }
                        }
                    }
                }
            }
            let now = self.now;
            let host = &mut self.hosts[h];
            for a in host.group.reconcile(now, &mut host.insts) {
                any = true;
                if let Action::Log { line, .. } = a {
                    host.group_log.push(line);
                }
            }
            if !any {
                break;
            }
        }
        let host = &self.hosts[h];
        let states: Vec<State> = host.insts.iter().map(|i| i.state()).collect();
        assert!(
            states.windows(2).all(|w| w[0] == w[1]),
            "host {h}: {states:?}"
        );
        for i in &host.insts {
            assert_eq!(i.vips_set(), i.state() == State::Master);
        }
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        loop {
            let timer = self
                .hosts
                .iter()
                .enumerate()
                .flat_map(|(h, host)| {
                    host.insts
                        .iter()
                        .enumerate()
                        .filter_map(move |(k, i)| i.poll_timeout().map(|t| (t, h, k)))
                })
                .min();
            let pkt = self.wire.iter().map(|p| p.0).min();
            let next = match (timer, pkt) {
                (Some((t, ..)), Some(p)) => t.min(p),
                (Some((t, ..)), None) => t,
                (None, Some(p)) => p,
                (None, None) => break,
            };
            if next > until {
                break;
            }
            self.now = next;
            if pkt == Some(next) {
                let pos = self.wire.iter().position(|p| p.0 == next).unwrap_or(0);
                let (_, to, from, bytes) = self.wire.remove(pos);
                let vrid = bytes.get(1).copied();
                let now = self.now;
                if let Some(i) = self.hosts[to]
                    .insts
                    .iter_mut()
                    .find(|i| Some(i.config().vrid) == vrid)
                {
                    let r = i.receive(now, 255, from, VRRP_MCAST_GROUP, &bytes);
                    assert!(r.is_ok(), "{r:?}");
                }
                self.settle(to);
            } else if let Some((_, h, k)) = timer {
                let now = self.now;
                self.hosts[h].insts[k].handle_timeout(now);
                self.settle(h);
            }
        }
        self.now = until;
    }

    fn states(&self, h: usize) -> Vec<State> {
        self.hosts[h].insts.iter().map(|i| i.state()).collect()
    }

    fn set_fault(&mut self, h: usize, member: usize, fault: bool) {
        let now = self.now;
        let host = &mut self.hosts[h];
        host.group.set_fault(now, &mut host.insts, member, fault);
        self.settle(h);
    }
}

const M: State = State::Master;
const B: State = State::Backup;
const F: State = State::Fault;

#[test]
fn sync_group_moves_both_addresses_together() {
    let mut lan = Lan::new(&[100, 90]);
    lan.run_for(Duration::from_secs(6));
    assert_eq!(lan.states(0), vec![M, M]);
    assert_eq!(lan.states(1), vec![B, B]);
    assert!(lan.hosts[0]
        .group_log
        .contains(&"VRRP_Group(VG_1) Syncing instances to MASTER state".to_string()));

    // VI_2's tracked script fails on host 0: the whole group goes to FAULT there (priority 0
    // for both VRIDs) and host 1 takes both addresses after Skew_Time.
    lan.set_fault(0, 1, true);
    assert_eq!(lan.states(0), vec![F, F]);
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.states(1), vec![M, M]);

    // Recovery: host 0 returns to BACKUP, waits, and preempts with both instances at once.
    lan.set_fault(0, 1, false);
    assert_eq!(lan.states(0), vec![B, B]);
    lan.run_for(Duration::from_secs(6));
    assert_eq!(lan.states(0), vec![M, M]);
    assert_eq!(lan.states(1), vec![B, B]);
}

#[test]
fn the_group_moves_only_when_every_member_would() {
    let mut lan = Lan::new(&[100, 90]);
    lan.run_for(Duration::from_secs(6));
    assert_eq!(lan.states(0), vec![M, M]);
    // Host 1 outbids VI_1 only: its VI_1 wants master, but VI_2 still hears a better master,
    // so keepalived's group stays BACKUP ("prefer backup state to avoid thrashing").
    let now = lan.now;
    lan.hosts[1].insts[0].set_track_delta(now, 50);
    lan.settle(1);
    lan.run_for(Duration::from_secs(10));
    assert_eq!(lan.states(0), vec![M, M]);
    assert_eq!(lan.states(1), vec![B, B]);
    assert!(lan.hosts[1].insts[0].wants_master());
    assert!(!lan.hosts[1].insts[1].wants_master());
    // Once VI_2 is outbid too, host 1 takes both, and host 0's group follows the first
    // member that hears the higher priority.
    let now = lan.now;
    lan.hosts[1].insts[1].set_track_delta(now, 50);
    lan.settle(1);
    lan.run_for(Duration::from_secs(10));
    assert_eq!(lan.states(1), vec![M, M]);
    assert_eq!(lan.states(0), vec![B, B]);
    assert!(lan.hosts[0]
        .group_log
        .contains(&"VRRP_Group(VG_1) Syncing instances to BACKUP state".to_string()));
}

#[test]
fn group_fault_holds_until_every_member_recovers() {
    let mut lan = Lan::new(&[100, 90]);
    lan.run_for(Duration::from_secs(6));
    lan.set_fault(0, 0, true);
    lan.set_fault(0, 1, true);
    lan.set_fault(0, 0, false);
    lan.run_for(Duration::from_secs(6));
    assert_eq!(lan.states(0), vec![F, F], "VI_2 is still faulty");
    lan.set_fault(0, 1, false);
    assert_eq!(lan.states(0), vec![B, B]);
    lan.run_for(Duration::from_secs(6));
    assert_eq!(lan.states(0), vec![M, M]);
}

#[test]
fn direct_instance_faults_are_followed_by_the_group() {
    // A driver that reports faults on the instance itself, not through the group.
    let mut lan = Lan::new(&[100, 90]);
    lan.run_for(Duration::from_secs(6));
    let now = lan.now;
    lan.hosts[0].insts[1].set_fault(now, true);
    lan.settle(0);
    assert_eq!(lan.states(0), vec![F, F]);
    lan.run_for(Duration::from_secs(2));
    assert_eq!(lan.states(1), vec![M, M]);
    let now = lan.now;
    lan.hosts[0].insts[1].set_fault(now, false);
    lan.settle(0);
    assert_eq!(lan.states(0), vec![B, B]);
    lan.run_for(Duration::from_secs(6));
    assert_eq!(lan.states(0), vec![M, M]);
    assert_eq!(lan.states(1), vec![B, B]);
}
