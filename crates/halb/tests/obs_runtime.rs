//! The runtime API (`stats socket PATH mode 600 level admin|user`, `stats socket ipv4@…`)
//! driven by the real clients an operator uses: socat one-liners from the management manual,
//! socat in `prompt` mode, and `hatop -s SOCKET` in tmux.
//!
//! Proves each command changes what it says it changes: `show info` fields; the `show stat`
//! CSV header equals HAProxy 2.6's; `disable|enable server` (traffic avoids, then reaches the
//! server); `set server … state drain|maint|ready` (show stat status, `show servers state`
//! admin state, traffic); `set server … weight` / `set weight` / `get weight` ("0 (initial
//! 1)"); `disable health` (a dead server is no longer marked DOWN while a checked one is);
//! `show servers state` layout; `show backend`; `clear counters` (max values) and `clear
//! counters all` (everything); `shutdown sessions server` closes a live tcp session (and
//! `show sess` lists it before); a `level user` socket answers "Permission denied"; `prompt`
//! mode answers several commands on one connection; an `ipv4@` socket; hatop shows the
//! backend and its servers, and F10 on the selected server disables it.

mod obs_support;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;

use obs_support::tools::{need, run, run_with_input, socat_cmd, stdout};
use obs_support::{get, local_addr, wait_for, MockHttp, MockTcp, Proxy, RawClient, WAIT};

struct Lab {
    p: Proxy,
    socat: PathBuf,
    admin: String,
    user: String,
    tcp_cli: SocketAddr,
    fe: SocketAddr,
    tfe: SocketAddr,
    s1: MockHttp,
    s2: MockHttp,
    _t1: MockTcp,
}

impl Lab {
    fn start() -> Option<Lab> {
        let socat = need("socat")?;
        let (s1, s2) = (MockHttp::ok("one"), MockHttp::ok("two"));
        let t1 = MockTcp::start("echo:");
        let (fe, tfe, tcp_cli) = (local_addr(), local_addr(), local_addr());
        let cfg = format!(
            "global
    stats socket {{dir}}/admin.sock mode 600 level admin
    stats socket {{dir}}/user.sock mode 600 level user
    stats socket ipv4@{tcp_cli} level admin
defaults
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend fe
    mode http
    bind {fe}
    default_backend back
backend back
    mode http
    balance roundrobin
    server srv1 {} check inter 300ms fall 1 rise 1
    server srv2 {} check inter 300ms fall 1 rise 1
listen tcpfe
    mode tcp
    bind {tfe}
    server t1 {}
",
            s1.addr(),
            s2.addr(),
            t1.addr()
        );
        let p = Proxy::start(
            &cfg,
            &[fe, tfe, tcp_cli],
            &["{dir}/admin.sock", "{dir}/user.sock"],
        );
        let admin = p.path("admin.sock").display().to_string();
        let user = p.path("user.sock").display().to_string();
        Some(Lab {
            p,
            socat,
            admin,
            user,
            tcp_cli,
            fe,
            tfe,
            s1,
            s2,
            _t1: t1,
        })
    }

    /// `echo "CMD" | socat stdio ADMIN_SOCKET`.
    fn cmd(&self, c: &str) -> String {
        socat_cmd(&self.socat, &self.admin, c)
    }

    /// A command that answers nothing but an empty line when it worked.
    fn ok(&self, c: &str) {
        let out = self.cmd(c);
        assert!(out.trim().is_empty(), "{c:?} answered {out:?}");
    }

    /// `show stat` field `col` of `px,sv`.
    fn stat(&self, px: &str, sv: &str, col: &str) -> String {
        let out = self.cmd("show stat");
        let header = out.lines().next().unwrap_or("");
        let i = header
            .trim_start_matches("# ")
            .split(',')
            .position(|f| f == col)
            .unwrap_or_else(|| panic!("no column {col} in {header}"));
        out.lines()
            .find(|l| l.starts_with(&format!("{px},{sv},")))
            .and_then(|l| l.split(',').nth(i))
            .unwrap_or_else(|| panic!("no row {px},{sv} in show stat:\n{out}"))
            .to_string()
    }

    /// The `show servers state` row of `sv` as a map from the header's names.
    fn server_state(&self, sv: &str) -> std::collections::BTreeMap<String, String> {
        let out = self.cmd("show servers state back");
        let header = out
            .lines()
            .find(|l| l.starts_with("# "))
            .unwrap_or_else(|| panic!("no header in {out}"));
        let row = out
            .lines()
            .find(|l| l.split(' ').nth(3) == Some(sv))
            .unwrap_or_else(|| panic!("no {sv} in {out}"));
        header[2..]
            .split(' ')
            .zip(row.split(' '))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Sends `n` requests; how many each server got.
    fn spread(&self, n: usize) -> (usize, usize) {
        let (a, b) = (self.s1.requests().len(), self.s2.requests().len());
        for _ in 0..n {
            assert_eq!(get(self.fe, "/").status, 200);
        }
        (self.s1.requests().len() - a, self.s2.requests().len() - b)
    }
}

fn recorded_csv_header() -> &'static str {
    include_str!("data/obs/haproxy26-csv-header.txt").trim_end()
}

#[test]
fn show_info_show_stat_help_and_show_backend() {
    let Some(l) = Lab::start() else { return };
    let info = l.cmd("show info");
    let field = |k: &str| {
        info.lines()
            .find_map(|x| x.strip_prefix(&format!("{k}: ")))
            .unwrap_or_else(|| panic!("no {k}: in show info:\n{info}"))
            .to_string()
    };
    assert!(!field("Name").is_empty());
    assert!(!field("Version").is_empty());
    assert_eq!(field("Pid"), l.p.pid().to_string());
    assert!(field("Uptime").starts_with("0d "), "{info}");
    assert!(field("Uptime_sec").parse::<u64>().is_ok(), "{info}");
    assert!(field("CumConns").parse::<u64>().is_ok(), "{info}");

    let stat = l.cmd("show stat");
    assert_eq!(
        stat.lines().next(),
        Some(recorded_csv_header()),
        "show stat header"
    );
    for row in [
        "fe,FRONTEND,",
        "back,srv1,",
        "back,srv2,",
        "back,BACKEND,",
        "tcpfe,t1,",
    ] {
        assert!(
            stat.lines().any(|x| x.starts_with(row)),
            "{row} in:\n{stat}"
        );
    }
    let help = l.cmd("help");
    for c in [
        "show info",
        "show stat",
        "disable server",
        "set server",
        "get weight",
    ] {
        assert!(help.contains(c), "help mentions {c}:\n{help}");
    }
    // Backends only (listen sections are backends too), under a "# name" header.
    assert_eq!(l.cmd("show backend"), "# name\nback\ntcpfe\n\n");
}

#[test]
fn disable_enable_server_and_set_state() {
    let Some(l) = Lab::start() else { return };
    assert!(l.stat("back", "srv1", "status").starts_with("UP"));
    l.ok("disable server back/srv1");
    assert_eq!(l.stat("back", "srv1", "status"), "MAINT");
    assert_eq!(l.spread(4), (0, 4), "a disabled server gets no traffic");
    l.ok("enable server back/srv1");
    wait_for(WAIT, || {
        l.stat("back", "srv1", "status")
            .starts_with("UP")
            .then_some(())
    })
    .expect("srv1 UP again after enable server");
    let (a, _) = l.spread(4);
    assert!(a > 0, "an enabled server gets traffic again");

    l.ok("set server back/srv2 state drain");
    assert_eq!(l.stat("back", "srv2", "status"), "DRAIN");
    assert_eq!(
        l.server_state("srv2")["srv_admin_state"],
        "8",
        "SRV_ADMF_FDRAIN"
    );
    assert_eq!(l.spread(4), (4, 0), "a draining server gets no new traffic");
    l.ok("set server back/srv2 state maint");
    assert_eq!(l.stat("back", "srv2", "status"), "MAINT");
    assert_eq!(
        l.server_state("srv2")["srv_admin_state"],
        "1",
        "SRV_ADMF_FMAINT"
    );
    assert_eq!(
        l.server_state("srv2")["srv_op_state"],
        "0",
        "stopped while in maint"
    );
    l.ok("set server back/srv2 state ready");
    wait_for(WAIT, || {
        l.stat("back", "srv2", "status")
            .starts_with("UP")
            .then_some(())
    })
    .expect("srv2 UP after state ready");
    assert_eq!(l.server_state("srv2")["srv_admin_state"], "0");
    assert_eq!(l.server_state("srv2")["srv_op_state"], "2", "running");
}

#[test]
fn weights() {
    let Some(l) = Lab::start() else { return };
    assert_eq!(l.cmd("get weight back/srv1"), "1 (initial 1)\n\n");
    l.ok("set server back/srv1 weight 0");
    assert_eq!(l.cmd("get weight back/srv1"), "0 (initial 1)\n\n");
    assert_eq!(l.stat("back", "srv1", "weight"), "0");
    assert_eq!(l.server_state("srv1")["srv_uweight"], "0");
    assert_eq!(l.spread(4), (0, 4), "weight 0 takes no traffic");
    l.ok("set weight back/srv1 3");
    assert_eq!(l.cmd("get weight back/srv1"), "3 (initial 1)\n\n");
    // Weighted roundrobin 3:1 (allowing one request of transition after the change).
    let (a, b) = l.spread(16);
    assert!(
        (11..=13).contains(&a) && a + b == 16,
        "3:1 spread, got {a}:{b}"
    );
}

#[test]
fn disable_health_stops_marking_a_dead_server_down() {
    let Some(mut l) = Lab::start() else { return };
    assert_eq!(
        l.server_state("srv1")["srv_check_state"],
        "6",
        "configured + enabled"
    );
    l.ok("disable health back/srv1");
    assert_eq!(l.stat("back", "srv1", "status"), "no check");
    assert_eq!(
        l.server_state("srv1")["srv_check_state"],
        "2",
        "configured, not enabled"
    );
    // Kill both servers' listeners (fresh mocks elsewhere take their places in the lab): only
    // the checked one goes DOWN.
    drop(std::mem::replace(&mut l.s1, MockHttp::ok("elsewhere")));
    drop(std::mem::replace(&mut l.s2, MockHttp::ok("elsewhere")));
    let status = |sv: &str| l.stat("back", sv, "status");
    wait_for(WAIT, || (status("srv2") == "DOWN").then_some(()))
        .unwrap_or_else(|| panic!("checked srv2 never went DOWN: {}", status("srv2")));
    assert_eq!(
        status("srv1"),
        "no check",
        "health disabled: srv1 is not marked DOWN"
    );
    // enable health re-arms it: now it goes DOWN too.
    l.ok("enable health back/srv1");
    wait_for(WAIT, || (status("srv1") == "DOWN").then_some(())).unwrap_or_else(|| {
        panic!(
            "srv1 never went DOWN after enable health: {}",
            status("srv1")
        )
    });
}

#[test]
fn show_servers_state_layout() {
    let Some(l) = Lab::start() else { return };
    let out = l.cmd("show servers state");
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("1"), "format version line:\n{out}");
    assert_eq!(
        lines.next(),
        Some(
            "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight \
             srv_iweight srv_time_since_last_change srv_check_status srv_check_result \
             srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id \
             srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr \
             srv_agent_addr srv_agent_port"
        )
    );
    let s1 = l.server_state("srv1");
    assert_eq!(s1.len(), 25, "{s1:?}");
    assert_eq!(s1["be_name"], "back");
    assert_eq!(s1["srv_id"], "1");
    assert_eq!(s1["srv_addr"], "127.0.0.1");
    assert_eq!(s1["srv_port"], l.s1.port().to_string());
    assert_eq!(
        (s1["srv_uweight"].as_str(), s1["srv_iweight"].as_str()),
        ("1", "1")
    );
    assert_eq!(l.server_state("srv2")["srv_id"], "2");
    // tcpfe/t1 is listed too when asking for all backends.
    assert!(
        out.lines()
            .any(|x| x.split(' ').nth(1) == Some("tcpfe") && x.split(' ').nth(3) == Some("t1")),
        "{out}"
    );
}

#[test]
fn clear_counters_max_then_all() {
    let Some(l) = Lab::start() else { return };
    l.spread(4);
    let stot: u64 = l.stat("back", "BACKEND", "stot").parse().unwrap_or(0);
    assert!(stot >= 4, "{stot}");
    assert_ne!(l.stat("fe", "FRONTEND", "req_rate_max"), "0");
    l.ok("clear counters");
    assert_eq!(
        l.stat("fe", "FRONTEND", "req_rate_max"),
        "0",
        "clear counters resets maxima"
    );
    assert_eq!(
        l.stat("back", "BACKEND", "stot"),
        stot.to_string(),
        "but not totals"
    );
    l.ok("clear counters all");
    assert_eq!(
        l.stat("back", "BACKEND", "stot"),
        "0",
        "clear counters all resets totals"
    );
    assert_eq!(l.stat("back", "srv1", "hrsp_2xx"), "0");
}

#[test]
fn shutdown_sessions_server_closes_a_live_tcp_session() {
    let Some(l) = Lab::start() else { return };
    let mut c = RawClient::connect(l.tfe).expect("connect");
    c.send("hello, still here").expect("send");
    wait_for(WAIT, || l.cmd("show sess").contains("srv=t1").then_some(())).unwrap_or_else(|| {
        panic!(
            "show sess never listed the session:\n{}",
            l.cmd("show sess")
        )
    });
    assert!(
        !c.is_closed_quickly(),
        "the session is open before the command"
    );
    l.ok("shutdown sessions server tcpfe/t1");
    assert!(c.is_closed(), "the proxy closed the session");
    assert!(!l.cmd("show sess").contains("srv=t1"));
}

/// A tiny extension so the "still open" check does not wait the whole read timeout.
trait Quick {
    fn is_closed_quickly(&mut self) -> bool;
}

impl Quick for RawClient {
    fn is_closed_quickly(&mut self) -> bool {
        let s = self.stream();
        let _ = s.set_read_timeout(Some(std::time::Duration::from_millis(300)));
        let closed = self.is_closed();
        let _ = self.stream().set_read_timeout(Some(WAIT));
        closed
    }
}

#[test]
fn user_level_is_denied_admin_commands() {
    let Some(l) = Lab::start() else { return };
    let out = socat_cmd(&l.socat, &l.user, "disable server back/srv1");
    assert_eq!(out, "Permission denied\n\n");
    assert!(
        l.stat("back", "srv1", "status").starts_with("UP"),
        "unchanged"
    );
    let info = socat_cmd(&l.socat, &l.user, "show info");
    assert!(
        info.contains(&format!("Pid: {}", l.p.pid())),
        "user level may read"
    );
    assert_eq!(
        socat_cmd(&l.socat, &l.user, "clear counters all"),
        "Permission denied\n\n"
    );
}

#[test]
fn prompt_mode_answers_several_commands_on_one_connection() {
    let Some(l) = Lab::start() else { return };
    let o = run_with_input(
        &l.socat,
        &["stdio", &l.admin],
        concat!(
            "prompt\nshow backend\nget weight back/srv1\n",
            "set weight back/srv1 2\nget weight back/srv1\nquit\n"
        )
        .as_bytes(),
    );
    assert_eq!(
        stdout(&o),
        "\n> # name\nback\ntcpfe\n\n> 1 (initial 1)\n\n> \n> 2 (initial 1)\n\n> "
    );
}

#[test]
fn ipv4_socket_answers_like_the_unix_one() {
    let Some(l) = Lab::start() else { return };
    let addr = format!("tcp4-connect:{}", l.tcp_cli);
    assert_eq!(
        socat_cmd(&l.socat, &addr, "show backend"),
        l.cmd("show backend")
    );
    socat_cmd(&l.socat, &addr, "disable server back/srv2");
    assert_eq!(l.stat("back", "srv2", "status"), "MAINT");
    // And a raw client without socat: one command, the answer, the close.
    let mut c = TcpStream::connect(l.tcp_cli).expect("connect");
    c.write_all(b"get weight back/srv2\n").expect("write");
    c.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut s = String::new();
    let _ = std::io::Read::read_to_string(&mut c, &mut s);
    assert_eq!(s, "1 (initial 1)\n\n");
}

#[test]
fn hatop_shows_backend_and_servers() {
    let Some(l) = Lab::start() else { return };
    let Some(hatop) = need("hatop") else { return };
    let Some(tmux) = need("tmux") else { return };
    let session = format!("obs{}", std::process::id());
    let o = run(
        &tmux,
        &[
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "200",
            "-y",
            "50",
            &format!("{} -s {}", hatop.display(), l.admin),
        ],
    );
    assert!(
        o.status.success(),
        "tmux: {}",
        obs_support::tools::stderr(&o)
    );
    let pane = || stdout(&run(&tmux, &["capture-pane", "-p", "-t", &session]));
    let screen = wait_for(WAIT, || {
        let s = pane();
        (s.contains(">>> back") && s.contains("srv1") && s.contains("srv2")).then_some(s)
    });
    let last = pane();
    let screen = screen.unwrap_or_else(|| panic!("hatop never showed back/srv1/srv2:\n{last}"));
    println!("hatop screen:\n{screen}");
    let row = screen
        .lines()
        .find(|x| x.starts_with("srv1 "))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains(" UP "), "srv1 row shows UP: {row}");
    assert!(screen.contains(">>> tcpfe"), "{screen}");

    // Disable srv1 from hatop: move the cursor down until a server is selected (Enter then
    // shows the server hotkeys bar; the first server listed is srv1), then F10 ("disable
    // here").
    let key = |k: &str| run(&tmux, &["send-keys", "-t", &session, k]);
    let mut selected = false;
    for _ in 0..10 {
        key("Down");
        key("Enter");
        if wait_for(std::time::Duration::from_millis(500), || {
            pane().contains("F10=DISABLE").then_some(())
        })
        .is_some()
        {
            selected = true;
            break;
        }
    }
    let done = selected && {
        key("F10");
        wait_for(WAIT, || {
            (l.stat("back", "srv1", "status") == "MAINT").then_some(())
        })
        .is_some()
    };
    let last = pane();
    let _ = run(&tmux, &["kill-session", "-t", &session]);
    assert!(selected, "hatop never selected a server:\n{last}");
    assert!(done, "F10 in hatop did not put srv1 in MAINT:\n{last}");
    assert!(
        l.stat("back", "srv2", "status").starts_with("UP"),
        "only srv1"
    );
}

#[test]
fn show_stat_typed_and_json() {
    let Some(l) = Lab::start() else { return };
    // T.<proxy id>.<server id>.<field pos>.<field name>.<process>:<tags>:<type>:<value>, with
    // T = F (frontend), B (backend) or S (server).
    let typed = l.cmd("show stat typed");
    let svnames: Vec<String> = typed
        .lines()
        .filter_map(|x| {
            let (key, rest) = x.split_once(':')?;
            let k: Vec<&str> = key.split('.').collect();
            let f: Vec<&str> = rest.splitn(3, ':').collect();
            (k.len() == 6
                && ["F", "B", "S"].contains(&k[0])
                && k[3] == "1"
                && k[4] == "svname"
                && f.len() == 3)
                .then(|| format!("{}:{}", f[1], f[2]))
        })
        .collect();
    for sv in ["FRONTEND", "srv1", "srv2", "BACKEND", "t1"] {
        assert!(
            svnames.contains(&format!("str:{sv}")),
            "typed svname {sv}: {svnames:?}\n{typed}"
        );
    }
    let json = l.cmd("show stat json");
    let Some(py) = need("python3") else { return };
    let o = run_with_input(
        &py,
        &[
            "-c",
            "import json,sys\nd=json.load(sys.stdin)\nprint(len(d))",
        ],
        json.as_bytes(),
    );
    assert!(o.status.success(), "show stat json is JSON: {json}");
    // One row per line of `show stat`: 3 in back, 2 in tcpfe, 1 for fe.
    assert_eq!(stdout(&o).trim(), "7", "{json}");
}
