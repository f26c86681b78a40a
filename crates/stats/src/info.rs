//! `show info` (plain `Name: value` lines), `show info typed` and `show info json`: HAProxy
//! 2.6.12's process fields at their positions, filled from [`ProcessInfo`]; the fields halb has
//! no equivalent for (SSL, pools, peers, compression) report 0 as an idle HAProxy does.

use crate::facts::ProcessInfo;
use crate::json;
use crate::value::{Tags, Value};

/// One `show info` line: position, name, tags, value.
pub struct InfoField {
    pub pos: u32,
    pub name: &'static str,
    pub tags: Tags,
    pub value: Value,
}

/// `0d 0h00m11s`, HAProxy's `Uptime`.
pub fn uptime_text(sec: u32) -> String {
    format!(
        "{}d {}h{:02}m{:02}s",
        sec / 86_400,
        (sec / 3600) % 24,
        (sec / 60) % 60,
        sec % 60
    )
}

/// Every field in position order; empty values (no `description`) are kept as
/// [`Value::Empty`] and skipped by the renderers.
pub fn fields(i: &ProcessInfo) -> Vec<InfoField> {
    let s = |v: &str| Value::Str(v.to_string());
    let u = Value::U32;
    let opt = |v: &str| {
        if v.is_empty() {
            Value::Empty
        } else {
            Value::Str(v.to_string())
        }
    };
    let list: Vec<(u32, &'static str, &'static str, Value)> = vec![
        (0, "Name", "POS", s(&i.name)),
        (1, "Version", "POS", s(&i.version)),
        (2, "Release_date", "POS", s(&i.release_date)),
        (3, "Nbthread", "CGS", u(i.nbthread)),
        (4, "Nbproc", "CGS", u(1)),
        (5, "Process_num", "KGP", u(1)),
        (6, "Pid", "SGP", u(i.pid)),
        (7, "Uptime", "MDP", s(&uptime_text(i.uptime_sec))),
        (8, "Uptime_sec", "MDP", u(i.uptime_sec)),
        (9, "Memmax_MB", "CLP", u(0)),
        (10, "PoolAlloc_MB", "MGP", u(0)),
        (11, "PoolUsed_MB", "MGP", u(0)),
        (12, "PoolFailed", "MCP", u(0)),
        (13, "Ulimit-n", "CLP", u(i.ulimit_n)),
        (14, "Maxsock", "CLP", u(i.maxsock)),
        (15, "Maxconn", "CLP", u(i.maxconn)),
        (16, "Hard_maxconn", "CLP", u(i.hard_maxconn)),
        (17, "CurrConns", "MGP", u(i.curr_conns)),
        (18, "CumConns", "MCP", u(i.cum_conns)),
        (19, "CumReq", "MCP", u(i.cum_req)),
        (20, "MaxSslConns", "MMP", u(0)),
        (21, "CurrSslConns", "MGP", u(0)),
        (22, "CumSslConns", "MCP", u(0)),
        (23, "Maxpipes", "CLP", u(i.maxpipes)),
        (24, "PipesUsed", "MGP", u(0)),
        (25, "PipesFree", "MGP", u(0)),
        (26, "ConnRate", "MRP", u(i.conn_rate)),
        (27, "ConnRateLimit", "CLP", u(i.conn_rate_limit)),
        (28, "MaxConnRate", "MMP", u(i.max_conn_rate)),
        (29, "SessRate", "MRP", u(i.sess_rate)),
        (30, "SessRateLimit", "CLP", u(i.sess_rate_limit)),
        (31, "MaxSessRate", "MRP", u(i.max_sess_rate)),
        (32, "SslRate", "MRP", u(0)),
        (33, "SslRateLimit", "CLP", u(0)),
        (34, "MaxSslRate", "MMP", u(0)),
        (35, "SslFrontendKeyRate", "MGP", u(0)),
        (36, "SslFrontendMaxKeyRate", "MMP", u(0)),
        (37, "SslFrontendSessionReuse_pct", "MGP", u(0)),
        (38, "SslBackendKeyRate", "MRP", u(0)),
        (39, "SslBackendMaxKeyRate", "MMP", u(0)),
        (40, "SslCacheLookups", "MCP", u(0)),
        (41, "SslCacheMisses", "MCP", u(0)),
        (42, "CompressBpsIn", "MRP", u(0)),
        (43, "CompressBpsOut", "MRP", u(0)),
        (44, "CompressBpsRateLim", "CLP", u(0)),
        (47, "Tasks", "MGP", u(i.tasks)),
        (48, "Run_queue", "MGP", u(i.run_queue)),
        (49, "Idle_pct", "MaP", u(i.idle_pct)),
        (50, "node", "COS", s(&i.node)),
        (51, "description", "COS", opt(&i.description)),
        (52, "Stopping", "MGP", u(u32::from(i.stopping))),
        (53, "Jobs", "MGP", u(i.jobs)),
        (54, "Unstoppable Jobs", "MGP", u(0)),
        (55, "Listeners", "MGP", u(i.listeners)),
        (56, "ActivePeers", "MGP", u(0)),
        (57, "ConnectedPeers", "MGP", u(0)),
        (58, "DroppedLogs", "MGP", u(i.dropped_logs)),
        (59, "BusyPolling", "MGP", u(0)),
        (60, "FailedResolutions", "MGP", u(0)),
        (61, "TotalBytesOut", "MGP", Value::U64(i.total_bytes_out)),
        (62, "TotalSplicdedBytesOut", "MGP", Value::U64(0)),
        (63, "BytesOutRate", "MRP", Value::U64(i.bytes_out_rate)),
        (64, "DebugCommandsIssued", "MGP", u(0)),
        (65, "CumRecvLogs", "MCP", u(0)),
        (66, "Build info", "POS", s(&i.version)),
        (67, "Memmax_bytes", "CLP", u(0)),
        (68, "PoolAlloc_bytes", "MGP", Value::U64(0)),
        (69, "PoolUsed_bytes", "MGP", Value::U64(0)),
        (70, "Start_time_sec", "MDP", u(i.start_time_sec)),
        (71, "Tainted", "SGP", s("0")),
    ];
    list.into_iter()
        .map(|(pos, name, tags, value)| InfoField {
            pos,
            name,
            tags: Tags::from_code(tags),
            value,
        })
        .collect()
}

/// `show info`: `Name: value` lines (the CLI adds its closing blank line).
pub fn render(i: &ProcessInfo) -> String {
    let mut out = String::new();
    for f in fields(i).iter().filter(|f| !f.value.is_empty()) {
        out.push_str(&format!(
            "{}: {}\n",
            f.name,
            crate::escape::one_line(&f.value.to_string())
        ));
    }
    out
}

/// `show info typed`: `<pos>.<name>.1:<tags>:<type>:<value>` lines.
pub fn render_typed(i: &ProcessInfo) -> String {
    let mut out = String::new();
    for f in fields(i) {
        let Some(ty) = f.value.type_name() else {
            continue;
        };
        let [o, n, s] = f.tags.code();
        out.push_str(&format!(
            "{}.{}.1:{o}{n}{s}:{ty}:{}\n",
            f.pos,
            f.name,
            crate::escape::one_line(&f.value.to_string())
        ));
    }
    out
}

/// `show info json`: an array of field objects, newline-terminated.
pub fn render_json(i: &ProcessInfo) -> String {
    let mut out = String::from("[");
    let mut first = true;
    for f in fields(i).iter().filter(|f| !f.value.is_empty()) {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&format!(
            "{{\"field\":{{\"pos\":{},\"name\":\"{}\"}},\"processNum\":1,",
            f.pos, f.name
        ));
        json::tags(&mut out, f.tags);
        json::value(&mut out, &f.value);
        out.push('}');
    }
    out.push_str("]\n");
    out
}
