//! Samples and the context they are fetched from (configuration manual 7.3). A fetch yields
//! zero, one or several samples (an ACL on `hdr(x)` tries every occurrence); a sample borrows
//! from the head, the edits or a scratch buffer, never owning anything.

use std::net::IpAddr;

use crate::msg::Msg;
use crate::userlist::Userlist;
use crate::view::{ConnInfo, Counters};

/// One fetched value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Sample<'s> {
    Bool(bool),
    Int(i64),
    Ip(IpAddr),
    Str(&'s [u8]),
    /// `http_auth_group(L)`: the groups (bit per group of the userlist) of a valid user.
    Groups(u64),
}

/// The type a fetch produces, which picks its default matching method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SampleType {
    Bool,
    Int,
    Ip,
    Str,
    Groups,
}

/// Everything a fetch may read while a rule is evaluated.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub conn: &'a ConnInfo,
    pub req: Option<Msg<'a>>,
    pub res: Option<Msg<'a>>,
    pub counters: &'a dyn Counters,
    pub userlists: &'a [Userlist],
    /// The proxy whose rules run (index in `Config::proxies`).
    pub proxy: usize,
    /// The frontend the connection arrived on.
    pub frontend: usize,
    /// The backend chosen so far, if any.
    pub backend: Option<usize>,
    pub vars: &'a crate::vars::Vars,
}

impl<'s> Sample<'s> {
    /// The sample as text, as HAProxy converts it (`Int` in decimal, `Bool` as 0/1); non-string
    /// samples are written into `tmp`.
    pub fn to_text<'t>(self, tmp: &'t mut Vec<u8>) -> &'t [u8]
    where
        's: 't,
    {
        use std::io::Write;
        match self {
            Sample::Str(s) => s,
            Sample::Bool(b) => {
                if b {
                    b"1"
                } else {
                    b"0"
                }
            }
            Sample::Int(i) => {
                tmp.clear();
                let _ = write!(tmp, "{i}");
                tmp
            }
            Sample::Ip(ip) => {
                tmp.clear();
                let _ = write!(tmp, "{ip}");
                tmp
            }
            Sample::Groups(_) => b"",
        }
    }
}
