//! Access levels of a CLI session (management manual 9.2, `level user|operator|admin`).
//!
//! A socket starts a session at the level of its `stats socket ... level` option; the
//! `operator` and `user` commands lower it for the rest of the session, never raise it.

use haproxy_cfg::model::StatsLevel;

/// What a session may do. Ordered: `User < Operator < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Read-only commands that reveal nothing sensitive.
    User,
    /// Also commands that reveal sessions and errors, and `clear counters`.
    Operator,
    /// Every command, including those that change servers.
    Admin,
}

impl Level {
    /// The word `show cli level` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::User => "user",
            Level::Operator => "operator",
            Level::Admin => "admin",
        }
    }
}

impl From<StatsLevel> for Level {
    fn from(l: StatsLevel) -> Self {
        match l {
            StatsLevel::User => Level::User,
            StatsLevel::Operator => Level::Operator,
            StatsLevel::Admin => Level::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_user_operator_admin() {
        assert!(Level::User < Level::Operator);
        assert!(Level::Operator < Level::Admin);
        assert_eq!(Level::from(StatsLevel::Operator), Level::Operator);
    }
}
