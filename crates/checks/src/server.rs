//! One server's health as the checks see it: the health check's and the agent's rise/fall
//! counters, the admin state (MAINT, DRAIN), the agent's weight, slowstart and observed
//! errors. Pure: every entry point takes `now`, none reads the clock.
//!
//! The driver feeds it check outcomes and agent replies, asks it when to check next
//! ([`ServerCheck::next_check_delay`]: `inter`, `fastinter` or `downinter`, as the manual's
//! table says), and publishes [`ServerState`] and [`ServerCheck::effective_weight`] to the data
//! plane. Each change comes back as a [`Transition`] for the log.

use std::time::{Duration, Instant};

use haproxy_cfg::model::Server;

use crate::admin::AdminSource;
use crate::agent::{AgentAdmin, AgentReply};
use crate::health::{Change, Health};
use crate::observe::{ErrorObserver, ObserveMode, OnError};
use crate::outcome::{CheckOutcome, CheckStatus};
use crate::slowstart::{ramp_permille, ramp_weight};

/// What the data plane sees; one byte, so it fits an `AtomicU8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ServerState {
    /// Up at full health.
    Up = 0,
    /// Up, but failed checks are counting towards `fall`.
    GoingDown = 1,
    Down = 2,
    /// Down, but passed checks are counting towards `rise`.
    GoingUp = 3,
    /// Administratively down (`disabled`, agent `maint`).
    Maint = 4,
    /// Up but takes no new traffic (agent `drain`).
    Drain = 5,
}

impl ServerState {
    pub fn from_u8(v: u8) -> ServerState {
        match v {
            0 => ServerState::Up,
            1 => ServerState::GoingDown,
            3 => ServerState::GoingUp,
            4 => ServerState::Maint,
            5 => ServerState::Drain,
            _ => ServerState::Down,
        }
    }

    /// Whether new traffic may go to a server in this state.
    pub fn usable(self) -> bool {
        matches!(self, ServerState::Up | ServerState::GoingDown)
    }

    /// The word HAProxy's stats page shows.
    pub fn stats_name(self) -> &'static str {
        match self {
            ServerState::Up => "UP",
            ServerState::GoingDown => "UP, going down",
            ServerState::Down => "DOWN",
            ServerState::GoingUp => "DOWN, going up",
            ServerState::Maint => "MAINT",
            ServerState::Drain => "DRAIN",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminState {
    Ready,
    Drain,
    Maint,
}

/// A change worth a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The outcome that caused it, when a check did.
    Down(Option<CheckOutcome>),
    Up(Option<CheckOutcome>),
    /// MAINT entered; `was_down` when the checks had already taken the server down.
    EnterMaint {
        was_down: bool,
    },
    /// MAINT left, for READY or (`drain`) DRAIN; `up` when the server is up afterwards.
    LeaveMaint {
        up: bool,
        drain: bool,
    },
    EnterDrain {
        up: bool,
    },
    LeaveDrain {
        up: bool,
    },
    /// HAProxy 2.6's extra line after leaving MAINT for DRAIN.
    RemainsDrain,
}

impl Transition {
    /// Whether the server stopped taking traffic with this change.
    pub fn went_unusable(&self) -> bool {
        matches!(
            self,
            Transition::Down(_)
                | Transition::EnterMaint { was_down: false }
                | Transition::EnterDrain { up: true }
        )
    }

    /// Whether this change takes a running server down (`on-marked-down shutdown-sessions`
    /// applies: a check took it down, or it went into maintenance while up).
    pub fn marks_down(&self) -> bool {
        matches!(
            self,
            Transition::Down(_) | Transition::EnterMaint { was_down: false }
        )
    }

    /// Whether this change brings the server up (`on-marked-up shutdown-backup-sessions`).
    pub fn marks_up(&self) -> bool {
        matches!(
            self,
            Transition::Up(_) | Transition::LeaveMaint { up: true, .. }
        )
    }
}

/// The check settings of one server, from its `server` line.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerCheckConfig {
    pub check: bool,
    pub agent: bool,
    pub weight: u32,
    pub rise: u32,
    pub fall: u32,
    pub inter: Duration,
    pub fastinter: Option<Duration>,
    pub downinter: Option<Duration>,
    pub agent_inter: Option<Duration>,
    pub slowstart: Option<Duration>,
    pub observe: Option<ObserveMode>,
    pub error_limit: u32,
    pub on_error: OnError,
    /// `disabled`: starts in MAINT.
    pub disabled: bool,
    /// `on-marked-down shutdown-sessions`.
    pub shutdown_on_down: bool,
    /// `on-marked-up shutdown-backup-sessions`.
    pub shutdown_backups_on_up: bool,
}

impl Default for ServerCheckConfig {
    /// A server line with nothing but an address: HAProxy's defaults.
    fn default() -> Self {
        ServerCheckConfig {
            check: false,
            agent: false,
            weight: 1,
            rise: 2,
            fall: 3,
            inter: Duration::from_secs(2),
            fastinter: None,
            downinter: None,
            agent_inter: None,
            slowstart: None,
            observe: None,
            error_limit: 10,
            on_error: OnError::default(),
            disabled: false,
            shutdown_on_down: false,
            shutdown_backups_on_up: false,
        }
    }
}

impl ServerCheckConfig {
    pub fn from_server(s: &Server) -> Self {
        ServerCheckConfig {
            check: s.check,
            agent: s.agent_check,
            weight: s.weight,
            rise: s.rise,
            fall: s.fall,
            inter: s.inter,
            fastinter: s.fastinter,
            downinter: s.downinter,
            agent_inter: s.agent_inter,
            slowstart: s.slowstart.filter(|d| !d.is_zero()),
            observe: s.observe.as_deref().and_then(ObserveMode::parse),
            error_limit: s.error_limit,
            on_error: s
                .on_error
                .as_deref()
                .and_then(OnError::parse)
                .unwrap_or_default(),
            disabled: s.disabled,
            shutdown_on_down: s.on_marked_down.as_deref() == Some("shutdown-sessions"),
            shutdown_backups_on_up: s.on_marked_up.as_deref() == Some("shutdown-backup-sessions"),
        }
    }
}

/// The default `agent-inter`.
const DEFAULT_AGENT_INTER: Duration = Duration::from_secs(2);

/// What the stats page counts for a server (`chkfail`, `chkdown`, `lastchg`, `downtime`,
/// `hanafail`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerCounters {
    /// Failed checks while the counter was above 0 (HAProxy's `chkfail`), agent `down`
    /// replies included.
    pub failed_checks: u64,
    /// UP to DOWN transitions (a check, or MAINT entered while up).
    pub down_transitions: u64,
    /// Errors seen on live traffic (`observe`).
    pub observe_errors: u64,
    /// Last change of state, `None` when nothing changed since the start.
    pub last_change: Option<Instant>,
    /// Time spent down (DOWN or MAINT) in finished periods; see [`ServerCheck::downtime`].
    pub downtime: Duration,
    down_since: Option<Instant>,
}

#[derive(Debug, Clone)]
pub struct ServerCheck {
    cfg: ServerCheckConfig,
    health: Health,
    /// The agent's counter: HAProxy gives agents a rise and fall of 1.
    agent: Health,
    admin: AdminState,
    admin_source: Option<AdminSource>,
    /// The weight in use before slowstart: the configured one until the agent (`N%`) or the
    /// runtime API (`set weight`) changes it.
    uweight: u32,
    check_enabled: bool,
    agent_enabled: bool,
    up_since: Option<Instant>,
    force_fastinter: bool,
    observer: Option<ErrorObserver>,
    last: Option<CheckOutcome>,
    last_agent: Option<CheckOutcome>,
    counters: ServerCounters,
}

impl ServerCheck {
    pub fn new(cfg: ServerCheckConfig) -> Self {
        let observer = cfg
            .observe
            .map(|m| ErrorObserver::new(m, cfg.error_limit, cfg.on_error));
        ServerCheck {
            health: if cfg.disabled {
                Health::new_down(cfg.rise, cfg.fall)
            } else {
                Health::new(cfg.rise, cfg.fall)
            },
            agent: Health::new(1, 1),
            admin: if cfg.disabled {
                AdminState::Maint
            } else {
                AdminState::Ready
            },
            admin_source: cfg.disabled.then_some(AdminSource::Config),
            uweight: cfg.weight,
            check_enabled: cfg.check,
            agent_enabled: cfg.agent,
            up_since: None,
            force_fastinter: false,
            observer,
            last: None,
            last_agent: None,
            counters: ServerCounters::default(),
            cfg,
        }
    }

    /// As [`ServerCheck::new`], for a server that exists from `now` on (a `disabled` one is
    /// counted down from then).
    pub fn new_at(cfg: ServerCheckConfig, now: Instant) -> Self {
        let mut s = ServerCheck::new(cfg);
        if s.stopped() {
            s.counters.down_since = Some(now);
        }
        s
    }

    /// The checks the driver could not set up (no address, no port) are dropped here, as
    /// HAProxy disables them at start.
    pub fn unconfigure(&mut self, check: bool, agent: bool) {
        if check {
            self.cfg.check = false;
            self.check_enabled = false;
        }
        if agent {
            self.cfg.agent = false;
            self.agent_enabled = false;
        }
    }

    pub fn counters(&self) -> &ServerCounters {
        &self.counters
    }

    /// Total time down (DOWN or MAINT) up to `now`, the current period included.
    pub fn downtime(&self, now: Instant) -> Duration {
        let current = self
            .counters
            .down_since
            .map(|t| now.saturating_duration_since(t))
            .unwrap_or_default();
        self.counters.downtime + current
    }

    pub fn admin_source(&self) -> Option<AdminSource> {
        self.admin_source
    }

    pub fn user_weight(&self) -> u32 {
        self.uweight
    }

    pub fn check_enabled(&self) -> bool {
        self.check_enabled
    }

    pub fn agent_enabled(&self) -> bool {
        self.agent_enabled
    }

    pub fn last_agent_outcome(&self) -> Option<&CheckOutcome> {
        self.last_agent.as_ref()
    }

    /// HAProxy's "stopped": out of service because of the checks or MAINT (DRAIN is not).
    fn stopped(&self) -> bool {
        self.admin == AdminState::Maint || !self.operational()
    }

    /// Runs a change and keeps the counters: `lastchg` on any change of state, the down
    /// periods for `downtime`.
    fn tracked<T>(&mut self, now: Instant, f: impl FnOnce(&mut Self) -> T) -> T {
        let (state_before, stopped_before) = (self.state(), self.stopped());
        let out = f(self);
        let stopped = self.stopped();
        if self.state() != state_before {
            self.counters.last_change = Some(now);
        }
        match (stopped_before, stopped) {
            (false, true) => self.counters.down_since = Some(now),
            (true, false) => {
                if let Some(t) = self.counters.down_since.take() {
                    self.counters.downtime += now.saturating_duration_since(t);
                }
            }
            _ => {}
        }
        out
    }

    /// The runtime API's `set server B/S state …`, `disable|enable server` (and the agent's
    /// `maint`/`drain`/`ready`): the transitions to log, in HAProxy's order.
    pub fn set_admin(
        &mut self,
        now: Instant,
        target: AdminState,
        source: AdminSource,
    ) -> Vec<Transition> {
        self.tracked(now, |s| s.set_admin_inner(now, target, source))
    }

    fn set_admin_inner(
        &mut self,
        now: Instant,
        target: AdminState,
        source: AdminSource,
    ) -> Vec<Transition> {
        let from = self.admin;
        if from == target {
            return Vec::new();
        }
        self.admin = target;
        self.admin_source = (target != AdminState::Ready).then_some(source);
        match (from, target) {
            (_, AdminState::Maint) => {
                // MAINT pauses the checks and counts as a failure (HAProxy sets the health
                // to 0); leaving it starts again at minimal health.
                let was_down = !self.operational();
                self.health.force_down();
                self.up_since = None;
                if !was_down {
                    self.counters.down_transitions += 1;
                }
                vec![Transition::EnterMaint { was_down }]
            }
            (AdminState::Maint, to) => {
                self.health = Health::new(self.cfg.rise, self.cfg.fall);
                let up = self.operational();
                if up {
                    self.up_since = Some(now);
                }
                let drain = to == AdminState::Drain;
                let mut out = vec![Transition::LeaveMaint { up, drain }];
                if drain {
                    out.push(Transition::RemainsDrain);
                }
                out
            }
            (_, AdminState::Drain) => vec![Transition::EnterDrain {
                up: self.operational(),
            }],
            (_, AdminState::Ready) => vec![Transition::LeaveDrain {
                up: self.operational(),
            }],
        }
    }

    /// `set weight`: the new user weight (already checked by
    /// [`parse_weight_change`](crate::weight::parse_weight_change)).
    pub fn set_user_weight(&mut self, weight: u32) {
        self.uweight = weight.min(256);
    }

    /// `enable|disable health`: a disabled check sends nothing and its last result stays as
    /// it was (HAProxy 2.6 keeps the server's state until something else changes it).
    /// `false` when there is no check to enable.
    pub fn set_check_enabled(&mut self, enabled: bool) -> bool {
        if enabled && !self.cfg.check {
            return false;
        }
        self.check_enabled = enabled && self.cfg.check;
        true
    }

    /// `enable|disable agent`; `false` when there is no agent to enable.
    pub fn set_agent_enabled(&mut self, enabled: bool) -> bool {
        if enabled && !self.cfg.agent {
            return false;
        }
        self.agent_enabled = enabled && self.cfg.agent;
        true
    }

    /// How far into its slowstart ramp the server is, in thousandths (1000: no ramp).
    pub fn slowstart_permille(&self, now: Instant) -> u32 {
        match (self.cfg.slowstart, self.up_since) {
            (Some(ss), Some(since)) if self.state().usable() => {
                ramp_permille(now.saturating_duration_since(since), ss)
            }
            _ => 1000,
        }
    }

    pub fn config(&self) -> &ServerCheckConfig {
        &self.cfg
    }

    pub fn health(&self) -> &Health {
        &self.health
    }

    /// The agent's own counter (rise and fall of 1).
    pub fn agent_health(&self) -> &Health {
        &self.agent
    }

    pub fn admin(&self) -> AdminState {
        self.admin
    }

    pub fn last_outcome(&self) -> Option<&CheckOutcome> {
        self.last.as_ref()
    }

    /// Up as far as the checks go (health check and agent both say up, where enabled).
    pub fn operational(&self) -> bool {
        (!self.cfg.check || self.health.is_up()) && (!self.cfg.agent || self.agent.is_up())
    }

    pub fn state(&self) -> ServerState {
        if self.admin == AdminState::Maint {
            return ServerState::Maint;
        }
        if !self.operational() {
            return if self.cfg.check && !self.health.is_up() && !self.health.is_full_down() {
                ServerState::GoingUp
            } else {
                ServerState::Down
            };
        }
        if self.admin == AdminState::Drain {
            return ServerState::Drain;
        }
        if self.cfg.check && !self.health.is_full_up() && self.last.is_some() {
            ServerState::GoingDown
        } else {
            ServerState::Up
        }
    }

    /// The weight the balancer should use now: the configured one, scaled by the agent's
    /// percentage, ramped by `slowstart` after a comeback; 0 when not usable.
    pub fn effective_weight(&self, now: Instant) -> u32 {
        if !self.state().usable() {
            return 0;
        }
        let w = self.uweight;
        match (self.cfg.slowstart, self.up_since) {
            (Some(ss), Some(since)) => ramp_weight(w, now.saturating_duration_since(since), ss),
            _ => w,
        }
    }

    /// Whether a slowstart ramp is still running (the driver then republishes the weight).
    pub fn ramping(&self, now: Instant) -> bool {
        match (self.cfg.slowstart, self.up_since) {
            (Some(ss), Some(since)) => now.saturating_duration_since(since) < ss,
            _ => false,
        }
    }

    fn change(
        &mut self,
        now: Instant,
        was_up: bool,
        why: Option<CheckOutcome>,
    ) -> Option<Transition> {
        let is_up = self.operational();
        if was_up == is_up || self.admin == AdminState::Maint {
            return None;
        }
        if is_up {
            self.up_since = Some(now);
            Some(Transition::Up(why))
        } else {
            self.up_since = None;
            self.counters.down_transitions += 1;
            Some(Transition::Down(why))
        }
    }

    /// A health check finished.
    pub fn handle_check(&mut self, now: Instant, outcome: CheckOutcome) -> Option<Transition> {
        self.tracked(now, |s| s.handle_check_inner(now, outcome))
    }

    fn handle_check_inner(&mut self, now: Instant, outcome: CheckOutcome) -> Option<Transition> {
        let was_up = self.operational();
        // HAProxy counts a failure while the counter is above 0 (up, or on its way up).
        if !outcome.passed() && self.health.raw().0 > 0 {
            self.counters.failed_checks += 1;
        }
        if outcome.passed() {
            if let Some(o) = &mut self.observer {
                o.record_ok();
            }
        }
        self.health.record(outcome.passed());
        self.last = Some(outcome.clone());
        self.change(now, was_up, Some(outcome))
    }

    /// An agent answered. Only what it says counts: an agent that cannot be reached changes
    /// nothing (HAProxy counts agent failures only from layer 7 on).
    pub fn handle_agent(&mut self, now: Instant, reply: &AgentReply) -> Vec<Transition> {
        self.tracked(now, |s| s.handle_agent_inner(now, reply))
    }

    fn handle_agent_inner(&mut self, now: Instant, reply: &AgentReply) -> Vec<Transition> {
        let mut out = Vec::new();
        // A disabled agent's weight and drain are ignored (management manual,
        // `disable agent`); a reply may still be in flight when it is disabled.
        let weight_too = self.agent_enabled;
        if let Some(pct) = reply.weight_pct.filter(|_| weight_too) {
            let pct = u64::from(pct.min(256 * 100));
            self.uweight = (u64::from(self.cfg.weight) * pct / 100).min(256) as u32;
        }
        let target = match (reply.admin, self.admin) {
            (Some(AgentAdmin::Maint), a) if a != AdminState::Maint => Some(AdminState::Maint),
            (Some(AgentAdmin::Drain), AdminState::Ready) if weight_too => Some(AdminState::Drain),
            (Some(AgentAdmin::Ready), a) if a != AdminState::Ready => Some(AdminState::Ready),
            _ => None,
        };
        if let Some(t) = target {
            out.extend(self.set_admin_inner(now, t, AdminSource::Agent));
        }
        if let Some(outcome) = reply.outcome() {
            let was_up = self.operational();
            if !outcome.passed() && self.agent.raw().0 > 0 {
                self.counters.failed_checks += 1;
            }
            self.agent.record(outcome.passed());
            self.last_agent = Some(outcome.clone());
            out.extend(self.change(now, was_up, Some(outcome)));
        }
        out
    }

    /// An agent could not be reached: nothing changes but what the stats page shows.
    pub fn note_agent_failure(&mut self, outcome: CheckOutcome) {
        self.last_agent = Some(outcome);
    }

    /// Live traffic to this server succeeded (`ok`) or failed (`observe`); `what` says how it
    /// failed, for the log.
    pub fn handle_observed(&mut self, now: Instant, ok: bool, what: &str) -> Option<Transition> {
        self.tracked(now, |s| s.handle_observed_inner(now, ok, what))
    }

    fn handle_observed_inner(&mut self, now: Instant, ok: bool, what: &str) -> Option<Transition> {
        if !ok && self.observer.is_some() {
            self.counters.observe_errors += 1;
        }
        let observer = self.observer.as_mut()?;
        if ok {
            observer.record_ok();
            return None;
        }
        let (action, n) = observer.record_error()?;
        let outcome = CheckOutcome::new(CheckStatus::HealthAnalyze).with_info(format!(
            "Detected {n} consecutive errors, last one was: {what}"
        ));
        self.force_fastinter = true;
        match action {
            OnError::FastInter => None,
            OnError::FailCheck => {
                let was_up = self.operational();
                self.health.record(false);
                self.last = Some(outcome.clone());
                self.change(now, was_up, Some(outcome))
            }
            OnError::SuddenDeath => {
                self.health.set_pre_fatal();
                None
            }
            OnError::MarkDown => {
                let was_up = self.operational();
                if self.health.force_down() == Some(Change::WentDown) {
                    self.last = Some(outcome.clone());
                }
                self.change(now, was_up, Some(outcome))
            }
        }
    }

    pub fn observes(&self) -> Option<ObserveMode> {
        self.observer.as_ref().map(|o| o.mode)
    }

    /// How long until the next health check, per the manual's table: `inter` when fully up,
    /// `downinter` when fully down, `fastinter` in between (and once after `on-error`).
    pub fn next_check_delay(&mut self) -> Duration {
        let c = &self.cfg;
        if std::mem::take(&mut self.force_fastinter) {
            return c.fastinter.unwrap_or(c.inter);
        }
        if self.health.is_full_up() {
            c.inter
        } else if !self.operational() && self.health.is_full_down() {
            c.downinter.unwrap_or(c.inter)
        } else {
            c.fastinter.unwrap_or(c.inter)
        }
    }

    pub fn next_agent_delay(&self) -> Duration {
        self.cfg.agent_inter.unwrap_or(DEFAULT_AGENT_INTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::parse_reply;

    fn cfg() -> ServerCheckConfig {
        ServerCheckConfig {
            check: true,
            agent: false,
            weight: 30,
            rise: 3,
            fall: 3,
            inter: Duration::from_millis(2000),
            fastinter: Some(Duration::from_millis(500)),
            downinter: Some(Duration::from_millis(5000)),
            agent_inter: None,
            slowstart: None,
            observe: None,
            error_limit: 10,
            on_error: OnError::FailCheck,
            disabled: false,
            shutdown_on_down: false,
            shutdown_backups_on_up: false,
        }
    }

    fn ok() -> CheckOutcome {
        CheckOutcome::new(CheckStatus::L7Ok).with_code(200)
    }

    fn refused() -> CheckOutcome {
        CheckOutcome::new(CheckStatus::L4Con).with_info("Connection refused")
    }

    /// Virtual time: a server checked every `next_check_delay()`.
    struct Sim {
        now: Instant,
        s: ServerCheck,
    }

    impl Sim {
        fn new(c: ServerCheckConfig) -> Self {
            Sim {
                now: Instant::now(),
                s: ServerCheck::new(c),
            }
        }
        fn check(&mut self, o: CheckOutcome) -> Option<Transition> {
            self.now += self.s.next_check_delay();
            self.s.handle_check(self.now, o)
        }
    }

    #[test]
    fn taken_out_after_fall_failures_and_back_after_rise_successes() {
        let mut sim = Sim::new(cfg());
        assert_eq!(sim.s.state(), ServerState::Up);
        assert_eq!(sim.check(ok()), None);
        assert_eq!(sim.s.state(), ServerState::Up);
        assert_eq!(sim.check(refused()), None);
        assert_eq!(sim.s.state(), ServerState::GoingDown);
        assert!(sim.s.state().usable());
        assert_eq!(sim.check(refused()), None);
        assert_eq!(
            sim.check(refused()),
            Some(Transition::Down(Some(refused())))
        );
        assert_eq!(sim.s.state(), ServerState::Down);
        assert!(!sim.s.state().usable());
        assert_eq!(sim.check(ok()), None);
        assert_eq!(sim.s.state(), ServerState::GoingUp);
        assert_eq!(sim.check(ok()), None);
        assert_eq!(sim.check(ok()), Some(Transition::Up(Some(ok()))));
        assert_eq!(sim.s.state(), ServerState::Up);
    }

    #[test]
    fn interval_follows_the_manuals_table() {
        let mut s = ServerCheck::new(cfg());
        let t = Instant::now();
        // Yet unchecked: fastinter.
        assert_eq!(s.next_check_delay(), Duration::from_millis(500));
        s.handle_check(t, ok());
        assert_eq!(s.next_check_delay(), Duration::from_millis(2000));
        s.handle_check(t, refused());
        assert_eq!(
            s.next_check_delay(),
            Duration::from_millis(500),
            "going down"
        );
        s.handle_check(t, refused());
        s.handle_check(t, refused());
        assert_eq!(
            s.next_check_delay(),
            Duration::from_millis(5000),
            "fully down"
        );
        s.handle_check(t, ok());
        assert_eq!(s.next_check_delay(), Duration::from_millis(500), "going up");
        let mut plain = ServerCheck::new(ServerCheckConfig {
            fastinter: None,
            downinter: None,
            ..cfg()
        });
        plain.handle_check(t, refused());
        assert_eq!(plain.next_check_delay(), Duration::from_millis(2000));
    }

    #[test]
    fn disabled_starts_in_maint_and_stays_silent() {
        let mut s = ServerCheck::new(ServerCheckConfig {
            disabled: true,
            ..cfg()
        });
        assert_eq!(s.state(), ServerState::Maint);
        assert_eq!(s.handle_check(Instant::now(), refused()), None);
        assert_eq!(s.effective_weight(Instant::now()), 0);
    }

    #[test]
    fn agent_drain_maint_ready_and_weight() {
        let t = Instant::now();
        let mut s = ServerCheck::new(ServerCheckConfig {
            agent: true,
            weight: 40,
            ..cfg()
        });
        assert!(s.handle_agent(t, &parse_reply(b"75%\n")).is_empty());
        assert_eq!(s.effective_weight(t), 30);
        assert_eq!(
            s.handle_agent(t, &parse_reply(b"drain\n")),
            vec![Transition::EnterDrain { up: true }]
        );
        assert_eq!(s.state(), ServerState::Drain);
        assert_eq!(s.effective_weight(t), 0);
        assert_eq!(
            s.handle_agent(t, &parse_reply(b"maint\n")),
            vec![Transition::EnterMaint { was_down: false }]
        );
        assert_eq!(s.state(), ServerState::Maint);
        assert_eq!(
            s.handle_agent(t, &parse_reply(b"ready\n")),
            vec![Transition::LeaveMaint {
                up: true,
                drain: false
            }]
        );
        assert_eq!(s.state(), ServerState::Up);
        let down = s.handle_agent(t, &parse_reply(b"down\n"));
        assert!(
            matches!(&down[..], [Transition::Down(Some(o))] if o.info.as_deref() == Some("via agent : down"))
        );
        assert_eq!(s.state(), ServerState::Down);
        // The health check passing does not bring it back while the agent says down.
        assert_eq!(s.handle_check(t, ok()), None);
        assert!(matches!(
            &s.handle_agent(t, &parse_reply(b"up\n"))[..],
            [Transition::Up(_)]
        ));
        assert!(s.state().usable());
    }

    #[test]
    fn slowstart_ramps_after_a_comeback_only() {
        let t0 = Instant::now();
        let mut s = ServerCheck::new(ServerCheckConfig {
            slowstart: Some(Duration::from_secs(10)),
            weight: 100,
            rise: 1,
            fall: 1,
            ..cfg()
        });
        assert_eq!(s.effective_weight(t0), 100, "never at start");
        s.handle_check(t0, refused());
        assert_eq!(s.effective_weight(t0), 0);
        let t1 = t0 + Duration::from_secs(1);
        assert!(matches!(s.handle_check(t1, ok()), Some(Transition::Up(_))));
        assert_eq!(s.effective_weight(t1), 1);
        assert!(s.ramping(t1));
        assert_eq!(s.effective_weight(t1 + Duration::from_secs(5)), 50);
        assert_eq!(s.effective_weight(t1 + Duration::from_secs(10)), 100);
        assert!(!s.ramping(t1 + Duration::from_secs(10)));
    }

    fn observing(on_error: OnError) -> ServerCheck {
        ServerCheck::new(ServerCheckConfig {
            observe: Some(ObserveMode::Layer4),
            error_limit: 2,
            on_error,
            ..cfg()
        })
    }

    #[test]
    fn observe_mark_down() {
        let t = Instant::now();
        let mut s = observing(OnError::MarkDown);
        s.handle_check(t, ok());
        assert_eq!(s.handle_observed(t, false, "connection refused"), None);
        let tr = s.handle_observed(t, false, "connection refused");
        let Some(Transition::Down(Some(o))) = tr else {
            panic!("expected down, got {tr:?}")
        };
        assert_eq!(
            o.describe(),
            "reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: connection refused\", check duration: 0ms"
        );
        assert_eq!(
            s.next_check_delay(),
            Duration::from_millis(500),
            "fastinter forced"
        );
    }

    #[test]
    fn observe_fail_check_and_sudden_death() {
        let t = Instant::now();
        let mut s = observing(OnError::FailCheck);
        s.handle_check(t, ok());
        s.handle_observed(t, false, "x");
        s.handle_observed(t, false, "x");
        assert_eq!(s.state(), ServerState::GoingDown);

        let mut s = observing(OnError::SuddenDeath);
        s.handle_check(t, ok());
        s.handle_observed(t, false, "x");
        assert_eq!(s.handle_observed(t, false, "x"), None);
        assert!(s.state().usable());
        assert!(matches!(
            s.handle_check(t, refused()),
            Some(Transition::Down(_))
        ));

        let mut s = observing(OnError::FastInter);
        s.handle_check(t, ok());
        s.handle_observed(t, true, "");
        s.handle_observed(t, false, "x");
        assert_eq!(s.handle_observed(t, false, "x"), None);
        assert_eq!(s.state(), ServerState::Up);
        assert_eq!(s.next_check_delay(), Duration::from_millis(500));
        assert_eq!(s.next_check_delay(), Duration::from_millis(2000));
    }

    #[test]
    fn admin_states_follow_haproxys_flag_rules() {
        let t = Instant::now();
        let cli = AdminSource::Cli;
        let mut s = ServerCheck::new_at(cfg(), t);
        s.handle_check(t, ok());
        assert_eq!(
            s.set_admin(t, AdminState::Maint, cli),
            vec![Transition::EnterMaint { was_down: false }]
        );
        assert_eq!(s.set_admin(t, AdminState::Maint, cli), vec![]);
        assert_eq!(
            s.next_check_delay(),
            Duration::from_millis(5000),
            "health 0"
        );
        assert_eq!(
            s.set_admin(t, AdminState::Drain, cli),
            vec![
                Transition::LeaveMaint {
                    up: true,
                    drain: true
                },
                Transition::RemainsDrain
            ]
        );
        assert_eq!(s.state(), ServerState::Drain);
        assert_eq!(s.effective_weight(t), 0);
        assert_eq!(
            s.set_admin(t, AdminState::Ready, cli),
            vec![Transition::LeaveDrain { up: true }]
        );
        assert_eq!(s.admin_source(), None);
        // A server the checks took down.
        for _ in 0..3 {
            s.handle_check(t, refused());
        }
        assert_eq!(s.state(), ServerState::Down);
        assert_eq!(
            s.set_admin(t, AdminState::Drain, AdminSource::Agent),
            vec![Transition::EnterDrain { up: false }]
        );
        assert_eq!(s.admin_source(), Some(AdminSource::Agent));
        assert_eq!(
            s.set_admin(t, AdminState::Maint, cli),
            vec![Transition::EnterMaint { was_down: true }]
        );
        assert_eq!(
            s.counters().down_transitions,
            2,
            "MAINT while down is not one"
        );
        // Leaving MAINT starts up at minimal health: the first failure takes it down.
        assert_eq!(
            s.set_admin(t, AdminState::Ready, cli),
            vec![Transition::LeaveMaint {
                up: true,
                drain: false
            }]
        );
        assert!(matches!(
            s.handle_check(t, refused()),
            Some(Transition::Down(_))
        ));
    }

    #[test]
    fn downtime_and_last_change_on_a_virtual_clock() {
        let t0 = Instant::now();
        let sec = Duration::from_secs(1);
        let mut s = ServerCheck::new_at(
            ServerCheckConfig {
                rise: 1,
                fall: 1,
                ..cfg()
            },
            t0,
        );
        assert_eq!(s.downtime(t0 + sec), Duration::ZERO);
        assert_eq!(s.counters().last_change, None);
        s.handle_check(t0 + sec, refused());
        assert_eq!(s.counters().last_change, Some(t0 + sec));
        assert_eq!(
            s.downtime(t0 + 3 * sec),
            2 * sec,
            "the current period counts"
        );
        s.handle_check(t0 + 4 * sec, ok());
        assert_eq!(s.downtime(t0 + 10 * sec), 3 * sec);
        // MAINT counts as down, DRAIN does not.
        s.set_admin(t0 + 10 * sec, AdminState::Drain, AdminSource::Cli);
        s.set_admin(t0 + 12 * sec, AdminState::Maint, AdminSource::Cli);
        s.set_admin(t0 + 15 * sec, AdminState::Ready, AdminSource::Cli);
        assert_eq!(s.downtime(t0 + 20 * sec), 6 * sec);
        assert_eq!(s.counters().last_change, Some(t0 + 15 * sec));
        // A `disabled` server is down from its start.
        let d = ServerCheck::new_at(
            ServerCheckConfig {
                disabled: true,
                ..cfg()
            },
            t0,
        );
        assert_eq!(d.downtime(t0 + 7 * sec), 7 * sec);
    }

    #[test]
    fn slowstart_ramps_after_leaving_maint_too() {
        let t0 = Instant::now();
        let mut s = ServerCheck::new(ServerCheckConfig {
            check: false,
            slowstart: Some(Duration::from_secs(10)),
            weight: 100,
            ..cfg()
        });
        assert_eq!(s.slowstart_permille(t0), 1000);
        s.set_admin(t0, AdminState::Maint, AdminSource::Cli);
        let t1 = t0 + Duration::from_secs(1);
        s.set_admin(t1, AdminState::Ready, AdminSource::Cli);
        assert_eq!(s.slowstart_permille(t1), 0);
        assert_eq!(s.effective_weight(t1), 1);
        let t = t1 + Duration::from_secs(4);
        assert_eq!(s.slowstart_permille(t), 400);
        assert_eq!(s.effective_weight(t), 40);
        assert_eq!(s.slowstart_permille(t1 + Duration::from_secs(10)), 1000);
    }

    #[test]
    fn user_weight_agent_percent_and_disabled_agent() {
        let t = Instant::now();
        let mut s = ServerCheck::new(ServerCheckConfig {
            agent: true,
            weight: 40,
            ..cfg()
        });
        s.set_user_weight(7);
        assert_eq!(s.effective_weight(t), 7);
        s.handle_agent(t, &parse_reply(b"50%\n"));
        assert_eq!(
            s.user_weight(),
            20,
            "the agent's N% is of the initial weight"
        );
        assert!(s.set_agent_enabled(false));
        s.handle_agent(t, &parse_reply(b"10% drain\n"));
        assert_eq!((s.user_weight(), s.admin()), (20, AdminState::Ready));
        assert!(!s.set_check_enabled(true) || s.config().check);
        let mut plain = ServerCheck::new(ServerCheckConfig {
            check: false,
            ..cfg()
        });
        assert!(!plain.set_check_enabled(true), "nothing to enable");
        assert!(plain.set_check_enabled(false));
        assert!(!plain.set_agent_enabled(true));
    }

    #[test]
    fn state_bytes_round_trip() {
        for st in [
            ServerState::Up,
            ServerState::GoingDown,
            ServerState::Down,
            ServerState::GoingUp,
            ServerState::Maint,
            ServerState::Drain,
        ] {
            assert_eq!(ServerState::from_u8(st as u8), st);
        }
        assert_eq!(ServerState::from_u8(200), ServerState::Down);
    }
}
