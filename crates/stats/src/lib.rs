//! `stats` — the counter table every renderer reads, and the renderers (skeleton: being built).
