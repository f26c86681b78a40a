//! The checker against real backends on 127.0.0.1: servers that die, hang, answer the wrong
//! status or the wrong body, and come back. Each is taken out after `fall` failed checks and
//! back after `rise` passed ones; the tests assert states and HAProxy's log lines, never
//! timings.

mod support;

use std::sync::Arc;

use checks::driver::{CheckerOptions, HealthChecker, HealthTable};
use checks::observe::Observed;
use checks::ServerState;
use support::{config, wait_until, Backend, CollectLog, Mode};

fn start(cfg_text: &str, options: CheckerOptions) -> (HealthChecker, Arc<CollectLog>) {
    let cfg = config(cfg_text);
    let table = Arc::new(HealthTable::new(&cfg));
    let log = Arc::new(CollectLog::default());
    let checker = HealthChecker::start(&cfg, table, log.clone(), options).expect("checker starts");
    (checker, log)
}

fn one_backend(b1: &Backend, b2: &Backend, extra: &str, rise: u32, fall: u32) -> String {
    format!(
        "defaults\n mode http\n timeout connect 1s\n{extra}\nbackend http_back\n option httpchk GET /index.html\n \
         server node1 127.0.0.1:{} check inter 50 rise {rise} fall {fall}\n \
         server node2 127.0.0.1:{} check inter 50 rise {rise} fall {fall}\n",
        b1.port(),
        b2.port()
    )
}

/// The checks logged for node1 (with `option log-health-checks`), in order.
fn node1_checks(log: &CollectLog) -> Vec<String> {
    log.lines()
        .into_iter()
        .filter(|l| l.starts_with("Health check for server http_back/node1"))
        .collect()
}

#[test]
fn dead_server_is_taken_out_after_fall_failures_and_back_after_rise() {
    let mut n1 = Backend::start(Mode::Healthy);
    let n2 = Backend::start(Mode::Healthy);
    let (checker, log) = start(&one_backend(&n1, &n2, "", 2, 3), CheckerOptions::default());
    let t = checker.table().clone();
    let be = t.backend(0).expect("backend");
    wait_until("node1 checked and fully up", || n1.answered() >= 2);
    assert!(be.usable(0));

    n1.kill();
    let down = log.wait_for("Server http_back/node1 is DOWN");
    assert!(
        down.starts_with("Server http_back/node1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: "),
        "{down}"
    );
    assert!(
        down.ends_with("ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."),
        "{down}"
    );
    assert!(!be.usable(0));
    assert!(be.usable(1), "the other node still takes traffic");
    assert_eq!(be.state(0), Some(ServerState::Down));

    n1.revive();
    let up = log.wait_for("Server http_back/node1 is UP");
    assert!(
        up.starts_with("Server http_back/node1 is UP, reason: Layer7 check passed, code: 200, check duration: "),
        "{up}"
    );
    assert!(
        up.ends_with(
            "ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
        ),
        "{up}"
    );
    assert!(be.usable(0));
}

#[test]
fn counts_follow_rise_and_fall_exactly() {
    let n1 = Backend::start(Mode::Healthy);
    let n2 = Backend::start(Mode::Healthy);
    let opts = CheckerOptions {
        log_health_checks: true,
    };
    let (checker, log) = start(&one_backend(&n1, &n2, "", 2, 3), opts);
    let be = checker.table().backend(0).expect("backend");
    log.wait_for("Health check for server http_back/node1 succeeded");
    n1.set_mode(Mode::WrongStatus);
    log.wait_for("Server http_back/node1 is DOWN");
    n1.set_mode(Mode::Healthy);
    log.wait_for("Server http_back/node1 is UP");
    assert!(be.usable(0));

    let checks = node1_checks(&log);
    let statuses: Vec<&str> = checks
        .iter()
        .map(|l| l.rsplit("status: ").next().unwrap_or_default())
        .collect();
    // Up at start (1/3 after the first success: fully up shows 3/3), three failures, two
    // successes; only lines that change something are logged.
    assert_eq!(
        statuses,
        vec![
            "3/3 UP.",
            "2/3 UP.",
            "1/3 UP.",
            "0/2 DOWN.",
            "1/2 DOWN.",
            "3/3 UP."
        ],
        "{checks:#?}"
    );
    assert!(
        checks[1].contains("reason: Layer7 wrong status, code: 503, info: \"Service Unavailable\""),
        "{}",
        checks[1]
    );
    // With log-health-checks the state line leaves the reason to the check line.
    let down = log.wait_for("Server http_back/node1 is DOWN");
    assert_eq!(
        down,
        "Server http_back/node1 is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
    );
}

#[test]
fn hanging_server_times_out_at_layer7() {
    let n1 = Backend::start(Mode::Hang);
    let n2 = Backend::start(Mode::Healthy);
    let (checker, log) = start(
        &one_backend(&n1, &n2, " timeout check 200ms", 1, 1),
        CheckerOptions::default(),
    );
    let down = log.wait_for("Server http_back/node1 is DOWN");
    assert!(
        down.starts_with(
            "Server http_back/node1 is DOWN, reason: Layer7 timeout, check duration: "
        ),
        "{down}"
    );
    assert!(!checker.table().usable(0, 0));
}

#[test]
fn wrong_body_is_an_invalid_response() {
    let n1 = Backend::start(Mode::WrongBody);
    let n2 = Backend::start(Mode::Healthy);
    let cfg = one_backend(&n1, &n2, "", 1, 1).replace(
        " option httpchk GET /index.html\n",
        " option httpchk GET /index.html\n http-check expect string hello\n",
    );
    let (checker, log) = start(&cfg, CheckerOptions::default());
    let down = log.wait_for("Server http_back/node1 is DOWN");
    assert!(
        down.starts_with("Server http_back/node1 is DOWN, reason: Layer7 invalid response, info: \"HTTP content check did not match\", check duration: "),
        "{down}"
    );
    assert!(checker.table().usable(0, 1), "node2 answers hello");
    n1.set_mode(Mode::Healthy);
    log.wait_for("Server http_back/node1 is UP");
    assert!(checker.table().usable(0, 0));
}

#[test]
fn backups_take_over_and_then_nothing_is_left() {
    let mut act = Backend::start(Mode::Healthy);
    let mut bak = Backend::start(Mode::Healthy);
    let cfg = format!(
        "defaults\n mode http\nbackend app\n option httpchk\n server a 127.0.0.1:{} check inter 50 rise 1 fall 1\n server b 127.0.0.1:{} check inter 50 rise 1 fall 1 backup\n",
        act.port(),
        bak.port()
    );
    let (checker, log) = start(&cfg, CheckerOptions::default());
    act.kill();
    let down = log.wait_for("Server app/a is DOWN");
    assert!(
        down.contains(". 0 active and 1 backup servers left. Running on backup. 0 sessions active"),
        "{down}"
    );
    assert!(checker.table().usable(0, 1));
    bak.kill();
    let down = log.wait_for("Backup Server app/b is DOWN");
    assert!(
        down.contains(". 0 active and 0 backup servers left. 0 sessions"),
        "{down}"
    );
    assert_eq!(
        log.wait_for("has no server available"),
        "backend app has no server available!"
    );
}

#[test]
fn plain_tcp_check_and_check_port() {
    let web = Backend::start(Mode::Hang);
    let mut health = Backend::start(Mode::Healthy);
    let cfg = format!(
        "defaults\n mode tcp\nbackend b\n server s 127.0.0.1:{} check port {} inter 50 rise 1 fall 1\n",
        web.port(),
        health.port()
    );
    let opts = CheckerOptions {
        log_health_checks: true,
    };
    let (checker, log) = start(&cfg, opts);
    // The check goes to `port`, not to the hanging service port.
    wait_until("a check reached the check port", || {
        log.lines()
            .iter()
            .any(|l| l.contains("succeeded, reason: Layer4 check passed"))
    });
    health.kill();
    log.wait_for("Server b/s is DOWN");
    assert!(!checker.table().usable(0, 0));
}

#[test]
fn servers_without_check_stay_up_and_disabled_ones_in_maint() {
    let cfg = "defaults\n mode http\nbackend b\n server plain 127.0.0.1:1\n server off 127.0.0.1:2 disabled\n";
    let (checker, _log) = start(cfg, CheckerOptions::default());
    let be = checker.table().backend(0).expect("backend");
    assert_eq!(be.state(0), Some(ServerState::Up));
    assert!(
        be.usable(0),
        "no check: always usable, even on a closed port"
    );
    assert_eq!(be.state(1), Some(ServerState::Maint));
    checker.stop();
}

#[test]
fn observed_errors_mark_down_then_checks_bring_it_back() {
    let n1 = Backend::start(Mode::Healthy);
    let n2 = Backend::start(Mode::Healthy);
    let cfg = one_backend(&n1, &n2, "", 2, 3).replace(
        &format!("{} check inter 50 rise 2 fall 3\n", n1.port()),
        &format!(
            "{} check inter 50 rise 2 fall 3 observe layer4 error-limit 2 on-error mark-down\n",
            n1.port()
        ),
    );
    let (checker, log) = start(&cfg, CheckerOptions::default());
    let t = checker.table().clone();
    wait_until("node1 checked", || n1.answered() >= 1);
    t.report(0, 0, Observed::L4Error);
    t.report(0, 0, Observed::L4Error);
    let down = log.wait_for("Server http_back/node1 is DOWN");
    assert!(
        down.starts_with("Server http_back/node1 is DOWN, reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: L4 unsuccessful connection\""),
        "{down}"
    );
    assert!(t.usable(0, 1));
    // The health checks still pass: back after rise.
    log.wait_for("Server http_back/node1 is UP");
    assert!(t.usable(0, 0));
}

#[test]
fn log_health_checks_is_read_per_backend() {
    let mut n1 = Backend::start(Mode::Healthy);
    let mut n2 = Backend::start(Mode::Healthy);
    let cfg = format!(
        "defaults\n mode http\n timeout connect 1s\n\
         backend logged\n option log-health-checks\n option httpchk GET /\n server s 127.0.0.1:{} check inter 50 rise 1 fall 1\n\
         backend quiet\n option httpchk GET /\n server s 127.0.0.1:{} check inter 50 rise 1 fall 1\n",
        n1.port(),
        n2.port()
    );
    let (_checker, log) = start(&cfg, CheckerOptions::default());
    wait_until("both checked", || n1.answered() >= 1 && n2.answered() >= 1);
    n1.kill();
    n2.kill();
    let logged = log.wait_for("Server logged/s is DOWN");
    let quiet = log.wait_for("Server quiet/s is DOWN");
    // With the option, the reason is on the check line, not on the state line.
    assert!(
        logged.starts_with("Server logged/s is DOWN. 0 active"),
        "{logged}"
    );
    assert!(
        quiet.starts_with("Server quiet/s is DOWN, reason: Layer4 connection problem"),
        "{quiet}"
    );
    let lines = log.lines();
    assert!(lines.iter().any(|l| l.starts_with(
        "Health check for server logged/s failed, reason: Layer4 connection problem"
    )));
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("Health check for server quiet/")),
        "{lines:#?}"
    );
}

#[test]
fn checker_option_forces_log_health_checks_everywhere() {
    let mut n = Backend::start(Mode::Healthy);
    let cfg = format!(
        "backend quiet\n option httpchk GET /\n server s 127.0.0.1:{} check inter 50 rise 1 fall 1\n",
        n.port()
    );
    let (_checker, log) = start(
        &cfg,
        CheckerOptions {
            log_health_checks: true,
        },
    );
    wait_until("checked", || n.answered() >= 1);
    n.kill();
    log.wait_for("Health check for server quiet/s failed");
    assert!(log
        .wait_for("Server quiet/s is DOWN")
        .starts_with("Server quiet/s is DOWN. 0 active"));
}
