//! The whole configuration: the top-level keyword table, and the checks that need more
//! than one block (duplicate names, `track_script` references, sync group members).
//! [`Config`] is what the VRRP runtime consumes.

use crate::address::{VirtualAddress, VirtualRoute};
use crate::diag::{Diagnostic, Diags};
use crate::global_defs::{self, GlobalDefs};
use crate::keyword::{walk, Ctx, KeepsRaw, Keyword, Shape, Table};
use crate::model::Location;
use crate::model::RawStatement;
use crate::sync_group::{self, SyncGroup};
use crate::tree::Node;
use crate::virtual_server::{self, VirtualServer};
use crate::vrrp_instance::{self, VrrpInstance};
use crate::vrrp_script::{self, TrackFile, VrrpScript};
use crate::Severity;
use crate::{model::TrackRef, static_config};
use std::collections::{BTreeSet, HashMap};

/// A parsed, validated keepalived configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub global: GlobalDefs,
    /// In file order; names are unique.
    pub scripts: Vec<VrrpScript>,
    pub track_files: Vec<TrackFile>,
    /// In file order; names are unique. Every `track_script`/`track_file` of an instance
    /// names an existing script/file (unknown ones are dropped with a warning).
    pub instances: Vec<VrrpInstance>,
    /// Every member names an existing instance; an instance is in at most one group.
    pub sync_groups: Vec<SyncGroup>,
    pub static_ipaddress: Vec<VirtualAddress>,
    pub static_routes: Vec<VirtualRoute>,
    /// Parsed, not served by halb yet.
    pub virtual_servers: Vec<VirtualServer>,
    /// Other valid top-level keepalived blocks, as written.
    pub raw: Vec<RawStatement>,
}

impl Config {
    pub fn script(&self, name: &str) -> Option<&VrrpScript> {
        self.scripts.iter().find(|s| s.name == name)
    }

    pub fn instance(&self, name: &str) -> Option<&VrrpInstance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// The sync group an instance belongs to, if any.
    pub fn sync_group_of(&self, instance: &str) -> Option<&SyncGroup> {
        self.sync_groups
            .iter()
            .find(|g| g.instances.iter().any(|i| i == instance))
    }

    /// Every interface the configuration names (instance interfaces, tracked interfaces,
    /// `dev` of addresses and routes), sorted and unique. keepalived warns under `-t` and
    /// fails at start when one does not exist; the runtime does that check.
    pub fn interfaces(&self) -> Vec<String> {
        let mut set = BTreeSet::new();
        let addr_devs = |set: &mut BTreeSet<String>, a: &[VirtualAddress]| {
            set.extend(a.iter().filter_map(|a| a.dev.clone()));
        };
        let route_devs = |set: &mut BTreeSet<String>, r: &[VirtualRoute]| {
            set.extend(r.iter().filter_map(|r| r.dev.clone()));
        };
        for i in &self.instances {
            set.extend(i.interface.clone());
            set.extend(i.track_interfaces.iter().map(|t| t.name.clone()));
            addr_devs(&mut set, &i.virtual_ipaddresses);
            addr_devs(&mut set, &i.virtual_ipaddresses_excluded);
            route_devs(&mut set, &i.virtual_routes);
        }
        for g in &self.sync_groups {
            set.extend(g.track_interfaces.iter().map(|t| t.name.clone()));
        }
        addr_devs(&mut set, &self.static_ipaddress);
        route_devs(&mut set, &self.static_routes);
        set.into_iter().collect()
    }
}

/// The top level while reading: instances wait for `global_defs`, wherever it is.
#[derive(Default)]
struct Top {
    config: Config,
    instance_nodes: Vec<Node>,
}

impl KeepsRaw for Top {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement> {
        &mut self.config.raw
    }
}

static TABLE: Table<Top> = Table {
    block: "top level",
    served: &[
        Keyword::new("global_defs", Shape::Block, |c, t, n| {
            global_defs::parse(c, &mut t.config.global, n)
        }),
        Keyword::new("vrrp_script", Shape::Block, |c, t, n| {
            if let Some(s) = vrrp_script::parse(c, n) {
                if t.config.script(&s.name).is_some() {
                    c.error(n.loc, format!("vrrp_script {} already defined", s.name));
                } else {
                    t.config.scripts.push(s);
                }
            }
        }),
        Keyword::new("vrrp_track_file", Shape::Block, track_file),
        Keyword::new("track_file", Shape::Block, track_file),
        Keyword::new("vrrp_instance", Shape::Block, |_, t, n| {
            t.instance_nodes.push(n.clone())
        }),
        Keyword::new("vrrp_sync_group", Shape::Block, |c, t, n| {
            if let Some(g) = sync_group::parse(c, n) {
                if t.config.sync_groups.iter().any(|o| o.name == g.name) {
                    c.error(n.loc, format!("vrrp_sync_group {} already defined", g.name));
                } else {
                    t.config.sync_groups.push(g);
                }
            }
        }),
        Keyword::new("static_ipaddress", Shape::Block, |c, t, n| {
            let a = static_config::addresses(c, n);
            t.config.static_ipaddress.extend(a);
        }),
        Keyword::new("static_routes", Shape::Block, |c, t, n| {
            let r = static_config::routes(c, n);
            t.config.static_routes.extend(r);
        }),
        Keyword::new("virtual_server", Shape::Block, |c, t, n| {
            if let Some(vs) = virtual_server::parse(c, n) {
                t.config.virtual_servers.push(vs);
            }
        }),
    ],
    not_served: &[
        "static_rules",
        "garp_group",
        "linkbeat_interfaces",
        "interface_up_down_delays",
        "vrrp_track_process",
        "bfd_instance",
        "track_group",
        "net_namespace",
        "namespace_with_ipsets",
        "linkbeat_use_polling",
    ],
    // virtual_server_group and SSL only matter to virtual_servers, which warn already.
    accepted: &[
        "virtual_server_group",
        "SSL",
        "net_namespace_ipvs",
        "use_pid_dir",
        "instance",
        "child_wait_time",
    ],
};

fn track_file(ctx: &mut Ctx<'_>, t: &mut Top, node: &Node) {
    if let Some(f) = vrrp_script::parse_track_file(ctx, node) {
        if t.config.track_files.iter().any(|o| o.name == f.name) {
            ctx.error(node.loc, format!("track_file {} already defined", f.name));
        } else {
            t.config.track_files.push(f);
        }
    }
}

/// Builds the configuration from the statement tree.
pub(crate) fn build(nodes: &[Node], diags: &mut Diags) -> Config {
    let mut ctx = Ctx {
        diags,
        scope: String::new(),
    };
    let mut top = Top::default();
    walk(&mut ctx, &TABLE, &mut top, nodes);
    let Top {
        mut config,
        instance_nodes,
    } = top;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for node in &instance_nodes {
        let Some(inst) = vrrp_instance::parse(&mut ctx, node, &config.global) else {
            continue;
        };
        if seen.contains_key(&inst.name) {
            ctx.error(
                node.loc,
                format!("vrrp instance {} already defined", inst.name),
            );
            continue;
        }
        seen.insert(inst.name.clone(), config.instances.len());
        config.instances.push(inst);
    }
    check_references(&mut ctx, &mut config, &instance_nodes);
    config
}

fn check_references(ctx: &mut Ctx<'_>, config: &mut Config, nodes: &[Node]) {
    let scripts: BTreeSet<String> = config.scripts.iter().map(|s| s.name.clone()).collect();
    let files: BTreeSet<String> = config.track_files.iter().map(|s| s.name.clone()).collect();
    for inst in &mut config.instances {
        let scope = format!("vrrp_instance {}", inst.name);
        drop_unknown(
            ctx.diags,
            &scope,
            &mut inst.track_scripts,
            &scripts,
            "track script",
        );
        drop_unknown(
            ctx.diags,
            &scope,
            &mut inst.track_files,
            &files,
            "track file",
        );
    }
    check_vrid_conflicts(ctx.diags, config, nodes);
    check_sync_groups(ctx.diags, config, &scripts, &files);
}

/// Two instances on one interface with one VRID and address family would answer for each
/// other; keepalived refuses it too ("VI_1 and VI_2 both use VRID 51 with IPv4 on interface
/// eth0").
fn check_vrid_conflicts(diags: &mut Diags, config: &Config, nodes: &[Node]) {
    let loc_of = |name: &str| {
        nodes
            .iter()
            .find(|n| n.arg(1) == Some(name))
            .map(|n| n.loc)
            .unwrap_or_default()
    };
    for (i, a) in config.instances.iter().enumerate() {
        for b in &config.instances[..i] {
            let same_link = a.interface.is_some()
                && a.interface == b.interface
                && a.unicast_peers.is_empty()
                && b.unicast_peers.is_empty();
            if same_link && a.virtual_router_id == b.virtual_router_id && a.is_ipv6() == b.is_ipv6()
            {
                diags.error(
                    loc_of(&a.name),
                    format!(
                        "vrrp_instance {}: {} and {} both use VRID {} with {} on interface {}",
                        a.name,
                        b.name,
                        a.name,
                        a.virtual_router_id,
                        if a.is_ipv6() { "IPv6" } else { "IPv4" },
                        a.interface.as_deref().unwrap_or("")
                    ),
                );
            }
        }
    }
}

/// Sync group members must exist and belong to one group only.
fn check_sync_groups(
    diags: &mut Diags,
    config: &mut Config,
    scripts: &BTreeSet<String>,
    files: &BTreeSet<String>,
) {
    let instance_names: BTreeSet<String> =
        config.instances.iter().map(|i| i.name.clone()).collect();
    let mut member_of: HashMap<String, String> = HashMap::new();
    for g in &mut config.sync_groups {
        let scope = format!("vrrp_sync_group {}", g.name);
        let mut kept = Vec::new();
        for name in std::mem::take(&mut g.instances) {
            if !instance_names.contains(&name) {
                push_at(
                    diags,
                    &g.location,
                    Severity::Warning,
                    format!("{scope}: virtual router {name} doesn't exist - ignoring"),
                );
            } else if let Some(other) = member_of.get(&name) {
                push_at(
                    diags,
                    &g.location,
                    Severity::Error,
                    format!("{scope}: vrrp_instance {name} is already in sync group {other}"),
                );
            } else {
                member_of.insert(name.clone(), g.name.clone());
                kept.push(name);
            }
        }
        if kept.len() == 1 {
            push_at(
                diags,
                &g.location,
                Severity::Warning,
                format!("{scope} has only 1 virtual router - this probably isn't what you want"),
            );
        }
        g.instances = kept;
        drop_unknown(diags, &scope, &mut g.track_scripts, scripts, "track script");
        drop_unknown(diags, &scope, &mut g.track_files, files, "track file");
    }
}

fn push_at(diags: &mut Diags, at: &Location, severity: Severity, message: String) {
    diags.list.push(Diagnostic {
        file: at.file.clone(),
        line: at.line,
        severity,
        message,
    });
}

/// Drops references to names that do not exist, with keepalived's warning.
fn drop_unknown(
    diags: &mut Diags,
    scope: &str,
    refs: &mut Vec<TrackRef>,
    known: &BTreeSet<String>,
    what: &str,
) {
    let (kept, missing): (Vec<TrackRef>, Vec<TrackRef>) = std::mem::take(refs)
        .into_iter()
        .partition(|r| known.contains(&r.name));
    *refs = kept;
    for r in missing {
        push_at(
            diags,
            &r.location,
            Severity::Warning,
            format!("{scope}: {what} {} not found, ignoring...", r.name),
        );
    }
}

pub(crate) fn tables() -> Vec<(&'static str, Vec<(&'static str, crate::keyword::Support)>)> {
    let mut v = vec![(TABLE.block, TABLE.support())];
    v.push((global_defs::TABLE.block, global_defs::TABLE.support()));
    v.extend(vrrp_script::tables());
    v.extend(vrrp_instance::tables());
    v.extend(sync_group::tables());
    v.extend(virtual_server::tables());
    v
}
