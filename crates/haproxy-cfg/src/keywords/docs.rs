//! The compatibility table in `docs/compat-haproxy.md`, generated from the keyword tables so
//! the documentation cannot drift from what the parser does.

use super::{
    all, Scope, Support, BIND_FLAGS, BIND_VALUE_OPTIONS, SERVER_FLAGS, SERVER_VALUE_OPTIONS,
};

const COLUMNS: &[(Scope, &str)] = &[
    (Scope::GLOBAL, "global"),
    (Scope::DEFAULTS, "defaults"),
    (Scope::FRONTEND, "frontend"),
    (Scope::LISTEN, "listen"),
    (Scope::BACKEND, "backend"),
    (Scope::USERLIST, "userlist"),
];

fn sections(scope: Scope) -> String {
    COLUMNS
        .iter()
        .filter(|(s, _)| scope.contains(*s))
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn status(s: Support) -> String {
    match s {
        Support::Yes => "yes".into(),
        Support::Partial(note) => format!("partial: {note}"),
        Support::NotYet => "not yet (accepted with a warning)".into(),
    }
}

/// The whole markdown page.
pub fn compat_markdown() -> String {
    let mut rows: Vec<(String, String, String, bool)> = all()
        .iter()
        .map(|k| {
            let name = if k.negatable {
                format!("[no] {}", k.name)
            } else {
                k.name.to_string()
            };
            (
                name,
                sections(k.scope),
                status(k.support),
                k.support == Support::NotYet,
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        a.0.trim_start_matches("[no] ")
            .cmp(b.0.trim_start_matches("[no] "))
            .then(a.1.cmp(&b.1))
    });
    let mut out = String::new();
    out.push_str("# haproxy.cfg compatibility\n\n");
    out.push_str("Generated from halb's keyword tables (`crates/haproxy-cfg/src/keywords/`) by\n");
    out.push_str("`HALB_BLESS=1 cargo test -p haproxy-cfg --test docs`; a test fails when this page is stale.\n\n");
    out.push_str("Every keyword of HAProxy 2.6's sections 3 (global) and 4 (proxies) is recognised. \"yes\": halb acts on it\n");
    out.push_str("as HAProxy does. \"partial\": acted on with the limit given. \"not yet\": accepted, kept in the\n");
    out.push_str("configuration model, and reported with a `[WARNING]` at start so nothing is silently ignored.\n");
    out.push_str("An unknown keyword is an `[ALERT]` with `file:line` and a \"did you mean\" suggestion.\n\n");
    let total = rows.len();
    let not_yet = rows.iter().filter(|r| r.3).count();
    out.push_str(&format!(
        "{total} keywords: {} acted on (fully or partly), {not_yet} not yet.\n\n",
        total - not_yet
    ));
    out.push_str("| keyword | sections | status |\n|---|---|---|\n");
    for (name, secs, st, _) in &rows {
        out.push_str(&format!("| `{name}` | {secs} | {st} |\n"));
    }
    out.push_str("\n## bind options\n\n");
    out.push_str("Acted on: `name`, `backlog`, `transparent`, `freebind` (halb extension: IP_FREEBIND), `v4v6`, `v6only`,\n");
    out.push_str("`interface`, `defer-accept`, `tfo`, `mode`. Accepted without effect: `id`, `process`, `thread`, `shards`, `nice`.\n");
    out.push_str("Any other option below (`maxconn` on a bind line among them) is accepted with a warning (TLS options among them, until TLS lands).\n\n");
    let mut b: Vec<&str> = BIND_FLAGS
        .iter()
        .chain(BIND_VALUE_OPTIONS.iter())
        .copied()
        .collect();
    b.sort();
    out.push_str(
        &b.iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str("\n\n## server options\n\n");
    out.push_str("Acted on: `weight`, `maxconn`, `maxqueue`, `minconn`, `backup`, `no-backup`, `disabled`, `enabled`, `id`.\n");
    out.push_str("The health-check options (`check`, `inter`, `rise`, `fall`, ...) and `cookie` are parsed, validated and\n");
    out.push_str(
        "kept for the health-check and persistence features, with a warning until those land.\n\n",
    );
    let mut s: Vec<&str> = SERVER_FLAGS
        .iter()
        .chain(SERVER_VALUE_OPTIONS.iter())
        .copied()
        .collect();
    s.sort();
    out.push_str(
        &s.iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push('\n');
    out
}
