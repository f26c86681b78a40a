//! The variables of the table in configuration manual 8.2.6, by name.

/// One `%var`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Var {
    BytesRead,
    ReqCookie,
    ResCookie,
    Hostname,
    Method,
    Path,
    PathOnly,
    Query,
    Uri,
    Version,
    UniqueId,
    Status,
    GmtDate,
    Ta,
    Tc,
    Td,
    LocalDate,
    Th,
    Ti,
    Tq,
    TR,
    Tr,
    Timestamp,
    Tt,
    Tu,
    Tw,
    BytesUploaded,
    ActConn,
    Backend,
    BeConn,
    BackendSrcIp,
    BackendSrcPort,
    BackendQueue,
    ClientIp,
    ClientPort,
    Frontend,
    FeConn,
    FrontendIp,
    FrontendPort,
    FrontendTransport,
    LogCounter,
    ReqHeaders,
    ReqHeaderList,
    ResHeaders,
    ResHeaderList,
    AcceptMillis,
    Pid,
    Request,
    Retries,
    RequestCounter,
    Server,
    SrvConn,
    ServerIp,
    ServerPort,
    SrvQueue,
    /// `%sslc`, `%sslv`: halb terminates no TLS in this path, rendered `-`.
    Tls,
    AcceptDate,
    RequestDate,
    RequestGmtDate,
    RequestLocalDate,
    TermState,
    TermStateCookie,
    /// `TCP` or `HTTP`, only in the legacy default format.
    ProxyMode,
}

impl Var {
    /// Marked `H` in the table of 8.2.6: HAProxy refuses them in a `mode tcp` proxy.
    pub(crate) fn http_only(self) -> bool {
        matches!(
            self,
            Var::ReqCookie
                | Var::ResCookie
                | Var::Method
                | Var::Path
                | Var::PathOnly
                | Var::Query
                | Var::Uri
                | Var::Version
                | Var::Ta
                | Var::Ti
                | Var::Tq
                | Var::TR
                | Var::Tr
                | Var::Request
                | Var::RequestDate
                | Var::RequestGmtDate
                | Var::RequestLocalDate
                | Var::TermStateCookie
        )
    }

    pub(crate) fn by_name(name: &str) -> Option<Var> {
        Some(match name {
            "B" => Var::BytesRead,
            "CC" => Var::ReqCookie,
            "CS" => Var::ResCookie,
            "H" => Var::Hostname,
            "HM" => Var::Method,
            "HP" => Var::Path,
            "HPO" => Var::PathOnly,
            "HQ" => Var::Query,
            "HU" => Var::Uri,
            "HV" => Var::Version,
            "ID" => Var::UniqueId,
            "ST" => Var::Status,
            "T" => Var::GmtDate,
            "Ta" => Var::Ta,
            "Tc" => Var::Tc,
            "Td" => Var::Td,
            "Tl" => Var::LocalDate,
            "Th" => Var::Th,
            "Ti" => Var::Ti,
            "Tq" => Var::Tq,
            "TR" => Var::TR,
            "Tr" => Var::Tr,
            "Ts" => Var::Timestamp,
            "Tt" => Var::Tt,
            "Tu" => Var::Tu,
            "Tw" => Var::Tw,
            "U" => Var::BytesUploaded,
            "ac" => Var::ActConn,
            "b" => Var::Backend,
            "bc" => Var::BeConn,
            "bi" => Var::BackendSrcIp,
            "bp" => Var::BackendSrcPort,
            "bq" => Var::BackendQueue,
            "ci" => Var::ClientIp,
            "cp" => Var::ClientPort,
            "f" => Var::Frontend,
            "fc" => Var::FeConn,
            "fi" => Var::FrontendIp,
            "fp" => Var::FrontendPort,
            "ft" => Var::FrontendTransport,
            "lc" => Var::LogCounter,
            "hr" => Var::ReqHeaders,
            "hrl" => Var::ReqHeaderList,
            "hs" => Var::ResHeaders,
            "hsl" => Var::ResHeaderList,
            "ms" => Var::AcceptMillis,
            "pid" => Var::Pid,
            "r" => Var::Request,
            "rc" => Var::Retries,
            "rt" => Var::RequestCounter,
            "s" => Var::Server,
            "sc" => Var::SrvConn,
            "si" => Var::ServerIp,
            "sp" => Var::ServerPort,
            "sq" => Var::SrvQueue,
            "sslc" | "sslv" => Var::Tls,
            "t" => Var::AcceptDate,
            "tr" => Var::RequestDate,
            "trg" => Var::RequestGmtDate,
            "trl" => Var::RequestLocalDate,
            "ts" => Var::TermState,
            "tsc" => Var::TermStateCookie,
            _ => return None,
        })
    }
}

/// The `%[sample]` expressions halb can render from a log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    CaptureReqHdr(usize),
    CaptureResHdr(usize),
    CaptureReqMethod,
    CaptureReqUri,
    CaptureReqVer,
    Src,
    SrcPort,
    Dst,
    DstPort,
    FeName,
    BeName,
    SrvName,
    Status,
    UniqueId,
    /// `ssl_*`, `fc_err`…: TLS and connection-error samples, rendered `-`.
    Unavailable,
}

/// What [`Sample::parse`] can say about an expression it does not render.
pub(crate) enum SampleError {
    Unsupported,
    BadArgument,
}

impl Sample {
    pub(crate) fn parse(expr: &str) -> Result<Sample, SampleError> {
        let mut parts = expr.split(',');
        let fetch = parts.next().unwrap_or("").trim();
        let has_converters = parts.next().is_some();
        let (name, arg) = match fetch.find('(') {
            Some(open) => {
                let close = fetch.rfind(')').ok_or(SampleError::BadArgument)?;
                if close < open || close + 1 != fetch.len() {
                    return Err(SampleError::BadArgument);
                }
                (&fetch[..open], Some(&fetch[open + 1..close]))
            }
            None => (fetch, None),
        };
        if name.starts_with("ssl_") || name == "fc_err" || name == "fc_err_str" {
            return Ok(Sample::Unavailable);
        }
        if has_converters {
            return Err(SampleError::Unsupported);
        }
        let index = || -> Result<usize, SampleError> {
            arg.and_then(|a| a.trim().parse::<usize>().ok())
                .ok_or(SampleError::BadArgument)
        };
        let no_arg = |s: Sample| -> Result<Sample, SampleError> {
            match arg {
                None => Ok(s),
                Some(_) => Err(SampleError::BadArgument),
            }
        };
        match name {
            "capture.req.hdr" => Ok(Sample::CaptureReqHdr(index()?)),
            "capture.res.hdr" => Ok(Sample::CaptureResHdr(index()?)),
            "capture.req.method" => no_arg(Sample::CaptureReqMethod),
            "capture.req.uri" => no_arg(Sample::CaptureReqUri),
            "capture.req.ver" => no_arg(Sample::CaptureReqVer),
            "src" => no_arg(Sample::Src),
            "src_port" => no_arg(Sample::SrcPort),
            "dst" => no_arg(Sample::Dst),
            "dst_port" => no_arg(Sample::DstPort),
            "fe_name" => no_arg(Sample::FeName),
            "be_name" => no_arg(Sample::BeName),
            "srv_name" => no_arg(Sample::SrvName),
            "status" | "txn.status" => no_arg(Sample::Status),
            "unique-id" => no_arg(Sample::UniqueId),
            _ => Err(SampleError::Unsupported),
        }
    }
}
