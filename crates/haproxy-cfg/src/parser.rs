//! The section state machine: feeds each live line to the keyword tables, opens sections,
//! applies `defaults` (anonymous, named, and `from NAME`) exactly as HAProxy 2.6 does.

use std::sync::Arc;

use crate::cond::{self, CondStack};
use crate::diag::{Diagnostic, Location};
use crate::keywords::{self, Ctx, Handler, Keyword, Lookup, Scope, Support};
use crate::lex::{split_words, Env, LineContext};
use crate::model::{
    Balance, Capabilities, CheckConfig, Global, HttpReuse, Mode, Proxy, ProxyOptions, SectionKind,
    ServerDefaults, Timeouts, Userlist,
};

/// Sections HAProxy has that halb does not serve yet: their content is skipped with one warning.
const UNSUPPORTED_SECTIONS: &[&str] = &[
    "peers",
    "mailers",
    "resolvers",
    "program",
    "http-errors",
    "ring",
    "cache",
    "log-forward",
    "fcgi-app",
    "dynamic-update",
    "namespace_list",
    "traces",
    "crt-store",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Global,
    Defaults(usize),
    Proxy(usize),
    Userlist(usize),
    Unsupported,
}

/// A `defaults` section: a template proxy and how it has been used.
struct DefaultsEntry {
    name: Option<String>,
    proxy: Proxy,
    location: Location,
    explicitly_referenced: bool,
}

/// Reads configuration files one after the other, then builds the model.
pub struct ConfigParser<'e> {
    env: &'e dyn Env,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) global: Global,
    defaults: Vec<DefaultsEntry>,
    last_defaults: Option<usize>,
    pub(crate) proxies: Vec<Proxy>,
    pub(crate) userlists: Vec<Userlist>,
    section: Section,
    /// Proxies that implicitly used a defaults section, to detect HAProxy's ambiguity error.
    implicit_users: Vec<(usize, Location)>,
    pub(crate) files: Vec<Arc<str>>,
}

/// The proxy every `defaults` section starts from: HAProxy's built-in defaults.
pub(crate) fn builtin_defaults(location: Location) -> Proxy {
    Proxy {
        name: String::new(),
        kind: SectionKind::Backend,
        cap: Capabilities::default(),
        location,
        mode: Mode::Tcp,
        disabled: false,
        id: None,
        binds: Vec::new(),
        maxconn: None,
        fullconn: None,
        backlog: None,
        timeouts: Timeouts::default(),
        retries: 3,
        options: ProxyOptions::default(),
        http_reuse: HttpReuse::Safe,
        balance: Balance::default(),
        hash_type: None,
        hash_balance_factor: None,
        default_server: ServerDefaults::default(),
        servers: Vec::new(),
        cookie: None,
        default_backend: None,
        use_backends: Vec::new(),
        rule_lines: Vec::new(),
        errorfiles: Vec::new(),
        logs: Vec::new(),
        log_format: None,
        log_format_location: None,
        log_format_sd: None,
        unique_id_format: None,
        unique_id_format_location: None,
        unique_id_header: None,
        log_tag: None,
        captures: Vec::new(),
        stats: None,
        checks: CheckConfig::default(),
        monitor_uri: None,
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn kind_word(k: SectionKind) -> &'static str {
    match k {
        SectionKind::Frontend => "frontend",
        SectionKind::Backend => "backend",
        SectionKind::Listen => "listen",
    }
}

impl<'e> ConfigParser<'e> {
    pub fn new(env: &'e dyn Env) -> Self {
        ConfigParser {
            env,
            diags: Vec::new(),
            global: Global::default(),
            defaults: Vec::new(),
            last_defaults: None,
            proxies: Vec::new(),
            userlists: Vec::new(),
            section: Section::None,
            implicit_users: Vec::new(),
            files: Vec::new(),
        }
    }

    fn alert(&mut self, loc: &Location, msg: impl Into<String>) {
        self.diags.push(Diagnostic::alert(Some(loc.clone()), msg));
    }

    fn warn(&mut self, loc: &Location, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(Some(loc.clone()), msg));
    }

    fn section_label(&self) -> String {
        match self.section {
            Section::None => String::new(),
            Section::Global => "global".into(),
            Section::Defaults(i) => self.defaults[i]
                .name
                .clone()
                .unwrap_or_else(|| "defaults".into()),
            Section::Proxy(i) => self.proxies[i].name.clone(),
            Section::Userlist(i) => self.userlists[i].name.clone(),
            Section::Unsupported => String::new(),
        }
    }

    /// Reads one file's text. Sections may not continue across files.
    pub fn add_file(&mut self, name: &str, text: &str) {
        let file: Arc<str> = Arc::from(name);
        self.files.push(Arc::clone(&file));
        self.section = Section::None;
        let mut conds = CondStack::default();
        let mut last_if: Option<Location> = None;
        for (n, raw) in text.split('\n').enumerate() {
            let loc = Location::new(&file, n as u32 + 1);
            let label = self.section_label();
            let ctx = LineContext {
                file: name,
                line: loc.line,
                section: &label,
                env: self.env,
            };
            let words = match split_words(raw, &ctx) {
                Ok(w) => w,
                Err(e) => {
                    if conds.live() {
                        self.alert(&loc, e.to_string());
                    }
                    continue;
                }
            };
            if words.is_empty() {
                continue;
            }
            if words[0].starts_with('.') {
                if words[0] == ".if" {
                    last_if = Some(loc.clone());
                }
                self.directive(&words, &loc, &mut conds);
                continue;
            }
            if !conds.live() {
                continue;
            }
            self.line(&words, &loc);
        }
        if conds.depth() > 0 {
            let at = last_if.unwrap_or_else(|| Location::new(&file, 1));
            self.alert(
                &at,
                "non-terminated '.if' block (missing '.endif' before the end of the file)",
            );
        }
    }

    fn directive(&mut self, words: &[String], loc: &Location, conds: &mut CondStack) {
        let args = &words[1..];
        let res = match words[0].as_str() {
            ".if" => {
                // A dead block's condition is not evaluated, so its errors do not matter.
                let v = if conds.live() { cond::eval(args, self.env) } else { Ok(false) };
                match v {
                    Ok(v) => {
                        conds.push_if(v);
                        Ok(())
                    }
                    Err(e) => {
                        conds.push_if(false);
                        Err(e)
                    }
                }
            }
            ".elif" => {
                let env = self.env;
                conds.elif(|| cond::eval(args, env))
            }
            ".else" => conds.else_(),
            ".endif" => conds.endif(),
            ".diag" | ".notice" | ".warning" | ".alert" if !conds.live() => Ok(()),
            ".diag" => Ok(()),
            ".notice" => {
                self.diags.push(Diagnostic::notice(Some(loc.clone()), args.join(" ")));
                Ok(())
            }
            ".warning" => {
                self.warn(loc, args.join(" "));
                Ok(())
            }
            ".alert" => {
                self.alert(loc, args.join(" "));
                Ok(())
            }
            _ if !conds.live() => Ok(()),
            d => Err(format!(
                "unknown directive '{d}' (expected .if, .elif, .else, .endif, .diag, .notice, .warning or .alert)"
            )),
        };
        if let Err(e) = res {
            self.alert(loc, e);
        }
    }

    fn line(&mut self, words: &[String], loc: &Location) {
        match words[0].as_str() {
            "global" => {
                if words.len() > 1 {
                    self.alert(loc, "'global' takes no argument");
                }
                self.section = Section::Global;
            }
            "defaults" => self.open_defaults(words, loc),
            "frontend" => self.open_proxy(SectionKind::Frontend, words, loc),
            "backend" => self.open_proxy(SectionKind::Backend, words, loc),
            "listen" => self.open_proxy(SectionKind::Listen, words, loc),
            "userlist" => self.open_userlist(words, loc),
            s if UNSUPPORTED_SECTIONS.contains(&s) => {
                self.warn(
                    loc,
                    format!("section '{s}' is not supported yet by halb; its content is ignored"),
                );
                self.section = Section::Unsupported;
            }
            _ => self.keyword(words, loc),
        }
    }

    fn open_defaults(&mut self, words: &[String], loc: &Location) {
        let mut name = None;
        let mut from = None;
        match &words[1..] {
            [] => {}
            [n] => name = Some(n.clone()),
            [f, d] if f == "from" => from = Some(d.clone()),
            [n, f, d] if f == "from" => {
                name = Some(n.clone());
                from = Some(d.clone());
            }
            _ => {
                self.alert(
                    loc,
                    "'defaults' expects an optional <name> and an optional 'from <defaults>'",
                );
                return;
            }
        }
        if let Some(n) = &name {
            if !valid_name(n) {
                self.alert(
                    loc,
                    format!("character not permitted in defaults name '{n}'"),
                );
                return;
            }
            if let Some(prev) = self.defaults.iter().find(|d| d.name.as_deref() == Some(n)) {
                let msg = format!(
                    "defaults section '{n}' has the same name as another defaults section declared at {}",
                    prev.location
                );
                self.alert(loc, msg);
                return;
            }
        }
        let base = match &from {
            Some(f) => match self.find_named_defaults(f, loc) {
                Some(i) => {
                    self.defaults[i].explicitly_referenced = true;
                    self.defaults[i].proxy.clone()
                }
                None => return,
            },
            None => builtin_defaults(loc.clone()),
        };
        let mut proxy = base;
        proxy.name = name.clone().unwrap_or_default();
        proxy.location = loc.clone();
        self.defaults.push(DefaultsEntry {
            name,
            proxy,
            location: loc.clone(),
            explicitly_referenced: false,
        });
        let idx = self.defaults.len() - 1;
        self.last_defaults = Some(idx);
        self.section = Section::Defaults(idx);
    }

    fn find_named_defaults(&mut self, name: &str, loc: &Location) -> Option<usize> {
        match self
            .defaults
            .iter()
            .position(|d| d.name.as_deref() == Some(name))
        {
            Some(i) => Some(i),
            None => {
                self.alert(
                    loc,
                    format!("defaults section '{name}' not found for 'from {name}'"),
                );
                None
            }
        }
    }

    fn open_proxy(&mut self, kind: SectionKind, words: &[String], loc: &Location) {
        let kw = kind_word(kind);
        let Some(name) = words.get(1) else {
            self.alert(loc, format!("'{kw}' expects <name> as an argument"));
            self.section = Section::Unsupported;
            return;
        };
        if !valid_name(name) {
            self.alert(
                loc,
                format!("character not permitted in {kw} name '{name}'"),
            );
            self.section = Section::Unsupported;
            return;
        }
        let mut rest = &words[2..];
        let mut legacy_addr = None;
        if let Some(first) = rest.first() {
            if first != "from" {
                legacy_addr = Some(first.clone());
                rest = &rest[1..];
            }
        }
        let mut from = None;
        match rest {
            [] => {}
            [f, d] if f == "from" => from = Some(d.clone()),
            _ => {
                self.alert(
                    loc,
                    format!(
                        "'{kw} {name}' : unexpected '{}' (expected 'from <defaults>')",
                        rest.join(" ")
                    ),
                );
                self.section = Section::Unsupported;
                return;
            }
        }
        let cap = match kind {
            SectionKind::Frontend => Capabilities {
                frontend: true,
                backend: false,
            },
            SectionKind::Backend => Capabilities {
                frontend: false,
                backend: true,
            },
            SectionKind::Listen => Capabilities {
                frontend: true,
                backend: true,
            },
        };
        // Frontends and backends live in separate name spaces; a listen is in both.
        if let Some(prev) = self.proxies.iter().find(|p| {
            p.name == *name && ((p.cap.frontend && cap.frontend) || (p.cap.backend && cap.backend))
        }) {
            let msg = format!(
                "{kw} '{name}' has the same name as {} '{}' declared at {}.",
                kind_word(prev.kind),
                prev.name,
                prev.location
            );
            self.alert(loc, msg);
        }
        let base = match &from {
            Some(f) => match self.find_named_defaults(f, loc) {
                Some(i) => {
                    self.defaults[i].explicitly_referenced = true;
                    self.check_ambiguous_defaults(i);
                    self.defaults[i].proxy.clone()
                }
                None => builtin_defaults(loc.clone()),
            },
            None => match self.last_defaults {
                Some(i) => {
                    self.implicit_users.push((i, loc.clone()));
                    self.check_ambiguous_defaults(i);
                    self.defaults[i].proxy.clone()
                }
                None => builtin_defaults(loc.clone()),
            },
        };
        let mut p = base;
        p.name = name.clone();
        p.kind = kind;
        p.cap = cap;
        p.location = loc.clone();
        p.binds.clear();
        p.servers.clear();
        p.use_backends.clear();
        p.captures.clear();
        p.id = None;
        if !cap.frontend {
            p.default_backend = None;
        }
        if let Some(addr) = legacy_addr {
            if kind == SectionKind::Backend {
                self.alert(
                    loc,
                    format!("'backend {name} {addr}' : a backend cannot listen; remove '{addr}'"),
                );
            } else {
                match crate::values::parse_listen_addrs(&addr) {
                    Ok(addrs) => {
                        let mut diags = Vec::new();
                        let ctx = Ctx {
                            loc: loc.clone(),
                            negated: false,
                            section_name: name.clone(),
                            diags: &mut diags,
                        };
                        let mut b = keywords::new_bind(addrs, &ctx);
                        b.legacy = true;
                        p.binds.push(b);
                        self.warn(
                            loc,
                            format!("'{kw} {name} {addr}' is the legacy form; read as 'bind {addr}' (HAProxy 2.6 refuses it)"),
                        );
                    }
                    Err(e) => self.alert(loc, format!("'{kw} {name} {addr}' : {e}")),
                }
            }
        }
        self.proxies.push(p);
        self.section = Section::Proxy(self.proxies.len() - 1);
    }

    /// HAProxy refuses a defaults section that is both named with `from` and used implicitly.
    fn check_ambiguous_defaults(&mut self, i: usize) {
        if !self.defaults[i].explicitly_referenced {
            return;
        }
        let users: Vec<Location> = self
            .implicit_users
            .iter()
            .filter(|(d, _)| *d == i)
            .map(|(_, l)| l.clone())
            .collect();
        self.implicit_users.retain(|(d, _)| *d != i);
        for at in users {
            let d = &self.defaults[i];
            let msg = format!(
                "defaults section '{}' (declared at {}) is explicitly referenced by another proxy and implicitly used here. To avoid any ambiguity don't mix both usage. Add a last defaults section not explicitly used or always use explicit references.",
                d.name.clone().unwrap_or_default(),
                d.location
            );
            self.alert(&at, msg);
        }
    }

    fn open_userlist(&mut self, words: &[String], loc: &Location) {
        let Some(name) = words.get(1) else {
            self.alert(loc, "'userlist' expects <name> as an argument");
            self.section = Section::Unsupported;
            return;
        };
        if let Some(prev) = self.userlists.iter().find(|u| &u.name == name) {
            let msg = format!(
                "userlist '{name}' has the same name as another userlist declared at {}",
                prev.location
            );
            self.alert(loc, msg);
        }
        self.userlists.push(Userlist {
            name: name.clone(),
            users: Vec::new(),
            groups: Vec::new(),
            location: loc.clone(),
        });
        self.section = Section::Userlist(self.userlists.len() - 1);
    }

    fn scope(&self) -> Option<(Scope, &'static str)> {
        Some(match self.section {
            Section::Global => (Scope::GLOBAL, "global"),
            Section::Defaults(_) => (Scope::DEFAULTS, "defaults"),
            Section::Proxy(i) => match self.proxies[i].kind {
                SectionKind::Frontend => (Scope::FRONTEND, "frontend"),
                SectionKind::Backend => (Scope::BACKEND, "backend"),
                SectionKind::Listen => (Scope::LISTEN, "listen"),
            },
            Section::Userlist(_) => (Scope::USERLIST, "userlist"),
            Section::None | Section::Unsupported => return None,
        })
    }

    fn keyword(&mut self, words: &[String], loc: &Location) {
        if self.section == Section::Unsupported {
            return;
        }
        let Some((scope, kind)) = self.scope() else {
            self.alert(
                loc,
                format!("unknown keyword '{}' out of section.", words[0]),
            );
            return;
        };
        let (negated, words) = match words[0].as_str() {
            "no" | "default" if words.len() > 1 && scope != Scope::USERLIST => (true, &words[1..]),
            _ => (false, words),
        };
        match keywords::lookup(words, scope) {
            Lookup::Found(k, n) => self.apply(k, &words[n..], negated, kind, loc),
            Lookup::WrongScope(_, _)
                if matches!(self.section, Section::Global | Section::Userlist(_)) =>
            {
                self.unknown(words, scope, kind, loc)
            }
            Lookup::WrongScope(decls, n) => {
                self.wrong_scope(decls, &words[..n].join(" "), kind, loc)
            }
            Lookup::Unknown => self.unknown(words, scope, kind, loc),
        }
    }

    fn apply(
        &mut self,
        k: &'static Keyword,
        args: &[String],
        negated: bool,
        kind: &'static str,
        loc: &Location,
    ) {
        if negated && !k.negatable {
            self.alert(
                loc,
                format!(
                    "'no {}' is not supported: '{}' cannot be negated",
                    k.name, k.name
                ),
            );
            return;
        }
        let section_name = self.section_label();
        let mut diags = Vec::new();
        let mut ctx = Ctx {
            loc: loc.clone(),
            negated,
            section_name,
            diags: &mut diags,
        };
        let res = match (k.handler, self.section) {
            (Handler::Accept, _) => Ok(()),
            (Handler::Global(f), Section::Global) => f(&mut self.global, &mut ctx, args),
            (Handler::Proxy(f), Section::Proxy(i)) => f(&mut self.proxies[i], &mut ctx, args),
            (Handler::Proxy(f), Section::Defaults(i)) => {
                f(&mut self.defaults[i].proxy, &mut ctx, args)
            }
            (Handler::Userlist(f), Section::Userlist(i)) => {
                f(&mut self.userlists[i], &mut ctx, args)
            }
            _ => Err(format!("'{}' cannot be used in a '{kind}' section", k.name)),
        };
        self.diags.append(&mut diags);
        match res {
            Err(e) => self.alert(loc, e),
            Ok(()) => {
                if k.support == Support::NotYet {
                    let shown = if negated {
                        format!("no {}", k.name)
                    } else {
                        k.name.to_string()
                    };
                    self.warn(
                        loc,
                        format!("'{shown}' is not supported yet by halb; accepted and ignored"),
                    );
                }
            }
        }
    }

    fn wrong_scope(
        &mut self,
        decls: &[&'static Keyword],
        name: &str,
        kind: &'static str,
        loc: &Location,
    ) {
        let in_proxy = matches!(self.section, Section::Proxy(_));
        let fits = |s: Scope| decls.iter().any(|k| k.scope.contains(s));
        if in_proxy && (fits(Scope::FRONTEND) || fits(Scope::BACKEND) || fits(Scope::LISTEN)) {
            let pname = self.section_label();
            let missing = if fits(Scope::BACKEND) {
                "backend"
            } else {
                "frontend"
            };
            if name == "server" || name == "default-server" || name == "use-server" {
                self.alert(loc, format!("'{name}' not allowed because {kind} '{pname}' has no {missing} capability."));
            } else {
                self.warn(
                    loc,
                    format!(
                        "'{name}' ignored because {kind} '{pname}' has no {missing} capability."
                    ),
                );
            }
            return;
        }
        self.alert(loc, format!("'{name}' not allowed in '{kind}' section."));
    }

    fn unknown(&mut self, words: &[String], scope: Scope, kind: &'static str, loc: &Location) {
        let first = words[0].as_str();
        if let Some(hint) = keywords::removed_keyword(first) {
            self.alert(loc, format!("'{first}' is not supported anymore: {hint}"));
            return;
        }
        if keywords::FAMILIES.contains(&first) {
            let member = words.get(1).map(String::as_str).unwrap_or("");
            let cands = keywords::candidates(scope, Some(first));
            if member.is_empty() && !cands.is_empty() {
                self.alert(
                    loc,
                    format!(
                        "'{first}' expects an argument (one of: {})",
                        cands.join(", ")
                    ),
                );
                return;
            }
            if !cands.is_empty() {
                let hint = keywords::suggest(member, &cands)
                    .map(|s| format!("; did you mean '{s}' maybe ?"))
                    .unwrap_or_default();
                let msg = if first == "option" {
                    format!("unknown option '{member}'{hint}")
                } else {
                    format!("unknown keyword '{first} {member}' in '{kind}' section{hint}")
                };
                self.alert(loc, msg);
                return;
            }
        }
        let cands = keywords::candidates(scope, None);
        let hint = keywords::suggest(first, &cands)
            .map(|s| format!("; did you mean '{s}' maybe ?"))
            .unwrap_or_default();
        let section_hint = if [
            "frontend", "backend", "listen", "defaults", "global", "userlist",
        ]
        .iter()
        .any(|s| keywords::edit_distance(first, s) <= 2)
        {
            " (or a misspelled section name)"
        } else {
            ""
        };
        self.alert(
            loc,
            format!("unknown keyword '{first}' in '{kind}' section{hint}{section_hint}"),
        );
    }
}
