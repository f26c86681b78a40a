//! `agent-check` against a real agent on 127.0.0.1: weights, DRAIN, MAINT and DOWN as the
//! agent says, in HAProxy's words.

mod support;

use std::sync::Arc;

use checks::driver::{CheckerOptions, HealthChecker, HealthTable};
use checks::ServerState;
use support::{config, wait_until, Backend, CollectLog, Mode};

#[test]
fn agent_sets_weight_drain_maint_and_down() {
    let web = Backend::start(Mode::Healthy);
    let agent = Backend::start(Mode::Agent);
    agent.set_agent("up 50%\n");
    let cfg = config(&format!(
        "defaults\n mode http\nbackend agent\n server nag 127.0.0.1:{} check inter 50 rise 1 fall 1 weight 40 agent-check agent-port {} agent-inter 50\n",
        web.port(),
        agent.port()
    ));
    let table = Arc::new(HealthTable::new(&cfg));
    let log = Arc::new(CollectLog::default());
    let checker = HealthChecker::start(&cfg, table.clone(), log.clone(), CheckerOptions::default())
        .expect("starts");
    let be = table.backend(0).expect("backend");
    wait_until("weight 50% of 40", || be.weight(0) == Some(20));

    agent.set_agent("drain\n");
    assert_eq!(
        log.wait_for("enters drain state"),
        "Server agent/nag enters drain state. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
    );
    assert_eq!(be.state(0), Some(ServerState::Drain));
    assert!(!be.usable(0));
    assert_eq!(
        log.wait_for("no server available"),
        "backend agent has no server available!"
    );

    agent.set_agent("maint\n");
    log.wait_for("is going DOWN for maintenance");
    assert_eq!(be.state(0), Some(ServerState::Maint));

    agent.set_agent("ready up 100%\n");
    assert_eq!(
        log.wait_for("leaving forced maintenance"),
        "Server agent/nag is UP/READY (leaving forced maintenance)."
    );
    wait_until("usable again at full weight", || {
        be.usable(0) && be.weight(0) == Some(40)
    });

    agent.set_agent("down\n");
    let down = log.wait_for("Server agent/nag is DOWN");
    assert!(
        down.starts_with("Server agent/nag is DOWN, reason: Layer7 wrong status, code: 0, info: \"via agent : down\", check duration: "),
        "{down}"
    );
    assert!(!be.usable(0));
    agent.set_agent("up\n");
    let up = log.wait_for("Server agent/nag is UP, reason");
    assert!(up.contains("info: \"via agent : up\""), "{up}");
    assert!(be.usable(0));
    drop(checker);
}

#[test]
fn an_agent_that_cannot_be_reached_changes_nothing() {
    let web = Backend::start(Mode::Healthy);
    let mut agent = Backend::start(Mode::Agent);
    let agent_port = agent.port();
    agent.kill();
    let cfg = config(&format!(
        "defaults\n mode http\nbackend b\n server s 127.0.0.1:{} check inter 50 agent-check agent-port {agent_port} agent-inter 50\n",
        web.port()
    ));
    let table = Arc::new(HealthTable::new(&cfg));
    let log = Arc::new(CollectLog::default());
    let opts = CheckerOptions {
        log_health_checks: true,
    };
    let _checker = HealthChecker::start(&cfg, table.clone(), log.clone(), opts).expect("starts");
    let line = log.wait_for("Agent check for server b/s failed");
    assert!(
        line.contains("reason: Layer4 connection problem, info: \"Connection refused\""),
        "{line}"
    );
    assert!(line.ends_with("status: 1/1 UP."), "{line}");
    log.wait_for("Health check for server b/s succeeded");
    assert!(table.usable(0, 0));
}
