//! `logging` — HAProxy's log formats and syslog framing (skeleton: being built).
