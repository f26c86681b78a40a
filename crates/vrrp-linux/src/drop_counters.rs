//! Received VRRP packets dropped, counted per reason.
//!
//! Every hostile or foreign packet ends here instead of reaching an instance. The counters are
//! plain numbers owned by the event loop (one thread); the stats side reads a copy through
//! [`DropCounters::snapshot`]. They are logged on SIGUSR1 and at exit.

use std::collections::BTreeMap;

/// Counts per reason; reasons are the stable names of `vrrp::DecodeError::reason` plus the
/// receive path's own (`ip_header`, `not_vrrp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DropCounters {
    per_reason: BTreeMap<&'static str, u64>,
    /// Adverts that passed every check and reached an instance.
    pub accepted: u64,
}

impl DropCounters {
    pub fn count(&mut self, reason: &'static str) {
        *self.per_reason.entry(reason).or_insert(0) += 1;
    }

    pub fn get(&self, reason: &str) -> u64 {
        self.per_reason.get(reason).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.per_reason.values().sum()
    }

    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        self.per_reason.iter().map(|(k, v)| (*k, *v)).collect()
    }

    /// One log line: `VRRP packets: accepted 12, dropped 3 (bad_ttl=1 bad_checksum=2)`.
    pub fn summary_line(&self) -> String {
        let detail: Vec<String> = self
            .per_reason
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "VRRP packets: accepted {}, dropped {} ({})",
            self.accepted,
            self.total(),
            detail.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_summarises() {
        let mut c = DropCounters::default();
        c.count("bad_ttl");
        c.count("bad_checksum");
        c.count("bad_ttl");
        c.accepted = 4;
        assert_eq!(c.get("bad_ttl"), 2);
        assert_eq!(c.get("auth_failure"), 0);
        assert_eq!(c.total(), 3);
        assert_eq!(
            c.summary_line(),
            "VRRP packets: accepted 4, dropped 3 (bad_checksum=1 bad_ttl=2)"
        );
    }
}
