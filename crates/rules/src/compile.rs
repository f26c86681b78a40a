//! Compiling a proxy's rule lines once, at configuration load: ACLs first (all lines of a name
//! OR together), then every rule with its condition resolved to ACL indexes, names of backends,
//! servers and userlists resolved to indexes. The result, [`RulePlan`], is immutable and
//! shared by every worker thread.

use std::collections::HashMap;
use std::time::Duration;

use haproxy_cfg::model::{BackendRef, Config, Proxy, RuleLine};
use haproxy_cfg::Diagnostic;

use crate::acl::{compile_expr, predefined, Acl};
use crate::action::{
    parse_http_action, parse_redirect, split_condition, HttpAction, HttpRule, Phase,
};
use crate::cond::{AclResolver, Condition};
use crate::error::{CompileError, CompileErrorKind};
use crate::logfmt::LogFormat;
use crate::userlist::Userlist;
use crate::view::FileSource;

/// Resolves names a rule refers to, against the whole configuration.
pub(crate) struct Names<'c> {
    pub config: &'c Config,
    pub userlists: &'c [Userlist],
}

impl Names<'_> {
    pub fn backend(&self, name: &str) -> Option<usize> {
        self.config.backend_index(name)
    }
    pub fn frontend(&self, name: &str) -> Option<usize> {
        self.config
            .proxies
            .iter()
            .position(|p| p.cap.frontend && p.name == name)
    }
    pub fn userlist(&self, name: &str) -> Option<usize> {
        self.userlists.iter().position(|u| u.name == name)
    }
    pub fn group(&self, userlist: usize, group: &str) -> Option<u32> {
        self.userlists
            .get(userlist)?
            .groups
            .iter()
            .position(|g| g == group)
            .map(|i| i as u32)
    }
}

/// Where `use_backend` sends a request.
pub(crate) enum BackendTarget {
    Static(usize),
    /// `%[req.hdr(host),lower]`: the rendered name is looked up among the backends.
    Dynamic(LogFormat),
}

pub(crate) struct BackendRule {
    pub target: BackendTarget,
    pub cond: Option<Condition>,
}

pub(crate) struct ServerRule {
    pub server: usize,
    pub cond: Option<Condition>,
}

pub(crate) struct TcpRule {
    pub accept: bool,
    pub cond: Option<Condition>,
}

/// The compiled rules of one proxy section.
#[derive(Default)]
pub struct ProxyRules {
    pub(crate) acls: Vec<Acl>,
    pub(crate) tcp_connection: Vec<TcpRule>,
    pub(crate) tcp_content: Vec<TcpRule>,
    pub(crate) inspect_delay: Option<Duration>,
    pub(crate) http_request: Vec<HttpRule>,
    pub(crate) redirects: Vec<HttpRule>,
    pub(crate) use_backends: Vec<BackendRule>,
    pub(crate) default_backend: Option<BackendTarget>,
    pub(crate) use_servers: Vec<ServerRule>,
    pub(crate) http_response: Vec<HttpRule>,
    pub(crate) http_after_response: Vec<HttpRule>,
    /// `stats admin if|unless COND`: any true condition enables admin actions on the page.
    pub(crate) stats_admin: Vec<Condition>,
    /// `stats http-request …` rules, for requests to the stats page.
    pub(crate) stats_http_request: Vec<HttpRule>,
}

impl ProxyRules {
    /// `tcp-request inspect-delay`.
    pub fn inspect_delay(&self) -> Option<Duration> {
        self.inspect_delay
    }

    /// True when the proxy has request rules or content switching beyond a static default.
    pub fn has_request_rules(&self) -> bool {
        !self.http_request.is_empty()
            || !self.redirects.is_empty()
            || !self.use_backends.is_empty()
            || !self.tcp_content.is_empty()
    }

    /// True when the proxy has response rules.
    pub fn has_response_rules(&self) -> bool {
        !self.http_response.is_empty() || !self.http_after_response.is_empty()
    }

    /// True when `use-server` rules may force a server.
    pub fn has_use_server(&self) -> bool {
        !self.use_servers.is_empty()
    }

    /// True when `http-after-response` rules edit every response, generated ones included.
    pub fn has_after_response_rules(&self) -> bool {
        !self.http_after_response.is_empty()
    }

    /// True when `tcp-request connection` rules run at accept.
    pub fn has_connection_rules(&self) -> bool {
        !self.tcp_connection.is_empty()
    }

    /// True when the section has no ACL and no rule at all (nothing to evaluate).
    pub fn is_empty(&self) -> bool {
        self.acls.is_empty()
            && self.tcp_connection.is_empty()
            && self.tcp_content.is_empty()
            && self.http_request.is_empty()
            && self.redirects.is_empty()
            && self.use_backends.is_empty()
            && self.use_servers.is_empty()
            && self.http_response.is_empty()
            && self.http_after_response.is_empty()
            && self.stats_admin.is_empty()
            && self.stats_http_request.is_empty()
    }

    /// How many named, anonymous and predefined ACLs were compiled.
    pub fn acl_count(&self) -> usize {
        self.acls.len()
    }
}

/// Every proxy's compiled rules and the userlists, indexed like `Config::proxies` and
/// `Config::userlists`.
pub struct RulePlan {
    pub(crate) proxies: Vec<ProxyRules>,
    pub(crate) userlists: Vec<Userlist>,
    /// Backend names, sorted, for dynamic `use_backend` names.
    pub(crate) backend_names: Vec<(Box<[u8]>, usize)>,
}

impl std::fmt::Debug for RulePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulePlan")
            .field("proxies", &self.proxies.len())
            .field(
                "acls",
                &self.proxies.iter().map(|p| p.acls.len()).sum::<usize>(),
            )
            .field("userlists", &self.userlists.len())
            .finish()
    }
}

impl RulePlan {
    /// Compiles every rule of `config`. Warnings (HAProxy actions halb accepts but does not run)
    /// come back with the plan; the first error stops compilation.
    pub fn compile(
        config: &Config,
        files: &dyn FileSource,
    ) -> Result<(RulePlan, Vec<Diagnostic>), CompileError> {
        let userlists = config
            .userlists
            .iter()
            .map(Userlist::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let mut warnings = Vec::new();
        let mut proxies = Vec::with_capacity(config.proxies.len());
        {
            let names = Names {
                config,
                userlists: &userlists,
            };
            for p in &config.proxies {
                proxies.push(compile_proxy(p, &names, files, &mut warnings)?);
            }
        }
        let mut backend_names: Vec<(Box<[u8]>, usize)> = config
            .proxies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.cap.backend)
            .map(|(i, p)| (p.name.as_bytes().into(), i))
            .collect();
        backend_names.sort();
        backend_names.dedup_by(|a, b| a.0 == b.0);
        Ok((
            RulePlan {
                proxies,
                userlists,
                backend_names,
            },
            warnings,
        ))
    }

    /// The rules of proxy `index` (empty rules for an index out of range).
    pub fn proxy(&self, index: usize) -> &ProxyRules {
        static EMPTY: std::sync::OnceLock<ProxyRules> = std::sync::OnceLock::new();
        self.proxies
            .get(index)
            .unwrap_or_else(|| EMPTY.get_or_init(ProxyRules::default))
    }

    /// The compiled userlist named `name` (for `stats auth` through a userlist).
    pub fn userlist(&self, name: &str) -> Option<&Userlist> {
        self.userlists.iter().find(|u| u.name == name)
    }
}

fn context(line: &RuleLine) -> String {
    let mut s = format!("'{}", line.keyword);
    for a in line
        .args
        .iter()
        .take_while(|a| *a != "if" && *a != "unless")
        .take(2)
    {
        s.push(' ');
        s.push_str(a);
    }
    s.push('\'');
    s
}

struct AclTable<'a, 'c> {
    acls: &'a mut Vec<Acl>,
    by_name: &'a mut HashMap<String, u32>,
    names: &'a Names<'c>,
    files: &'a dyn FileSource,
}

impl AclResolver for AclTable<'_, '_> {
    fn named(&mut self, name: &str) -> Result<u32, CompileErrorKind> {
        if let Some(i) = self.by_name.get(name) {
            return Ok(*i);
        }
        let words =
            predefined(name).ok_or_else(|| CompileErrorKind::NoSuchAcl(name.to_string()))?;
        let expr = compile_expr(&words, self.names, self.files)?;
        let i = self.acls.len() as u32;
        self.acls.push(Acl {
            name: name.to_string(),
            exprs: vec![expr],
        });
        self.by_name.insert(name.to_string(), i);
        Ok(i)
    }

    fn anonymous(&mut self, words: &[String]) -> Result<u32, CompileErrorKind> {
        let expr = compile_expr(words, self.names, self.files)?;
        let i = self.acls.len() as u32;
        self.acls.push(Acl {
            name: String::new(),
            exprs: vec![expr],
        });
        Ok(i)
    }
}

fn valid_acl_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
}

fn compile_proxy(
    p: &Proxy,
    names: &Names<'_>,
    files: &dyn FileSource,
    warnings: &mut Vec<Diagnostic>,
) -> Result<ProxyRules, CompileError> {
    let mut rules = ProxyRules::default();
    let mut by_name: HashMap<String, u32> = HashMap::new();
    // Every ACL line first: rules may name an ACL whose lines come later in the section.
    for line in p.rule_lines.iter().filter(|l| l.keyword == "acl") {
        let err = |kind| CompileError::new(&line.location, context(line), kind);
        let (name, words) = line
            .args
            .split_first()
            .ok_or_else(|| err(CompileErrorKind::BadCondition("expects an ACL name".into())))?;
        if !valid_acl_name(name) {
            return Err(err(CompileErrorKind::BadCondition(format!(
                "ACL name '{name}' contains an invalid character"
            ))));
        }
        let expr = compile_expr(words, names, files).map_err(err)?;
        match by_name.get(name.as_str()) {
            Some(&i) => rules.acls[i as usize].exprs.push(expr),
            None => {
                by_name.insert(name.clone(), rules.acls.len() as u32);
                rules.acls.push(Acl {
                    name: name.clone(),
                    exprs: vec![expr],
                });
            }
        }
    }
    let mut table = AclTable {
        acls: &mut rules.acls,
        by_name: &mut by_name,
        names,
        files,
    };
    let mut http_request = Vec::new();
    let mut redirects = Vec::new();
    let mut http_response = Vec::new();
    let mut after = Vec::new();
    let mut tcp_connection = Vec::new();
    let mut tcp_content = Vec::new();
    let mut inspect_delay = None;
    let mut use_servers = Vec::new();
    let mut after_redirect = false;
    let first_use_backend = p.use_backends.first().map(|u| &u.location);
    for line in &p.rule_lines {
        // HAProxy's order does not follow the file: say so when the file suggests otherwise.
        if line.keyword == "http-request" {
            let later_than = |what: &str| {
                Diagnostic::warning(
                    Some(line.location.clone()),
                    format!("a 'http-request' rule placed after a '{what}' rule will still be processed before."),
                )
            };
            if after_redirect {
                warnings.push(later_than("redirect"));
            } else if first_use_backend
                .is_some_and(|u| u.file == line.location.file && u.line < line.location.line)
            {
                warnings.push(later_than("use_backend"));
            }
        }
        after_redirect |= line.keyword == "redirect";
        let err = |kind| CompileError::new(&line.location, context(line), kind);
        let (action, cond_words) = split_condition(&line.args);
        let phase = match line.keyword.as_str() {
            "acl" => continue,
            "http-request" => Some(Phase::Request),
            "http-response" => Some(Phase::Response),
            "http-after-response" => Some(Phase::AfterResponse),
            _ => None,
        };
        if let Some(phase) = phase {
            let cond = Condition::parse(cond_words, &mut table).map_err(err)?;
            match parse_http_action(action, phase, &p.name, names, files).map_err(err)? {
                Some(a) => {
                    let rule = HttpRule { action: a, cond };
                    match phase {
                        Phase::Request => http_request.push(rule),
                        Phase::Response => http_response.push(rule),
                        Phase::AfterResponse => after.push(rule),
                    }
                }
                None => warnings.push(Diagnostic::warning(
                    Some(line.location.clone()),
                    format!(
                        "{} : action '{}' is not supported by halb; the rule is ignored",
                        context(line),
                        action.first().map_or("", |s| s.as_str())
                    ),
                )),
            }
            continue;
        }
        match line.keyword.as_str() {
            "redirect" => {
                let cond = Condition::parse(cond_words, &mut table).map_err(err)?;
                let r = parse_redirect(action, names).map_err(err)?;
                redirects.push(HttpRule {
                    action: HttpAction::Redirect(r),
                    cond,
                });
            }
            "tcp-request connection" | "tcp-request content" | "tcp-request session" => {
                let cond = Condition::parse(cond_words, &mut table).map_err(err)?;
                let accept = match action.first().map(String::as_str) {
                    Some("accept") => true,
                    Some("reject") => false,
                    Some(other) => {
                        warnings.push(Diagnostic::warning(
                            Some(line.location.clone()),
                            format!("{} : action '{other}' is not supported by halb; the rule is ignored", context(line)),
                        ));
                        continue;
                    }
                    None => {
                        return Err(err(CompileErrorKind::BadAction(
                            "expects 'accept' or 'reject'".into(),
                        )))
                    }
                };
                if line.keyword == "tcp-request connection" {
                    if let Some(c) = &cond {
                        for acl in c
                            .groups
                            .iter()
                            .flatten()
                            .filter_map(|t| table.acls.get(t.acl as usize))
                        {
                            if acl.exprs.iter().all(|e| e.expr.fetch.fetch.is_http()) {
                                let name = if acl.name.is_empty() {
                                    "anonymous"
                                } else {
                                    acl.name.as_str()
                                };
                                warnings.push(Diagnostic::warning(
                                    Some(line.location.clone()),
                                    format!("{} : acl '{name}' will never match because it only involves keywords that are incompatible with 'frontend tcp-request connection rule'", context(line)),
                                ));
                            }
                        }
                    }
                }
                let rule = TcpRule { accept, cond };
                if line.keyword == "tcp-request content" {
                    tcp_content.push(rule);
                } else {
                    tcp_connection.push(rule);
                }
            }
            "tcp-request inspect-delay" => {
                let v = action.first().ok_or_else(|| {
                    err(CompileErrorKind::BadAction("expects a time value".into()))
                })?;
                inspect_delay = Some(parse_time(v).ok_or_else(|| {
                    err(CompileErrorKind::BadAction(format!(
                        "invalid time value '{v}'"
                    )))
                })?);
            }
            "use-server" => {
                let cond = Condition::parse(cond_words, &mut table).map_err(err)?;
                let name = action.first().ok_or_else(|| {
                    err(CompileErrorKind::BadAction("expects a server name".into()))
                })?;
                let server = p
                    .servers
                    .iter()
                    .position(|s| s.name == *name)
                    .ok_or_else(|| err(CompileErrorKind::NoSuchServer(name.clone())))?;
                use_servers.push(ServerRule { server, cond });
            }
            _ => warnings.push(Diagnostic::warning(
                Some(line.location.clone()),
                format!(
                    "{} : not supported by halb; the rule is ignored",
                    context(line)
                ),
            )),
        }
    }
    let mut stats_admin = Vec::new();
    let mut stats_http_request = Vec::new();
    for line in p.stats.iter().flat_map(|s| s.admin.iter()) {
        let err = |kind| CompileError::new(&line.location, context(line), kind);
        let (action, cond_words) = split_condition(&line.args);
        let cond = Condition::parse(cond_words, &mut table).map_err(err)?;
        if line.keyword == "stats admin" {
            stats_admin.extend(cond);
            continue;
        }
        match parse_http_action(action, Phase::Request, &p.name, names, files).map_err(err)? {
            Some(action) => stats_http_request.push(HttpRule { action, cond }),
            None => warnings.push(Diagnostic::warning(
                Some(line.location.clone()),
                format!(
                    "{} : action is not supported by halb; the rule is ignored",
                    context(line)
                ),
            )),
        }
    }
    let mut use_backends = Vec::new();
    for ub in &p.use_backends {
        let ctx = || match &ub.target {
            BackendRef::Static { name, .. } => format!("'use_backend {name}'"),
            BackendRef::Dynamic { format } => format!("'use_backend {format}'"),
        };
        let err = |kind| CompileError::new(&ub.location, ctx(), kind);
        let cond = Condition::parse(&ub.condition, &mut table).map_err(err)?;
        let target = backend_target(&ub.target, names).map_err(err)?;
        use_backends.push(BackendRule { target, cond });
    }
    let default_backend = match &p.default_backend {
        Some(t) => Some(backend_target(t, names).map_err(|kind| {
            CompileError::new(
                &p.location,
                format!("proxy '{}' : 'default_backend'", p.name),
                kind,
            )
        })?),
        None => None,
    };
    rules.http_request = http_request;
    rules.redirects = redirects;
    rules.http_response = http_response;
    rules.http_after_response = after;
    rules.tcp_connection = tcp_connection;
    rules.tcp_content = tcp_content;
    rules.inspect_delay = inspect_delay;
    rules.use_servers = use_servers;
    rules.use_backends = use_backends;
    rules.default_backend = default_backend;
    rules.stats_admin = stats_admin;
    rules.stats_http_request = stats_http_request;
    Ok(rules)
}

fn backend_target(t: &BackendRef, names: &Names<'_>) -> Result<BackendTarget, CompileErrorKind> {
    Ok(match t {
        BackendRef::Static { index, .. } => BackendTarget::Static(*index),
        BackendRef::Dynamic { format } => {
            let lf = LogFormat::parse(format, names)?;
            // A format without any variable part names one backend: resolve it now.
            match lf.as_literal() {
                Some(name) => {
                    let name = String::from_utf8_lossy(name);
                    BackendTarget::Static(
                        names
                            .backend(&name)
                            .ok_or_else(|| CompileErrorKind::NoSuchBackend(name.to_string()))?,
                    )
                }
                None => BackendTarget::Dynamic(lf),
            }
        }
    })
}

/// HAProxy time values: a number with an optional unit (`us`, `ms`, `s`, `m`, `h`, `d`),
/// milliseconds by default.
fn parse_time(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    Some(match &s[split..] {
        "" | "ms" => Duration::from_millis(n),
        "us" => Duration::from_micros(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        "d" => Duration::from_secs(n.checked_mul(86400)?),
        _ => return None,
    })
}
