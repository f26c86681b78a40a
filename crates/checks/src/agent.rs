//! `agent-check`: a small TCP service on the server (`agent-port`) answers one line such as
//! `up 75%`, `drain`, `maint`, `down#disk full`, which sets the server's weight, admin state
//! and operational state (configuration manual, `agent-check`).
//!
//! The reply is words separated by blanks or commas, ending at a newline; `#` starts a
//! description. Unknown words are ignored, as HAProxy ignores them.

use crate::outcome::{CheckOutcome, CheckStatus};

/// The operational state an agent may report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    Up,
    Down,
    Stopped,
    Fail,
}

impl AgentState {
    fn word(self) -> &'static str {
        match self {
            AgentState::Up => "up",
            AgentState::Down => "down",
            AgentState::Stopped => "stopped",
            AgentState::Fail => "fail",
        }
    }
}

/// The administrative state an agent may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentAdmin {
    /// Leave MAINT and DRAIN.
    Ready,
    Drain,
    Maint,
}

/// One parsed agent reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentReply {
    pub state: Option<AgentState>,
    pub admin: Option<AgentAdmin>,
    /// `N%`: the weight as a percentage of the configured one.
    pub weight_pct: Option<u32>,
    /// `maxconn:N`.
    pub maxconn: Option<u32>,
    pub description: Option<String>,
}

impl AgentReply {
    /// The check result an operational state amounts to (`via agent : down`), as HAProxy
    /// reports it: code 0, a wrong status for down, stopped and fail.
    pub fn outcome(&self) -> Option<CheckOutcome> {
        let state = self.state?;
        let status = match state {
            AgentState::Up => CheckStatus::L7Ok,
            _ => CheckStatus::L7Status,
        };
        let mut info = format!("via agent : {}", state.word());
        if let Some(d) = &self.description {
            info.push_str(&format!(": {d}"));
        }
        Some(CheckOutcome::new(status).with_info(info))
    }
}

/// Whether `buf` holds a whole reply (a line, or whatever came before the agent closed).
pub fn reply_complete(buf: &[u8], eof: bool) -> bool {
    eof || buf.contains(&b'\n')
}

/// Parses a reply; bytes that are not text, and words not known, are ignored.
pub fn parse_reply(buf: &[u8]) -> AgentReply {
    let line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let (words, description) = match line.split_once('#') {
        Some((w, d)) => (
            w.to_string(),
            Some(d.trim().to_string()).filter(|d| !d.is_empty()),
        ),
        None => (line.to_string(), None),
    };
    let mut reply = AgentReply {
        description,
        ..AgentReply::default()
    };
    for word in words
        .split([' ', '\t', ',', '\r'])
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "up" => reply.state = Some(AgentState::Up),
            "down" => reply.state = Some(AgentState::Down),
            "stopped" => reply.state = Some(AgentState::Stopped),
            "fail" => reply.state = Some(AgentState::Fail),
            "ready" => reply.admin = Some(AgentAdmin::Ready),
            "drain" => reply.admin = Some(AgentAdmin::Drain),
            "maint" => reply.admin = Some(AgentAdmin::Maint),
            _ => {
                if let Some(pct) = lower.strip_suffix('%') {
                    if let Ok(p) = pct.parse::<u32>() {
                        reply.weight_pct = Some(p);
                    }
                } else if let Some(n) = lower.strip_prefix("maxconn:") {
                    if let Ok(n) = n.parse::<u32>() {
                        reply.maxconn = Some(n);
                    }
                }
            }
        }
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_and_state() {
        let r = parse_reply(b"up 75%\n");
        assert_eq!(r.state, Some(AgentState::Up));
        assert_eq!(r.weight_pct, Some(75));
        assert_eq!(r.admin, None);
    }

    #[test]
    fn admin_words_and_commas() {
        let r = parse_reply(b"drain,50%\r\n");
        assert_eq!(r.admin, Some(AgentAdmin::Drain));
        assert_eq!(r.weight_pct, Some(50));
        assert_eq!(parse_reply(b"MAINT").admin, Some(AgentAdmin::Maint));
        let r = parse_reply(b"ready up maxconn:30");
        assert_eq!(r.admin, Some(AgentAdmin::Ready));
        assert_eq!(r.maxconn, Some(30));
    }

    #[test]
    fn down_reads_like_haproxy() {
        let o = parse_reply(b"down\n").outcome().expect("a state");
        assert_eq!(o.status, CheckStatus::L7Status);
        assert_eq!(o.info.as_deref(), Some("via agent : down"));
        let o = parse_reply(b"stopped#disk full\n")
            .outcome()
            .expect("a state");
        assert_eq!(o.info.as_deref(), Some("via agent : stopped: disk full"));
        assert!(parse_reply(b"up").outcome().expect("a state").passed());
    }

    #[test]
    fn garbage_is_ignored_not_fatal() {
        assert_eq!(
            parse_reply(b"bogus 12x% \xff\xfe maxconn:-1"),
            AgentReply::default()
        );
        assert_eq!(parse_reply(b""), AgentReply::default());
        assert!(parse_reply(b"").outcome().is_none());
    }

    #[test]
    fn only_the_first_line_counts() {
        assert_eq!(parse_reply(b"up\ndown\n").state, Some(AgentState::Up));
        assert!(!reply_complete(b"up", false));
        assert!(reply_complete(b"up", true));
        assert!(reply_complete(b"up\n", false));
    }
}
