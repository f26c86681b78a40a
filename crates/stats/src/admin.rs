//! The stats page's admin form: parsing its POST body (`s=<server>&…&action=<a>&b=<backend>`,
//! `application/x-www-form-urlencoded`, as HAProxy's page sends it) into an [`AdminPost`], and
//! the result codes HAProxy puts in the redirect (`<uri>;st=DONE`).
//!
//! The body comes from the network: every malformed piece is an [`AdminPostError`], never a
//! panic, and the sizes are bounded.

use thiserror::Error;

/// Largest body accepted (HAProxy reads the form from one buffer too).
pub const MAX_BODY: usize = 16 * 1024;
/// Most servers one POST may name.
pub const MAX_SERVERS: usize = 1024;

/// The `action` select of the form (HAProxy 2.6's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    /// `ready`: leave maintenance and drain (`set server state ready`).
    Ready,
    /// `drain`: no new traffic, existing sessions go on.
    Drain,
    /// `maint`: out of service.
    Maint,
    /// `dhlth` / `ehlth`: disable / enable health checks.
    DisableHealth,
    EnableHealth,
    /// `hrunn` / `hnolb` / `hdown`: force the health state UP / NOLB / DOWN.
    HealthUp,
    HealthNoLb,
    HealthDown,
    /// `dagent` / `eagent`: disable / enable agent checks.
    DisableAgent,
    EnableAgent,
    /// `arunn` / `adown`: force the agent state UP / DOWN.
    AgentUp,
    AgentDown,
    /// `shutdown`: kill the server's sessions.
    Shutdown,
}

impl AdminAction {
    pub const ALL: [AdminAction; 13] = [
        AdminAction::Ready,
        AdminAction::Drain,
        AdminAction::Maint,
        AdminAction::DisableHealth,
        AdminAction::EnableHealth,
        AdminAction::HealthUp,
        AdminAction::HealthNoLb,
        AdminAction::HealthDown,
        AdminAction::DisableAgent,
        AdminAction::EnableAgent,
        AdminAction::AgentUp,
        AdminAction::AgentDown,
        AdminAction::Shutdown,
    ];

    /// The form value.
    pub fn value(self) -> &'static str {
        match self {
            AdminAction::Ready => "ready",
            AdminAction::Drain => "drain",
            AdminAction::Maint => "maint",
            AdminAction::DisableHealth => "dhlth",
            AdminAction::EnableHealth => "ehlth",
            AdminAction::HealthUp => "hrunn",
            AdminAction::HealthNoLb => "hnolb",
            AdminAction::HealthDown => "hdown",
            AdminAction::DisableAgent => "dagent",
            AdminAction::EnableAgent => "eagent",
            AdminAction::AgentUp => "arunn",
            AdminAction::AgentDown => "adown",
            AdminAction::Shutdown => "shutdown",
        }
    }

    /// The option text HAProxy shows.
    pub fn label(self) -> &'static str {
        match self {
            AdminAction::Ready => "Set state to READY",
            AdminAction::Drain => "Set state to DRAIN",
            AdminAction::Maint => "Set state to MAINT",
            AdminAction::DisableHealth => "Health: disable checks",
            AdminAction::EnableHealth => "Health: enable checks",
            AdminAction::HealthUp => "Health: force UP",
            AdminAction::HealthNoLb => "Health: force NOLB",
            AdminAction::HealthDown => "Health: force DOWN",
            AdminAction::DisableAgent => "Agent: disable checks",
            AdminAction::EnableAgent => "Agent: enable checks",
            AdminAction::AgentUp => "Agent: force UP",
            AdminAction::AgentDown => "Agent: force DOWN",
            AdminAction::Shutdown => "Kill Sessions",
        }
    }

    pub fn from_value(v: &str) -> Option<AdminAction> {
        AdminAction::ALL.iter().copied().find(|a| a.value() == v)
    }
}

/// Which backend the form is about: HAProxy's page sends `#<proxy id>`; a name is accepted too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendRef {
    Id(u32),
    Name(String),
}

/// A decoded admin POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminPost {
    pub backend: BackendRef,
    pub action: AdminAction,
    /// Checked servers, in form order, duplicates removed.
    pub servers: Vec<String>,
}

/// Why a POST body was refused. [`AdminPostError::status_code`] gives the `;st=` code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AdminPostError {
    #[error("admin form body larger than {MAX_BODY} bytes")]
    TooLarge,
    #[error("admin form names more than {MAX_SERVERS} servers")]
    TooManyServers,
    #[error("bad percent-encoding in admin form")]
    BadEncoding,
    #[error("admin form has no backend (b=)")]
    MissingBackend,
    #[error("admin form backend id `{0}` is not a number")]
    BadBackendId(String),
    #[error("admin form has no action")]
    MissingAction,
    #[error("unknown admin action `{0}`")]
    UnknownAction(String),
    #[error("admin form checks no server")]
    NoServer,
}

impl AdminPostError {
    /// The status HAProxy's page reports after the redirect: `ERRP` for a malformed form,
    /// `NONE` when no server was checked, `EXCD` when the form was too large.
    pub fn status_code(&self) -> StatusCode {
        match self {
            AdminPostError::TooLarge | AdminPostError::TooManyServers => StatusCode::Excd,
            AdminPostError::NoServer => StatusCode::None,
            _ => StatusCode::Errp,
        }
    }
}

/// The four-letter result HAProxy puts after `;st=` and explains at the top of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    /// Every checked server was changed.
    Done,
    /// Some were changed.
    Part,
    /// Nothing was checked or nothing changed.
    None,
    /// Admin not allowed for this client.
    Deny,
    /// Form too large.
    Excd,
    /// Malformed form.
    Errp,
    /// Unknown backend or action.
    Unkn,
    /// Invalid request for this server (e.g. health action on a server without checks).
    Ival,
}

impl StatusCode {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Done => "DONE",
            StatusCode::Part => "PART",
            StatusCode::None => "NONE",
            StatusCode::Deny => "DENY",
            StatusCode::Excd => "EXCD",
            StatusCode::Errp => "ERRP",
            StatusCode::Unkn => "UNKN",
            StatusCode::Ival => "IVAL",
        }
    }

    pub fn parse(s: &str) -> Option<StatusCode> {
        [
            StatusCode::Done,
            StatusCode::Part,
            StatusCode::None,
            StatusCode::Deny,
            StatusCode::Excd,
            StatusCode::Errp,
            StatusCode::Unkn,
            StatusCode::Ival,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// The message the page shows for this result.
    pub fn message(self) -> &'static str {
        match self {
            StatusCode::Done => "Action processed successfully.",
            StatusCode::Part => "Action partially processed.",
            StatusCode::None => "Nothing has changed.",
            StatusCode::Deny => "Action denied.",
            StatusCode::Excd => "Action not processed : the buffer couldn't store all the data.",
            StatusCode::Errp => "Action not processed because of invalid parameters.",
            StatusCode::Unkn => "Unexpected result.",
            StatusCode::Ival => "Some servers could not be processed.",
        }
    }

    /// Whether the page shows it as a success (green) or a failure (red).
    pub fn is_success(self) -> bool {
        matches!(self, StatusCode::Done | StatusCode::Part | StatusCode::None)
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
pub fn url_decode(s: &str) -> Result<String, AdminPostError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex);
                let lo = b.get(i + 2).copied().and_then(hex);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h * 16 + l),
                    _ => return Err(AdminPostError::BadEncoding),
                }
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| AdminPostError::BadEncoding)
}

/// Parses the admin form body. Unknown keys are ignored (browsers may add some); the last
/// `action` and `b` win, like HAProxy's parser.
pub fn parse_admin_post(body: &[u8]) -> Result<AdminPost, AdminPostError> {
    if body.len() > MAX_BODY {
        return Err(AdminPostError::TooLarge);
    }
    let body = std::str::from_utf8(body).map_err(|_| AdminPostError::BadEncoding)?;
    let (mut backend, mut action, mut servers) = (None, None, Vec::<String>::new());
    for pair in body.trim_end_matches(['\r', '\n']).split('&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = url_decode(v)?;
        match url_decode(k)?.as_str() {
            "s" if !v.is_empty() && !servers.contains(&v) => {
                if servers.len() == MAX_SERVERS {
                    return Err(AdminPostError::TooManyServers);
                }
                servers.push(v);
            }
            "b" => backend = Some(v),
            "action" => action = Some(v),
            _ => {}
        }
    }
    let backend = match backend.filter(|b| !b.is_empty()) {
        None => return Err(AdminPostError::MissingBackend),
        Some(b) => match b.strip_prefix('#') {
            Some(id) => BackendRef::Id(
                id.parse()
                    .map_err(|_| AdminPostError::BadBackendId(id.to_string()))?,
            ),
            None => BackendRef::Name(b),
        },
    };
    let action = match action.filter(|a| !a.is_empty()) {
        None => return Err(AdminPostError::MissingAction),
        Some(a) => AdminAction::from_value(&a).ok_or(AdminPostError::UnknownAction(a))?,
    };
    if servers.is_empty() {
        return Err(AdminPostError::NoServer);
    }
    Ok(AdminPost {
        backend,
        action,
        servers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_form_haproxy_sends() {
        let p = parse_admin_post(b"s=s1&s=s3&action=maint&b=%233").expect("valid form");
        assert_eq!(p.backend, BackendRef::Id(3));
        assert_eq!(p.action, AdminAction::Maint);
        assert_eq!(p.servers, vec!["s1".to_string(), "s3".to_string()]);
        let p = parse_admin_post(b"s=web+1&s=web+1&action=drain&b=app%2Dx").expect("valid");
        assert_eq!(p.backend, BackendRef::Name("app-x".into()));
        assert_eq!(p.servers, vec!["web 1".to_string()]);
        for a in AdminAction::ALL {
            let body = format!("s=a&b=%231&action={}", a.value());
            assert_eq!(parse_admin_post(body.as_bytes()).map(|p| p.action), Ok(a));
        }
    }

    #[test]
    fn hostile_bodies_are_refused_not_panicked_on() {
        use AdminPostError as E;
        let cases: &[(&[u8], AdminPostError)] = &[
            (b"", E::MissingBackend),
            (b"&&&=&", E::MissingBackend),
            (b"s=a&action=maint", E::MissingBackend),
            (b"s=a&b=%23x1&action=maint", E::BadBackendId("x1".into())),
            (
                b"s=a&b=%2399999999999&action=maint",
                E::BadBackendId("99999999999".into()),
            ),
            (b"s=a&b=%231", E::MissingAction),
            (
                b"s=a&b=%231&action=rm%20-rf",
                E::UnknownAction("rm -rf".into()),
            ),
            (b"b=%231&action=ready", E::NoServer),
            (b"s=&b=%231&action=ready", E::NoServer),
            (b"s=%&b=%231&action=ready", E::BadEncoding),
            (b"s=%4&b=%231&action=ready", E::BadEncoding),
            (b"s=%zz&b=%231&action=ready", E::BadEncoding),
            (b"s=%ff&b=%231&action=ready", E::BadEncoding),
            (b"s=\xff&b=%231&action=ready", E::BadEncoding),
        ];
        for (body, want) in cases {
            assert_eq!(
                parse_admin_post(body).as_ref(),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        let big = vec![b'a'; MAX_BODY + 1];
        assert_eq!(parse_admin_post(&big), Err(E::TooLarge));
        let many: String = (0..=MAX_SERVERS).map(|i| format!("s={i}&")).collect();
        assert_eq!(
            parse_admin_post(format!("{many}b=%231&action=ready").as_bytes()),
            Err(E::TooManyServers)
        );
        assert_eq!(E::TooLarge.status_code().as_str(), "EXCD");
        assert_eq!(E::BadEncoding.status_code(), StatusCode::Errp);
    }

    #[test]
    fn markup_in_a_server_name_is_kept_verbatim_for_lookup() {
        let p = parse_admin_post(b"s=%3Cb%3E&b=%231&action=ready").expect("valid");
        assert_eq!(p.servers, vec!["<b>".to_string()]);
    }

    #[test]
    fn status_codes_round_trip() {
        for c in [
            "DONE", "PART", "NONE", "DENY", "EXCD", "ERRP", "UNKN", "IVAL",
        ] {
            assert_eq!(StatusCode::parse(c).map(StatusCode::as_str), Some(c));
        }
        assert_eq!(StatusCode::parse("done"), None);
    }
}
