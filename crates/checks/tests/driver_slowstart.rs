//! `slowstart` through the running checker: after a server comes back (here: leaves MAINT),
//! its published weight and connection limit start low and are republished upward until
//! they reach the configured ones; the data plane only reads atomics. States, not timings,
//! are asserted: every wait is bounded, no duration is measured.

mod support;

use std::sync::Arc;

use checks::driver::{CheckerOptions, HealthChecker, HealthTable};
use checks::AdminState;
use support::{config, wait_until, CollectLog};

#[test]
fn weight_and_maxconn_ramp_up_after_leaving_maint() {
    let cfg = config(
        "backend app\n server a 127.0.0.1:1 weight 100 maxconn 200 slowstart 4s\n server b 127.0.0.1:1\n",
    );
    let table = Arc::new(HealthTable::new(&cfg));
    let checker = HealthChecker::start(
        &cfg,
        Arc::clone(&table),
        Arc::new(CollectLog::default()),
        CheckerOptions::default(),
    )
    .expect("starts");
    let slot = table.slot(0, 0).expect("server a");
    assert_eq!(
        (
            slot.weight(),
            slot.effective_maxconn(),
            slot.slowstart_permille()
        ),
        (100, 200, 1000),
        "no ramp at start"
    );
    let admin = checker.admin();
    let a = admin.find("app", "a").expect("a");
    admin.set_state(a, AdminState::Maint).expect("maint");
    assert_eq!(slot.weight(), 0);
    admin.set_state(a, AdminState::Ready).expect("ready");
    let (w0, m0) = (slot.weight(), slot.effective_maxconn());
    assert!((1..100).contains(&w0), "starts low: {w0}");
    assert!((1..200).contains(&m0), "starts low: {m0}");
    assert!(slot.usable(), "a ramping server takes traffic");
    // The checker republishes along the way, without any check or command.
    let seen = std::cell::RefCell::new(vec![w0]);
    wait_until("full weight again", || {
        let w = slot.weight();
        let mut seen = seen.borrow_mut();
        if seen.last() != Some(&w) {
            seen.push(w);
        }
        w == 100
    });
    let seen = seen.into_inner();
    assert!(seen.len() >= 3, "republished in steps: {seen:?}");
    assert!(seen.windows(2).all(|p| p[0] < p[1]), "only grows: {seen:?}");
    assert_eq!(
        (slot.effective_maxconn(), slot.slowstart_permille()),
        (200, 1000)
    );
    let f = admin.facts(a).expect("facts");
    assert_eq!(f.op_state, checks::driver::OpState::Running);
}
