//! `vrrp_script NAME { ... }`: a health-check command run every `interval`; instances and
//! sync groups that `track_script` it change priority by its weight, or go to FAULT.
//! Also `vrrp_track_file NAME { file PATH; weight N; init_file }`, the file-based equivalent.

use crate::global_defs::ScriptUser;
use crate::keyword::{walk, Ctx, KeepsRaw, Keyword, Shape, Table};
use crate::model::{Location, RawStatement, ScriptCommand};
use crate::tree::Node;
use crate::value::{flag, int, script_command, uint_arg};
use std::time::Duration;

/// One `vrrp_script` block, keepalived's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpScript {
    pub name: String,
    pub script: ScriptCommand,
    /// Seconds between runs; default 1s (whole seconds, as keepalived reads it).
    pub interval: Duration,
    /// `None`: no own timeout; the runtime gives the script `interval` (keepalived's 0).
    pub timeout: Option<Duration>,
    /// -253..=253; 0 means a failing script puts tracking instances in FAULT.
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// Consecutive successes before the script counts as up (default 1).
    pub rise: u32,
    /// Consecutive failures before it counts as down (default 1).
    pub fall: u32,
    /// `user USER [GROUP]`; `None`: `global_defs` `script_user`.
    pub user: Option<ScriptUser>,
    /// Start in the failed state instead of the good one.
    pub init_fail: bool,
    pub location: Location,
    pub raw: Vec<RawStatement>,
}

/// While reading: the command is optional until the block ends.
#[derive(Debug, Default)]
struct Draft {
    script: Option<ScriptCommand>,
    interval: Option<Duration>,
    timeout: Option<Duration>,
    weight: i32,
    weight_reverse: bool,
    rise: Option<u32>,
    fall: Option<u32>,
    user: Option<ScriptUser>,
    init_fail: bool,
    raw: Vec<RawStatement>,
}

impl KeepsRaw for Draft {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}

/// Parses a `vrrp_script` block. A script without `script` is dropped with a warning, as
/// keepalived does ("No script set for vrrp_script X - removing").
pub(crate) fn parse(ctx: &mut Ctx<'_>, node: &Node) -> Option<VrrpScript> {
    let name = ctx.arg(node, 1, "name").map(str::to_string)?;
    let mut d = Draft::default();
    ctx.scoped(format!("vrrp_script {name}"), |ctx| {
        walk(ctx, &TABLE, &mut d, node.children());
        if d.script.is_none() {
            ctx.warn(node.loc, "no script set - vrrp_script removed");
        }
    });
    let script = d.script?;
    Some(VrrpScript {
        name,
        script,
        interval: d.interval.unwrap_or(Duration::from_secs(1)),
        timeout: d.timeout,
        weight: d.weight,
        weight_reverse: d.weight_reverse,
        rise: d.rise.unwrap_or(1),
        fall: d.fall.unwrap_or(1),
        user: d.user,
        init_fail: d.init_fail,
        location: ctx.location(node.loc),
        raw: d.raw,
    })
}

const MAX_SECS: u64 = 86_400 * 365;

fn seconds_at_least_one(ctx: &mut Ctx<'_>, node: &Node) -> Option<Duration> {
    let v = uint_arg(ctx, node, 0, MAX_SECS)?;
    if v == 0 {
        ctx.warn(
            node.loc,
            format!("{} must be greater than 0, setting to 1", node.keyword()),
        );
    }
    Some(Duration::from_secs(v.max(1)))
}

static TABLE: Table<Draft> = Table {
    block: "vrrp_script",
    served: &[
        Keyword::new("script", Shape::Line, |c, d, n| {
            d.script = script_command(c, n)
        }),
        Keyword::new("interval", Shape::Line, |c, d, n| {
            if let Some(v) = seconds_at_least_one(c, n) {
                d.interval = Some(v);
            }
        }),
        Keyword::new("timeout", Shape::Line, |c, d, n| {
            if let Some(v) = seconds_at_least_one(c, n) {
                d.timeout = Some(v);
            }
        }),
        Keyword::new("weight", Shape::Line, weight),
        Keyword::new("rise", Shape::Line, |c, d, n| {
            d.rise = uint_arg(c, n, 1, i32::MAX as u64).map(|v| v as u32)
        }),
        Keyword::new("fall", Shape::Line, |c, d, n| {
            d.fall = uint_arg(c, n, 1, i32::MAX as u64).map(|v| v as u32)
        }),
        Keyword::new("user", Shape::Line, |c, d, n| {
            if let Some(user) = c.arg(n, 1, "user name") {
                d.user = Some(ScriptUser {
                    user: user.to_string(),
                    group: n.arg(2).map(str::to_string),
                });
            }
        }),
        Keyword::new("init_fail", Shape::Line, |c, d, n| d.init_fail = flag(c, n)),
    ],
    not_served: &[],
    accepted: &[],
};

fn weight(ctx: &mut Ctx<'_>, d: &mut Draft, node: &Node) {
    let Some(w) = ctx.arg(node, 1, "weight") else {
        return;
    };
    match int(w, -253, 253) {
        Ok(v) => d.weight = v as i32,
        Err(_) => {
            ctx.error(node.loc, format!("weight {w} must be in [-253, 253]"));
            return;
        }
    }
    match node.arg(2) {
        None => {}
        Some("reverse") => d.weight_reverse = true,
        Some(other) => ctx.error(node.loc, format!("unknown weight option {other}")),
    }
}

/// One `vrrp_track_file` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackFile {
    pub name: String,
    pub file: String,
    /// Multiplier for the number read from the file (default 1).
    pub weight: i32,
    pub weight_reverse: bool,
    /// `init_file [VALUE] [overwrite]` as written, when present.
    pub init_file: Option<Vec<String>>,
    pub location: Location,
    pub raw: Vec<RawStatement>,
}

#[derive(Debug, Default)]
struct TrackFileDraft {
    file: Option<String>,
    weight: Option<i32>,
    weight_reverse: bool,
    init_file: Option<Vec<String>>,
    raw: Vec<RawStatement>,
}

impl KeepsRaw for TrackFileDraft {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}

static TRACK_FILE_TABLE: Table<TrackFileDraft> = Table {
    block: "vrrp_track_file",
    served: &[
        Keyword::new("file", Shape::Line, |c, d, n| {
            d.file = c.arg(n, 1, "path").map(str::to_string)
        }),
        Keyword::new("weight", Shape::Line, |c, d, n| {
            let Some(w) = c.arg(n, 1, "weight") else {
                return;
            };
            match int(w, -254, 254) {
                Ok(v) => d.weight = Some(v as i32),
                Err(e) => c.error(n.loc, format!("weight: {e}")),
            }
            if n.arg(2) == Some("reverse") {
                d.weight_reverse = true;
            }
        }),
        Keyword::new("init_file", Shape::Line, |_, d, n| {
            d.init_file = Some(n.args().to_vec())
        }),
    ],
    not_served: &[],
    accepted: &[],
};

pub(crate) fn parse_track_file(ctx: &mut Ctx<'_>, node: &Node) -> Option<TrackFile> {
    let name = ctx.arg(node, 1, "name")?.to_string();
    let mut d = TrackFileDraft::default();
    ctx.scoped(format!("{} {name}", node.keyword()), |ctx| {
        walk(ctx, &TRACK_FILE_TABLE, &mut d, node.children());
        if d.file.is_none() {
            ctx.warn(node.loc, "no file set - track file removed");
        }
    });
    Some(TrackFile {
        name,
        file: d.file?,
        weight: d.weight.unwrap_or(1),
        weight_reverse: d.weight_reverse,
        init_file: d.init_file,
        location: ctx.location(node.loc),
        raw: d.raw,
    })
}

/// Names of the keyword tables, for documentation.
pub(crate) fn tables() -> Vec<(&'static str, Vec<(&'static str, crate::keyword::Support)>)> {
    vec![
        (TABLE.block, TABLE.support()),
        (TRACK_FILE_TABLE.block, TRACK_FILE_TABLE.support()),
    ]
}
