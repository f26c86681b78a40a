//! The HTML stats page, in HAProxy's layout: a header with process information and the colour
//! legend, then one table per proxy with the column groups Queue, Session rate, Sessions,
//! Bytes, Denied, Errors, Warnings and Server, rows coloured by server state, and in admin
//! mode a form per backend (checkbox per server, action select, `b=#<iid>`).
//!
//! halb's addition: a "Latency" column group with p50/p90/p99 of the response time (`Tr`) and
//! the total time (`Ta`) of backends and servers.
//!
//! Every name that reaches the page is HTML-escaped (`escape.rs`): a proxy called `<b>` shows
//! as text.

use std::fmt::Write;

pub use crate::page::{
    filter, parse_page_request, redirect_location, render_page, Page, PageFormat, PageOptions,
    PageRequest,
};

use crate::admin::AdminAction;
use crate::escape::html_string;
use crate::facts::{BackendStatus, ServerState};
use crate::fields::StatField as F;
use crate::info::uptime_text;
use crate::page::percent_encode;
use crate::snapshot::{RowState, Snapshot, StatRow};
use crate::timing::Timer;
use crate::value::{ObjType, Value};

const STYLE: &str = r#"
body { font-family: arial, helvetica, sans-serif; font-size: 12px; color: black; background: white; }
th, td { font-size: 10px; }
h1 { font-size: x-large; margin-bottom: 0.5em; }
h2 { font-size: x-large; font-weight: bold; font-style: italic; color: #6020a0; margin: 0; }
h3 { font-size: 16px; font-weight: bold; color: #b00040; background: #e8e8d0; margin: 0; }
.hr { margin-top: 0.25em; border-color: black; border-bottom-style: solid; }
.titre { background: #20D0D0; color: #000000; font-weight: bold; text-align: center; }
.frontend, .backend { background: #e8e8d0; }
.active_down, .backup_down { background: #ff9090; }
.active_going_up { background: #ffd020; }
.active_going_down { background: #ffffa0; }
.active_up { background: #c0ffc0; }
.active_nolb, .active_draining { background: #20a0ff; }
.active_no_check, .backup_no_check { background: #e0e0e0; }
.backup_going_up { background: #ff80ff; }
.backup_going_down { background: #c060ff; }
.backup_up { background: #b0d0ff; }
.backup_nolb { background: #90b0e0; }
.backup_draining { background: #cc9900; }
.maintain { background: #c07820; }
.rls { letter-spacing: 0.2em; margin-right: 1px; }
.msg_ok { background: #c0ffc0; border: 1px solid green; padding: 4px; }
.msg_err { background: #ff9090; border: 1px solid red; padding: 4px; }
a.px:link, a.px:visited { color: #ffff40; text-decoration: none; }
a.lfsb:link, a.lfsb:visited { color: #000000; text-decoration: none; }
table.tbl { border-collapse: collapse; border-style: none; }
table.tbl td { text-align: right; border: 1px solid gray; padding: 2px 3px; white-space: nowrap; }
table.tbl td.ac { text-align: center; }
table.tbl th { border: 1px solid gray; }
table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; padding: 2px 3px; white-space: nowrap; }
table.tbl th.empty { border-style: none; background: white; }
table.tbl th.desc { background: white; text-align: left; padding: 2px 3px; }
table.lgd { border-collapse: collapse; border-left: 1px solid black; }
table.lgd td { border: 1px solid gray; padding: 2px; }
table.lgd td.noborder { border-style: none; white-space: nowrap; }
table.det { border-collapse: collapse; border-style: none; }
table.det th { text-align: left; border-width: 0; padding: 0 1px 0 0; font-size: 11px; }
table.det td { text-align: right; border-width: 0; padding: 0 0 0 4px; white-space: nowrap; font-size: 11px; }
u { text-decoration: none; border-bottom: 1px dotted black; }
div.tips { display: block; visibility: hidden; z-index: 2147483647; position: absolute;
  padding: 2px 4px 3px; background: #f0f060; color: #000000; border: 1px solid #7040c0;
  white-space: nowrap; font-size: 11px; border-radius: 3px; box-shadow: gray 2px 2px 3px; }
u:hover div.tips { visibility: visible; }
"#;

/// Digits grouped by thousands the way HAProxy's page does it: the last digit of each group
/// before a separator is letter-spaced, so `99441` reads as `99 441` and copies as `99441`.
fn num(n: u64) -> String {
    let digits = n.to_string();
    let len = digits.len();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        let left = len - i - 1;
        if left > 0 && left.is_multiple_of(3) {
            out.push_str("<span class=\"rls\">");
            out.push(c);
            out.push_str("</span>");
        } else {
            out.push(c);
        }
    }
    out
}

/// A cell's number, or nothing when the field is empty for this row.
fn cell(row: &StatRow, f: F) -> String {
    match row.get(f) {
        Value::Empty | Value::Str(_) => String::new(),
        Value::S32(v) if *v < 0 => String::new(),
        v => num(v.as_u64()),
    }
}

/// A limit cell: `-` when unlimited.
fn limit(row: &StatRow, f: F) -> String {
    match row.get(f) {
        Value::Empty => "-".into(),
        v if v.as_u64() == 0 => "-".into(),
        v => num(v.as_u64()),
    }
}

/// HAProxy's short human durations: `5s`, `1m05s`, `2h03m`, `3d04h`.
pub fn human_duration(sec: u32) -> String {
    match sec {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, (s / 60) % 60),
        s => format!("{}d{:02}h", s / 86_400, (s / 3600) % 24),
    }
}

/// The CSS class of a row.
fn row_class(row: &StatRow) -> &'static str {
    match &row.state {
        RowState::Frontend => "frontend",
        RowState::Backend(_) => "backend",
        RowState::Server { state, backup } => {
            let (active, backup_class) = match state {
                ServerState::Up => ("active_up", "backup_up"),
                ServerState::Down => ("active_down", "backup_down"),
                ServerState::NoCheck => ("active_no_check", "backup_no_check"),
                ServerState::Maint | ServerState::MaintVia(_) => ("maintain", "maintain"),
                ServerState::Drain => ("active_draining", "backup_draining"),
                ServerState::GoingDown { .. } => ("active_going_down", "backup_going_down"),
                ServerState::GoingUp { .. } => ("active_going_up", "backup_going_up"),
                ServerState::NoLb => ("active_nolb", "backup_nolb"),
            };
            if *backup {
                backup_class
            } else {
                active
            }
        }
    }
}

/// A value with a tooltip table of `(label, value)` lines.
fn with_tips(shown: &str, lines: &[(&str, String)]) -> String {
    let mut out = format!("<u>{shown}<div class=tips><table class=det>");
    for (label, value) in lines {
        let _ = write!(out, "<tr><th>{label}</th><td>{value}</td></tr>");
    }
    out.push_str("</table></div></u>");
    out
}

fn header(out: &mut String, snap: &Snapshot, opts: &PageOptions, req: &PageRequest) {
    let info = &snap.info;
    let product = html_string(if info.name.is_empty() {
        "halb"
    } else {
        &info.name
    });
    let node = opts.node.as_deref().map(html_string);
    out.push_str("<!DOCTYPE html>\n<html><head><title>Statistics Report for ");
    out.push_str(&product);
    if let Some(node) = &node {
        let _ = write!(out, " on {node}");
    }
    out.push_str("</title>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n");
    if let (Some(sec), false) = (opts.refresh_sec, req.norefresh) {
        let _ = writeln!(out, "<meta http-equiv=\"refresh\" content=\"{sec}\">");
    }
    let _ = write!(out, "<style>{STYLE}</style></head>\n<body>");
    if opts.hide_version {
        let _ = writeln!(out, "<h1>{product}</h1>");
    } else {
        let _ = writeln!(
            out,
            "<h1>{product} version {}, released {}</h1>",
            html_string(&info.version),
            html_string(&info.release_date)
        );
    }
    out.push_str("<h2>Statistics Report");
    if !opts.hide_version {
        let _ = write!(out, " for pid {}", info.pid);
    }
    if let Some(node) = &node {
        let _ = write!(out, " on {node}");
    }
    out.push_str("</h2>\n");
    if let Some(desc) = &opts.desc {
        let _ = writeln!(out, "<h2>{}</h2>", html_string(desc));
    }
    out.push_str("<hr width=\"100%\" class=\"hr\">\n");
    if let Some(st) = req.status {
        let class = if st.is_success() { "msg_ok" } else { "msg_err" };
        let _ = writeln!(
            out,
            "<p><div class={class}>{} <a class=lfsb href=\"{}\" title=\"Remove this message\">[X]</a></div>",
            st.message(),
            html_string(&view_link(opts, req, req.up_only, req.norefresh))
        );
    }
    out.push_str("<h3>&gt; General process information</h3>\n<table border=0><tr>");
    if !opts.hide_version {
        let _ = write!(
            out,
            "<td align=\"left\" nowrap width=\"1%\"><p><b>pid = </b> {} (process #1, nbproc = 1, nbthread = {})<br>\n\
             <b>uptime = </b> {}<br>\n<b>system limits:</b> ulimit-n = {}<br>\n\
             <b>maxsock = </b> {}; <b>maxconn = </b> {}; <b>maxpipes = </b> {}<br>\n\
             current conns = {}; conn rate = {}/sec<br>\nRunning tasks: {}/{}; idle = {} %<br>\n</td>",
            info.pid,
            info.nbthread,
            uptime_text(info.uptime_sec),
            info.ulimit_n,
            info.maxsock,
            info.maxconn,
            info.maxpipes,
            info.curr_conns,
            info.conn_rate,
            info.run_queue,
            info.tasks,
            info.idle_pct
        );
    }
    legend(out);
    display_options(out, opts, req);
    out.push_str("</tr></table>\n");
}

fn legend(out: &mut String) {
    out.push_str(
        "<td align=\"center\" nowrap><table class=\"lgd\"><tr>\n\
         <td class=\"active_up\">&nbsp;</td><td class=\"noborder\">active UP </td>\
         <td class=\"backup_up\">&nbsp;</td><td class=\"noborder\">backup UP </td></tr><tr>\n\
         <td class=\"active_going_down\"></td><td class=\"noborder\">active UP, going down </td>\
         <td class=\"backup_going_down\"></td><td class=\"noborder\">backup UP, going down </td></tr><tr>\n\
         <td class=\"active_going_up\"></td><td class=\"noborder\">active DOWN, going up </td>\
         <td class=\"backup_going_up\"></td><td class=\"noborder\">backup DOWN, going up </td></tr><tr>\n\
         <td class=\"active_down\"></td><td class=\"noborder\">active or backup DOWN &nbsp;</td>\
         <td class=\"active_no_check\"></td><td class=\"noborder\">not checked </td></tr><tr>\n\
         <td class=\"maintain\"></td><td class=\"noborder\" colspan=\"3\">active or backup DOWN for maintenance (MAINT) &nbsp;</td></tr><tr>\n\
         <td class=\"active_draining\"></td><td class=\"noborder\" colspan=\"3\">active or backup SOFT STOPPED for maintenance &nbsp;</td></tr></table>\n\
         Note: \"NOLB\"/\"DRAIN\" = UP with load-balancing disabled.</td>",
    );
}

/// The page's own link with the given view flags.
fn view_link(opts: &PageOptions, req: &PageRequest, up: bool, norefresh: bool) -> String {
    let mut link = opts.uri.clone();
    if up {
        link.push_str(";up");
    }
    if norefresh {
        link.push_str(";norefresh");
    }
    if let Some(scope) = &req.scope {
        link.push_str(";scope=");
        link.push_str(&percent_encode(scope));
    }
    link
}

fn display_options(out: &mut String, opts: &PageOptions, req: &PageRequest) {
    let scope = req.scope.as_deref().map(html_string).unwrap_or_default();
    let _ = writeln!(
        out,
        "<td align=\"left\" valign=\"top\" nowrap width=\"1%\"><b>Display option:</b><ul style=\"margin-top: 0.25em;\">\
         <li><form method=\"GET\">Scope : <input value=\"{scope}\" name=\"scope\" size=\"8\" maxlength=\"20\" tabindex=\"1\"/></form>"
    );
    let link = |up: bool, norefresh: bool| html_string(&view_link(opts, req, up, norefresh));
    if req.up_only {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">Show all servers</a><br>",
            link(false, req.norefresh)
        );
    } else {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">Hide 'DOWN' servers</a><br>",
            link(true, req.norefresh)
        );
    }
    if opts.refresh_sec.is_some() {
        if req.norefresh {
            let _ = writeln!(
                out,
                "<li><a href=\"{}\">Enable refresh</a><br>",
                link(req.up_only, false)
            );
        } else {
            let _ = writeln!(
                out,
                "<li><a href=\"{}\">Disable refresh</a><br>",
                link(req.up_only, true)
            );
        }
    }
    let _ = writeln!(
        out,
        "<li><a href=\"{}\">Refresh now</a><br>",
        link(req.up_only, req.norefresh)
    );
    let uri = html_string(&opts.uri);
    let _ = writeln!(
        out,
        "<li><a href=\"{uri};csv;norefresh\">CSV export</a><br>"
    );
    let _ = writeln!(
        out,
        "<li><a href=\"{uri};json;norefresh\">JSON export</a><br>"
    );
    out.push_str("</ul></td>");
}

/// The two header lines of a proxy table.
fn table_head(out: &mut String, proxy_id: &str, admin: bool, form: bool) {
    out.push_str("<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\">");
    if admin && !form {
        out.push_str("<th rowspan=2></th>");
    } else if form {
        let _ = write!(
            out,
            "<th rowspan=2 width=1><input type=\"checkbox\" title=\"Select all\" \
             onclick=\"for (const c of document.getElementsByClassName('{proxy_id}-checkbox')) c.checked = this.checked\"></th>"
        );
    }
    out.push_str(
        "<th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th>\
         <th colspan=6>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th>\
         <th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th>\
         <th colspan=2>Latency p50/p90/p99</th></tr>\n<tr class=\"titre\">\
         <th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th>\
         <th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th>\
         <th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th><th>Resp</th>\
         <th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th>\
         <th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th>\
         <th title=\"Server response time (Tr)\">Resp. (ms)</th>\
         <th title=\"Total request time (Ta)\">Total (ms)</th></tr>\n",
    );
}

/// `p50 / p90 / p99` of a timer, with count and average in a tooltip.
fn latency_cell(row: &StatRow, t: Timer) -> String {
    let s = row.timer(t);
    if s.count == 0 {
        return "<td>-</td>".into();
    }
    format!(
        "<td>{}</td>",
        with_tips(
            &format!("{} / {} / {}", s.p50, s.p90, s.p99),
            &[
                ("Samples:", num(s.count)),
                ("Average (last 1024):", format!("{} ms", s.avg)),
                ("Max:", format!("{} ms", s.max)),
            ]
        )
    )
}

/// The Sessions/Total cell with its details.
fn total_cell(row: &StatRow) -> String {
    let mut lines = vec![("Cum. sessions:", cell(row, F::Stot))];
    if row.obj == ObjType::Frontend {
        lines.insert(0, ("Cum. connections:", cell(row, F::ConnTot)));
    } else {
        lines.push(("New connections:", cell(row, F::Connect)));
        lines.push(("Reused connections:", cell(row, F::Reuse)));
    }
    if row.mode == crate::facts::ProxyMode::Http {
        lines.push(("Cum. HTTP requests:", cell(row, F::ReqTot)));
        for (label, f) in [
            ("- HTTP 1xx responses:", F::Hrsp1xx),
            ("- HTTP 2xx responses:", F::Hrsp2xx),
            ("- HTTP 3xx responses:", F::Hrsp3xx),
            ("- HTTP 4xx responses:", F::Hrsp4xx),
            ("- HTTP 5xx responses:", F::Hrsp5xx),
            ("- other responses:", F::HrspOther),
        ] {
            lines.push((label, cell(row, f)));
        }
        if row.obj == ObjType::Frontend {
            lines.push(("Intercepted requests:", cell(row, F::Intercepted)));
        }
    }
    lines.push(("Failed hdr rewrites:", cell(row, F::Wrew)));
    lines.push(("Internal errors:", cell(row, F::Eint)));
    if row.obj != ObjType::Frontend {
        for (label, avg, max) in [
            ("- Queue time:", F::Qtime, F::QtimeMax),
            ("- Connect time:", F::Ctime, F::CtimeMax),
            ("- Responses time:", F::Rtime, F::RtimeMax),
            ("- Total time:", F::Ttime, F::TtimeMax),
        ] {
            lines.push((label, format!("{} / {} ms", cell(row, max), cell(row, avg))));
        }
    }
    with_tips(&cell(row, F::Stot), &lines)
}

/// Name cell: anchor, link and (with legends) the address and id.
fn name_cell(out: &mut String, row: &StatRow, opts: &PageOptions) {
    let proxy = html_string(row.proxy());
    let (anchor, label) = match row.obj {
        ObjType::Frontend => (format!("{proxy}/Frontend"), "Frontend".to_string()),
        ObjType::Backend => (format!("{proxy}/Backend"), "Backend".to_string()),
        ObjType::Server => {
            let name = html_string(row.name());
            (format!("{proxy}/{name}"), name)
        }
    };
    let _ = write!(out, "<td class=ac><a name=\"{anchor}\"></a>");
    let link = format!("<a class=lfsb href=\"#{anchor}\">{label}</a>");
    match row.obj {
        ObjType::Server if opts.show_legends => {
            let _ = write!(
                out,
                "<u>{link}<div class=tips>addr: {}, id: {}",
                html_string(row.get(F::Addr).as_str()),
                row.sid()
            );
            if let Value::Str(c) = row.get(F::Cookie) {
                let _ = write!(out, ", cookie: '{}'", html_string(c));
            }
            out.push_str("</div></u>");
        }
        ObjType::Backend => {
            let _ = write!(
                out,
                "<u>{link}<div class=tips>balancing: {}</div></u>",
                html_string(row.get(F::Algo).as_str())
            );
        }
        _ => out.push_str(&link),
    }
    out.push_str("</td>");
}

/// The Server group for a server: Status … Thrtle.
fn server_status_cells(out: &mut String, row: &StatRow) {
    let lastchg = human_duration(row.get(F::Lastchg).as_u64() as u32);
    let status = html_string(row.get(F::Status).as_str());
    if matches!(
        row.state,
        RowState::Server {
            state: ServerState::NoCheck,
            ..
        }
    ) {
        let _ = write!(out, "<td class=ac>{lastchg} <i>{status}</i></td>");
    } else {
        let _ = write!(out, "<td class=ac>{lastchg} {status}</td>");
    }
    // LastChk: the agent's result when the agent is what holds the server down.
    let check = match row.get(F::CheckStatus) {
        Value::Str(status) => {
            let mut text = html_string(status);
            if let Value::U32(code) = row.get(F::CheckCode) {
                let _ = write!(text, "/{code}");
            }
            if !row.get(F::CheckDuration).is_empty() {
                let _ = write!(text, " in {}ms", row.get(F::CheckDuration).as_u64());
            }
            let mut desc = html_string(row.get(F::CheckDesc).as_str());
            let last = row.get(F::LastChk).as_str();
            if !last.is_empty() {
                let _ = write!(desc, ": {}", html_string(last));
            }
            format!("<td class=ac><u> {text}<div class=tips>{desc}</div></u></td>")
        }
        _ => "<td class=ac></td>".into(),
    };
    out.push_str(&check);
    let _ = write!(
        out,
        "<td class=ac>{}/{}</td><td class=ac>{}</td><td class=ac>{}</td>",
        cell(row, F::Weight),
        cell(row, F::Uweight),
        if row.get(F::Act).as_u64() != 0 {
            "Y"
        } else {
            "-"
        },
        if row.get(F::Bck).as_u64() != 0 {
            "Y"
        } else {
            "-"
        },
    );
    if row.get(F::CheckStatus).is_empty() {
        out.push_str("<td colspan=3></td>");
    } else {
        let _ = write!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td>",
            cell(row, F::Chkfail),
            cell(row, F::Chkdown),
            human_duration(row.get(F::Downtime).as_u64() as u32)
        );
    }
    match row.get(F::Throttle) {
        Value::U32(t) => {
            let _ = write!(out, "<td class=ac>{t} %</td>");
        }
        _ => out.push_str("<td class=ac>-</td>"),
    }
}

fn row_html(out: &mut String, row: &StatRow, opts: &PageOptions, form: bool) {
    let _ = write!(out, "<tr class=\"{}\">", row_class(row));
    if opts.admin {
        if form && row.obj == ObjType::Server {
            let _ = write!(
                out,
                "<td><input class=\"{}-checkbox\" type=\"checkbox\" name=\"s\" value=\"{}\"></td>",
                html_string(&checkbox_class(row.proxy())),
                html_string(row.name())
            );
        } else {
            out.push_str("<td></td>");
        }
    }
    name_cell(out, row, opts);
    // Queue.
    if row.obj == ObjType::Frontend {
        out.push_str("<td colspan=3></td>");
    } else {
        let _ = write!(
            out,
            "<td>{}</td><td>{}</td><td>{}</td>",
            cell(row, F::Qcur),
            cell(row, F::Qmax),
            if row.obj == ObjType::Server {
                limit(row, F::Qlimit)
            } else {
                String::new()
            }
        );
    }
    // Session rate.
    let rate_limit = if row.obj == ObjType::Frontend {
        limit(row, F::RateLim)
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td><td>{rate_limit}</td>",
        cell(row, F::Rate),
        cell(row, F::RateMax)
    );
    // Sessions.
    let last = match row.get(F::Lastsess) {
        Value::S32(s) if *s >= 0 => human_duration(*s as u32),
        Value::S32(_) => "never".into(),
        _ => String::new(),
    };
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{last}</td>",
        cell(row, F::Scur),
        cell(row, F::Smax),
        limit(row, F::Slim),
        total_cell(row),
        cell(row, F::Lbtot),
    );
    // Bytes, Denied, Errors, Warnings.
    let _ = write!(
        out,
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        cell(row, F::Bin),
        cell(row, F::Bout),
        cell(row, F::Dreq),
        cell(row, F::Dresp),
        cell(row, F::Ereq),
        cell(row, F::Econ),
        with_tips(
            &cell(row, F::Eresp),
            &[(
                "Connection resets during transfers:",
                format!("{} client, {} server", cell(row, F::CliAbrt), cell(row, F::SrvAbrt))
            )]
        ),
        cell(row, F::Wretr),
        cell(row, F::Wredis),
    );
    // Server group.
    match row.obj {
        ObjType::Frontend => {
            let _ = write!(
                out,
                "<td class=ac>{}</td><td class=ac colspan=8></td>",
                html_string(row.get(F::Status).as_str())
            );
        }
        ObjType::Backend => {
            let lastchg = human_duration(row.get(F::Lastchg).as_u64() as u32);
            let _ = write!(
                out,
                "<td class=ac>{lastchg} {}</td><td class=ac>&nbsp;</td><td class=ac>{}/{}</td>\
                 <td class=ac>{}</td><td class=ac>{}</td><td class=ac>&nbsp;</td><td>{}</td><td>{}</td><td></td>",
                html_string(row.get(F::Status).as_str()),
                cell(row, F::Weight),
                cell(row, F::Uweight),
                cell(row, F::Act),
                cell(row, F::Bck),
                cell(row, F::Chkdown),
                human_duration(row.get(F::Downtime).as_u64() as u32),
            );
        }
        ObjType::Server => server_status_cells(out, row),
    }
    // halb's latency columns.
    if row.obj == ObjType::Frontend {
        out.push_str("<td></td><td></td>");
    } else {
        out.push_str(&latency_cell(row, Timer::Response));
        out.push_str(&latency_cell(row, Timer::Total));
    }
    out.push_str("</tr>\n");
}

/// The class that ties a backend's checkboxes to its "select all" box: the proxy name
/// percent-encoded so any character is safe inside the JavaScript string.
fn checkbox_class(proxy: &str) -> String {
    percent_encode(proxy).replace('%', "_")
}

fn admin_form_footer(out: &mut String, iid: u32) {
    out.push_str("Choose the action to perform on the checked servers : <select name=action><option value=\"\"></option>");
    for a in AdminAction::ALL {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            a.value(),
            a.label()
        );
    }
    let _ = write!(
        out,
        "</select><input type=\"hidden\" name=\"b\" value=\"#{iid}\">&nbsp;<input type=\"submit\" value=\"Apply\"></form>"
    );
}

fn proxy_table(out: &mut String, snap: &Snapshot, proxy: &str, opts: &PageOptions) {
    let rows: Vec<&StatRow> = snap.proxy_rows(proxy).collect();
    let backend = rows.iter().find(|r| r.obj == ObjType::Backend);
    let has_servers = rows.iter().any(|r| r.obj == ObjType::Server);
    // Admin mode gives every table its checkbox column; only backends with servers get a form.
    let form = opts.admin && backend.is_some() && has_servers;
    let name = html_string(proxy);
    if form {
        out.push_str("<form method=\"post\">");
    }
    let _ = write!(
        out,
        "<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\"><th class=\"pxname\" width=\"10%\"><a name=\"{name}\"></a>"
    );
    if opts.show_legends {
        let cap = match (
            rows.iter().any(|r| r.obj == ObjType::Frontend),
            backend.is_some(),
        ) {
            (true, true) => "proxy",
            (true, false) => "frontend",
            _ => "backend",
        };
        let first = rows.first();
        let _ = write!(
            out,
            "<u><a class=px href=\"#{name}\">{name}</a><div class=tips>cap: {cap}, mode: {}, id: {}</div></u>",
            first.map_or("", |r| r.mode.as_str()),
            first.map_or(0, |r| r.iid())
        );
    } else {
        let _ = write!(out, "<a class=px href=\"#{name}\">{name}</a>");
    }
    out.push_str("</th><th class=\"empty\" width=\"90%\"></th></tr>\n</table>\n");
    table_head(out, &html_string(&checkbox_class(proxy)), opts.admin, form);
    for r in &rows {
        row_html(out, r, opts, form);
    }
    out.push_str("</table>");
    if let (true, Some(b)) = (form, backend) {
        admin_form_footer(out, b.iid());
    }
    out.push_str("<p>\n");
}

/// The whole HTML page for an already filtered snapshot (see [`render_page`]).
pub fn render(snap: &Snapshot, opts: &PageOptions, req: &PageRequest) -> String {
    let mut out = String::with_capacity(16 * 1024 + snap.rows.len() * 2048);
    header(&mut out, snap, opts, req);
    for proxy in snap.proxies() {
        proxy_table(&mut out, snap, proxy, opts);
    }
    out.push_str("</body></html>\n");
    out
}

/// Whether a backend row reads DOWN (for callers colouring summaries).
pub fn backend_is_down(row: &StatRow) -> bool {
    matches!(row.state, RowState::Backend(BackendStatus::Down))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_like_haproxy() {
        assert_eq!(num(7), "7");
        assert_eq!(num(984), "984");
        assert_eq!(num(9984), "<span class=\"rls\">9</span>984");
        assert_eq!(num(99441), "9<span class=\"rls\">9</span>441");
        assert_eq!(
            num(1234567),
            "<span class=\"rls\">1</span>23<span class=\"rls\">4</span>567"
        );
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(65), "1m05s");
        assert_eq!(human_duration(7380), "2h03m");
        assert_eq!(human_duration(273_600), "3d04h");
    }
}
