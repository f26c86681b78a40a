//! `rules` — HAProxy's ACLs, conditions and rules, compiled once at configuration load.
