//! Texts the runtime API renders itself, byte for byte as HAProxy 2.6 prints them:
//! `show servers state`, `show backend`, `show sess`, the empty `show errors` capture.
//! (`show info` and `show stat` come rendered from the target, see the `stats` crate.)

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::target::{ServerStateRow, SessionSummary};

/// The two header lines of `show servers state`: format version 1 and the columns.
pub const SERVERS_STATE_HEADER: &str = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n";

/// `show servers state`: header then one line per server.
pub fn servers_state(rows: &[ServerStateRow]) -> String {
    let mut out = String::from(SERVERS_STATE_HEADER);
    for r in rows {
        let _ = writeln!(
            out,
            "{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}",
            r.be_id,
            r.be_name,
            r.srv_id,
            r.srv_name,
            dash(&r.srv_addr),
            r.srv_op_state,
            r.srv_admin_state,
            r.srv_uweight,
            r.srv_iweight,
            r.srv_time_since_last_change,
            r.srv_check_status,
            r.srv_check_result,
            r.srv_check_health,
            r.srv_check_state,
            r.srv_agent_state,
            u8::from(r.bk_f_forced_id),
            u8::from(r.srv_f_forced_id),
            dash(&r.srv_fqdn),
            r.srv_port,
            dash(&r.srvrecord),
            u8::from(r.srv_use_ssl),
            r.srv_check_port,
            dash(&r.srv_check_addr),
            dash(&r.srv_agent_addr),
            r.srv_agent_port,
        );
    }
    out
}

fn dash(v: &Option<String>) -> &str {
    v.as_deref().filter(|s| !s.is_empty()).unwrap_or("-")
}

/// `show backend`.
pub fn backends(names: &[String]) -> String {
    let mut out = String::from("# name\n");
    for n in names {
        out.push_str(n);
        out.push('\n');
    }
    out
}

/// One `show sess` line: HAProxy's leading fields (`proto`, `src`, `fe`, `be`, `srv`,
/// `age`); the internal buffer and task fields HAProxy prints after them are not shown.
pub fn session_line(s: &SessionSummary) -> String {
    format!(
        "{:#x}: proto={} src={} fe={} be={} srv={} ts=00 age={}\n",
        s.id,
        s.proto,
        s.src,
        s.frontend,
        s.backend.as_deref().unwrap_or("<NONE>"),
        s.server.as_deref().unwrap_or("<none>"),
        human_time(s.age_secs)
    )
}

/// HAProxy's `human_time`: at most two units among d, h, m, s (`0s`, `42s`, `1m30s`, `2d3h`).
pub fn human_time(t: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86400;
    let mut out = String::new();
    let mut left = 2;
    if t >= DAY {
        let _ = write!(out, "{}d", t / DAY);
        left -= 1;
    }
    if left > 0 && t % DAY / HOUR > 0 {
        let _ = write!(out, "{}h", t % DAY / HOUR);
        left -= 1;
    }
    if left > 0 && t % HOUR / MINUTE > 0 {
        let _ = write!(out, "{}m", t % HOUR / MINUTE);
        left -= 1;
    }
    if (left > 0 && !t.is_multiple_of(MINUTE)) || t == 0 {
        let _ = write!(out, "{}s", t % MINUTE);
    }
    out
}

/// `show errors` when nothing was captured: `Total events captured on [23/Nov/2026:14:57:31.567] : 0`.
pub fn empty_errors_capture(now: SystemTime) -> String {
    format!("Total events captured on [{}] : 0\n", log_date(now))
}

/// `DD/Mon/YYYY:HH:MM:SS.mmm` in UTC.
pub fn log_date(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86400) as i64);
    let rem = secs % 86400;
    format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02}.{:03}",
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // The line HAProxy 2.6 printed for `server s1 127.0.0.1:18081 weight 10` (no check).
    #[test]
    fn servers_state_line_matches_haproxy() {
        let row = ServerStateRow {
            be_id: 3,
            be_name: "be".into(),
            srv_id: 1,
            srv_name: "s1".into(),
            srv_addr: Some("127.0.0.1".into()),
            srv_op_state: 2,
            srv_admin_state: 0,
            srv_uweight: 10,
            srv_iweight: 10,
            srv_time_since_last_change: 6,
            srv_check_status: 1,
            srv_check_result: 0,
            srv_check_health: 2,
            srv_check_state: 0,
            srv_agent_state: 0,
            srv_port: 18081,
            ..Default::default()
        };
        let text = servers_state(&[row]);
        assert_eq!(
            text,
            format!("{SERVERS_STATE_HEADER}3 be 1 s1 127.0.0.1 2 0 10 10 6 1 0 2 0 0 0 0 - 18081 - 0 0 - - 0\n")
        );
        assert_eq!(
            SERVERS_STATE_HEADER
                .lines()
                .nth(1)
                .map(|h| h.split(' ').count()),
            Some(26)
        );
    }

    #[test]
    fn backend_list() {
        assert_eq!(backends(&["be".into(), "be2".into()]), "# name\nbe\nbe2\n");
        assert_eq!(backends(&[]), "# name\n");
    }

    #[test]
    fn human_time_keeps_two_units() {
        assert_eq!(human_time(0), "0s");
        assert_eq!(human_time(42), "42s");
        assert_eq!(human_time(90), "1m30s");
        assert_eq!(human_time(3600), "1h");
        assert_eq!(human_time(3661), "1h1m");
        assert_eq!(human_time(2 * 86400 + 3 * 3600 + 5), "2d3h");
        assert_eq!(human_time(86400 + 59), "1d59s");
    }

    #[test]
    fn session_line_format() {
        let s = SessionSummary {
            id: 0x1234,
            proto: "tcpv4".into(),
            src: "127.0.0.1:40000".into(),
            frontend: "fe".into(),
            backend: Some("be".into()),
            server: None,
            age_secs: 75,
        };
        assert_eq!(
            session_line(&s),
            "0x1234: proto=tcpv4 src=127.0.0.1:40000 fe=fe be=be srv=<none> ts=00 age=1m15s\n"
        );
    }

    #[test]
    fn log_dates() {
        // 2026-11-23 14:57:31.567 UTC
        let t = UNIX_EPOCH + Duration::from_millis(1_795_445_851_567);
        assert_eq!(log_date(t), "23/Nov/2026:14:57:31.567");
        assert_eq!(log_date(UNIX_EPOCH), "01/Jan/1970:00:00:00.000");
        assert_eq!(
            empty_errors_capture(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "Total events captured on [29/Feb/2000:00:00:00.000] : 0\n"
        );
    }
}
