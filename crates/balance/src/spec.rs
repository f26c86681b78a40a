//! From configuration words to an algorithm: `balance ALGO [ARGS]`, `hash-type`,
//! `hash-balance-factor` (configuration manual 4.2), validated as HAProxy's
//! `backend_parse_balance()` does, then built against a server pool.

use crate::hash::HashSpec;
use crate::hashed::{HashBalance, KeySource};
use crate::pool::ServerPool;
use crate::uri::UriOptions;
use crate::{Algorithm, First, LeastConn, RandomBalance, RoundRobin, StaticRoundRobin};

/// A `balance` line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'uri', 'url_param', 'hdr(name)', 'random' and 'rdp-cookie(name)' options, got '{0}'")]
    UnknownAlgorithm(String),
    #[error("'balance {0}' is not supported by halb")]
    Unsupported(String),
    #[error("'{0}' : missing closing parenthesis or name")]
    BadParenthesis(String),
    #[error("random : number of draws must be an integer of at least 1, got '{0}'")]
    Draws(String),
    #[error("uri : '{option}' expects a positive integer (got '{got}')")]
    PositiveInteger { option: String, got: String },
    #[error("uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '{0}')")]
    UriOption(String),
    #[error("url_param requires an URL parameter name")]
    UrlParamName,
    #[error("'{algorithm}' only accepts '{expected}' modifier (got '{got}')")]
    Modifier {
        algorithm: String,
        expected: &'static str,
        got: String,
    },
    #[error("'hash-type' only supports 'consistent' and 'map-based', got '{0}'")]
    HashMethod(String),
    #[error(
        "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions, got '{0}'"
    )]
    HashFunction(String),
}

/// The algorithm named by `balance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlgorithmSpec {
    RoundRobin,
    StaticRr,
    LeastConn,
    First,
    Random { draws: u32 },
    Hash(KeySource),
}

/// Everything that decides server choice for one backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceSpec {
    pub algorithm: AlgorithmSpec,
    pub hash: HashSpec,
    /// `hash-balance-factor`, 0 = off.
    pub balance_factor: u32,
}

impl Default for BalanceSpec {
    fn default() -> Self {
        BalanceSpec {
            algorithm: AlgorithmSpec::RoundRobin,
            hash: HashSpec::default(),
            balance_factor: 0,
        }
    }
}

/// What the caller must put in the [`crate::PickKey`] for this algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyNeeds<'a> {
    pub client: bool,
    pub uri: bool,
    /// The header whose value goes in `PickKey::header` (case-insensitive name).
    pub header: Option<&'a str>,
    /// The POST body start (`url_param NAME check_post`).
    pub body: bool,
    /// The first payload bytes (`rdp-cookie`); the caller waits for them in tcp mode.
    pub payload: bool,
    /// Connection counts must be current in the pool (leastconn, first, random, bounded
    /// loads, and every algorithm that skips servers at `maxconn`).
    pub loads: bool,
}

/// `NAME(ARG)` → `ARG`, for `hdr(...)`, `rdp-cookie(...)`, `random(...)`.
fn paren_arg<'a>(word: &'a str, base: &str) -> Result<Option<&'a str>, SpecError> {
    let rest = &word[base.len()..];
    if rest.is_empty() {
        return Ok(None);
    }
    rest.strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .filter(|a| !a.is_empty())
        .map(Some)
        .ok_or_else(|| SpecError::BadParenthesis(word.to_string()))
}

impl BalanceSpec {
    /// Reads `balance ALGORITHM ARGS...`, then the optional `hash-type` words
    /// (`method`, `function`, `avalanche`) and `hash-balance-factor`.
    pub fn parse(
        algorithm: &str,
        args: &[String],
        hash_type: Option<(&str, Option<&str>, bool)>,
        balance_factor: Option<u32>,
    ) -> Result<BalanceSpec, SpecError> {
        let base = algorithm.split('(').next().unwrap_or(algorithm);
        let no_args = |args: &[String]| match args.first() {
            None => Ok(()),
            Some(a) => Err(SpecError::Modifier {
                algorithm: algorithm.to_string(),
                expected: "no",
                got: a.clone(),
            }),
        };
        let algo = match base {
            "roundrobin" | "static-rr" | "leastconn" | "first" | "source" if algorithm != base => {
                return Err(SpecError::UnknownAlgorithm(algorithm.to_string()))
            }
            "roundrobin" => AlgorithmSpec::RoundRobin,
            "static-rr" => AlgorithmSpec::StaticRr,
            "leastconn" => AlgorithmSpec::LeastConn,
            "first" => AlgorithmSpec::First,
            "source" => AlgorithmSpec::Hash(KeySource::Source),
            "random" => {
                let draws = match paren_arg(algorithm, base)? {
                    None => 2,
                    Some(d) => d
                        .parse::<u32>()
                        .ok()
                        .filter(|&d| d >= 1)
                        .ok_or_else(|| SpecError::Draws(d.to_string()))?,
                };
                no_args(args)?;
                AlgorithmSpec::Random { draws }
            }
            "uri" if algorithm == base => {
                AlgorithmSpec::Hash(KeySource::Uri(UriOptions::parse(args)?))
            }
            "url_param" if algorithm == base => {
                let name = args.first().ok_or(SpecError::UrlParamName)?.clone();
                let check_post = match args.get(1).map(String::as_str) {
                    None => false,
                    Some("check_post") => true,
                    Some(other) => {
                        return Err(SpecError::Modifier {
                            algorithm: "url_param".into(),
                            expected: "check_post",
                            got: other.to_string(),
                        })
                    }
                };
                // HAProxy still accepts the old `<max_wait>` number after check_post.
                AlgorithmSpec::Hash(KeySource::UrlParam { name, check_post })
            }
            "hdr" => {
                let name = paren_arg(algorithm, base)?
                    .ok_or_else(|| SpecError::BadParenthesis(algorithm.to_string()))?
                    .to_string();
                let use_domain_only = match args.first().map(String::as_str) {
                    None => false,
                    Some("use_domain_only") => true,
                    Some(other) => {
                        return Err(SpecError::Modifier {
                            algorithm: algorithm.to_string(),
                            expected: "use_domain_only",
                            got: other.to_string(),
                        })
                    }
                };
                AlgorithmSpec::Hash(KeySource::Header {
                    name,
                    use_domain_only,
                })
            }
            "rdp-cookie" => {
                let name = paren_arg(algorithm, base)?
                    .unwrap_or(crate::rdp_cookie::DEFAULT_NAME)
                    .to_string();
                AlgorithmSpec::Hash(KeySource::RdpCookie { name })
            }
            "hash" => return Err(SpecError::Unsupported(algorithm.to_string())),
            _ => return Err(SpecError::UnknownAlgorithm(algorithm.to_string())),
        };
        let hash = match hash_type {
            None => HashSpec::default(),
            Some((method, function, avalanche)) => HashSpec::parse(method, function, avalanche)?,
        };
        Ok(BalanceSpec {
            algorithm: algo,
            hash,
            balance_factor: balance_factor.unwrap_or(0),
        })
    }

    /// The algorithm's state for `pool`; `seed` feeds `balance random` only.
    pub fn build(&self, pool: &ServerPool, seed: u64) -> Box<dyn Algorithm> {
        match &self.algorithm {
            AlgorithmSpec::RoundRobin => Box::new(RoundRobin::new(pool)),
            AlgorithmSpec::StaticRr => Box::new(StaticRoundRobin::new(pool)),
            AlgorithmSpec::LeastConn => Box::new(LeastConn::new(pool)),
            AlgorithmSpec::First => Box::new(First::new(pool)),
            AlgorithmSpec::Random { draws } => {
                Box::new(RandomBalance::new(pool, *draws, self.balance_factor, seed))
            }
            AlgorithmSpec::Hash(key) => Box::new(HashBalance::new(
                key.clone(),
                self.hash,
                self.balance_factor,
                pool,
            )),
        }
    }

    pub fn needs(&self) -> KeyNeeds<'_> {
        let mut n = KeyNeeds {
            loads: true,
            ..KeyNeeds::default()
        };
        if let AlgorithmSpec::Hash(k) = &self.algorithm {
            match k {
                KeySource::Source => n.client = true,
                KeySource::Uri(_) => n.uri = true,
                KeySource::UrlParam { check_post, .. } => {
                    n.uri = true;
                    n.body = *check_post;
                }
                KeySource::Header { name, .. } => n.header = Some(name),
                KeySource::RdpCookie { .. } => n.payload = true,
            }
        }
        n
    }

    /// The algorithm's name as `balance` spells it, for logs and the stats page.
    pub fn name(&self) -> &'static str {
        match &self.algorithm {
            AlgorithmSpec::RoundRobin => "roundrobin",
            AlgorithmSpec::StaticRr => "static-rr",
            AlgorithmSpec::LeastConn => "leastconn",
            AlgorithmSpec::First => "first",
            AlgorithmSpec::Random { .. } => "random",
            AlgorithmSpec::Hash(KeySource::Source) => "source",
            AlgorithmSpec::Hash(KeySource::Uri(_)) => "uri",
            AlgorithmSpec::Hash(KeySource::UrlParam { .. }) => "url_param",
            AlgorithmSpec::Hash(KeySource::Header { .. }) => "hdr",
            AlgorithmSpec::Hash(KeySource::RdpCookie { .. }) => "rdp-cookie",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<BalanceSpec, SpecError> {
        let mut w = line.split_whitespace();
        let algo = w.next().unwrap_or("");
        let args: Vec<String> = w.map(String::from).collect();
        BalanceSpec::parse(algo, &args, None, None)
    }

    #[test]
    fn every_algorithm_of_the_manual() {
        assert_eq!(
            parse("roundrobin").unwrap().algorithm,
            AlgorithmSpec::RoundRobin
        );
        assert_eq!(
            parse("static-rr").unwrap().algorithm,
            AlgorithmSpec::StaticRr
        );
        assert_eq!(
            parse("leastconn").unwrap().algorithm,
            AlgorithmSpec::LeastConn
        );
        assert_eq!(parse("first").unwrap().algorithm, AlgorithmSpec::First);
        assert_eq!(
            parse("random").unwrap().algorithm,
            AlgorithmSpec::Random { draws: 2 }
        );
        assert_eq!(
            parse("random(5)").unwrap().algorithm,
            AlgorithmSpec::Random { draws: 5 }
        );
        assert_eq!(
            parse("source").unwrap().algorithm,
            AlgorithmSpec::Hash(KeySource::Source)
        );
        assert!(
            matches!(parse("uri depth 2 whole").unwrap().algorithm, AlgorithmSpec::Hash(KeySource::Uri(o)) if o.depth == 2 && o.whole)
        );
        assert_eq!(
            parse("url_param userid check_post").unwrap().algorithm,
            AlgorithmSpec::Hash(KeySource::UrlParam {
                name: "userid".into(),
                check_post: true
            })
        );
        assert_eq!(
            parse("hdr(Host) use_domain_only").unwrap().algorithm,
            AlgorithmSpec::Hash(KeySource::Header {
                name: "Host".into(),
                use_domain_only: true
            })
        );
        assert_eq!(
            parse("rdp-cookie").unwrap().algorithm,
            AlgorithmSpec::Hash(KeySource::RdpCookie {
                name: "mstshash".into()
            })
        );
        assert_eq!(
            parse("rdp-cookie(user)").unwrap().algorithm,
            AlgorithmSpec::Hash(KeySource::RdpCookie {
                name: "user".into()
            })
        );
    }

    #[test]
    fn bad_lines_are_refused_with_a_reason() {
        for bad in [
            "roundrobinx",
            "hdr",
            "hdr()",
            "hdr(host",
            "random(0)",
            "random(x)",
            "url_param",
            "uri len",
            "uri len -1",
            "uri foo",
            "hdr(host) bar",
            "rdp-cookie()",
            "hash req.cookie(x)",
            "random 3",
        ] {
            let e = parse(bad).expect_err(bad);
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn hash_type_and_factor_are_kept() {
        let s = BalanceSpec::parse(
            "uri",
            &[],
            Some(("consistent", Some("crc32"), true)),
            Some(150),
        )
        .unwrap();
        assert_eq!(s.hash.method, crate::HashMethod::Consistent);
        assert_eq!(s.hash.function, crate::HashFunction::Crc32);
        assert!(s.hash.avalanche);
        assert_eq!(s.balance_factor, 150);
    }

    #[test]
    fn needs_name_the_key() {
        assert!(parse("source").unwrap().needs().client);
        assert!(parse("uri").unwrap().needs().uri);
        assert_eq!(parse("hdr(X-User)").unwrap().needs().header, Some("X-User"));
        assert!(parse("rdp-cookie").unwrap().needs().payload);
        assert!(!parse("roundrobin").unwrap().needs().uri);
    }
}
