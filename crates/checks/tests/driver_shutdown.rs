//! `on-marked-down shutdown-sessions`, `on-marked-up shutdown-backup-sessions` and
//! `shutdown sessions server`: the per-server signal a session waits on fires when (and only
//! when) HAProxy would kill that server's sessions. Real backends on 127.0.0.1; a waiter in
//! its own runtime stands for a session forwarding bytes.

mod support;

use std::sync::mpsc;
use std::sync::Arc;

use checks::driver::{CheckerOptions, HealthChecker, HealthTable};
use checks::AdminState;
use support::{config, Backend, CollectLog, Mode, WAIT};

/// A "session" bound to a server: resolves (sends on the channel) when the signal fires
/// after `epoch`.
fn session(table: &Arc<HealthTable>, backend: usize, server: usize) -> mpsc::Receiver<()> {
    let table = Arc::clone(table);
    let (tx, rx) = mpsc::channel();
    let epoch = table
        .shutdown_signal(backend, server)
        .expect("server")
        .epoch();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            if let Some(sig) = table.shutdown_signal(backend, server) {
                if tokio::time::timeout(WAIT, sig.wait_past(epoch))
                    .await
                    .is_ok()
                {
                    let _ = tx.send(());
                }
            }
        });
    });
    rx
}

#[test]
fn sessions_end_when_their_server_goes_down_and_backups_when_an_active_comes_up() {
    let mut a = Backend::start(Mode::Healthy);
    let mut c = Backend::start(Mode::Healthy);
    let cfg = config(&format!(
        "defaults\n mode http\n timeout connect 1s\n\
         backend app\n option httpchk GET /\n \
         server a 127.0.0.1:{} check inter 50 rise 1 fall 1 on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions\n \
         server c 127.0.0.1:{} check inter 50 rise 1 fall 1\n \
         server bk 127.0.0.1:1 backup\n",
        a.port(),
        c.port()
    ));
    let table = Arc::new(HealthTable::new(&cfg));
    let log = Arc::new(CollectLog::default());
    let checker = HealthChecker::start(
        &cfg,
        Arc::clone(&table),
        log.clone(),
        CheckerOptions::default(),
    )
    .expect("starts");
    let epoch = |s: usize| table.shutdown_signal(0, s).expect("server").epoch();
    support::wait_until("both checked", || a.answered() >= 1 && c.answered() >= 1);

    let on_a = session(&table, 0, 0);
    a.kill();
    c.kill();
    log.wait_for("Server app/a is DOWN");
    log.wait_for("Server app/c is DOWN");
    on_a.recv_timeout(WAIT)
        .expect("a's session is shut when a goes down");
    assert_eq!(
        (epoch(0), epoch(1), epoch(2)),
        (1, 0, 0),
        "c has no shutdown-sessions"
    );

    let on_bk = session(&table, 0, 2);
    a.revive();
    log.wait_for("Server app/a is UP");
    on_bk
        .recv_timeout(WAIT)
        .expect("the backup's session is shut when a comes back");
    assert_eq!((epoch(0), epoch(1), epoch(2)), (1, 0, 1));

    // `shutdown sessions server app/c`, then MAINT on a running `a` (HAProxy shuts its
    // sessions too, under shutdown-sessions); leaving MAINT up ends the backups' again.
    let admin = checker.admin();
    let on_c = session(&table, 0, 1);
    admin
        .shutdown_sessions(admin.find("app", "c").expect("c"))
        .expect("shutdown sessions");
    on_c.recv_timeout(WAIT)
        .expect("c's session is shut on request");
    let ra = admin.find("app", "a").expect("a");
    admin.set_state(ra, AdminState::Maint).expect("maint");
    assert_eq!((epoch(0), epoch(1), epoch(2)), (2, 1, 1));
    admin.set_state(ra, AdminState::Ready).expect("ready");
    assert_eq!(epoch(2), 2, "a left MAINT up: backups' sessions end");
}

#[test]
fn drain_and_weight_changes_shut_nothing() {
    let a = Backend::start(Mode::Healthy);
    let cfg = config(&format!(
        "backend app\n option httpchk GET /\n \
         server a 127.0.0.1:{} check inter 50 on-marked-down shutdown-sessions\n \
         server bk 127.0.0.1:1 backup\n",
        a.port()
    ));
    let table = Arc::new(HealthTable::new(&cfg));
    let checker = HealthChecker::start(
        &cfg,
        Arc::clone(&table),
        Arc::new(CollectLog::default()),
        CheckerOptions::default(),
    )
    .expect("starts");
    let admin = checker.admin();
    let ra = admin.find("app", "a").expect("a");
    admin.set_state(ra, AdminState::Drain).expect("drain");
    admin.set_state(ra, AdminState::Ready).expect("ready");
    admin.set_weight(ra, "0").expect("weight 0");
    admin.set_weight(ra, "100%").expect("weight back");
    assert_eq!(table.shutdown_signal(0, 0).map(|s| s.epoch()), Some(0));
    assert_eq!(table.shutdown_signal(0, 1).map(|s| s.epoch()), Some(0));
}
