//! Keyword tables and the walker that applies them. Each block (global_defs, vrrp_instance,
//! …) declares its keywords once, as a table of [`Keyword`]s; the walker dispatches every
//! statement of the block through it, and an unknown keyword gets keepalived's warning plus a
//! "did you mean" taken from the same table. The docs list comes from these tables too
//! ([`crate::keyword_tables`]).

use crate::diag::{Diags, Loc};
use crate::model::{Location, RawStatement};
use crate::tree::Node;

/// Parses one statement into the block's model.
pub(crate) type Handler<T> = fn(&mut Ctx<'_>, &mut T, &Node);

/// Whether a keyword takes a `{ }` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Arguments on the line, no block.
    Line,
    /// A block is required.
    Block,
    /// Either: e.g. `TCP_CHECK` with or without a body, and raw keywords of any shape.
    Either,
}

/// How halb treats a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Support {
    /// Read into the typed model and served.
    Served,
    /// Valid keepalived, kept raw; halb does not act on it and says so in a warning.
    NotServed,
    /// Valid keepalived, kept raw without warning: it changes nothing halb does.
    Accepted,
}

pub(crate) struct Keyword<T: 'static> {
    pub name: &'static str,
    pub shape: Shape,
    pub handler: Handler<T>,
}

impl<T> Keyword<T> {
    pub const fn new(name: &'static str, shape: Shape, handler: Handler<T>) -> Self {
        Keyword {
            name,
            shape,
            handler,
        }
    }
}

/// Every keyword of one block: those halb reads into the model, and those it keeps raw.
pub(crate) struct Table<T: 'static> {
    /// The block's name for docs (`vrrp_instance`, `global_defs`, ...).
    pub block: &'static str,
    pub served: &'static [Keyword<T>],
    /// Valid keepalived keywords halb keeps raw with a "not supported yet" warning, because
    /// ignoring them changes behaviour.
    pub not_served: &'static [&'static str],
    /// Valid keepalived keywords halb keeps raw silently: they change nothing halb does.
    pub accepted: &'static [&'static str],
}

impl<T> Table<T> {
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.served
            .iter()
            .map(|k| k.name)
            .chain(self.not_served.iter().copied())
            .chain(self.accepted.iter().copied())
    }

    pub fn support(&self) -> Vec<(&'static str, Support)> {
        let mut v: Vec<(&'static str, Support)> = self
            .served
            .iter()
            .map(|k| (k.name, Support::Served))
            .chain(self.not_served.iter().map(|n| (*n, Support::NotServed)))
            .chain(self.accepted.iter().map(|n| (*n, Support::Accepted)))
            .collect();
        v.sort();
        v
    }
}

/// A model block that keeps the statements it does not interpret.
pub(crate) trait KeepsRaw {
    fn raw_mut(&mut self) -> &mut Vec<RawStatement>;
}

/// What handlers report through: the diagnostics and the name of the block being read,
/// which prefixes every message (`vrrp_instance VI_1: ...`).
pub(crate) struct Ctx<'d> {
    pub diags: &'d mut Diags,
    pub scope: String,
}

impl Ctx<'_> {
    fn prefixed(&self, msg: String) -> String {
        if self.scope.is_empty() {
            msg
        } else {
            format!("{}: {msg}", self.scope)
        }
    }

    pub fn warn(&mut self, loc: Loc, msg: impl Into<String>) {
        let m = self.prefixed(msg.into());
        self.diags.warn(loc, m);
    }

    pub fn error(&mut self, loc: Loc, msg: impl Into<String>) {
        let m = self.prefixed(msg.into());
        self.diags.error(loc, m);
    }

    pub fn location(&self, loc: Loc) -> Location {
        Location {
            file: self.diags.file_name(loc),
            line: loc.line,
        }
    }

    pub fn raw(&self, node: &Node) -> RawStatement {
        RawStatement {
            keyword: node.keyword().to_string(),
            args: node.args().to_vec(),
            block: node
                .block
                .as_ref()
                .map(|b| b.iter().map(|n| self.raw(n)).collect()),
            location: self.location(node.loc),
        }
    }

    /// The argument at `i`, or an error naming what is missing.
    pub fn arg<'n>(&mut self, node: &'n Node, i: usize, what: &str) -> Option<&'n str> {
        let a = node.arg(i);
        if a.is_none() {
            self.error(
                node.loc,
                format!("'{}' is missing its {what}", node.keyword()),
            );
        }
        a
    }

    /// Runs `f` with `scope` as the message prefix, restoring the previous one after.
    pub fn scoped<R>(&mut self, scope: String, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = std::mem::replace(&mut self.scope, scope);
        let r = f(self);
        self.scope = saved;
        r
    }
}

/// Applies `table` to every statement of a block.
pub(crate) fn walk<T: KeepsRaw>(
    ctx: &mut Ctx<'_>,
    table: &Table<T>,
    target: &mut T,
    nodes: &[Node],
) {
    for node in nodes {
        let name = node.keyword();
        if let Some(k) = table.served.iter().find(|k| k.name == name) {
            match (k.shape, node.block.is_some()) {
                (Shape::Line, true) => {
                    ctx.error(node.loc, format!("'{name}' does not take a '{{ }}' block"));
                    continue;
                }
                (Shape::Block, false) => {
                    ctx.error(node.loc, format!("'{name}' needs a '{{ }}' block"));
                    continue;
                }
                _ => {}
            }
            (k.handler)(ctx, target, node);
        } else if table.not_served.contains(&name) {
            ctx.warn(
                node.loc,
                format!("'{name}' is not supported yet by halb - ignored"),
            );
            let raw = ctx.raw(node);
            target.raw_mut().push(raw);
        } else if table.accepted.contains(&name) {
            let raw = ctx.raw(node);
            target.raw_mut().push(raw);
        } else {
            unknown(ctx, node, table.names());
        }
    }
}

/// keepalived's "Unknown keyword" warning, with a suggestion when a keyword is close.
pub(crate) fn unknown<'a>(ctx: &mut Ctx<'_>, node: &Node, names: impl Iterator<Item = &'a str>) {
    let name = node.keyword();
    let msg = match suggest(name, names) {
        Some(s) => format!("unknown keyword '{name}' (did you mean '{s}'?)"),
        None => format!("unknown keyword '{name}'"),
    };
    let msg = if node.block.is_some() {
        format!("{msg} - its block is ignored")
    } else {
        msg
    };
    ctx.warn(node.loc, msg);
}

/// The closest name within a small edit distance (transpositions count as one edit).
pub(crate) fn suggest<'a>(word: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = match word.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    let lower = word.to_ascii_lowercase();
    names
        .map(|n| (osa_distance(&lower, &n.to_ascii_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits).
pub(crate) fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_typos() {
        let names = ["priority", "preempt_delay", "virtual_router_id", "state"];
        assert_eq!(suggest("priorty", names.iter().copied()), Some("priority"));
        assert_eq!(suggest("prioirty", names.iter().copied()), Some("priority"));
        assert_eq!(
            suggest("virtual_routerid", names.iter().copied()),
            Some("virtual_router_id")
        );
        assert_eq!(suggest("zzz", names.iter().copied()), None);
        assert_eq!(osa_distance("ab", "ba"), 1);
        assert_eq!(osa_distance("", "abc"), 3);
    }
}
