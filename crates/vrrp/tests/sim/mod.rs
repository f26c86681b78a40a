//! A virtual LAN for `vrrp::Instance`s: virtual clock, lossy/delaying/partitionable link.
//!
//! Every advert goes through the real codec (`encode` on send, `Instance::receive` with TTL
//! 255 on delivery). Time jumps to the next event: an instance's `poll_timeout()` or a packet
//! delivery. Randomness (loss, delay) comes from a seeded xorshift, so a seed replays exactly.
//! Invariants are checked after every step; a violation panics with the seed and the log.

#![allow(dead_code)] // each test binary uses a different part of the harness

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use vrrp::{encode, Action, Instance, InstanceConfig, State, VRRP_MCAST_GROUP};

/// xorshift64*: enough randomness for loss and jitter, no dependency.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `permille`/1000.
    pub fn chance(&mut self, permille: u32) -> bool {
        self.below(1000) < u64::from(permille)
    }
}

/// One host on the virtual LAN.
pub struct Node {
    pub addr: Ipv4Addr,
    pub cfg: InstanceConfig,
    /// `None` while the daemon is not running.
    pub inst: Option<Instance>,
    /// Whether the VIPs are on this host's interface (survives a SIGKILL, as with keepalived).
    pub holds_vips: bool,
    /// (virtual time since start, new state) for every Notify.
    pub transitions: Vec<(Duration, State)>,
    /// Adverts from the current master lost in a row on the way to this node.
    pub lost_in_row: u32,
    /// Takeovers after a silence, with the number of adverts lost in a row before it.
    pub takeovers: Vec<(Duration, u32, bool)>,
    /// Whether the last advert this node received had priority 0.
    pub last_rx_prio_zero: bool,
}

struct InFlight {
    at: Instant,
    seq: u64,
    from: usize,
    to: usize,
    bytes: Vec<u8>,
}

impl PartialEq for InFlight {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for InFlight {}
impl PartialOrd for InFlight {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for InFlight {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// The virtual LAN.
pub struct Sim {
    pub seed: u64,
    pub t0: Instant,
    pub now: Instant,
    pub nodes: Vec<Node>,
    pub rng: XorShift,
    /// Per-mille loss of every delivery.
    pub loss_permille: u32,
    /// Deliveries take 0..=max_delay.
    pub max_delay: Duration,
    /// Partition id per node: packets only flow between equal ids.
    pub partition: Vec<u8>,
    pub log: Vec<String>,
    in_flight: BinaryHeap<Reverse<InFlight>>,
    seq: u64,
}

/// A config for host `i` (address 198.18.0.(11+i)) with one VIP.
pub fn node_config(i: usize, priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 51, priority, host_addr(i));
    c.vips = vec![Ipv4Addr::new(198, 18, 0, 100)];
    c.auth = Some(InstanceConfig::password("1111"));
    c
}

pub fn host_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 0, 11 + i as u8)
}

impl Sim {
    pub fn new(seed: u64, cfgs: Vec<InstanceConfig>) -> Self {
        let t0 = Instant::now();
        let n = cfgs.len();
        let nodes = cfgs
            .into_iter()
            .map(|cfg| Node {
                addr: cfg.primary_addr,
                cfg,
                inst: None,
                holds_vips: false,
                transitions: Vec::new(),
                lost_in_row: 0,
                takeovers: Vec::new(),
                last_rx_prio_zero: false,
            })
            .collect();
        Sim {
            seed,
            t0,
            now: t0,
            nodes,
            rng: XorShift::new(seed),
            loss_permille: 0,
            max_delay: Duration::from_millis(2),
            partition: vec![0; n],
            log: Vec::new(),
            in_flight: BinaryHeap::new(),
            seq: 0,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Record a harness event in the log shown on failure.
    pub fn note(&mut self, what: String) {
        let line = format!("{:>10.3} -- {what}", self.elapsed().as_secs_f64());
        self.log.push(line);
    }

    /// Start (or restart) the daemon on node `i`.
    pub fn start(&mut self, i: usize) {
        let c = &self.nodes[i].cfg;
        let what = format!(
            "start n{i} prio {} {:?} {:?}",
            c.priority, c.version, c.advert_int
        );
        self.note(what);
        let inst = Instance::new(self.nodes[i].cfg.clone(), self.now);
        self.nodes[i].inst = Some(inst);
        self.drain(i);
    }

    pub fn start_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.start(i);
        }
    }

    /// SIGTERM: priority 0 if master, VIPs removed, daemon gone.
    pub fn stop(&mut self, i: usize) {
        self.note(format!("SIGTERM n{i}"));
        let now = self.now;
        if let Some(inst) = self.nodes[i].inst.as_mut() {
            inst.shutdown(now);
        }
        self.drain(i);
        self.nodes[i].inst = None;
    }

    /// SIGKILL: the daemon vanishes mid-flight; the VIPs stay on the interface.
    pub fn kill(&mut self, i: usize) {
        self.note(format!("SIGKILL n{i}"));
        self.nodes[i].inst = None;
    }

    pub fn set_fault(&mut self, i: usize, fault: bool) {
        self.note(format!("fault n{i} {fault}"));
        let now = self.now;
        if let Some(inst) = self.nodes[i].inst.as_mut() {
            inst.set_fault(now, fault);
        }
        self.drain(i);
    }

    pub fn set_track_delta(&mut self, i: usize, delta: i32) {
        self.note(format!("track delta n{i} {delta}"));
        let now = self.now;
        if let Some(inst) = self.nodes[i].inst.as_mut() {
            inst.set_track_delta(now, delta);
        }
        self.drain(i);
    }

    pub fn state(&self, i: usize) -> Option<State> {
        self.nodes[i].inst.as_ref().map(|n| n.state())
    }

    /// Running instances in MASTER state.
    pub fn masters(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.state(i) == Some(State::Master))
            .collect()
    }

    /// Hosts with the VIPs on their interface.
    pub fn vip_holders(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].holds_vips)
            .collect()
    }

    /// Run until `self.now + d`.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        loop {
            let next_timer = self
                .nodes
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.inst.as_ref()?.poll_timeout().map(|t| (t, i)))
                .min();
            let next_pkt = self.in_flight.peek().map(|Reverse(p)| p.at);
            let next = match (next_timer, next_pkt) {
                (Some((t, _)), Some(p)) => t.min(p),
                (Some((t, _)), None) => t,
                (None, Some(p)) => p,
                (None, None) => break,
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if next_pkt == Some(next) {
                let Some(Reverse(p)) = self.in_flight.pop() else {
                    break;
                };
                self.deliver(p);
            } else if let Some((_, i)) = next_timer {
                let now = self.now;
                if let Some(inst) = self.nodes[i].inst.as_mut() {
                    inst.handle_timeout(now);
                }
                self.drain(i);
            }
        }
        self.now = until;
    }

    fn deliver(&mut self, p: InFlight) {
        let now = self.now;
        let from = self.nodes[p.from].addr;
        let node = &mut self.nodes[p.to];
        let Some(inst) = node.inst.as_mut() else {
            return;
        };
        node.lost_in_row = 0;
        node.last_rx_prio_zero = p.bytes.get(2) == Some(&0);
        let r = inst.receive(now, 255, from, VRRP_MCAST_GROUP, &p.bytes);
        assert!(
            r.is_ok(),
            "{}: own adverts must pass the checks: {r:?}",
            self.ctx()
        );
        self.drain(p.to);
    }

    /// Execute node `i`'s actions and check the per-node invariants.
    fn drain(&mut self, i: usize) {
        let elapsed = self.elapsed();
        while let Some(action) = self.nodes[i].inst.as_mut().and_then(|n| n.poll_action()) {
            match action {
                Action::SendAdvert(adv) => {
                    let bytes = encode(&adv, self.nodes[i].addr, VRRP_MCAST_GROUP);
                    self.broadcast(i, bytes);
                }
                Action::AddVips => self.nodes[i].holds_vips = true,
                Action::DelVips => self.nodes[i].holds_vips = false,
                Action::SendGarp { .. } => {}
                Action::Notify(s) => {
                    if s == State::Master {
                        let n = &mut self.nodes[i];
                        n.takeovers
                            .push((elapsed, n.lost_in_row, n.last_rx_prio_zero));
                    }
                    self.nodes[i].transitions.push((elapsed, s));
                }
                Action::Log { line, .. } => self
                    .log
                    .push(format!("{:>10.3} n{i} {line}", elapsed.as_secs_f64())),
            }
        }
        if let Some(inst) = self.nodes[i].inst.as_ref() {
            let master = inst.state() == State::Master;
            assert_eq!(
                self.nodes[i].holds_vips,
                master,
                "{}: node {i} holds VIPs iff master",
                self.ctx()
            );
            assert_eq!(inst.vips_set(), master, "{}", self.ctx());
        }
    }

    fn broadcast(&mut self, from: usize, bytes: Vec<u8>) {
        for to in 0..self.nodes.len() {
            if to == from || self.partition[to] != self.partition[from] {
                continue;
            }
            if self.rng.chance(self.loss_permille) {
                self.nodes[to].lost_in_row += 1;
                continue;
            }
            let jitter = self.rng.below(self.max_delay.as_micros() as u64 + 1);
            self.seq += 1;
            self.in_flight.push(Reverse(InFlight {
                at: self.now + Duration::from_micros(jitter),
                seq: self.seq,
                from,
                to,
                bytes: bytes.clone(),
            }));
        }
    }

    /// The seed and the last log lines, for assertion messages.
    pub fn ctx(&self) -> String {
        let tail: Vec<&String> = self.log.iter().rev().take(60).rev().collect();
        format!(
            "seed {} at {:.3}s\n{}",
            self.seed,
            self.elapsed().as_secs_f64(),
            tail.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        )
    }

    /// The nodes that may be master among the running, unfaulted nodes in `among`: those with
    /// the highest effective priority. At equal priority a BACKUP does not preempt (RFC 5798
    /// §6.4.2: "greater than or equal" keeps it backup); the address only breaks the tie
    /// between two simultaneous masters, so any of the top nodes is a valid outcome.
    pub fn eligible_masters(&self, among: &[usize]) -> Vec<usize> {
        let prio = |i: usize| {
            self.nodes[i]
                .inst
                .as_ref()
                .map_or(0, |n| n.effective_priority())
        };
        let up: Vec<usize> = among
            .iter()
            .copied()
            .filter(|&i| matches!(self.state(i), Some(State::Master | State::Backup)))
            .collect();
        let top = up.iter().map(|&i| prio(i)).max();
        up.into_iter().filter(|&i| Some(prio(i)) == top).collect()
    }

    /// Assert exactly one master among `among` (none if all are down or in FAULT), one of
    /// the eligible ones, and that only it holds the VIPs.
    pub fn assert_converged(&self, among: &[usize]) {
        let masters: Vec<usize> = self
            .masters()
            .into_iter()
            .filter(|m| among.contains(m))
            .collect();
        let eligible = self.eligible_masters(among);
        if eligible.is_empty() {
            assert!(masters.is_empty(), "{}: no master expected", self.ctx());
        } else {
            assert_eq!(masters.len(), 1, "{}: one master", self.ctx());
            assert!(
                eligible.contains(&masters[0]),
                "{}: master {masters:?} not in {eligible:?}",
                self.ctx()
            );
        }
        let holders: Vec<usize> = self
            .vip_holders()
            .into_iter()
            .filter(|m| among.contains(m))
            .collect();
        assert_eq!(
            holders,
            masters,
            "{}: VIPs exactly on the master",
            self.ctx()
        );
    }
}
