//! `unique-id-format` and `unique-id-header`: an identifier for each request (or TCP
//! session), written in the log-format language, built once when the request head is
//! complete. The server gets it in a header, the log line shows it as `%ID`, and its `%rt`
//! is the one the log line shows.

use std::net::SocketAddr;

use haproxy_cfg::model::Proxy as CfgProxy;
use logging::{CompiledFormat, LogFormat, LogRecord};

use crate::access_log;
use crate::txn::Txn;

#[derive(Debug)]
pub struct UniqueIdPlan {
    format: CompiledFormat,
    /// `unique-id-header NAME`.
    pub header: Option<String>,
}

impl UniqueIdPlan {
    /// The frontend's identifier format, compiled; `None` without `unique-id-format`. An
    /// error names the line, as HAProxy's do.
    pub fn build(p: &CfgProxy) -> Result<Option<UniqueIdPlan>, String> {
        let Some(text) = &p.unique_id_format else {
            return Ok(None);
        };
        let format = LogFormat::compile_for_mode(text, p.mode == haproxy_cfg::model::Mode::Http)
            .map_err(|e| match &p.unique_id_format_location {
                Some(at) => {
                    format!("parsing [{at}] : proxy '{}': unique-id-format: {e}", p.name)
                }
                None => format!("proxy '{}': unique-id-format: {e}", p.name),
            })?;
        Ok(Some(UniqueIdPlan {
            format,
            header: p.unique_id_header.clone(),
        }))
    }

    /// Builds the identifier of the transaction into `txn.unique_id` and takes its `%rt`.
    pub(crate) fn generate(
        &self,
        frontend: &str,
        http: bool,
        txn: &mut Txn,
        client: Option<SocketAddr>,
        local: Option<SocketAddr>,
    ) {
        let counter = access_log::next_request_counter();
        txn.request_counter = Some(counter);
        let rec = LogRecord {
            client,
            frontend_addr: local,
            accept_date: txn
                .accept_wall()
                .map(access_log::log_time)
                .unwrap_or_default(),
            request_date: txn.request_wall().map(access_log::log_time),
            frontend,
            backend: frontend,
            http,
            pid: access_log::process_facts().0,
            hostname: &access_log::process_facts().1,
            request_counter: counter,
            ..LogRecord::default()
        };
        let mut id = std::mem::take(&mut txn.unique_id);
        id.clear();
        self.format.render(&rec, &mut id);
        txn.unique_id = id;
    }
}
