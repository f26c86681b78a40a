//! The session state at disconnection (configuration manual 8.5): four characters, the first
//! two shown by `%ts`, all four by `%tsc`. The proxy sets them by name as the session ends.

/// First character: the event that ended the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerminationCause {
    /// `-`: normal completion.
    #[default]
    Normal,
    /// `C`: the client aborted.
    ClientAbort,
    /// `S`: the server aborted or refused.
    ServerAbort,
    /// `P`: the proxy aborted (limit, deny, security check).
    ProxyAbort,
    /// `L`: processed locally (stats, redirect).
    Local,
    /// `R`: a resource was exhausted.
    Resource,
    /// `I`: internal error.
    Internal,
    /// `D`: killed because the server went down.
    ServerDown,
    /// `U`: killed on a backup server because an active one came up.
    ServerUp,
    /// `K`: killed by an admin.
    Killed,
    /// `c`: client-side timeout.
    ClientTimeout,
    /// `s`: server-side timeout.
    ServerTimeout,
}

impl TerminationCause {
    pub fn code(self) -> u8 {
        match self {
            TerminationCause::Normal => b'-',
            TerminationCause::ClientAbort => b'C',
            TerminationCause::ServerAbort => b'S',
            TerminationCause::ProxyAbort => b'P',
            TerminationCause::Local => b'L',
            TerminationCause::Resource => b'R',
            TerminationCause::Internal => b'I',
            TerminationCause::ServerDown => b'D',
            TerminationCause::ServerUp => b'U',
            TerminationCause::Killed => b'K',
            TerminationCause::ClientTimeout => b'c',
            TerminationCause::ServerTimeout => b's',
        }
    }
}

/// Second character: where the session was when it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionPhase {
    /// `-`: after the end of the data transfer.
    #[default]
    Done,
    /// `R`: waiting for a complete request.
    Request,
    /// `Q`: waiting in a queue.
    Queue,
    /// `C`: waiting for the server connection.
    Connect,
    /// `H`: waiting for the response headers.
    Headers,
    /// `D`: data phase.
    Data,
    /// `L`: sending the last data to the client.
    LastData,
    /// `T`: tarpitted.
    Tarpit,
}

impl SessionPhase {
    pub fn code(self) -> u8 {
        match self {
            SessionPhase::Done => b'-',
            SessionPhase::Request => b'R',
            SessionPhase::Queue => b'Q',
            SessionPhase::Connect => b'C',
            SessionPhase::Headers => b'H',
            SessionPhase::Data => b'D',
            SessionPhase::LastData => b'L',
            SessionPhase::Tarpit => b'T',
        }
    }
}

/// Third character: the persistence cookie the client presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientCookie {
    /// `-`: no cookie persistence configured.
    #[default]
    NotApplicable,
    /// `N`
    None,
    /// `I`
    Invalid,
    /// `D`: designated a DOWN server.
    Down,
    /// `V`
    Valid,
    /// `E`: expired (maxidle).
    Expired,
    /// `O`: too old (maxlife).
    Old,
    /// `U`: present but unused.
    Unused,
}

impl ClientCookie {
    pub fn code(self) -> u8 {
        match self {
            ClientCookie::NotApplicable => b'-',
            ClientCookie::None => b'N',
            ClientCookie::Invalid => b'I',
            ClientCookie::Down => b'D',
            ClientCookie::Valid => b'V',
            ClientCookie::Expired => b'E',
            ClientCookie::Old => b'O',
            ClientCookie::Unused => b'U',
        }
    }
}

/// Fourth character: what happened to the persistence cookie in the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerCookie {
    /// `-`
    #[default]
    NotApplicable,
    /// `N`: none provided, none inserted.
    None,
    /// `I`: inserted by the proxy.
    Inserted,
    /// `U`: last date updated.
    Updated,
    /// `P`: provided by the server, passed as-is.
    Provided,
    /// `R`: rewritten.
    Rewritten,
    /// `D`: deleted.
    Deleted,
}

impl ServerCookie {
    pub fn code(self) -> u8 {
        match self {
            ServerCookie::NotApplicable => b'-',
            ServerCookie::None => b'N',
            ServerCookie::Inserted => b'I',
            ServerCookie::Updated => b'U',
            ServerCookie::Provided => b'P',
            ServerCookie::Rewritten => b'R',
            ServerCookie::Deleted => b'D',
        }
    }
}

/// The four termination-state characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TerminationState {
    pub cause: TerminationCause,
    pub phase: SessionPhase,
    pub client_cookie: ClientCookie,
    pub server_cookie: ServerCookie,
}

impl TerminationState {
    pub fn new(cause: TerminationCause, phase: SessionPhase) -> Self {
        TerminationState {
            cause,
            phase,
            ..Default::default()
        }
    }

    /// `%tsc`: all four characters.
    pub fn codes(&self) -> [u8; 4] {
        [
            self.cause.code(),
            self.phase.code(),
            self.client_cookie.code(),
            self.server_cookie.code(),
        ]
    }

    /// True when the session did not end normally (what `option log-separate-errors` and
    /// `option dontlog-normal` look at, together with the status and retries).
    pub fn is_error(&self) -> bool {
        self.cause != TerminationCause::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_manual() {
        assert_eq!(&TerminationState::default().codes(), b"----");
        let t = TerminationState {
            cause: TerminationCause::ServerAbort,
            phase: SessionPhase::Connect,
            client_cookie: ClientCookie::None,
            server_cookie: ServerCookie::Inserted,
        };
        assert_eq!(&t.codes(), b"SCNI");
        let c = TerminationState::new(TerminationCause::ClientTimeout, SessionPhase::Request);
        assert_eq!(&c.codes(), b"cR--");
        assert!(c.is_error());
        assert_eq!(SessionPhase::Tarpit.code(), b'T');
        assert_eq!(ClientCookie::Valid.code(), b'V');
        assert_eq!(ServerCookie::Rewritten.code(), b'R');
        assert_eq!(TerminationCause::Killed.code(), b'K');
    }
}
