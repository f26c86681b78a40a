//! Keyword tables, grouped by feature: every keyword is declared once with the sections it is
//! valid in, whether halb acts on it yet, and its parser. The "unknown keyword, did you mean"
//! message and the compatibility table in `docs/` come from these same tables.

mod balance;
mod bind;
mod checks;
mod cookie;
mod docs;
mod errors;
mod global;
mod log;
mod options;
mod proxy;
mod rules;
mod server;
mod stats;
mod timeouts;
mod userlist;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::diag::{Diagnostic, Location};
use crate::model::{Global, Proxy, Userlist};

pub(crate) use bind::new_bind;
pub use bind::{BIND_FLAGS, BIND_VALUE_OPTIONS};
pub use docs::compat_markdown;
pub(crate) use rules::removed_keyword;
pub use server::{SERVER_FLAGS, SERVER_VALUE_OPTIONS};

/// The sections a keyword may appear in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope(u8);

impl Scope {
    pub const GLOBAL: Scope = Scope(1);
    pub const DEFAULTS: Scope = Scope(2);
    pub const FRONTEND: Scope = Scope(4);
    pub const LISTEN: Scope = Scope(8);
    pub const BACKEND: Scope = Scope(16);
    pub const USERLIST: Scope = Scope(32);
    /// Defaults, frontend, listen, backend.
    pub const ALL_PROXIES: Scope = Scope(2 | 4 | 8 | 16);
    /// Defaults, frontend, listen.
    pub const FE: Scope = Scope(2 | 4 | 8);
    /// Defaults, listen, backend.
    pub const BE: Scope = Scope(2 | 8 | 16);
    /// Frontend, listen (not defaults).
    pub const FE_ONLY: Scope = Scope(4 | 8);
    /// Listen, backend (not defaults).
    pub const BE_ONLY: Scope = Scope(8 | 16);
    /// Frontend, listen, backend (not defaults).
    pub const PROXIES_ONLY: Scope = Scope(4 | 8 | 16);

    pub const fn contains(self, other: Scope) -> bool {
        self.0 & other.0 == other.0
    }
}

/// How far halb honours a keyword today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Fully acted on.
    Yes,
    /// Acted on, with a limit the note explains (also shown in the docs table).
    Partial(&'static str),
    /// Accepted and kept in the model, but nothing acts on it yet: a warning says so.
    NotYet,
}

pub(crate) type GlobalFn = fn(&mut Global, &mut Ctx<'_>, &[String]) -> Result<(), String>;
pub(crate) type ProxyFn = fn(&mut Proxy, &mut Ctx<'_>, &[String]) -> Result<(), String>;
pub(crate) type UserlistFn = fn(&mut Userlist, &mut Ctx<'_>, &[String]) -> Result<(), String>;

#[derive(Clone, Copy)]
pub(crate) enum Handler {
    Global(GlobalFn),
    Proxy(ProxyFn),
    Userlist(UserlistFn),
    /// Recognised; nothing to store.
    Accept,
}

/// One keyword of the configuration language.
#[derive(Clone, Copy)]
pub struct Keyword {
    /// The full name, several words for families such as `timeout client` or `option httplog`.
    pub name: &'static str,
    pub scope: Scope,
    pub support: Support,
    /// Whether `no KEYWORD` (and `default KEYWORD`) is accepted.
    pub negatable: bool,
    pub(crate) handler: Handler,
}

impl Keyword {
    pub(crate) const fn new(
        name: &'static str,
        scope: Scope,
        support: Support,
        handler: Handler,
    ) -> Self {
        Keyword {
            name,
            scope,
            support,
            negatable: false,
            handler,
        }
    }

    pub(crate) const fn negatable(mut self) -> Self {
        self.negatable = true;
        self
    }
}

/// Families whose second word selects the keyword; an unknown member gets a family message.
pub(crate) const FAMILIES: &[&str] = &[
    "option",
    "timeout",
    "stats",
    "http-check",
    "tcp-check",
    "capture",
    "email-alert",
    "monitor",
    "stick",
    "external-check",
    "persist",
    "rate-limit",
    "declare",
    "tcp-request",
    "tcp-response",
];

/// What a keyword parser can see and say besides the section it fills.
pub(crate) struct Ctx<'a> {
    pub loc: Location,
    /// `no` (or `default`) came before the keyword.
    pub negated: bool,
    /// The section's name, for messages such as `'server app/web1'`.
    pub section_name: String,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub fn warn(&mut self, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(Some(self.loc.clone()), msg));
    }
}

/// Every keyword of every feature table.
pub fn all() -> &'static [Keyword] {
    static ALL: OnceLock<Vec<Keyword>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        for table in [
            global::KEYWORDS,
            global::NOT_YET,
            proxy::KEYWORDS,
            proxy::NOT_YET,
            bind::KEYWORDS,
            server::KEYWORDS,
            balance::KEYWORDS,
            timeouts::KEYWORDS,
            options::KEYWORDS,
            options::NOT_YET,
            checks::KEYWORDS,
            checks::STEPS,
            cookie::KEYWORDS,
            errors::KEYWORDS,
            log::KEYWORDS,
            rules::KEYWORDS,
            stats::KEYWORDS,
            userlist::KEYWORDS,
        ] {
            v.extend_from_slice(table);
        }
        v
    })
}

fn index() -> &'static HashMap<&'static str, Vec<&'static Keyword>> {
    static IDX: OnceLock<HashMap<&'static str, Vec<&'static Keyword>>> = OnceLock::new();
    IDX.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<&'static Keyword>> = HashMap::new();
        for k in all() {
            m.entry(k.name).or_default().push(k);
        }
        m
    })
}

/// The outcome of looking up a line's first words.
pub(crate) enum Lookup {
    /// A keyword valid in the scope, and how many words its name took.
    Found(&'static Keyword, usize),
    /// The keyword exists, but not in this scope; all its declarations are given.
    WrongScope(&'static [&'static Keyword], usize),
    Unknown,
}

/// Finds the keyword that starts `words` (longest name first: three, two, one word).
pub(crate) fn lookup(words: &[String], scope: Scope) -> Lookup {
    let idx = index();
    for n in (1..=words.len().min(3)).rev() {
        let mut name = words[..n].join(" ");
        // `http-check set-var(check.x) ...`: the word with parentheses names the keyword
        // without them, and stays the first argument so its parenthesised part is kept.
        let mut used = n;
        if n > 1 && !idx.contains_key(name.as_str()) {
            if let Some(p) = name.rfind('(') {
                name.truncate(p);
                used = n - 1;
            }
        }
        if let Some(list) = idx.get(name.as_str()) {
            if let Some(k) = list.iter().find(|k| k.scope.contains(scope)) {
                return Lookup::Found(k, used);
            }
            return Lookup::WrongScope(list.as_slice(), used);
        }
    }
    Lookup::Unknown
}

/// Keyword names valid in `scope` whose first word is `first` (for family suggestions), or all
/// first words valid in `scope` when `first` is `None`.
pub(crate) fn candidates(scope: Scope, family: Option<&str>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for k in all().iter().filter(|k| k.scope.contains(scope)) {
        let mut parts = k.name.splitn(2, ' ');
        let first = parts.next().unwrap_or("");
        let cand = match family {
            None => first,
            Some(f) if f == first => parts.next().unwrap_or(""),
            Some(_) => continue,
        };
        if !cand.is_empty() && !out.contains(&cand) {
            out.push(cand);
        }
    }
    out
}

/// The closest candidate to `word`, if close enough to be a likely typo.
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.len() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

/// Damerau-Levenshtein distance (optimal string alignment): a swap of two neighbours is one edit.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Helpers shared by the feature tables.
pub(crate) mod args {
    /// The single argument a keyword takes.
    pub fn one<'a>(kw: &str, args: &'a [String]) -> Result<&'a str, String> {
        match args {
            [a] => Ok(a),
            [] => Err(format!("'{kw}' expects an argument")),
            _ => Err(format!(
                "'{kw}' expects exactly one argument, got {}",
                args.len()
            )),
        }
    }

    /// No argument at all.
    pub fn none(kw: &str, args: &[String]) -> Result<(), String> {
        if args.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "'{kw}' takes no argument, got '{}'",
                args.join(" ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("nbthred", "nbthread"), 1);
        assert_eq!(edit_distance("wieght", "weight"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("nbthred", &["nbthread", "maxconn"]),
            Some("nbthread")
        );
        assert_eq!(suggest("zzzzzz", &["nbthread", "maxconn"]), None);
    }

    #[test]
    fn every_keyword_is_declared_once_per_scope() {
        let mut seen = std::collections::HashSet::new();
        for k in all() {
            for bit in 0..6 {
                let s = Scope(1 << bit);
                if k.scope.contains(s) {
                    assert!(
                        seen.insert((k.name, bit)),
                        "keyword '{}' declared twice for one section",
                        k.name
                    );
                }
            }
        }
    }

    #[test]
    fn longest_name_wins() {
        let w: Vec<String> = ["timeout", "client", "5s"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        match lookup(&w, Scope::FRONTEND) {
            Lookup::Found(k, n) => {
                assert_eq!(k.name, "timeout client");
                assert_eq!(n, 2);
            }
            _ => panic!("timeout client not found"),
        }
    }
}
