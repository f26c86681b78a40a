//! Once every file is read: names resolved (`default_backend`, `use_backend`, `log global`),
//! duplicates refused, cross-section rules checked, as HAProxy's post-parse checks do.

use crate::diag::{ConfigErrors, Diagnostic};
use crate::model::{BackendRef, Config, LogDest, Mode};
use crate::parser::ConfigParser;
use crate::Loaded;

impl ConfigParser<'_> {
    /// Resolves names and checks the whole configuration.
    pub fn finish(mut self) -> Result<Loaded, ConfigErrors> {
        let mut diags = std::mem::take(&mut self.diags);
        let mut config = Config {
            global: std::mem::take(&mut self.global),
            proxies: std::mem::take(&mut self.proxies),
            userlists: std::mem::take(&mut self.userlists),
        };
        if !diags.iter().any(Diagnostic::is_alert) {
            resolve(&mut config, &mut diags);
        }
        if diags.iter().any(Diagnostic::is_alert) {
            let mut files_with_errors = Vec::new();
            for d in diags.iter().filter(|d| d.is_alert()) {
                if let Some(l) = &d.location {
                    if !files_with_errors.contains(&l.file) {
                        files_with_errors.push(l.file.clone());
                    }
                }
            }
            return Err(ConfigErrors {
                diagnostics: diags,
                files_with_errors,
            });
        }
        Ok(Loaded {
            config,
            diagnostics: diags,
            files: self.files,
        })
    }
}

fn resolve(config: &mut Config, diags: &mut Vec<Diagnostic>) {
    let global_logs = config.global.logs.clone();
    let tune = &mut config.global.tune;
    if tune.maxrewrite >= tune.bufsize / 2 {
        diags.push(Diagnostic::warning(
            None,
            format!(
                "tune.maxrewrite ({}) must be less than half of tune.bufsize ({}); using {}",
                tune.maxrewrite,
                tune.bufsize,
                tune.bufsize / 2
            ),
        ));
        tune.maxrewrite = tune.bufsize / 2;
    }
    // Names and modes of the backend-capable proxies, to resolve references without borrowing.
    let backends: Vec<(String, Mode, bool)> = config
        .proxies
        .iter()
        .map(|p| (p.name.clone(), p.mode, p.cap.backend))
        .collect();
    let find = |name: &str| backends.iter().position(|(n, _, be)| *be && n == name);
    for p in config.proxies.iter_mut() {
        let mut expanded = Vec::new();
        for t in p.logs.drain(..) {
            if t.facility == "global" && t.dest == LogDest::Stderr {
                expanded.extend(global_logs.iter().cloned());
            } else {
                expanded.push(t);
            }
        }
        p.logs = expanded;

        if !p.cap.frontend {
            continue;
        }
        if p.binds.is_empty() && !p.disabled {
            diags.push(Diagnostic::alert(
                Some(p.location.clone()),
                format!(
                    "{} '{}' has no 'bind' directive. Please declare it as a backend if this was intended.",
                    if p.cap.backend { "listen" } else { "frontend" },
                    p.name
                ),
            ));
        }
        let mode = p.mode;
        let pname = p.name.clone();
        let ploc = p.location.clone();
        let mut check = |target: &mut BackendRef, what: &str, loc: &crate::diag::Location| {
            if let BackendRef::Static { name, index } = target {
                match find(name) {
                    Some(i) => {
                        *index = i;
                        let (bname, bmode, _) = &backends[i];
                        if mode == Mode::Http && *bmode == Mode::Tcp {
                            diags.push(Diagnostic::alert(
                                Some(loc.clone()),
                                format!(
                                    "Proxy '{pname}': unable to use backend '{bname}' for '{what}': it is in mode tcp while this proxy is in mode http."
                                ),
                            ));
                        }
                    }
                    None => diags.push(Diagnostic::alert(
                        Some(loc.clone()),
                        format!("Proxy '{pname}': unable to find required {what}: '{name}'."),
                    )),
                }
            }
        };
        if let Some(db) = p.default_backend.as_mut() {
            check(db, "default_backend", &ploc);
        }
        for ub in p.use_backends.iter_mut() {
            let loc = ub.location.clone();
            check(&mut ub.target, "use_backend", &loc);
        }
    }
    for p in &config.proxies {
        let mut seen: Vec<(&str, &crate::diag::Location)> = Vec::new();
        for s in &p.servers {
            if let Some((_, at)) = seen.iter().find(|(n, _)| *n == s.name) {
                diags.push(Diagnostic::alert(
                    Some(s.location.clone()),
                    format!(
                        "'server {}/{}' : a server with the same name already exists in this backend (declared at {}).",
                        p.name, s.name, at
                    ),
                ));
            } else {
                seen.push((&s.name, &s.location));
            }
        }
        if !p.disabled {
            missing_timeouts(p, diags);
        }
    }
}

/// HAProxy's warning for proxies that would wait forever on some phase.
fn missing_timeouts(p: &crate::model::Proxy, diags: &mut Vec<Diagnostic>) {
    let mut missing = Vec::new();
    if p.cap.frontend && p.timeouts.client.is_none() {
        missing.push("'client'");
    }
    if p.cap.backend && p.timeouts.connect.is_none() {
        missing.push("'connect'");
    }
    if p.cap.backend && p.timeouts.server.is_none() {
        missing.push("'server'");
    }
    if missing.is_empty() {
        return;
    }
    let kind = match (p.cap.frontend, p.cap.backend) {
        (true, true) => "listen",
        (true, false) => "frontend",
        _ => "backend",
    };
    diags.push(Diagnostic::warning(
        None,
        format!(
            "missing timeouts for {kind} '{}'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: {}.",
            p.name,
            missing.join(", ")
        ),
    ));
}
