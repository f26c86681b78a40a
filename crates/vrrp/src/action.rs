//! What an [`crate::Instance`] asks its driver to do, and the states it reports.
//!
//! The instance queues actions in the order keepalived performs them (e.g. on becoming
//! master: advert, log, add VIPs, GARP, notify); the driver pops them with
//! [`crate::Instance::poll_action`] and executes them in that order.

use std::fmt;

use crate::codec::Advert;

/// The VRRP state of an instance (RFC 5798 §6.4 plus keepalived's FAULT and STOP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Initialize,
    Backup,
    Master,
    /// A tracked interface or unweighted script failed: no adverts, no VIPs.
    Fault,
    /// After [`crate::Instance::shutdown`].
    Stopped,
}

impl State {
    /// The word keepalived uses in logs and as the notify script argument.
    pub fn keepalived_name(self) -> &'static str {
        match self {
            State::Initialize => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stopped => "STOP",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keepalived_name())
    }
}

/// One thing the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this advert: to 224.0.0.18 with TTL 255, or to each unicast peer. Encode with
    /// [`crate::encode`] using our primary address as source and the real destination
    /// (the v3 checksum depends on it).
    SendAdvert(Advert),
    /// Add the virtual addresses (and virtual routes/rules) to the interface.
    AddVips,
    /// Remove the virtual addresses (and virtual routes/rules).
    DelVips,
    /// Send `repeat` gratuitous ARPs for every VIP (keepalived's `vrrp_send_link_update`),
    /// spaced by the global `vrrp_garp_interval` (0 = back to back).
    SendGarp { repeat: u32 },
    /// Run the notify scripts / write the notify FIFO for this new state.
    Notify(State),
    /// A log line in keepalived's words, already prefixed with `(NAME) `. `detail` lines are
    /// the ones keepalived prints only with `-D` (`--log-detail`).
    Log { detail: bool, line: String },
}
