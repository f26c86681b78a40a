//! The plain check: a server that accepts a TCP connection is healthy (`check` with no
//! `option httpchk` / `option tcp-check`). Its plan is one implicit connect step.

use crate::outcome::{CheckOutcome, CheckStatus};
use crate::plan::{CheckPlan, ConnectSpec, PlanKind, Step};

pub fn plan() -> CheckPlan {
    CheckPlan {
        kind: PlanKind::Tcp,
        steps: vec![Step::Connect(ConnectSpec::default())],
    }
}

/// What a connect-only check reports when the connection came up.
pub fn passed() -> CheckOutcome {
    CheckOutcome::new(CheckStatus::L4Ok)
}
