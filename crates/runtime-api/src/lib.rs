//! `runtime-api` — HAProxy's runtime API over `stats socket` (skeleton: being built).
