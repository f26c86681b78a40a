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

use crate::agent::{AgentAdmin, AgentReply};
use crate::health::{Change, Health};
use crate::observe::{ErrorObserver, ObserveMode, OnError};
use crate::outcome::{CheckOutcome, CheckStatus};
use crate::slowstart::ramp_weight;

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
    EnterMaint,
    LeaveMaint {
        up: bool,
    },
    EnterDrain,
    LeaveDrain {
        up: bool,
    },
}

impl Transition {
    /// Whether the server stopped taking traffic with this change.
    pub fn went_unusable(&self) -> bool {
        matches!(
            self,
            Transition::Down(_) | Transition::EnterMaint | Transition::EnterDrain
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
        }
    }
}

/// The default `agent-inter`.
const DEFAULT_AGENT_INTER: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct ServerCheck {
    cfg: ServerCheckConfig,
    health: Health,
    /// The agent's counter: HAProxy gives agents a rise and fall of 1.
    agent: Health,
    admin: AdminState,
    weight_pct: u32,
    up_since: Option<Instant>,
    force_fastinter: bool,
    observer: Option<ErrorObserver>,
    last: Option<CheckOutcome>,
}

impl ServerCheck {
    pub fn new(cfg: ServerCheckConfig) -> Self {
        let observer = cfg
            .observe
            .map(|m| ErrorObserver::new(m, cfg.error_limit, cfg.on_error));
        ServerCheck {
            health: Health::new(cfg.rise, cfg.fall),
            agent: Health::new(1, 1),
            admin: if cfg.disabled {
                AdminState::Maint
            } else {
                AdminState::Ready
            },
            weight_pct: 100,
            up_since: None,
            force_fastinter: false,
            observer,
            last: None,
            cfg,
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
        let w = (u64::from(self.cfg.weight) * u64::from(self.weight_pct) / 100).min(256) as u32;
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
            Some(Transition::Down(why))
        }
    }

    /// A health check finished.
    pub fn handle_check(&mut self, now: Instant, outcome: CheckOutcome) -> Option<Transition> {
        let was_up = self.operational();
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
        let mut out = Vec::new();
        if let Some(pct) = reply.weight_pct {
            self.weight_pct = pct.min(256 * 100);
        }
        match (reply.admin, self.admin) {
            (Some(AgentAdmin::Maint), a) if a != AdminState::Maint => {
                self.admin = AdminState::Maint;
                out.push(Transition::EnterMaint);
            }
            (Some(AgentAdmin::Drain), AdminState::Ready) => {
                self.admin = AdminState::Drain;
                out.push(Transition::EnterDrain);
            }
            (Some(AgentAdmin::Ready), AdminState::Maint) => {
                self.admin = AdminState::Ready;
                self.health = Health::new(self.cfg.rise, self.cfg.fall);
                out.push(Transition::LeaveMaint {
                    up: self.operational(),
                });
            }
            (Some(AgentAdmin::Ready), AdminState::Drain) => {
                self.admin = AdminState::Ready;
                out.push(Transition::LeaveDrain {
                    up: self.operational(),
                });
            }
            _ => {}
        }
        if let Some(outcome) = reply.outcome() {
            let was_up = self.operational();
            self.agent.record(outcome.passed());
            out.extend(self.change(now, was_up, Some(outcome)));
        }
        out
    }

    /// Live traffic to this server succeeded (`ok`) or failed (`observe`); `what` says how it
    /// failed, for the log.
    pub fn handle_observed(&mut self, now: Instant, ok: bool, what: &str) -> Option<Transition> {
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
            vec![Transition::EnterDrain]
        );
        assert_eq!(s.state(), ServerState::Drain);
        assert_eq!(s.effective_weight(t), 0);
        assert_eq!(
            s.handle_agent(t, &parse_reply(b"maint\n")),
            vec![Transition::EnterMaint]
        );
        assert_eq!(s.state(), ServerState::Maint);
        assert_eq!(
            s.handle_agent(t, &parse_reply(b"ready\n")),
            vec![Transition::LeaveMaint { up: true }]
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
