//! The runtime admin commands (what `set server B/S state`, `set weight`,
//! `enable|disable health|agent` and the stats page's admin form call) against a running
//! checker and real backends on 127.0.0.1. The expected lines are the ones HAProxy 2.6
//! printed for the same commands on its stats socket.

mod support;

use std::sync::Arc;

use checks::driver::{
    AdminError, CheckerOptions, HealthChecker, HealthTable, OpState, ServerAdmin, ServerRef,
    WeightInfo,
};
use checks::{AdminSource, AdminState, CheckStatus, ServerState};
use support::{config, wait_until, Backend, CollectLog, Mode};

/// Long enough for a check already in flight on 127.0.0.1 to end (several `inter 50`).
const SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

struct Setup {
    checker: HealthChecker,
    log: Arc<CollectLog>,
    admin: ServerAdmin,
}

fn start(cfg_text: &str) -> Setup {
    let cfg = config(cfg_text);
    let table = Arc::new(HealthTable::new(&cfg));
    let log = Arc::new(CollectLog::default());
    let checker = HealthChecker::start(&cfg, table, log.clone(), CheckerOptions::default())
        .expect("checker starts");
    let admin = checker.admin();
    Setup {
        checker,
        log,
        admin,
    }
}

/// `b/s` checked, `b/t` unchecked (weight 20), `b/u` an unchecked backup; `st/s` behind a
/// static algorithm: the configuration the HAProxy 2.6 session was run with.
fn haproxy_like(s: &Backend) -> String {
    format!(
        "defaults\n mode http\n timeout connect 1s\n\
         backend b\n balance roundrobin\n option httpchk GET /\n \
         server s 127.0.0.1:{} check inter 50\n \
         server t 127.0.0.1:1 weight 20\n \
         server u 127.0.0.1:1 backup\n\
         backend st\n balance source\n server s 127.0.0.1:1\n",
        s.port()
    )
}

/// The lines logged after the first `skip`.
fn since(log: &CollectLog, skip: usize) -> Vec<String> {
    log.lines().into_iter().skip(skip).collect()
}

#[test]
fn maint_drain_ready_on_an_up_server_log_haproxys_lines() {
    let s = Backend::start(Mode::Healthy);
    let x = start(&haproxy_like(&s));
    let a = &x.admin;
    let bs = a.find("b", "s").expect("b/s");
    let t = x.checker.table().clone();
    wait_until("b/s checked", || s.answered() >= 1);
    let n = x.log.lines().len();

    a.set_state(bs, AdminState::Maint).expect("maint");
    assert_eq!(
        t.backend(0).and_then(|b| b.state(0)),
        Some(ServerState::Maint)
    );
    assert!(!t.usable(0, 0));
    a.set_state(bs, AdminState::Drain).expect("drain");
    assert_eq!(
        t.backend(0).and_then(|b| b.state(0)),
        Some(ServerState::Drain)
    );
    assert!(!t.usable(0, 0), "a drained server takes no new traffic");
    a.set_state(bs, AdminState::Ready).expect("ready");
    assert!(t.usable(0, 0));
    a.set_state(bs, AdminState::Drain).expect("drain");
    a.set_state(bs, AdminState::Drain)
        .expect("drain again does nothing");
    a.set_state(bs, AdminState::Ready).expect("ready");
    a.set_state(bs, AdminState::Ready)
        .expect("ready again does nothing");
    assert_eq!(
        since(&x.log, n),
        [
            "Server b/s is going DOWN for maintenance. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
            "Server b/s is UP/DRAIN (leaving forced maintenance).",
            "Server b/s remains in forced drain mode.",
            "Server b/s is UP (leaving forced drain).",
            "Server b/s enters drain state. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.",
            "Server b/s is UP (leaving forced drain).",
        ]
    );
}

#[test]
fn servers_without_checks_and_backups_can_be_set_too() {
    let s = Backend::start(Mode::Healthy);
    let x = start(&haproxy_like(&s));
    let a = &x.admin;
    let t = x.checker.table().clone();
    let bt = a.find_path("b/t").expect("b/t");
    let bu = a.find("b", "#3").expect("b/u by id");
    let n = x.log.lines().len();
    a.set_state(bt, AdminState::Drain).expect("drain");
    a.set_state(bt, AdminState::Maint).expect("maint");
    assert!(!t.usable(0, 1));
    a.set_state(bt, AdminState::Ready).expect("ready");
    assert!(t.usable(0, 1));
    a.set_state(bu, AdminState::Maint).expect("disable server");
    a.set_state(bu, AdminState::Ready).expect("enable server");
    assert_eq!(
        since(&x.log, n),
        [
            "Server b/t enters drain state. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.",
            "Server b/t is going DOWN for maintenance. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
            "Server b/t is UP/READY (leaving forced maintenance).",
            "Backup Server b/u is going DOWN for maintenance. 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
            "Backup Server b/u is UP/READY (leaving forced maintenance).",
        ]
    );
    let f = a.facts(bt).expect("facts");
    assert!(f.check.is_none() && f.agent.is_none());
    assert_eq!(f.admin, AdminState::Ready);
    assert_eq!(
        f.check_columns(),
        (1, 0, 2, 0),
        "as HAProxy prints an unchecked server"
    );
}

#[test]
fn admin_states_on_a_down_server() {
    let mut s = Backend::start(Mode::Healthy);
    let x = start(&haproxy_like(&s));
    let a = &x.admin;
    let bs = a.find("b", "s").expect("b/s");
    let t = x.checker.table().clone();
    wait_until("b/s checked", || s.answered() >= 1);
    s.kill();
    x.log.wait_for("Server b/s is DOWN");
    let n = x.log.lines().len();

    a.set_state(bs, AdminState::Drain).expect("drain");
    a.set_state(bs, AdminState::Maint).expect("maint");
    let f = a.facts(bs).expect("facts");
    assert_eq!(
        (f.admin, f.admin_source),
        (AdminState::Maint, Some(AdminSource::Cli))
    );
    assert_eq!(f.admin_flags, 0x01);
    assert!(f.check.as_ref().is_some_and(|c| c.paused));
    assert_eq!(f.check_columns().3, 0x0e, "configured, enabled, paused");
    a.set_state(bs, AdminState::Ready).expect("ready");
    // Leaving MAINT starts at minimal health and checks at once: the next check fails.
    x.log.wait_count("Server b/s is DOWN", 2);
    assert_eq!(
        t.backend(0).and_then(|b| b.state(0)),
        Some(ServerState::Down)
    );
    assert_eq!(
        since(&x.log, n)[..3],
        [
            "Server b/s enters drain state. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
            "Server b/s was DOWN and now enters maintenance.",
            "Server b/s is UP/READY (leaving forced maintenance).",
        ]
    );
    let f = a.facts(bs).expect("facts");
    assert_eq!(f.op_state, OpState::Stopped);
    let c = f.check.expect("check facts");
    assert_eq!(c.status, Some(CheckStatus::L4Con));
    assert_eq!(
        (c.status_name(), c.status_code(), c.result_code()),
        ("L4CON", 8, 2)
    );
    assert_eq!(c.info.as_deref(), Some("Connection refused"));
    assert_eq!(c.desc(), "Layer4 connection problem");
    // Down once from the check, once more after leaving MAINT up; MAINT entered while down
    // is not a transition. Failed checks count while the counter is above 0: `fall` (3)
    // from full health, then one from the minimal health MAINT leaves it at.
    assert_eq!(f.down_transitions, 2);
    assert_eq!(f.failed_checks, 4);
    assert!(f.last_change.is_some());
}

#[test]
fn weights_follow_haproxys_rules() {
    let s = Backend::start(Mode::Healthy);
    let x = start(&haproxy_like(&s));
    let a = &x.admin;
    let t = x.checker.table().clone();
    let bt = a.find("b", "t").expect("b/t");
    let w = |cur, init| WeightInfo {
        current: cur,
        initial: init,
    };
    assert_eq!(a.weight(bt), Ok(w(20, 20)));
    a.set_weight(bt, "50").expect("absolute");
    assert_eq!(a.weight(bt), Ok(w(50, 20)));
    assert_eq!(
        t.backend(0).and_then(|b| b.weight(1)),
        Some(50),
        "published"
    );
    a.set_weight(bt, "50%").expect("relative");
    assert_eq!(a.weight(bt), Ok(w(10, 20)));
    a.set_weight(bt, "2000%").expect("capped");
    assert_eq!(a.weight(bt), Ok(w(256, 20)));
    let err = |text: &str| a.set_weight(bt, text).unwrap_err().cli_output();
    assert_eq!(
        err("300"),
        "Absolute weight can only be between 0 and 256 inclusive.\n"
    );
    assert_eq!(
        err("-1"),
        "Absolute weight can only be between 0 and 256 inclusive.\n"
    );
    assert_eq!(
        err("abc"),
        "Empty weight string empty or preceded by garbage"
    );
    assert_eq!(err(""), "Require <weight> or <weight%>.\n");
    assert_eq!(
        a.weight(bt),
        Ok(w(256, 20)),
        "refused changes change nothing"
    );
    a.set_weight(bt, "0").expect("zero");
    assert!(!t.usable(0, 1), "weight 0 takes no traffic");
    a.set_weight(bt, "100%").expect("back");
    assert!(t.usable(0, 1));

    let sts = a.find("st", "s").expect("st/s");
    assert_eq!(
        a.set_weight(sts, "5").unwrap_err().cli_output(),
        "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n"
    );
    let n = x.log.lines().len();
    a.set_weight(sts, "0").expect("0 is fine");
    a.set_weight(sts, "100%").expect("100% is fine");
    assert_eq!(a.weight(sts), Ok(w(1, 1)));
    assert_eq!(
        since(&x.log, n),
        ["backend st has no server available!"],
        "as HAProxy logs it when the last server's weight goes to 0"
    );

    assert_eq!(a.find("b", "nope"), Err(AdminError::NoSuchServer));
    assert_eq!(a.find("nope", "t"), Err(AdminError::NoSuchBackend));
    assert_eq!(a.find_path("b"), Err(AdminError::BadPath));
    assert_eq!(
        a.weight(ServerRef {
            proxy_index: 0,
            server: 99
        }),
        Err(AdminError::NoSuchServer)
    );
    assert_eq!(
        a.find("#2", "#1").map(|r| r.proxy_index),
        Ok(0),
        "ids as HAProxy numbers them"
    );
}

#[test]
fn disabled_health_checks_send_nothing_and_keep_the_state() {
    let mut s = Backend::start(Mode::Healthy);
    let x = start(&haproxy_like(&s));
    let a = &x.admin;
    let bs = a.find("b", "s").expect("b/s");
    let t = x.checker.table().clone();
    wait_until("b/s checked", || s.answered() >= 1);
    a.set_health_check(bs, false).expect("disable health");
    // One check may have been in flight: let it end (a check here takes well under this).
    std::thread::sleep(SETTLE);
    let settled = s.answered();
    s.kill();
    s.revive();
    s.set_mode(Mode::WrongStatus);
    // The state stays UP while nothing checks it (what HAProxy 2.6 does).
    std::thread::sleep(SETTLE);
    assert!(t.usable(0, 0));
    assert_eq!(s.answered(), settled, "no check sent while disabled");
    let f = a.facts(bs).expect("facts");
    assert_eq!(f.check.as_ref().map(|c| c.enabled), Some(false));
    assert_eq!(f.check_columns().3, 0x02, "configured, not enabled");

    a.set_health_check(bs, true).expect("enable health");
    let down = x.log.wait_for("Server b/s is DOWN");
    assert!(
        down.contains("reason: Layer7 wrong status, code: 503"),
        "{down}"
    );

    let bt = a.find("b", "t").expect("b/t");
    assert_eq!(
        a.set_health_check(bt, false),
        Ok(()),
        "disabling nothing is fine"
    );
    assert_eq!(
        a.set_health_check(bt, true).unwrap_err().cli_output(),
        "Health check was not configured on this server, cannot enable.\n"
    );
    assert_eq!(a.set_agent_check(bs, false), Ok(()));
    assert_eq!(
        a.set_agent_check(bs, true).unwrap_err().cli_output(),
        "Agent was not configured on this server, cannot enable.\n"
    );
}

#[test]
fn disabled_agent_stops_asking_and_its_weights_are_ignored() {
    let ag = Backend::start(Mode::Agent);
    ag.set_agent("up 100%\n");
    let x = start(&format!(
        "backend agent\n server nag 127.0.0.1:1 weight 40 agent-check agent-port {} agent-inter 50\n",
        ag.port()
    ));
    let a = &x.admin;
    let nag = a.find("agent", "nag").expect("nag");
    wait_until("agent asked", || ag.answered() >= 1);
    let f = a.facts(nag).expect("facts");
    let agent = f.agent.expect("agent facts");
    assert_eq!(
        agent.state_flags(),
        0x16,
        "HAProxy's srv_agent_state for an enabled agent"
    );
    a.set_agent_check(nag, false).expect("disable agent");
    std::thread::sleep(SETTLE);
    let settled = ag.answered();
    ag.set_agent("50%\n");
    std::thread::sleep(SETTLE);
    assert_eq!(ag.answered(), settled, "no agent check while disabled");
    assert_eq!(a.weight(nag).map(|w| w.current), Ok(40));
    a.set_weight(nag, "10")
        .expect("set weight without the agent overriding it");
    assert_eq!(a.weight(nag).map(|w| w.current), Ok(10));
    a.set_agent_check(nag, true).expect("enable agent");
    wait_until("the agent's 50% applied", || {
        a.weight(nag).map(|w| w.current) == Ok(20)
    });
}

#[test]
fn admin_commands_from_many_threads_while_checks_run() {
    let s = Backend::start(Mode::Healthy);
    let x = start(&haproxy_like(&s));
    let bs = x.admin.find("b", "s").expect("b/s");
    let t = x.checker.table().clone();
    let threads: Vec<_> = (0..4)
        .map(|k| {
            let a = x.admin.clone();
            std::thread::spawn(move || {
                let states = [AdminState::Maint, AdminState::Drain, AdminState::Ready];
                for i in 0..200 {
                    let st = states[(i * (k + 1) + k) % 3];
                    a.set_state(bs, st).expect("set state");
                    if i % 7 == 0 {
                        a.set_weight(bs, if i % 2 == 0 { "0" } else { "100%" })
                            .expect("weight");
                        let _ = a.facts(bs).expect("facts");
                    }
                }
            })
        })
        .collect();
    for th in threads {
        th.join().expect("no panic");
    }
    x.admin.set_state(bs, AdminState::Ready).expect("ready");
    x.admin.set_weight(bs, "100%").expect("weight back");
    // Every MAINT entered was left exactly once, whatever the interleaving.
    let lines = x.log.lines();
    let count = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    let entered = count("going DOWN for maintenance") + count("now enters maintenance");
    assert!(entered > 0);
    assert_eq!(entered, count("(leaving forced maintenance)"));
    // Leaving MAINT starts at minimal health ("UP, going down") until the next check.
    wait_until("b/s fully up", || {
        t.backend(0).and_then(|b| b.state(0)) == Some(ServerState::Up)
    });
    assert!(t.usable(0, 0));
    let f = x.admin.facts(bs).expect("facts");
    assert_eq!((f.admin, f.user_weight), (AdminState::Ready, 1));
}
