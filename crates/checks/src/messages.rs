//! HAProxy's words for check results and server state changes, built exactly as HAProxy 2.6
//! prints them (checked against the real binary with `log stderr` and
//! `option log-health-checks`). The text is the same on stderr and in syslog; only
//! "has no server available" differs (quotes on stderr), hence two builders.

use crate::health::Health;
use crate::outcome::CheckOutcome;

/// Which server a line is about.
#[derive(Debug, Clone, Copy)]
pub struct ServerName<'a> {
    pub backend: &'a str,
    pub server: &'a str,
    pub backup: bool,
}

/// What is left in the backend after the change: usable servers (up, not in maintenance,
/// not drained), and the session numbers the line ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolSummary {
    pub active: usize,
    pub backup: usize,
    pub sessions_active: u64,
    pub requeued: u64,
    pub queued: u64,
}

impl PoolSummary {
    fn servers(&self, left: bool) -> String {
        let mut s = format!(
            ". {} active and {} backup servers {}.",
            self.active,
            self.backup,
            if left { "left" } else { "online" }
        );
        if self.active == 0 && self.backup > 0 {
            s.push_str(" Running on backup.");
        }
        s
    }

    fn going_down(&self) -> String {
        format!(
            "{} {} sessions active, {} requeued, {} remaining in queue.",
            self.servers(true),
            self.sessions_active,
            self.requeued,
            self.queued
        )
    }

    fn going_up(&self) -> String {
        format!(
            "{} {} sessions requeued, {} total in queue.",
            self.servers(false),
            self.requeued,
            self.queued
        )
    }
}

fn who(n: &ServerName<'_>) -> String {
    format!(
        "{}Server {}/{}",
        if n.backup { "Backup " } else { "" },
        n.backend,
        n.server
    )
}

/// `, reason: …, check duration: Nms`, or nothing when the check line already said it
/// (`option log-health-checks`) or no check caused the change.
fn why(outcome: Option<&CheckOutcome>) -> String {
    outcome
        .map(|o| format!(", {}", o.describe()))
        .unwrap_or_default()
}

/// `Server http_back/node1 is DOWN, reason: Layer4 connection problem, info: "Connection
/// refused", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0
/// requeued, 0 remaining in queue.`
pub fn server_down(
    n: ServerName<'_>,
    outcome: Option<&CheckOutcome>,
    pool: &PoolSummary,
) -> String {
    format!("{} is DOWN{}{}", who(&n), why(outcome), pool.going_down())
}

/// `Server http_back/node1 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms.
/// 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`
pub fn server_up(n: ServerName<'_>, outcome: Option<&CheckOutcome>, pool: &PoolSummary) -> String {
    format!("{} is UP{}{}", who(&n), why(outcome), pool.going_up())
}

pub fn enter_maint(n: ServerName<'_>, pool: &PoolSummary) -> String {
    format!(
        "{} is going DOWN for maintenance{}",
        who(&n),
        pool.going_down()
    )
}

/// `Server b/s was DOWN and now enters maintenance.`: MAINT entered while already down.
pub fn enter_maint_while_down(n: ServerName<'_>) -> String {
    format!("{} was DOWN and now enters maintenance.", who(&n))
}

/// `Server b/s is UP/READY (leaving forced maintenance).`; `DOWN` when its checks still say
/// down, `DRAIN` when it leaves MAINT for DRAIN.
pub fn leave_maint(n: ServerName<'_>, up: bool, drain: bool) -> String {
    format!(
        "{} is {}/{} (leaving forced maintenance).",
        who(&n),
        if up { "UP" } else { "DOWN" },
        if drain { "DRAIN" } else { "READY" }
    )
}

/// `Server b/s enters drain state. …`: the "online" ending when the server is up, the "left"
/// one (sessions active, requeued) when it is down, as HAProxy 2.6 prints them.
pub fn enter_drain(n: ServerName<'_>, pool: &PoolSummary, up: bool) -> String {
    let tail = if up {
        pool.going_up()
    } else {
        pool.going_down()
    };
    format!("{} enters drain state{tail}", who(&n))
}

/// `Server b/s is UP (leaving forced drain).` (or `is DOWN (…)`).
pub fn leave_drain(n: ServerName<'_>, up: bool) -> String {
    format!(
        "{} is {} (leaving forced drain).",
        who(&n),
        if up { "UP" } else { "DOWN" }
    )
}

/// `Server b/s remains in forced drain mode.`: HAProxy 2.6 adds it when a server leaves
/// MAINT for DRAIN.
pub fn remains_drain(n: ServerName<'_>) -> String {
    format!("{} remains in forced drain mode.", who(&n))
}

/// The syslog form: `backend http_back has no server available!`.
pub fn no_server_available(backend: &str) -> String {
    format!("backend {backend} has no server available!")
}

/// The stderr form: `backend 'http_back' has no server available!`.
pub fn no_server_available_stderr(backend: &str) -> String {
    format!("backend '{backend}' has no server available!")
}

/// One check result (`option log-health-checks`): `Health check for server b/s failed,
/// reason: …, status: 0/2 DOWN.`; `drained` prints DRAIN for an up server of weight 0.
pub fn check_result(
    n: ServerName<'_>,
    agent: bool,
    outcome: &CheckOutcome,
    health: &Health,
    drained: bool,
) -> String {
    let (cur, max) = health.progress();
    let state = match (health.is_up(), drained) {
        (true, false) => "UP",
        (true, true) => "DRAIN",
        (false, _) => "DOWN",
    };
    format!(
        "{} check for {}server {}/{} {}, {}, status: {cur}/{max} {state}.",
        if agent { "Agent" } else { "Health" },
        if n.backup { "backup " } else { "" },
        n.backend,
        n.server,
        if outcome.passed() {
            "succeeded"
        } else {
            "failed"
        },
        outcome.describe()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::CheckStatus;
    use std::time::Duration;

    const NODE1: ServerName<'static> = ServerName {
        backend: "http_back",
        server: "node1",
        backup: false,
    };

    #[test]
    fn down_line_is_haproxys() {
        let o = CheckOutcome::new(CheckStatus::L4Con).with_info("Connection refused");
        let pool = PoolSummary {
            active: 1,
            ..PoolSummary::default()
        };
        assert_eq!(
            server_down(NODE1, Some(&o), &pool),
            "Server http_back/node1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
    }

    #[test]
    fn up_line_and_running_on_backup() {
        let mut o = CheckOutcome::new(CheckStatus::L7Ok).with_code(200);
        o.duration = Duration::from_millis(1);
        let pool = PoolSummary {
            active: 2,
            backup: 1,
            ..PoolSummary::default()
        };
        assert_eq!(
            server_up(NODE1, Some(&o), &pool),
            "Server http_back/node1 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue."
        );
        let pool = PoolSummary {
            active: 0,
            backup: 1,
            ..PoolSummary::default()
        };
        assert_eq!(
            server_down(NODE1, None, &pool),
            "Server http_back/node1 is DOWN. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
        let bak = ServerName {
            backup: true,
            server: "nbak",
            ..NODE1
        };
        assert!(server_down(bak, None, &PoolSummary::default()).starts_with(
            "Backup Server http_back/nbak is DOWN. 0 active and 0 backup servers left. 0 sessions"
        ));
    }

    #[test]
    fn admin_lines() {
        let none = PoolSummary::default();
        assert_eq!(
            enter_drain(NODE1, &none, true),
            "Server http_back/node1 enters drain state. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
        );
        // Lines below as HAProxy 2.6 printed them for `set server b/s state …`.
        let one = PoolSummary {
            active: 1,
            backup: 1,
            ..PoolSummary::default()
        };
        let s = ServerName {
            backend: "b",
            server: "s",
            backup: false,
        };
        assert_eq!(
            enter_drain(s, &one, false),
            "Server b/s enters drain state. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
        assert_eq!(
            enter_maint_while_down(s),
            "Server b/s was DOWN and now enters maintenance."
        );
        assert_eq!(
            leave_maint(s, true, true),
            "Server b/s is UP/DRAIN (leaving forced maintenance)."
        );
        assert_eq!(remains_drain(s), "Server b/s remains in forced drain mode.");
        assert_eq!(
            leave_drain(s, true),
            "Server b/s is UP (leaving forced drain)."
        );
        assert_eq!(
            leave_drain(s, false),
            "Server b/s is DOWN (leaving forced drain)."
        );
        let u = ServerName {
            server: "u",
            backup: true,
            ..s
        };
        assert_eq!(
            leave_maint(u, true, false),
            "Backup Server b/u is UP/READY (leaving forced maintenance)."
        );
        assert_eq!(
            enter_maint(NODE1, &none),
            "Server http_back/node1 is going DOWN for maintenance. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
        );
        assert_eq!(
            leave_maint(NODE1, true, false),
            "Server http_back/node1 is UP/READY (leaving forced maintenance)."
        );
        assert_eq!(
            no_server_available("http_back"),
            "backend http_back has no server available!"
        );
        assert_eq!(
            no_server_available_stderr("http_back"),
            "backend 'http_back' has no server available!"
        );
    }

    #[test]
    fn check_lines() {
        let o = CheckOutcome::new(CheckStatus::L4Con).with_info("Connection refused");
        let mut h = Health::new(2, 2);
        h.record(false);
        assert_eq!(
            check_result(NODE1, false, &o, &h, false),
            "Health check for server http_back/node1 failed, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms, status: 0/2 DOWN."
        );
        let o = CheckOutcome::new(CheckStatus::L4Ok);
        let h = Health::new(1, 1);
        let bak = ServerName {
            backup: true,
            ..NODE1
        };
        assert_eq!(
            check_result(bak, true, &o, &h, false),
            "Agent check for backup server http_back/node1 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 1/1 UP."
        );
    }
}
