//! What the stats page, its CSV and `show servers state` print about a server's checks and
//! states, read in one call ([`HealthTable::facts`]). Read rarely: it takes the server's
//! check mutex for a moment, never touched by the data plane.

use std::time::{Duration, Instant};

use super::table::HealthTable;
use crate::admin::AdminSource;
use crate::health::Health;
use crate::outcome::{CheckOutcome, CheckStatus};
use crate::server::{AdminState, ServerCheck, ServerState};

/// HAProxy's operational state (`srv_op_state` in `show servers state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OpState {
    Stopped = 0,
    /// Up, in its slowstart ramp.
    Starting = 1,
    Running = 2,
    /// Up, but taking no new traffic (DRAIN).
    Stopping = 3,
}

/// One check (health or agent) of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFacts {
    /// `enable|disable health|agent`.
    pub enabled: bool,
    /// Paused by MAINT (health checks only: agents keep running).
    pub paused: bool,
    /// The last result; `None` before the first one (`INI`).
    pub status: Option<CheckStatus>,
    /// The HTTP status of the last result, for the layer 7 statuses that carry one.
    pub code: Option<u16>,
    pub duration: Option<Duration>,
    /// The `info` text of the last result (`last_chk`, `last_agt`), e.g. "Connection refused".
    pub info: Option<String>,
    pub health: u32,
    pub rise: u32,
    pub fall: u32,
    agent: bool,
}

impl CheckFacts {
    fn new(
        last: Option<&CheckOutcome>,
        h: &Health,
        enabled: bool,
        paused: bool,
        agent: bool,
    ) -> Self {
        let (health, rise, fall) = h.raw();
        CheckFacts {
            enabled,
            paused,
            status: last.map(|o| o.status),
            code: last.filter(|o| o.status.shows_code()).map(|o| o.code),
            duration: last.map(|o| o.duration),
            info: last.and_then(|o| o.info.clone()),
            health,
            rise,
            fall,
            agent,
        }
    }

    /// The `check_status` / `agent_status` word: `INI` before the first result.
    pub fn status_name(&self) -> &'static str {
        self.status.map_or("INI", CheckStatus::short_name)
    }

    /// The `check_desc` / `agent_desc` text.
    pub fn desc(&self) -> &'static str {
        self.status.map_or("Initializing", CheckStatus::reason)
    }

    /// HAProxy's `HCHK_STATUS_*` number (`srv_check_status` in `show servers state`).
    pub fn status_code(&self) -> u8 {
        self.status.map_or(1, CheckStatus::haproxy_code)
    }

    /// HAProxy's `CHK_RES_*` number (`srv_check_result`): 0 unknown, 2 failed, 3 passed,
    /// 4 conditionally passed.
    pub fn result_code(&self) -> u8 {
        match self.status {
            None => 0,
            Some(CheckStatus::L7OkConditional) => 4,
            Some(s) if s.passed() => 3,
            Some(_) => 2,
        }
    }

    /// HAProxy's `CHK_ST_*` mask (`srv_check_state`, `srv_agent_state`): configured 0x02,
    /// enabled 0x04, paused 0x08, agent 0x10.
    pub fn state_flags(&self) -> u8 {
        let mut f = 0x02;
        if self.enabled {
            f |= 0x04;
        }
        if self.paused {
            f |= 0x08;
        }
        if self.agent {
            f |= 0x10;
        }
        f
    }
}

/// Everything the stats page and the runtime API show about one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFacts {
    /// What the data plane sees.
    pub state: ServerState,
    pub op_state: OpState,
    pub admin: AdminState,
    /// Who set MAINT or DRAIN (`None` when READY).
    pub admin_source: Option<AdminSource>,
    /// HAProxy's `srv_admin_state` mask: FMAINT 0x01, CMAINT 0x04 (`disabled` in the
    /// configuration), FDRAIN 0x08.
    pub admin_flags: u8,
    /// The weight in use now (0 when not usable, ramped during slowstart).
    pub weight: u32,
    /// `srv_uweight`: what `get weight` prints as the current weight.
    pub user_weight: u32,
    /// `srv_iweight`: the configured weight.
    pub initial_weight: u32,
    /// `None` when the server line has no (usable) `check`.
    pub check: Option<CheckFacts>,
    /// `None` when the server has no (usable) `agent-check`.
    pub agent: Option<CheckFacts>,
    /// `chkfail`: failed checks while the server was up.
    pub failed_checks: u64,
    /// `chkdown`: UP to DOWN transitions.
    pub down_transitions: u64,
    /// `lastchg`: `None` when nothing changed since the start (count from the start).
    pub last_change: Option<Instant>,
    /// `downtime`, the current DOWN/MAINT period included.
    pub downtime: Duration,
    /// `hanafail`: errors seen on live traffic (`observe`).
    pub observe_errors: u64,
    /// 1000 unless in its slowstart ramp.
    pub slowstart_permille: u32,
    /// The unchecked health counter (HAProxy still prints it), for [`ServerFacts::check_columns`].
    health: u32,
}

impl ServerFacts {
    pub(crate) fn from_check(sc: &ServerCheck, now: Instant) -> Self {
        let state = sc.state();
        let maint = sc.admin() == AdminState::Maint;
        let cfg = sc.config();
        let permille = sc.slowstart_permille(now);
        let op_state = match state {
            ServerState::Down | ServerState::GoingUp | ServerState::Maint => OpState::Stopped,
            ServerState::Drain => OpState::Stopping,
            _ if permille < 1000 => OpState::Starting,
            _ => OpState::Running,
        };
        let mut admin_flags = match sc.admin() {
            AdminState::Ready => 0,
            AdminState::Drain => 0x08,
            AdminState::Maint => 0x01,
        };
        if maint && sc.admin_source() == Some(AdminSource::Config) {
            admin_flags |= 0x04;
        }
        let c = sc.counters();
        ServerFacts {
            state,
            op_state,
            admin: sc.admin(),
            admin_source: sc.admin_source(),
            admin_flags,
            weight: sc.effective_weight(now),
            user_weight: sc.user_weight(),
            initial_weight: cfg.weight,
            check: cfg.check.then(|| {
                CheckFacts::new(
                    sc.last_outcome(),
                    sc.health(),
                    sc.check_enabled(),
                    maint,
                    false,
                )
            }),
            agent: cfg.agent.then(|| {
                CheckFacts::new(
                    sc.last_agent_outcome(),
                    sc.agent_health(),
                    sc.agent_enabled(),
                    false,
                    true,
                )
            }),
            failed_checks: c.failed_checks,
            down_transitions: c.down_transitions,
            last_change: c.last_change,
            downtime: sc.downtime(now),
            observe_errors: c.observe_errors,
            slowstart_permille: permille,
            health: sc.health().raw().0,
        }
    }

    /// `srv_check_status srv_check_result srv_check_health srv_check_state` of
    /// `show servers state`, including HAProxy's values for an unchecked server (1 0 health 0,
    /// state 8 in MAINT).
    pub fn check_columns(&self) -> (u8, u8, u32, u8) {
        match &self.check {
            Some(c) => (c.status_code(), c.result_code(), c.health, c.state_flags()),
            None => (
                1,
                0,
                self.health,
                if self.admin == AdminState::Maint {
                    0x08
                } else {
                    0
                },
            ),
        }
    }

    /// `srv_agent_state` of `show servers state` (0 without an agent).
    pub fn agent_state_flags(&self) -> u8 {
        self.agent.as_ref().map_or(0, CheckFacts::state_flags)
    }
}

impl HealthTable {
    /// Everything the stats page shows about one server; `None` for an unknown server.
    pub fn facts(&self, proxy_index: usize, server: usize) -> Option<ServerFacts> {
        let slot = self.slot(proxy_index, server)?;
        let sc = slot.lock();
        Some(ServerFacts::from_check(&sc, Instant::now()))
    }
}
