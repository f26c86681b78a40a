//! The state machine of one `vrrp_instance` (RFC 5798 §6.4 as keepalived 2.2.7 runs it).
//!
//! Pure: the driver (`vrrp-linux`, or the simulation in `tests/`) feeds received adverts,
//! timer expiries, track changes and shutdown with the current time, and executes the
//! [`Action`]s it pops. One deadline per concern (master down, next advert, delayed GARP,
//! GARP refresh); [`Instance::poll_timeout`] is the earliest of them.
//!
//! Where keepalived and the RFCs differ, keepalived wins (the peers on the link are
//! keepalived): `state MASTER` below priority 255 still waits Master_Down_Interval in BACKUP;
//! a master answers a lower-priority advert with its own advert and re-arms its advert timer;
//! a master that enters FAULT sends priority 0. One deliberate difference: keepalived also
//! re-arms a master's advert timer on packets that fail the checks (so a stream of bad packets
//! with our VRID would silence the master); here invalid packets change no timer.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::action::{Action, State};
use crate::check::AdvertCheck;
use crate::codec::{self, Advert, Auth, Version};
use crate::config::InstanceConfig;
use crate::error::DecodeError;
use crate::stats::InstanceStats;
use crate::timers;

/// Priority of the address owner.
pub const PRIO_OWNER: u8 = 255;
/// Priority a leaving master announces.
pub const PRIO_STOP: u8 = 0;

/// One VRRP virtual router instance.
#[derive(Debug, Clone)]
pub struct Instance {
    cfg: InstanceConfig,
    check: AdvertCheck,
    state: State,
    /// May drop from 255 to 254 on an address-owner conflict, as keepalived does.
    base_priority: u8,
    effective_priority: u8,
    track_delta: i32,
    /// The advert interval we send (rounded to what the version can carry).
    adver_int: Duration,
    /// v3: the interval learned from the current master; v2: always `adver_int`.
    master_adver_int: Duration,
    master_down_at: Option<Instant>,
    advert_at: Option<Instant>,
    garp_delay_at: Option<Instant>,
    garp_refresh_at: Option<Instant>,
    preempt_at: Option<Instant>,
    vips_set: bool,
    /// Member of a sync group: an expired master-down timer only sets `want_master`.
    sync_member: bool,
    want_master: bool,
    master_addr: Option<Ipv4Addr>,
    master_priority: u8,
    actions: VecDeque<Action>,
    stats: InstanceStats,
}

impl Instance {
    /// Create the instance at `now` and queue its first actions.
    ///
    /// keepalived's corrections are applied (each logged): `nopreempt` is cleared for
    /// priority 255 and for `state MASTER`, `preempt_delay` is cleared for `state MASTER` and
    /// with `nopreempt`, the interval is rounded to what the version carries, priority 0 is
    /// read as 255 with `state MASTER` and 100 otherwise.
    ///
    /// An address owner (priority 255) with `state MASTER` becomes master at once; any other
    /// instance first removes stale VIPs ([`Action::DelVips`], keepalived's "removing VIPs."),
    /// enters BACKUP and waits Master_Down_Interval (also with `state MASTER`).
    pub fn new(mut cfg: InstanceConfig, now: Instant) -> Self {
        let mut warnings = Vec::new();
        if cfg.priority == 0 {
            cfg.priority = if cfg.initial_master { PRIO_OWNER } else { 100 };
        }
        let name = cfg.name.clone();
        if cfg.priority == PRIO_OWNER && !cfg.preempt {
            warnings.push(format!(
                "({name}) nopreempt is incompatible with priority 255. resetting nopreempt"
            ));
            cfg.preempt = true;
        }
        if cfg.initial_master {
            if !cfg.preempt {
                warnings.push(format!(
                    "({name}) Warning - nopreempt will not work with initial state MASTER - clearing"
                ));
                cfg.preempt = true;
            }
            if !cfg.preempt_delay.is_zero() {
                warnings.push(format!(
                    "({name}) Warning - preempt delay will not work with initial state MASTER - clearing"
                ));
                cfg.preempt_delay = Duration::ZERO;
            }
        }
        if !cfg.preempt && !cfg.preempt_delay.is_zero() {
            warnings.push(format!(
                "({name}) preempt_delay is incompatible with nopreempt mode - resetting"
            ));
            cfg.preempt_delay = Duration::ZERO;
        }
        let (adver_int, interval_warning) = timers::normalize_interval(cfg.version, cfg.advert_int);
        if let Some(w) = interval_warning {
            warnings.push(format!("({name}) {w}"));
        }
        cfg.advert_int = adver_int;
        if cfg.version == Version::V3 && cfg.auth.is_some() {
            warnings.push(format!(
                "({name}) VRRP version 3 does not support authentication. Ignoring."
            ));
            cfg.auth = None;
        }
        if cfg.down_timer_adverts == 0 {
            cfg.down_timer_adverts = 3;
        }
        let check = AdvertCheck::from_config(&cfg);
        let mut inst = Instance {
            check,
            state: State::Initialize,
            base_priority: cfg.priority,
            effective_priority: cfg.priority,
            track_delta: 0,
            adver_int,
            master_adver_int: adver_int,
            master_down_at: None,
            advert_at: None,
            garp_delay_at: None,
            garp_refresh_at: None,
            preempt_at: None,
            vips_set: false,
            sync_member: false,
            want_master: false,
            master_addr: None,
            master_priority: 0,
            actions: VecDeque::new(),
            stats: InstanceStats::default(),
            cfg,
        };
        for w in warnings {
            inst.log(false, w);
        }
        if inst.cfg.initial_master && inst.base_priority == PRIO_OWNER {
            inst.goto_master(now);
        } else {
            // keepalived removes VIPs a previous run may have left behind ("removing VIPs.").
            inst.actions.push_back(Action::DelVips);
            let line = format!("({}) Entering BACKUP STATE (init)", inst.cfg.name);
            inst.log(false, line);
            inst.state = State::Backup;
            inst.master_down_at = Some(now + inst.master_down_interval());
            inst.actions.push_back(Action::Notify(State::Backup));
        }
        inst
    }

    /// The configuration in use (after keepalived's corrections).
    pub fn config(&self) -> &InstanceConfig {
        &self.cfg
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Base priority adjusted by the track weights, clamped to 1..=254 (255 for the owner).
    pub fn effective_priority(&self) -> u8 {
        self.effective_priority
    }

    /// True while the VIPs are (or should be) on the interface: between AddVips and DelVips.
    pub fn vips_set(&self) -> bool {
        self.vips_set
    }

    /// The source of the last advert accepted from a master (`None` before one arrived).
    pub fn master_addr(&self) -> Option<Ipv4Addr> {
        self.master_addr
    }

    /// Counters in the spirit of keepalived's `/tmp/keepalived.stats`.
    pub fn stats(&self) -> &InstanceStats {
        &self.stats
    }

    /// The receive checks of this instance, for a driver that dispatches by VRID itself.
    pub fn advert_check(&self) -> &AdvertCheck {
        &self.check
    }

    /// The full receive path for one VRRP payload from the IP layer: decode, check TTL and
    /// destination, then [`Instance::handle_advert`]. On error the packet is counted and, unless
    /// [`DecodeError::is_silent`], a keepalived-style log line is queued.
    pub fn receive(
        &mut self,
        now: Instant,
        ttl: u8,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<(), DecodeError> {
        let result = codec::decode(payload, src, dst)
            .and_then(|adv| self.check.check_ip(ttl, dst).map(|()| adv));
        match result {
            Ok(adv) => self.accept(now, src, &adv),
            Err(e) => {
                self.reject(&e);
                Err(e)
            }
        }
    }

    /// Process an advert that already passed [`crate::decode`] (and, if the driver has the IP
    /// header, [`AdvertCheck::check_ip`]). The per-instance checks are applied here; a failing
    /// advert is counted in [`Instance::stats`] and ignored.
    pub fn handle_advert(&mut self, now: Instant, from: Ipv4Addr, advert: &Advert) {
        let _ = self.accept(now, from, advert);
    }

    fn accept(&mut self, now: Instant, from: Ipv4Addr, advert: &Advert) -> Result<(), DecodeError> {
        let check_addresses = !(self.cfg.skip_check_adv_addr
            && self.state == State::Backup
            && self.master_addr == Some(from));
        if let Err(e) = self.check.check_advert_with(from, advert, check_addresses) {
            self.reject(&e);
            return Err(e);
        }
        self.stats.advert_rcvd += 1;
        if advert.priority == PRIO_STOP {
            self.stats.pri_zero_rcvd += 1;
        }
        match self.state {
            State::Backup => self.backup_rx(now, from, advert),
            State::Master => self.master_rx(now, from, advert),
            State::Initialize | State::Fault | State::Stopped => {}
        }
        Ok(())
    }

    fn reject(&mut self, e: &DecodeError) {
        self.stats.count_drop(e);
        if !e.is_silent() {
            let line = e.log_line(&self.cfg.name);
            self.log(false, line);
        }
    }

    /// Run the timers that are due at `now`: master down (BACKUP → MASTER), next advert,
    /// delayed and periodic GARPs (MASTER).
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Backup => {
                if self.master_down_at.is_some_and(|t| t <= now) {
                    let line = format!("({}) Receive advertisement timeout", self.cfg.name);
                    self.log(true, line);
                    if self.sync_member {
                        // keepalived's vrrp_sync_can_goto_master: wait for the others.
                        self.want_master = true;
                        self.master_down_at = Some(now + self.master_down_interval());
                    } else {
                        self.goto_master(now);
                    }
                }
            }
            State::Master => {
                if self.garp_delay_at.is_some_and(|t| t <= now) {
                    self.garp_delay_at = None;
                    let repeat = self.cfg.garp_master_repeat;
                    self.actions.push_back(Action::SendGarp { repeat });
                }
                if self.advert_at.is_some_and(|t| t <= now) {
                    self.master_tx(now);
                }
            }
            State::Initialize | State::Fault | State::Stopped => {}
        }
    }

    /// Set the sum of the weights of the tracked scripts/interfaces that currently count.
    /// The effective priority becomes base + delta clamped to 1..=254; an address owner
    /// (priority 255) ignores weights, as keepalived does. In BACKUP the running master-down
    /// timer is moved by the change of Skew_Time.
    pub fn set_track_delta(&mut self, _now: Instant, delta: i32) {
        self.track_delta = delta;
        self.update_effective_priority();
    }

    fn update_effective_priority(&mut self) {
        if self.base_priority == PRIO_OWNER {
            return;
        }
        let total = i32::from(self.base_priority).saturating_add(self.track_delta);
        let new = total.clamp(1, i32::from(PRIO_OWNER) - 1) as u8;
        if new == self.effective_priority {
            return;
        }
        let line = format!(
            "({}) Changing effective priority from {} to {}",
            self.cfg.name, self.effective_priority, new
        );
        self.log(false, line);
        let old_down = self.master_down_interval();
        self.effective_priority = new;
        let new_down = self.master_down_interval();
        if self.state == State::Backup {
            if let Some(t) = self.master_down_at {
                self.master_down_at = Some(if new_down >= old_down {
                    t + (new_down - old_down)
                } else {
                    t.checked_sub(old_down - new_down).unwrap_or(t)
                });
            }
        }
    }

    /// A tracked interface or an unweighted tracked script went down (`true`) or all came
    /// back (`false`). Entering FAULT from MASTER sends priority 0 and removes the VIPs;
    /// leaving FAULT enters BACKUP (or MASTER at once for an address owner with
    /// `state MASTER`).
    pub fn set_fault(&mut self, now: Instant, fault: bool) {
        match (fault, self.state) {
            // keepalived's down_instance: priority 0 on entering FAULT, and again with
            // "sent 0 priority" when the interface is restored (two adverts on the wire).
            (true, State::Master) => self.leave_master(now, State::Fault, true),
            (true, State::Backup) | (true, State::Initialize) => {
                let line = format!("({}) Entering FAULT STATE", self.cfg.name);
                self.log(false, line);
                self.enter_quiet(State::Fault);
            }
            (false, State::Fault) => self.leave_fault(now),
            _ => {}
        }
    }

    /// Stop the instance (SIGTERM): a master sends priority 0 and removes its VIPs; every
    /// instance reports STOP. Nothing happens afterwards.
    pub fn shutdown(&mut self, _now: Instant) {
        if self.state == State::Stopped {
            return;
        }
        if self.state == State::Master {
            self.restore_interface(true);
        }
        self.state = State::Stopped;
        self.clear_timers();
        self.actions.push_back(Action::Notify(State::Stopped));
    }

    /// Force a state on behalf of a [`crate::SyncGroup`]: MASTER and BACKUP transitions as if
    /// the timer had expired or a higher-priority advert had arrived; FAULT as
    /// [`Instance::set_fault`]. Returns false when the instance cannot follow (it is in FAULT
    /// or stopped, or `to` is not one of these three).
    pub fn sync_to(&mut self, now: Instant, to: State) -> bool {
        match (self.state, to) {
            (s, t) if s == t => true,
            (State::Backup, State::Master) => {
                self.goto_master(now);
                true
            }
            (State::Master, State::Backup) => {
                self.leave_master(now, State::Backup, false);
                true
            }
            (State::Master, State::Fault) => {
                self.leave_master(now, State::Fault, false);
                true
            }
            (State::Backup, State::Fault) => {
                let line = format!("({}) Entering FAULT STATE", self.cfg.name);
                self.log(false, line);
                self.enter_quiet(State::Fault);
                true
            }
            _ => false,
        }
    }

    /// Mark this instance as a member of a [`crate::SyncGroup`] (done by
    /// [`crate::SyncGroup::new`]).
    pub fn set_sync_member(&mut self, member: bool) {
        self.sync_member = member;
    }

    /// A sync-group member in BACKUP whose master-down timer expired: it would be master if
    /// the group let it.
    pub fn wants_master(&self) -> bool {
        self.state == State::Backup && self.want_master
    }

    /// The earliest instant at which [`Instance::handle_timeout`] has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Backup => self.master_down_at,
            State::Master => [self.advert_at, self.garp_delay_at]
                .into_iter()
                .flatten()
                .min(),
            State::Initialize | State::Fault | State::Stopped => None,
        }
    }

    /// The next action for the driver, in the order they were decided.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Master_Down_Interval with the current effective priority and master interval.
    pub fn master_down_interval(&self) -> Duration {
        timers::master_down_interval(
            self.cfg.version,
            self.effective_priority,
            self.master_adver_int,
            self.cfg.down_timer_adverts,
        )
    }

    /// Skew_Time with the current effective priority and master interval.
    pub fn skew_time(&self) -> Duration {
        timers::skew_time(
            self.cfg.version,
            self.effective_priority,
            self.master_adver_int,
        )
    }

    /// The advert this instance sends with `priority`.
    pub fn make_advert(&self, priority: u8) -> Advert {
        let (advert_int, auth) = match self.cfg.version {
            Version::V2 => (
                timers::v2_interval_secs(self.adver_int),
                self.cfg.auth.map_or(Auth::None, Auth::Simple),
            ),
            Version::V3 => (timers::v3_interval_cs(self.adver_int), Auth::None),
        };
        Advert {
            version: self.cfg.version,
            vrid: self.cfg.vrid,
            priority,
            advert_int,
            auth,
            addresses: self
                .cfg
                .vips
                .iter()
                .take(codec::MAX_ADDRESSES)
                .copied()
                .collect(),
            checksum: 0,
        }
    }

    // ---- transitions -------------------------------------------------------------------

    fn backup_rx(&mut self, now: Instant, from: Ipv4Addr, advert: &Advert) {
        let prio = advert.priority;
        let eff = self.effective_priority;
        let preempt_delay_running =
            !self.cfg.preempt_delay.is_zero() && !matches!(self.preempt_at, Some(t) if t <= now);
        if prio == PRIO_STOP {
            let line = format!(
                "({}) Backup received priority 0 advertisement",
                self.cfg.name
            );
            self.log(true, line);
            self.master_down_at = Some(now + self.skew_time());
        } else if !self.cfg.preempt || prio >= eff || preempt_delay_running {
            if self.cfg.version == Version::V3 {
                let learned = advert.interval();
                if learned != self.master_adver_int {
                    let line = format!(
                        "({}) advertisement interval updated from {}ms to {}ms by master",
                        self.cfg.name,
                        self.master_adver_int.as_millis(),
                        learned.as_millis()
                    );
                    self.log(true, line);
                    self.master_adver_int = learned;
                }
            }
            self.master_down_at = Some(now + self.master_down_interval());
            self.master_addr = Some(from);
            self.master_priority = prio;
            self.want_master = false;
            if !self.cfg.preempt_delay.is_zero() {
                if prio >= eff {
                    if self.preempt_at.take().is_some() {
                        let line = format!("({}) stop preempt delay", self.cfg.name);
                        self.log(true, line);
                    }
                } else if self.preempt_at.is_none() {
                    let d = self.cfg.preempt_delay;
                    let line = format!(
                        "({}) start preempt delay ({}.{:06})",
                        self.cfg.name,
                        d.as_secs(),
                        d.subsec_micros()
                    );
                    self.log(true, line);
                    self.preempt_at = Some(now + d);
                }
            }
        } else {
            let line = format!(
                "({}) received lower priority ({}) advert from {} - discarding",
                self.cfg.name, prio, from
            );
            self.log(false, line);
            self.master_addr = Some(from);
        }
    }

    fn master_rx(&mut self, now: Instant, from: Ipv4Addr, advert: &Advert) {
        let prio = advert.priority;
        let ours = self.cfg.primary_addr;
        if prio == PRIO_STOP
            || (self.cfg.higher_prio_send_advert
                && (prio > self.effective_priority
                    || (prio == self.effective_priority && from > ours)))
        {
            self.send_advert(self.effective_priority);
            // keepalived re-arms the advert timer after answering (RFC 5798 §6.4.3 too).
            self.advert_at = Some(now + self.adver_int);
            if prio == PRIO_STOP {
                let line = format!("({}) Master received priority 0 message", self.cfg.name);
                self.log(true, line);
                return;
            }
        }
        if prio == self.effective_priority {
            if from == ours {
                let line = format!(
                    "({}) WARNING - equal priority advert received from remote host with our IP address.",
                    self.cfg.name
                );
                self.log(false, line);
            } else if self.effective_priority == PRIO_OWNER {
                let line = format!(
                    "({}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority",
                    self.cfg.name
                );
                self.log(false, line);
                self.base_priority = PRIO_OWNER - 1;
                self.effective_priority = PRIO_OWNER - 1;
            }
        }
        let eff = self.effective_priority;
        if prio < eff || (prio == eff && from < ours) {
            let line = format!(
                "({}) Received advert from {} with lower priority {}, ours {}{}",
                self.cfg.name,
                from,
                prio,
                eff,
                if self.cfg.lower_prio_no_advert {
                    ""
                } else {
                    ", forcing new election"
                }
            );
            self.log(false, line);
            if !self.cfg.lower_prio_no_advert {
                self.send_advert(eff);
                self.advert_at = Some(now + self.adver_int);
            }
            return;
        }
        if prio > eff || (prio == eff && from > ours) {
            let line = if prio > eff {
                format!(
                    "({}) Master received advert from {} with higher priority {}, ours {}",
                    self.cfg.name, from, prio, eff
                )
            } else {
                format!(
                    "({}) Master received advert from {} with same priority {} but higher IP address than ours",
                    self.cfg.name, from, prio
                )
            };
            self.log(false, line);
            if self.cfg.version == Version::V3 {
                self.master_adver_int = advert.interval();
            }
            self.master_addr = Some(from);
            self.master_priority = prio;
            self.leave_master(now, State::Backup, false);
        }
    }

    fn master_tx(&mut self, now: Instant) {
        self.send_advert(self.effective_priority);
        self.advert_at = Some(now + self.adver_int);
        if let (Some(every), Some(at)) = (self.cfg.garp_master_refresh, self.garp_refresh_at) {
            if now > at {
                let repeat = self.cfg.garp_master_refresh_repeat;
                self.actions.push_back(Action::SendGarp { repeat });
                self.garp_refresh_at = Some(now + every);
            }
        }
    }

    /// keepalived's `vrrp_state_goto_master` + `vrrp_state_become_master`: the advert goes
    /// out first so the old master drops the VIPs before our GARPs arrive.
    fn goto_master(&mut self, now: Instant) {
        self.state = State::Master;
        self.want_master = false;
        self.master_down_at = None;
        self.preempt_at = None;
        self.send_advert(self.effective_priority);
        self.advert_at = Some(now + self.adver_int);
        if self.vips_set {
            return;
        }
        let line = format!("({}) Entering MASTER STATE", self.cfg.name);
        self.log(false, line);
        self.stats.become_master += 1;
        self.master_adver_int = self.adver_int;
        self.master_addr = Some(self.cfg.primary_addr);
        self.actions.push_back(Action::AddVips);
        self.vips_set = true;
        let repeat = self.cfg.garp_master_repeat;
        self.actions.push_back(Action::SendGarp { repeat });
        self.garp_refresh_at = self.cfg.garp_master_refresh.map(|d| now + d);
        self.actions.push_back(Action::Notify(State::Master));
        self.garp_delay_at = if self.cfg.garp_master_delay.is_zero() {
            None
        } else {
            Some(now + self.cfg.garp_master_delay)
        };
    }

    /// keepalived's `vrrp_state_leave_master`: to BACKUP, or to FAULT with priority 0.
    fn leave_master(&mut self, now: Instant, to: State, send_prio_zero: bool) {
        let line = format!(
            "({}) Entering {} STATE",
            self.cfg.name,
            to.keepalived_name()
        );
        self.log(false, line);
        if to == State::Fault {
            self.send_advert(PRIO_STOP);
            self.stats.pri_zero_sent += 1;
        } else {
            self.preempt_at = None;
        }
        self.restore_interface(send_prio_zero);
        self.state = to;
        self.actions.push_back(Action::Notify(to));
        self.stats.release_master += 1;
        self.clear_timers();
        if to == State::Backup {
            self.master_down_at = Some(now + self.master_down_interval());
        }
    }

    /// keepalived's `vrrp_state_leave_fault`.
    fn leave_fault(&mut self, now: Instant) {
        self.master_adver_int = self.adver_int;
        self.preempt_at = None;
        if self.cfg.initial_master && self.base_priority == PRIO_OWNER {
            self.goto_master(now);
            return;
        }
        let line = format!("({}) Entering BACKUP STATE", self.cfg.name);
        self.log(false, line);
        self.state = State::Backup;
        self.actions.push_back(Action::Notify(State::Backup));
        self.master_down_at = Some(now + self.master_down_interval());
    }

    /// keepalived's `vrrp_restore_interface`: optionally priority 0, then the VIPs go.
    fn restore_interface(&mut self, send_prio_zero: bool) {
        if send_prio_zero {
            self.send_advert(PRIO_STOP);
            self.stats.pri_zero_sent += 1;
            let line = format!("({}) sent 0 priority", self.cfg.name);
            self.log(true, line);
        }
        if self.vips_set {
            self.actions.push_back(Action::DelVips);
            self.vips_set = false;
        }
        self.garp_delay_at = None;
        self.garp_refresh_at = None;
    }

    fn enter_quiet(&mut self, to: State) {
        self.state = to;
        self.clear_timers();
        self.actions.push_back(Action::Notify(to));
    }

    fn clear_timers(&mut self) {
        self.want_master = false;
        self.master_down_at = None;
        self.advert_at = None;
        self.garp_delay_at = None;
        self.garp_refresh_at = None;
    }

    fn send_advert(&mut self, priority: u8) {
        self.stats.advert_sent += 1;
        let adv = self.make_advert(priority);
        self.actions.push_back(Action::SendAdvert(adv));
    }

    fn log(&mut self, detail: bool, line: String) {
        self.actions.push_back(Action::Log { detail, line });
    }
}
