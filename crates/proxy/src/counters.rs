//! The one counter table every stats renderer reads lives in the `stats` crate; the data
//! plane writes it through these names.

pub use stats::counters::*;
