//! The formats HAProxy declares internally (configuration manual 8.2.1–8.2.3) and the rule
//! that picks one for a proxy: `log-format` wins, then `option httplog clf`, `option httplog`,
//! `option tcplog`, else the legacy "Connect from" line logged at accept time.

use haproxy_cfg::model::{Mode, Proxy};

use super::compile::{compile, compile_for, LogFormatError};
use super::vars::Var;
use super::{CompiledFormat, Flags, Node};

/// `option httplog`.
pub const HTTP_LOG_FORMAT: &str = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r";
/// `option httplog clf`.
pub const CLF_LOG_FORMAT: &str = "%{+Q}o %{-Q}ci - - [%trg] %r %ST %B \"\" \"\" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl";
/// `option tcplog`.
pub const TCP_LOG_FORMAT: &str =
    "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq";
/// No option: `Connect from IP:PORT to IP:PORT (frontend/MODE)`, at accept time. The mode is
/// not a log-format variable, so this one is built by [`CompiledFormat::connect_line`].
pub const DEFAULT_LOG_FORMAT: &str = "Connect from %ci:%cp to %fi:%fp (%f/MODE)";

/// When a proxy's access line is emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogMoment {
    /// The legacy default format: as soon as the connection is accepted.
    Accept,
    /// tcplog/httplog/custom: when the session (TCP) or the request (HTTP) ends.
    End,
}

/// What a proxy logs for its traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyLogFormat {
    pub format: CompiledFormat,
    /// `log-format-sd`: the RFC 5424 structured data, when set.
    pub structured_data: Option<CompiledFormat>,
    pub moment: LogMoment,
}

impl CompiledFormat {
    /// The legacy default line (configuration manual 8.2.1).
    pub fn connect_line() -> CompiledFormat {
        let mut nodes = compile("Connect from %ci:%cp to %fi:%fp (%f/").unwrap_or_default();
        nodes.push(Node::Var(Var::ProxyMode, Flags::default()));
        nodes.push(Node::Text(Box::from(&b")"[..])));
        CompiledFormat { nodes }
    }
}

/// Picks and compiles the format a proxy uses, as HAProxy selects it. `option httplog` on a
/// `mode tcp` proxy falls back to tcplog, as HAProxy does (with a warning there).
pub fn format_for_proxy(proxy: &Proxy) -> Result<ProxyLogFormat, LogFormatError> {
    let o = &proxy.options;
    let http = proxy.mode == Mode::Http;
    let structured_data = match &proxy.log_format_sd {
        Some(sd) => Some(compile_for(sd, http).map(|nodes| CompiledFormat { nodes })?),
        None => None,
    };
    let end = |s: &str| -> Result<ProxyLogFormat, LogFormatError> {
        Ok(ProxyLogFormat {
            format: CompiledFormat {
                nodes: compile_for(s, http)?,
            },
            structured_data: structured_data.clone(),
            moment: LogMoment::End,
        })
    };
    if let Some(custom) = &proxy.log_format {
        return end(custom);
    }
    if (o.httplog || o.httplog_clf) && http {
        return end(if o.httplog_clf {
            CLF_LOG_FORMAT
        } else {
            HTTP_LOG_FORMAT
        });
    }
    if o.tcplog || o.httplog || o.httplog_clf {
        return end(TCP_LOG_FORMAT);
    }
    Ok(ProxyLogFormat {
        format: CompiledFormat::connect_line(),
        structured_data,
        moment: LogMoment::Accept,
    })
}
