//! `halb proxy -c`: everything `bind` would refuse, short of opening sockets — rules compiled,
//! error files read, server names resolved — so a check fails where a start would.

use std::sync::Arc;

use haproxy_cfg::{Config, Diagnostic};

use crate::error::ProxyError;
use crate::plan::Plan;

/// Builds the runtime plan without binding; returns the warnings compiling it produced.
pub fn check_config(config: Arc<Config>) -> Result<Vec<Diagnostic>, ProxyError> {
    let plan = Plan::build(config, 1, None)?;
    Ok(plan.rule_warnings)
}
