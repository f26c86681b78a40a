//! The I/O side (feature `driver`): the real clock and the non-blocking senders.

pub mod clock;
pub mod sink;
mod stdio;
