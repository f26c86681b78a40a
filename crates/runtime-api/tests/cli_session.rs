//! The CLI session driven byte for byte, without sockets: each expected answer below is
//! what HAProxy 2.6 sent for the same input on a `stats socket` (captured with socat).

use proptest::prelude::*;
use runtime_api::{
    CliSession, Level, MemoryServer, MemoryTarget, SessionSummary, DEFAULT_MAX_LINE,
};

fn target() -> MemoryTarget {
    MemoryTarget::new()
        .frontend(2, "fe")
        .backend(
            3,
            "be",
            vec![
                MemoryServer::new(1, "s1", "127.0.0.1", 18081).weight(10),
                MemoryServer::new(2, "s2", "127.0.0.1", 18082)
                    .with_check()
                    .disabled(),
            ],
        )
        .static_backend(
            4,
            "be2",
            vec![MemoryServer::new(1, "a", "127.0.0.1", 18083)],
        )
        .session(SessionSummary {
            id: 0x10,
            proto: "tcpv4".into(),
            src: "127.0.0.1:40000".into(),
            frontend: "fe".into(),
            backend: Some("be".into()),
            server: Some("s1".into()),
            age_secs: 3,
        })
}

/// One non-interactive exchange: the whole answer, and the session must have closed.
fn once(t: &MemoryTarget, level: Level, input: &str) -> String {
    let mut s = CliSession::new(level);
    let out = s.receive(input.as_bytes(), t);
    assert!(s.is_closed(), "session still open after {input:?}");
    String::from_utf8(out).expect("utf-8 answer")
}

fn admin(t: &MemoryTarget, input: &str) -> String {
    once(t, Level::Admin, input)
}

#[test]
fn non_interactive_answer_ends_with_an_empty_line_then_closes() {
    let t = target();
    assert_eq!(admin(&t, "show version\n"), "0.1.0-halb\n\n");
    assert_eq!(admin(&t, "show backend\n"), "# name\nbe\nbe2\n\n");
}

#[test]
fn semicolons_and_pipelined_lines_run_every_command() {
    let t = target();
    assert_eq!(
        admin(&t, "show version;show version\n"),
        "0.1.0-halb\n\n0.1.0-halb\n\n"
    );
    assert_eq!(
        admin(&t, "show version\nshow version\n"),
        "0.1.0-halb\n\n0.1.0-halb\n\n"
    );
    assert_eq!(admin(&t, "show version\r\n"), "0.1.0-halb\n\n");
    // `;` alone: two empty commands, two usage texts.
    let two = admin(&t, ";\n");
    assert_eq!(
        two.matches("Unknown command. Please enter one of the following commands only:\n")
            .count(),
        2
    );
}

#[test]
fn after_answering_a_non_interactive_session_reads_nothing_more() {
    let t = target();
    let mut s = CliSession::new(Level::Admin);
    assert_eq!(s.receive(b"show version\n", &t), b"0.1.0-halb\n\n");
    assert!(s.is_closed());
    assert!(s.receive(b"show version\n", &t).is_empty());
}

#[test]
fn a_command_split_across_reads_waits_for_its_end() {
    let t = target();
    let mut s = CliSession::new(Level::Admin);
    assert!(s.receive(b"show ver", &t).is_empty());
    assert!(!s.is_closed());
    assert_eq!(s.receive(b"sion\n", &t), b"0.1.0-halb\n\n");
}

#[test]
fn half_closed_client_with_an_unfinished_line_gets_nothing() {
    let t = target();
    let mut s = CliSession::new(Level::Admin);
    assert!(s.receive(b"show version", &t).is_empty());
    s.input_ended();
    assert!(s.is_closed());
    assert!(s.receive(b"\n", &t).is_empty());
}

// HAProxy: b'\n> 2.6.12-1+deb12u4\n\n> \n<EOF>' for "prompt", "show version", "prompt".
#[test]
fn prompt_mode_prints_the_prompt_after_each_answer() {
    let t = target();
    let mut s = CliSession::new(Level::Admin);
    assert_eq!(s.receive(b"prompt\n", &t), b"\n> ");
    assert!(s.is_interactive() && !s.is_closed());
    assert_eq!(s.receive(b"show version\n", &t), b"0.1.0-halb\n\n> ");
    assert!(!s.is_closed());
    assert_eq!(s.receive(b"prompt\n", &t), b"\n");
    assert!(s.is_closed());
}

#[test]
fn quit_closes_without_a_prompt() {
    let t = target();
    let mut s = CliSession::new(Level::Admin);
    assert_eq!(s.receive(b"prompt\nquit\nshow version\n", &t), b"\n> ");
    assert!(s.is_closed());
    assert_eq!(admin(&t, "quit;show version\n"), "");
}

#[test]
fn prompt_and_command_on_one_line() {
    let t = target();
    let mut s = CliSession::new(Level::Admin);
    assert_eq!(
        s.receive(b"prompt;show version\n", &t),
        b"\n> 0.1.0-halb\n\n> "
    );
    assert!(!s.is_closed());
}

#[test]
fn empty_line_and_garbage_answer_with_the_command_list() {
    let t = target();
    let out = admin(&t, "\n");
    assert!(out.starts_with("Unknown command. Please enter one of the following commands only:\n"));
    assert!(out.ends_with("  quit                                    : disconnect\n\n"));
    let out = once(&t, Level::Admin, "\u{1}\u{7f} junk\n");
    assert!(out
        .starts_with("Unknown command, but maybe one of the following ones is a better match:\n"));
    let mut s = CliSession::new(Level::Admin);
    let out = s.receive(b"\x00\x01\xff\xfeshow\n", &t);
    assert!(out.starts_with(b"Unknown command. Please enter"));
}

#[test]
fn escaped_semicolon_is_part_of_a_word() {
    let t = target();
    assert!(admin(&t, "show\\;version\n").starts_with("Unknown command, but maybe"));
}

#[test]
fn too_long_line_closes_the_connection() {
    let t = target();
    let mut s = CliSession::new(Level::Admin);
    let long = vec![b'x'; DEFAULT_MAX_LINE + 10];
    assert!(s.receive(&long, &t).is_empty());
    assert!(s.is_closed());
    // Just under the limit is still a command.
    let mut s = CliSession::new(Level::Admin);
    let mut line = b"show version ".to_vec();
    line.resize(DEFAULT_MAX_LINE - 1, b'x');
    line.push(b'\n');
    assert_eq!(s.receive(&line, &t), b"0.1.0-halb\n\n");
}

#[test]
fn line_limit_applies_to_chunked_input_too() {
    let t = target();
    let mut s = CliSession::new(Level::Admin).with_max_line(64);
    for _ in 0..10 {
        let _ = s.receive(&[b'a'; 10], &t);
    }
    assert!(s.is_closed());
}

#[test]
fn user_level_may_read_but_not_change() {
    let t = target();
    let user = |i: &str| once(&t, Level::User, i);
    assert!(user("show stat\n").starts_with("# pxname,svname,"));
    assert!(user("show servers state\n").starts_with("1\n# be_id be_name"));
    assert_eq!(user("get weight be/s1\n"), "10 (initial 10)\n\n");
    for cmd in [
        "show sess",
        "show errors",
        "clear counters",
        "clear counters all",
        "disable server be/s1",
        "disable server",
        "enable server be/s1",
        "set server be/s1 state ready",
        "set server zz/s1 state ready",
        "set weight be/s1 10",
        "set server be/s1 weight 10",
        "disable health be/s1",
        "enable agent be/s1",
        "shutdown sessions server be/s1",
        "operator",
    ] {
        assert_eq!(user(&format!("{cmd}\n")), "Permission denied\n\n", "{cmd}");
    }
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(0));
    assert!(t.clears().is_empty());
}

#[test]
fn operator_level() {
    let t = target();
    let op = |i: &str| once(&t, Level::Operator, i);
    assert_eq!(op("clear counters\n"), "\n");
    assert_eq!(op("clear counters all\n"), "Permission denied\n\n");
    assert_eq!(op("disable server be/s1\n"), "Permission denied\n\n");
    assert_eq!(
        op("show sess\n"),
        "0x10: proto=tcpv4 src=127.0.0.1:40000 fe=fe be=be srv=s1 ts=00 age=3s\n\n"
    );
    assert_eq!(t.clears(), [false]);
}

#[test]
fn level_can_be_lowered_not_raised() {
    let t = target();
    assert_eq!(
        admin(
            &t,
            "show cli level;operator;show cli level;disable server be/s1;user;show cli level\n"
        ),
        "admin\n\n\noperator\n\nPermission denied\n\n\nuser\n\n"
    );
    assert_eq!(
        once(&t, Level::User, "show cli level;operator;show cli level\n"),
        "user\n\nPermission denied\n\nuser\n\n"
    );
    // `operator -`: no newline after it.
    assert_eq!(admin(&t, "operator -;show cli level\n"), "operator\n\n");
}

#[test]
fn server_state_changes() {
    let t = target();
    assert_eq!(admin(&t, "disable server be/s1\n"), "\n");
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(1));
    let state = admin(&t, "show servers state be\n");
    assert!(
        state.contains("\n3 be 1 s1 127.0.0.1 0 1 10 10 0 1 0 2 0 0 0 0 - 18081 - 0 0 - - 0\n"),
        "{state}"
    );
    assert_eq!(admin(&t, "enable server be/s1\n"), "\n");
    assert_eq!(admin(&t, "set server be/s1 state drain\n"), "\n");
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(8));
    assert_eq!(admin(&t, "set server be/s1 state ready\n"), "\n");
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(0));
    assert_eq!(admin(&t, "set server be/s1 state maint\n"), "\n");
    assert_eq!(t.server("be", "s1").map(|s| s.admin), Some(1));
}

#[test]
fn weights() {
    let t = target();
    assert_eq!(admin(&t, "set weight be/s1 20\n"), "\n");
    assert_eq!(admin(&t, "get weight be/s1\n"), "20 (initial 10)\n\n");
    assert_eq!(admin(&t, "set weight be/s1 50%\n"), "\n");
    assert_eq!(admin(&t, "get weight be/s1\n"), "5 (initial 10)\n\n");
    assert_eq!(admin(&t, "set server be/s1 weight 1000%\n"), "\n");
    assert_eq!(admin(&t, "get weight be/s1\n"), "100 (initial 10)\n\n");
    assert_eq!(
        admin(&t, "set weight be/s1 300\n"),
        "Absolute weight can only be between 0 and 256 inclusive.\n\n"
    );
    assert_eq!(
        admin(&t, "set weight be/s1 abc\n"),
        "Empty weight string empty or preceded by garbage\n"
    );
    assert_eq!(
        admin(&t, "set weight be/s1 10x\n"),
        "Trailing garbage in weight string\n"
    );
    assert_eq!(
        admin(&t, "set weight be/s1\n"),
        "Require <weight> or <weight%>.\n\n"
    );
    assert_eq!(
        admin(&t, "set weight be2/a 5\n"),
        "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n"
    );
    assert_eq!(admin(&t, "set weight be2/a 0\n"), "\n");
}

#[test]
fn lookup_errors_come_before_argument_errors() {
    let t = target();
    assert_eq!(admin(&t, "set weight zz/s1 abc\n"), "No such backend.\n\n");
    assert_eq!(admin(&t, "set weight be/zz 3\n"), "No such server.\n\n");
    assert_eq!(
        admin(&t, "set server zz/s1 state foo\n"),
        "No such backend.\n\n"
    );
    assert_eq!(
        admin(&t, "set server be/zz state ready\n"),
        "No such server.\n\n"
    );
    assert_eq!(
        admin(&t, "set server be/s1 state foo\n"),
        "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n"
    );
    assert_eq!(admin(&t, "get weight zz/s1\n"), "No such backend.\n\n");
    assert_eq!(admin(&t, "get weight be/zz\n"), "No such server.\n\n");
    assert_eq!(
        admin(&t, "get weight be\n"),
        "Require 'backend/server'.\n\n"
    );
    assert_eq!(admin(&t, "disable server zz/s1\n"), "No such backend.\n\n");
    assert_eq!(
        admin(&t, "shutdown sessions server be\n"),
        "Require 'backend/server'.\n\n"
    );
    assert_eq!(
        admin(&t, "show servers state nope\n"),
        "Can't find backend.\n\n"
    );
    assert_eq!(admin(&t, "show stat foo -1 -1\n"), "No such proxy.\n\n");
}

#[test]
fn checks_and_agents() {
    let t = target();
    assert_eq!(admin(&t, "disable health be/s1\n"), "\n");
    assert_eq!(
        admin(&t, "enable health be/s1\n"),
        "Health check was not configured on this server, cannot enable.\n\n"
    );
    assert_eq!(admin(&t, "disable agent be/s1\n"), "\n");
    assert_eq!(
        admin(&t, "enable agent be/s1\n"),
        "Agent was not configured on this server, cannot enable.\n\n"
    );
    assert_eq!(admin(&t, "disable health be/s2\n"), "\n");
    assert_eq!(t.server("be", "s2").and_then(|s| s.check), Some(false));
    assert_eq!(admin(&t, "enable health be/s2\n"), "\n");
    assert_eq!(t.server("be", "s2").and_then(|s| s.check), Some(true));
    assert_eq!(
        admin(&t, "set server be/s1 agent up\n"),
        "agent checks are not enabled on this server.\n\n"
    );
    assert_eq!(admin(&t, "set server be/s1 health down\n"), "\n");
    assert_eq!(t.server("be", "s1").map(|s| s.up), Some(false));
}

#[test]
fn shutdown_sessions_and_show_sess() {
    let t = target();
    assert_eq!(admin(&t, "show sess 0x99\n"), "Session not found.\n\n");
    assert_eq!(
        admin(&t, "show sess 0x10\n"),
        "0x10: proto=tcpv4 src=127.0.0.1:40000 fe=fe be=be srv=s1 ts=00 age=3s\n\n"
    );
    assert_eq!(admin(&t, "shutdown sessions server be/s1\n"), "\n");
    assert_eq!(t.server("be", "s1").map(|s| s.shutdowns), Some(1));
    assert_eq!(admin(&t, "show sess\n"), "\n");
}

#[test]
fn clear_counters_and_timeouts() {
    let t = target();
    assert_eq!(admin(&t, "clear counters;clear counters all\n"), "\n\n");
    assert_eq!(t.clears(), [false, true]);
    let mut s = CliSession::new(Level::User);
    assert_eq!(s.receive(b"prompt\nset timeout cli 5\n", &t), b"\n> \n> ");
    assert_eq!(s.cli_timeout(), Some(std::time::Duration::from_secs(5)));
    assert_eq!(
        admin(&t, "set timeout cli 0\n"),
        "Invalid timeout value.\n\n"
    );
}

#[test]
fn show_stat_scopes_follow_the_ids() {
    let t = target();
    let rows = |i: &str| {
        admin(&t, i)
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count()
    };
    assert_eq!(rows("show stat\n"), 1 + 2 + 1 + 1 + 1);
    assert_eq!(rows("show stat 3 4 -1\n"), 2);
    assert_eq!(rows("show stat be 2 -1\n"), 1);
    assert_eq!(rows("show stat 99 -1 -1\n"), 0);
    assert_eq!(rows("show stat -1 1 -1\n"), 1);
    assert_eq!(rows("show stat no-maint\n"), 1 + 1 + 1 + 1 + 1);
}

proptest! {
    // Any bytes in any chunking: no panic, and nothing is sent once closed.
    #[test]
    fn arbitrary_input_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8), level in 0u8..3) {
        let t = target();
        let level = [Level::User, Level::Operator, Level::Admin][level as usize];
        let mut s = CliSession::new(level).with_max_line(512);
        for c in &chunks {
            let was_closed = s.is_closed();
            let out = s.receive(c, &t);
            if was_closed {
                prop_assert!(out.is_empty());
            }
        }
        s.input_ended();
        prop_assert!(s.is_closed());
    }

    // Commands made of real keywords with random arguments: no panic either.
    #[test]
    fn keyword_soup_never_panics(words in proptest::collection::vec(prop_oneof![
        Just("show"), Just("stat"), Just("set"), Just("server"), Just("weight"), Just("be/s1"), Just("be/"),
        Just("/"), Just("state"), Just("%"), Just("-1"), Just("999999999999999999999"), Just("help"),
        Just("prompt"), Just(";"), Just("get"), Just("disable"), Just("health"), Just("sess"), Just("0x"),
    ], 0..12)) {
        let t = target();
        let mut s = CliSession::new(Level::Admin);
        let line = format!("{}\n", words.join(" "));
        let _ = s.receive(line.as_bytes(), &t);
    }
}

// HAProxy 2.6: `set server be/s1 agent foo` on a server without agent says the agent is
// not enabled; with an enabled agent it says which words it expects.
#[test]
fn agent_value_is_checked_after_the_agent_itself() {
    let t = MemoryTarget::new().backend(
        1,
        "be",
        vec![
            MemoryServer::new(1, "s1", "127.0.0.1", 1),
            MemoryServer::new(2, "s2", "127.0.0.1", 2).with_agent(),
        ],
    );
    assert_eq!(
        admin(&t, "set server be/s1 agent foo\n"),
        "agent checks are not enabled on this server.\n\n"
    );
    assert_eq!(
        admin(&t, "set server be/s2 agent foo\n"),
        "'set server <srv> agent' expects 'up' or 'down'.\n\n"
    );
    assert_eq!(
        admin(&t, "set server be/zz agent foo\n"),
        "No such server.\n\n"
    );
    assert_eq!(admin(&t, "set server be/s2 agent down\n"), "\n");
    assert_eq!(t.server("be", "s2").map(|s| s.up), Some(false));
}
