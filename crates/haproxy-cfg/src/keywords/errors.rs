//! `errorfile CODE FILE` and the related error-message keywords (configuration manual 4.2).

use super::{Handler, Keyword, Scope, Support};
use crate::model::ErrorFile;

/// Status codes HAProxy lets `errorfile` replace.
pub(crate) const ERRORFILE_CODES: &[u16] = &[
    200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504,
];

pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword::new(
        "errorfile",
        Scope::ALL_PROXIES,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            let [code, path] = a else {
                return Err("'errorfile' expects <status_code> and <file> as arguments".into());
            };
            let status: u16 = code
                .parse()
                .ok()
                .filter(|s| ERRORFILE_CODES.contains(s))
                .ok_or_else(|| {
                    format!("'errorfile' : status code '{code}' cannot be overridden (expected one of 200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504)")
                })?;
            p.errorfiles.retain(|e| e.status != status);
            p.errorfiles.push(ErrorFile {
                status,
                path: path.into(),
                location: c.loc.clone(),
            });
            Ok(())
        }),
    ),
    Keyword::new(
        "errorfiles",
        Scope::ALL_PROXIES,
        Support::NotYet,
        Handler::Accept,
    ),
    Keyword::new(
        "errorloc",
        Scope::ALL_PROXIES,
        Support::NotYet,
        Handler::Accept,
    ),
    Keyword::new(
        "errorloc302",
        Scope::ALL_PROXIES,
        Support::NotYet,
        Handler::Accept,
    ),
    Keyword::new(
        "errorloc303",
        Scope::ALL_PROXIES,
        Support::NotYet,
        Handler::Accept,
    ),
];
