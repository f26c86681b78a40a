//! `vrrp_sync_group NAME { group { INSTANCE... } ... }`: instances that change state
//! together; with its own notify scripts and tracking.

use crate::keyword::{walk, Ctx, KeepsRaw, Keyword, Shape, Table};
use crate::model::{Location, RawStatement, TrackRef};
use crate::tree::Node;
use crate::value::{flag, script_command};
use crate::vrrp_instance::{track_refs, NotifyScripts};

/// One `vrrp_sync_group`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncGroup {
    pub name: String,
    /// Names of the member `vrrp_instance`s (checked to exist).
    pub instances: Vec<String>,
    pub notify: NotifyScripts,
    pub smtp_alert: bool,
    pub track_interfaces: Vec<TrackRef>,
    pub track_scripts: Vec<TrackRef>,
    pub track_files: Vec<TrackRef>,
    pub location: Location,
    pub raw: Vec<RawStatement>,
}

impl KeepsRaw for SyncGroup {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.raw
    }
}

pub(crate) fn parse(ctx: &mut Ctx<'_>, node: &Node) -> Option<SyncGroup> {
    let name = ctx.arg(node, 1, "name")?.to_string();
    let mut g = SyncGroup {
        name: name.clone(),
        location: ctx.location(node.loc),
        ..SyncGroup::default()
    };
    ctx.scoped(format!("vrrp_sync_group {name}"), |ctx| {
        walk(ctx, &TABLE, &mut g, node.children())
    });
    Some(g)
}

static TABLE: Table<SyncGroup> = Table {
    block: "vrrp_sync_group",
    served: &[
        Keyword::new("group", Shape::Block, |_, g, n| {
            for line in n.children() {
                g.instances.extend(line.words.iter().cloned());
            }
        }),
        Keyword::new("notify_master", Shape::Line, |c, g, n| {
            g.notify.master = script_command(c, n)
        }),
        Keyword::new("notify_backup", Shape::Line, |c, g, n| {
            g.notify.backup = script_command(c, n)
        }),
        Keyword::new("notify_fault", Shape::Line, |c, g, n| {
            g.notify.fault = script_command(c, n)
        }),
        Keyword::new("notify_stop", Shape::Line, |c, g, n| {
            g.notify.stop = script_command(c, n)
        }),
        Keyword::new("notify", Shape::Line, |c, g, n| {
            g.notify.any = script_command(c, n)
        }),
        Keyword::new("smtp_alert", Shape::Line, |c, g, n| {
            g.smtp_alert = flag(c, n)
        }),
        Keyword::new("track_interface", Shape::Block, |c, g, n| {
            g.track_interfaces.extend(track_refs(c, n))
        }),
        Keyword::new("track_script", Shape::Block, |c, g, n| {
            g.track_scripts.extend(track_refs(c, n))
        }),
        Keyword::new("track_file", Shape::Block, |c, g, n| {
            g.track_files.extend(track_refs(c, n))
        }),
    ],
    not_served: &[
        "track_process",
        "track_bfd",
        "global_tracking",
        "sync_group_tracking_weight",
        "notify_priority_changes",
    ],
    accepted: &[],
};

pub(crate) fn tables() -> Vec<(&'static str, Vec<(&'static str, crate::keyword::Support)>)> {
    vec![(TABLE.block, TABLE.support())]
}
