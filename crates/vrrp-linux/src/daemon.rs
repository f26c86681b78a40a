//! The event loop: every `vrrp::Instance` of the config, driven on one thread.
//!
//! One `ppoll` waits on the VRRP sockets, the netlink link watch and the signal pipe, with
//! the earliest deadline of the instances' timers and the track scripts as timeout. After each
//! wake-up: due timers run, scripts are reaped or started, tracking is re-evaluated, sync groups
//! reconcile, and every queued action is executed in order. Nothing in the loop waits for a
//! child process, so a slow script never delays an advert (sub-second `advert_int` works).

use std::collections::BTreeMap;
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::drop_counters::DropCounters;
use crate::garp::GarpSender;
use crate::instance_runtime::InstanceRuntime;
use crate::interface;
use crate::ipv4_header::{parse_ipv4, IPPROTO_VRRP};
use crate::log;
use crate::netlink::{LinkWatch, NetlinkRoute};
use crate::notify_queue::NotifyQueue;
use crate::signal_pipe::SignalPipe;
use crate::spec::{InstanceSpec, RuntimeSpec, ScriptSpec, SyncGroupSpec};
use crate::track_script::{ScriptStatus, TrackScript};
use crate::tracking::{verdict, TrackVerdict, Tracked};
use crate::vrrp_socket::VrrpSocket;

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("interface {interface} for vrrp_instance {instance} doesn't exist")]
    NoInterface { instance: String, interface: String },
    #[error("cannot open {what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: io::Error,
    },
}

fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> StartError {
    move |source| StartError::Io { what, source }
}

struct RunningScript {
    spec: ScriptSpec,
    script: TrackScript,
}

struct RunningGroup {
    spec: SyncGroupSpec,
    group: vrrp::SyncGroup,
    notify: NotifyQueue,
}

/// The running daemon.
pub struct Daemon {
    net: NetlinkRoute,
    garp: GarpSender,
    watch: LinkWatch,
    sockets: Vec<VrrpSocket>,
    instances: Vec<vrrp::Instance>,
    runtimes: Vec<InstanceRuntime>,
    scripts: BTreeMap<String, RunningScript>,
    groups: Vec<RunningGroup>,
    link_up: BTreeMap<String, bool>,
    drops: DropCounters,
    rx: Vec<u8>,
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// SIGTERM/SIGINT: everything left cleanly.
    Stopped,
}

impl Daemon {
    /// Opens the sockets and starts every instance of `spec` at `now`.
    pub fn start(spec: RuntimeSpec, now: Instant) -> Result<Self, StartError> {
        let mut d = Daemon {
            net: NetlinkRoute::open().map_err(io_err("netlink socket"))?,
            garp: GarpSender::open().map_err(io_err("gratuitous ARP socket"))?,
            watch: LinkWatch::open().map_err(io_err("netlink link watch"))?,
            sockets: Vec::new(),
            instances: Vec::new(),
            runtimes: Vec::new(),
            scripts: BTreeMap::new(),
            groups: Vec::new(),
            link_up: BTreeMap::new(),
            drops: DropCounters::default(),
            rx: vec![0u8; 65536],
        };
        d.apply_spec(spec, now)?;
        log::info("Startup complete");
        Ok(d)
    }

    /// The drop counters (for stats and tests).
    pub fn drops(&self) -> &DropCounters {
        &self.drops
    }

    /// States of the instances, by name.
    pub fn states(&self) -> Vec<(String, vrrp::State)> {
        self.instances
            .iter()
            .map(|i| (i.config().name.clone(), i.state()))
            .collect()
    }

    /// Replaces the running configuration (start or SIGHUP): instances and scripts whose
    /// spec is unchanged keep running untouched; removed ones leave as on SIGTERM; new or
    /// changed ones start afresh.
    pub fn apply_spec(&mut self, spec: RuntimeSpec, now: Instant) -> Result<(), StartError> {
        // Refuse before touching anything: a half-applied reload would drop running
        // instances without their goodbye.
        for i in &spec.instances {
            if interface::ifindex(&i.interface).is_none() {
                return Err(StartError::NoInterface {
                    instance: i.protocol.name.clone(),
                    interface: i.interface.clone(),
                });
            }
        }
        // Scripts first: instances refer to them.
        let mut old_scripts = std::mem::take(&mut self.scripts);
        for s in spec.scripts {
            let running = match old_scripts.remove(&s.name) {
                Some(r) if r.spec == s => r,
                _ => RunningScript {
                    script: TrackScript::new(
                        &s.name,
                        s.command.clone(),
                        s.interval,
                        s.timeout,
                        s.rise,
                        s.fall,
                        s.init_fail,
                        now,
                    ),
                    spec: s,
                },
            };
            self.scripts.insert(running.spec.name.clone(), running);
        }
        drop(old_scripts); // Drop kills checks of removed scripts.

        // Instances: keep the unchanged ones (with their state), stop the others.
        let old_instances = std::mem::take(&mut self.instances);
        let old_runtimes = std::mem::take(&mut self.runtimes);
        let mut kept: Vec<(vrrp::Instance, InstanceRuntime)> = Vec::new();
        let mut leaving: Vec<(vrrp::Instance, InstanceRuntime)> = Vec::new();
        for (inst, rt) in old_instances.into_iter().zip(old_runtimes) {
            if spec.instances.contains(&rt.spec) {
                kept.push((inst, rt));
            } else {
                leaving.push((inst, rt));
            }
        }
        for (mut inst, mut rt) in leaving {
            inst.shutdown(now);
            self.drain_instance_actions(&mut inst, &mut rt);
            let _ = rt.notify.drain_until(now + Duration::from_secs(2));
        }
        for s in spec.instances {
            if let Some(pos) = kept.iter().position(|(_, rt)| rt.spec == s) {
                let (inst, mut rt) = kept.remove(pos);
                rt.group = None;
                self.instances.push(inst);
                self.runtimes.push(rt);
            } else {
                let (inst, rt) = self.new_instance(s, now)?;
                self.instances.push(inst);
                self.runtimes.push(rt);
            }
        }
        self.groups.clear();
        // Membership is rebuilt from the new spec: an instance that left its group must stop
        // waiting for the others.
        for inst in &mut self.instances {
            inst.set_sync_member(false);
        }
        for g in spec.sync_groups {
            let members: Vec<usize> = g
                .members
                .iter()
                .filter_map(|m| self.runtimes.iter().position(|rt| rt.name() == m))
                .collect();
            for &m in &members {
                self.runtimes[m].group = Some(self.groups.len());
            }
            let group = vrrp::SyncGroup::new(g.name.clone(), members, &mut self.instances);
            self.groups.push(RunningGroup {
                spec: g,
                group,
                notify: NotifyQueue::default(),
            });
        }
        // Sockets stay open for interfaces no instance uses any more: they are one per
        // interface, and a later reload may use the interface again.
        self.refresh_links();
        self.settle(now);
        Ok(())
    }

    fn socket_for(&mut self, ifname: &str, ifindex: u32) -> Result<usize, StartError> {
        if let Some(i) = self.sockets.iter().position(|s| s.ifname() == ifname) {
            return Ok(i);
        }
        let s = VrrpSocket::open(ifname, ifindex).map_err(io_err("VRRP raw socket"))?;
        log::detail(&format!(
            "VRRP sockpool: [ifindex({ifindex:3}), family(IPv4), proto(112), fd({}) multicast, address(224.0.0.18)]",
            s.as_raw_fd()
        ));
        self.sockets.push(s);
        Ok(self.sockets.len() - 1)
    }

    fn new_instance(
        &mut self,
        spec: InstanceSpec,
        now: Instant,
    ) -> Result<(vrrp::Instance, InstanceRuntime), StartError> {
        let ifindex =
            interface::ifindex(&spec.interface).ok_or_else(|| StartError::NoInterface {
                instance: spec.protocol.name.clone(),
                interface: spec.interface.clone(),
            })?;
        let mac = interface::mac_address(&spec.interface).unwrap_or([0; 6]);
        let socket = self.socket_for(&spec.interface.clone(), ifindex)?;
        let source = match spec.src_ip {
            Some(ip) => ip,
            None => self.primary_address(ifindex).unwrap_or_else(|| {
                log::warn(&format!(
                    "({}) interface {} has no IPv4 address; sending adverts from 0.0.0.0",
                    spec.protocol.name, spec.interface
                ));
                Ipv4Addr::UNSPECIFIED
            }),
        };
        let mut cfg = spec.protocol.clone();
        cfg.primary_addr = source;
        let rt = InstanceRuntime {
            spec,
            ifindex,
            mac,
            socket,
            source,
            notify: NotifyQueue::default(),
            verdict: TrackVerdict::default(),
            group: None,
            tx: Vec::with_capacity(64),
        };
        // Stale VIPs of a crashed run: the new instance's first action is DelVips (keepalived's
        // "removing VIPs." at start), executed by `settle`.
        Ok((vrrp::Instance::new(cfg, now), rt))
    }

    fn primary_address(&mut self, ifindex: u32) -> Option<Ipv4Addr> {
        let addrs = self.net.ipv4_addresses().ok()?;
        addrs
            .iter()
            .find(|a| a.ifindex == ifindex && !a.secondary)
            .map(|a| a.addr)
    }

    fn refresh_links(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for rt in &self.runtimes {
            names.push(rt.spec.interface.clone());
            names.extend(rt.spec.track_interfaces.iter().map(|t| t.name.clone()));
        }
        for n in names {
            let up = interface::link_is_up(&n);
            let old = self.link_up.insert(n.clone(), up);
            if old.is_some() && old != Some(up) {
                log::info(&format!(
                    "Netlink reports {n} {}",
                    if up { "up" } else { "down" }
                ));
            }
        }
    }

    /// Re-evaluates tracking, reconciles sync groups and executes every queued action.
    fn settle(&mut self, now: Instant) {
        for idx in 0..self.instances.len() {
            let v = self.track_verdict(idx);
            let old = self.runtimes[idx].verdict;
            if v.delta != old.delta {
                self.instances[idx].set_track_delta(now, v.delta);
            }
            if v.fault != old.fault {
                match self.runtimes[idx].group {
                    Some(g) => {
                        let acts =
                            self.groups[g]
                                .group
                                .set_fault(now, &mut self.instances, idx, v.fault);
                        self.group_actions(g, acts);
                    }
                    None => self.instances[idx].set_fault(now, v.fault),
                }
            }
            self.runtimes[idx].verdict = v;
        }
        for g in 0..self.groups.len() {
            let acts = self.groups[g].group.reconcile(now, &mut self.instances);
            self.group_actions(g, acts);
        }
        for idx in 0..self.instances.len() {
            while let Some(a) = self.instances[idx].poll_action() {
                self.execute(idx, a);
            }
        }
    }

    fn track_verdict(&self, idx: usize) -> TrackVerdict {
        let rt = &self.runtimes[idx];
        let mut items = Vec::new();
        if rt.spec.track_primary {
            items.push(Tracked {
                up: self
                    .link_up
                    .get(&rt.spec.interface)
                    .copied()
                    .unwrap_or(true),
                weight: 0,
                reverse: false,
            });
        }
        for t in &rt.spec.track_interfaces {
            items.push(Tracked {
                up: self.link_up.get(&t.name).copied().unwrap_or(false),
                weight: t.weight.unwrap_or(0),
                reverse: t.reverse,
            });
        }
        for t in &rt.spec.track_scripts {
            let Some(s) = self.scripts.get(&t.name) else {
                continue;
            };
            items.push(Tracked {
                up: s.script.status() != ScriptStatus::Bad,
                weight: t.weight.unwrap_or(s.spec.weight),
                reverse: t.reverse != s.spec.reverse,
            });
        }
        verdict(items)
    }

    fn group_actions(&mut self, g: usize, acts: Vec<vrrp::Action>) {
        for a in acts {
            match a {
                vrrp::Action::Log { detail, line } => log_line(detail, &line),
                vrrp::Action::Notify(state) => {
                    let grp = &mut self.groups[g];
                    let args = vec![
                        "GROUP".to_string(),
                        grp.spec.name.clone(),
                        state.keepalived_name().to_string(),
                        "0".to_string(),
                    ];
                    for cmd in grp.spec.notify.for_state(state) {
                        grp.notify.push(cmd.clone(), args.clone());
                    }
                }
                _ => {}
            }
        }
    }

    fn execute(&mut self, idx: usize, action: vrrp::Action) {
        let rt = &mut self.runtimes[idx];
        match action {
            vrrp::Action::SendAdvert(adv) => rt.send_advert(&self.sockets[rt.socket], &adv),
            vrrp::Action::AddVips => rt.add_vips(&mut self.net),
            vrrp::Action::DelVips => rt.del_vips(&mut self.net, true),
            vrrp::Action::SendGarp { repeat } => rt.send_garps(&self.garp, repeat),
            vrrp::Action::Notify(state) => {
                let prio = self.instances[idx].effective_priority();
                rt.queue_notify(state, prio);
            }
            vrrp::Action::Log { detail, line } => log_line(detail, &line),
        }
    }

    /// Executes the actions of an instance that is no longer in the list (reload).
    fn drain_instance_actions(&mut self, inst: &mut vrrp::Instance, rt: &mut InstanceRuntime) {
        while let Some(a) = inst.poll_action() {
            match a {
                vrrp::Action::SendAdvert(adv) => {
                    if let Some(s) = self.sockets.get(rt.socket) {
                        rt.send_advert(s, &adv);
                    }
                }
                vrrp::Action::DelVips => rt.del_vips(&mut self.net, true),
                vrrp::Action::Notify(state) => rt.queue_notify(state, inst.effective_priority()),
                vrrp::Action::Log { detail, line } => log_line(detail, &line),
                vrrp::Action::AddVips | vrrp::Action::SendGarp { .. } => {}
            }
        }
    }

    fn run_timers(&mut self, now: Instant) {
        for inst in &mut self.instances {
            if inst.poll_timeout().is_some_and(|t| t <= now) {
                inst.handle_timeout(now);
            }
        }
    }

    fn poll_scripts(&mut self, now: Instant) {
        for s in self.scripts.values_mut() {
            let report = s.script.poll(now);
            for line in report.lines {
                log::info(&line);
            }
        }
    }

    fn poll_notifies(&mut self) {
        for rt in &mut self.runtimes {
            for line in rt.notify.poll() {
                log::warn(&line);
            }
        }
        for g in &mut self.groups {
            for line in g.notify.poll() {
                log::warn(&line);
            }
        }
    }

    fn next_deadline(&self, now: Instant) -> Instant {
        let mut next = now + Duration::from_secs(1);
        for i in &self.instances {
            if let Some(t) = i.poll_timeout() {
                next = next.min(t);
            }
        }
        for s in self.scripts.values() {
            next = next.min(s.script.deadline());
        }
        // A notify script finishing wakes us through SIGCHLD; this is only a safety net.
        next
    }

    fn receive(&mut self, sock: usize, now: Instant) {
        for _ in 0..64 {
            let datagram = match self.sockets[sock].recv(&mut self.rx) {
                Ok(Some(d)) => d,
                Ok(None) => return,
                Err(e) => {
                    log::detail(&format!("VRRP socket read error: {e}"));
                    return;
                }
            };
            let ip = match parse_ipv4(datagram) {
                Ok(ip) => ip,
                Err(_) => {
                    self.drops.count("ip_header");
                    continue;
                }
            };
            if ip.protocol != IPPROTO_VRRP {
                self.drops.count("not_vrrp");
                continue;
            }
            let Some(&vrid) = ip.payload.get(1) else {
                self.drops.count("truncated");
                continue;
            };
            let target = self
                .runtimes
                .iter()
                .position(|rt| rt.socket == sock && rt.spec.protocol.vrid == vrid);
            let Some(idx) = target else {
                // Another virtual router on the link: silently not ours.
                self.drops.count("vrid_mismatch");
                continue;
            };
            match self.instances[idx].receive(now, ip.ttl, ip.src, ip.dst, ip.payload) {
                Ok(()) => self.drops.accepted += 1,
                Err(e) => self.drops.count(e.reason()),
            }
        }
    }

    /// Runs until SIGTERM/SIGINT. `reload` is called on SIGHUP and returns the new spec (or
    /// `None` when the new config is invalid: the running one is kept).
    pub fn run(
        &mut self,
        signals: &SignalPipe,
        reload: &mut dyn FnMut() -> Option<RuntimeSpec>,
    ) -> Exit {
        let mut fds: Vec<libc::pollfd> = Vec::new();
        loop {
            let now = Instant::now();
            self.run_timers(now);
            self.poll_scripts(now);
            self.settle(now);
            self.poll_notifies();

            let deadline = self.next_deadline(now);
            fds.clear();
            fds.push(pollfd(signals.fd()));
            fds.push(pollfd(self.watch.as_raw_fd()));
            fds.extend(self.sockets.iter().map(|s| pollfd(s.as_raw_fd())));
            let wait = deadline.saturating_duration_since(Instant::now());
            let ts = libc::timespec {
                tv_sec: wait.as_secs() as libc::time_t,
                tv_nsec: libc::c_long::from(wait.subsec_nanos() as i32),
            };
            // SAFETY: `fds` is a valid array of pollfd for its length; `ts` lives for the call.
            let n = unsafe {
                libc::ppoll(
                    fds.as_mut_ptr(),
                    fds.len() as libc::nfds_t,
                    &ts,
                    std::ptr::null(),
                )
            };
            if n <= 0 {
                continue; // timeout or EINTR: timers run at the top of the loop
            }
            let now = Instant::now();
            if fds[1].revents != 0 && self.watch.drain() {
                self.refresh_links();
            }
            for (i, fd) in fds.iter().enumerate().skip(2) {
                if fd.revents & libc::POLLIN != 0 {
                    self.receive(i - 2, now);
                }
            }
            if fds[0].revents != 0 {
                for sig in signals.drain() {
                    match sig {
                        libc::SIGTERM | libc::SIGINT => {
                            self.shutdown();
                            return Exit::Stopped;
                        }
                        libc::SIGHUP => {
                            log::info("Reloading");
                            if let Some(spec) = reload() {
                                if let Err(e) = self.apply_spec(spec, Instant::now()) {
                                    log::warn(&format!(
                                        "Reload failed: {e} - keeping the running configuration"
                                    ));
                                }
                            }
                            log::info("Reload finished");
                        }
                        libc::SIGUSR1 | libc::SIGUSR2 => self.dump(),
                        _ => {} // SIGCHLD: reaped at the top of the loop
                    }
                }
            }
        }
    }

    /// Logs states and drop counters (SIGUSR1, and at exit).
    pub fn dump(&self) {
        for i in &self.instances {
            let s = i.stats();
            log::info(&format!(
                "({}) state {} priority {} adverts received {} sent {} dropped {}",
                i.config().name,
                i.state(),
                i.effective_priority(),
                s.advert_rcvd,
                s.advert_sent,
                s.dropped()
            ));
        }
        log::info(&self.drops.summary_line());
    }

    /// Leaves cleanly: priority 0 from masters, VIPs removed, notify_stop run (bounded wait).
    pub fn shutdown(&mut self) {
        log::info("Stopping");
        let now = Instant::now();
        for inst in &mut self.instances {
            inst.shutdown(now);
        }
        self.settle(now);
        for s in self.scripts.values_mut() {
            s.script.stop();
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        for rt in &mut self.runtimes {
            for line in rt.notify.drain_until(deadline) {
                log::warn(&line);
            }
        }
        for g in &mut self.groups {
            for line in g.notify.drain_until(deadline) {
                log::warn(&line);
            }
        }
        self.dump();
        log::info("Stopped");
    }
}

fn pollfd(fd: i32) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

fn log_line(detail: bool, line: &str) {
    if detail {
        log::detail(line);
    } else {
        log::info(line);
    }
}
