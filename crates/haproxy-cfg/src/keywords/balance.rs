//! `balance`, `hash-type`, `hash-balance-factor` (configuration manual 4.2).

use super::args::one;
use super::{Handler, Keyword, Scope, Support};
use crate::model::{Balance, HashType};
use crate::values::parse_uint;

/// Algorithms HAProxy 2.6 knows; the parenthesised ones carry their argument in the name.
pub(crate) const ALGORITHMS: &[&str] = &[
    "roundrobin",
    "static-rr",
    "leastconn",
    "first",
    "source",
    "uri",
    "url_param",
    "hdr",
    "random",
    "rdp-cookie",
];

pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword::new(
        "balance",
        Scope::BE,
        Support::Yes,
        Handler::Proxy(|p, c, a| {
            let (algo, args) = a.split_first().ok_or("'balance' expects an algorithm")?;
            let base = algo.split('(').next().unwrap_or(algo);
            if !ALGORITHMS.contains(&base) {
                let hint = super::suggest(base, ALGORITHMS)
                    .map(|s| format!("; did you mean '{s}' maybe ?"))
                    .unwrap_or_default();
                return Err(format!(
                    "'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)', 'random' and 'rdp-cookie(name)' options, got '{algo}'{hint}"
                ));
            }
            if base == "hdr" && !algo.contains('(') {
                return Err(
                    "'balance hdr' requires a header name in parentheses: hdr(name)".into(),
                );
            }
            if base == "url_param" && args.is_empty() {
                return Err("'balance url_param' requires a URL parameter name".into());
            }
            p.balance = Balance {
                algorithm: algo.clone(),
                args: args.to_vec(),
                location: Some(c.loc.clone()),
            };
            Ok(())
        }),
    ),
    Keyword::new(
        "hash-type",
        Scope::BE,
        Support::Yes,
        Handler::Proxy(|p, _, a| {
            let (method, rest) = a
                .split_first()
                .ok_or("'hash-type' expects 'map-based' or 'consistent'")?;
            if method != "map-based" && method != "consistent" {
                return Err(format!(
                    "'hash-type' expects 'map-based' or 'consistent', got '{method}'"
                ));
            }
            let mut h = HashType {
                method: method.clone(),
                function: None,
                avalanche: false,
            };
            for w in rest {
                match w.as_str() {
                    "sdbm" | "djb2" | "wt6" | "crc32" => h.function = Some(w.clone()),
                    "avalanche" => h.avalanche = true,
                    _ => return Err(format!("'hash-type' : unknown hash function or modifier '{w}' (expected sdbm, djb2, wt6, crc32, avalanche)")),
                }
            }
            p.hash_type = Some(h);
            Ok(())
        }),
    ),
    Keyword::new(
        "hash-balance-factor",
        Scope::BE,
        Support::Yes,
        Handler::Proxy(|p, _, a| {
            let v =
                parse_uint(one("hash-balance-factor", a)?, "hash-balance-factor", 65535)? as u32;
            if v != 0 && v < 100 {
                return Err("'hash-balance-factor' must be 0 or at least 100".into());
            }
            p.hash_balance_factor = Some(v);
            Ok(())
        }),
    ),
];
