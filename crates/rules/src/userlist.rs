//! `userlist` sections compiled for `http_auth`, `http_auth_group` and `stats auth`: users
//! with a clear-text or crypt(3) password and their groups as a bit mask (configuration
//! manual 3.4). Basic credentials are decoded on the stack.

use haproxy_cfg::model::{self, Password};

use crate::crypt::CryptHash;
use crate::error::{CompileError, CompileErrorKind};

#[derive(Debug, Clone)]
pub(crate) enum Secret {
    Insecure(Box<[u8]>),
    Crypt(CryptHash),
}

#[derive(Debug, Clone)]
pub struct UserEntry {
    pub name: String,
    pub(crate) secret: Secret,
    /// Bit `i` set when the user belongs to group `i` of the userlist.
    pub groups: u64,
}

/// A compiled `userlist`.
#[derive(Debug, Clone)]
pub struct Userlist {
    pub name: String,
    pub users: Vec<UserEntry>,
    pub groups: Vec<String>,
}

impl Userlist {
    pub fn compile(u: &model::Userlist) -> Result<Userlist, CompileError> {
        let ctx = || format!("userlist '{}'", u.name);
        if u.groups.len() > 64 {
            return Err(CompileError::new(
                &u.location,
                ctx(),
                CompileErrorKind::Unsupported("more than 64 groups in one userlist".into()),
            ));
        }
        let groups: Vec<String> = u.groups.iter().map(|g| g.name.clone()).collect();
        let mut users = Vec::with_capacity(u.users.len());
        for user in &u.users {
            let secret = match &user.password {
                Password::Insecure(p) => Secret::Insecure(p.as_bytes().into()),
                Password::Hash(h) => Secret::Crypt(CryptHash::parse(h).ok_or_else(|| {
                    CompileError::new(
                        &u.location,
                        ctx(),
                        CompileErrorKind::BadPasswordHash {
                            user: user.name.clone(),
                        },
                    )
                })?),
            };
            let mut mask = 0u64;
            for (i, g) in u.groups.iter().enumerate() {
                if user.groups.contains(&g.name) || g.users.contains(&user.name) {
                    mask |= 1 << i;
                }
            }
            users.push(UserEntry {
                name: user.name.clone(),
                secret,
                groups: mask,
            });
        }
        Ok(Userlist {
            name: u.name.clone(),
            users,
            groups,
        })
    }

    /// The index of the user whose password is `password`.
    pub fn check(&self, user: &[u8], password: &[u8]) -> Option<usize> {
        let i = self.users.iter().position(|u| u.name.as_bytes() == user)?;
        let ok = match &self.users[i].secret {
            Secret::Insecure(p) => **p == *password,
            Secret::Crypt(h) => h.verify(password),
        };
        ok.then_some(i)
    }

    /// Checks an `Authorization: Basic …` value; the user index when it is valid.
    pub fn check_basic(&self, authorization: &[u8]) -> Option<usize> {
        let mut buf = [0u8; 384];
        let (user, password) = decode_basic(authorization, &mut buf)?;
        self.check(user, password)
    }
}

/// Splits `Basic base64(user:password)` into user and password, decoded into `buf`.
pub fn decode_basic<'b>(value: &[u8], buf: &'b mut [u8]) -> Option<(&'b [u8], &'b [u8])> {
    let value = crate::msg::trim(value);
    let sp = value.iter().position(|&b| b == b' ')?;
    if !value[..sp].eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let n = base64_decode(crate::msg::trim(&value[sp..]), buf)?;
    let decoded = &buf[..n];
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((&decoded[..colon], &decoded[colon + 1..]))
}

fn base64_decode(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let input = match input.iter().position(|&b| b == b'=') {
        Some(p) if input[p..].iter().all(|&b| b == b'=') && input[p..].len() <= 2 => &input[..p],
        Some(_) => return None,
        None => input,
    };
    let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
    for &c in input {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
            acc &= (1 << bits) - 1;
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_basic_credentials() {
        let mut buf = [0u8; 64];
        // "admin:s3cret:x" — the password may itself hold colons.
        let (u, p) = decode_basic(b"Basic YWRtaW46czNjcmV0Ong=", &mut buf).expect("valid");
        assert_eq!((u, p), (&b"admin"[..], &b"s3cret:x"[..]));
        let mut buf = [0u8; 64];
        assert!(decode_basic(b"basic YWRtaW46YQ==", &mut buf).is_some());
        for bad in [
            &b"Bearer abc"[..],
            b"Basic !!!!",
            b"Basic YWRtaW4=",
            b"Basic",
            b"Basic YQ=x=",
        ] {
            let mut buf = [0u8; 64];
            assert!(
                decode_basic(bad, &mut buf).is_none(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // Longer than the buffer: refused, not a panic.
        let long = [b'Q'; 600];
        let mut v = b"Basic ".to_vec();
        v.extend_from_slice(&long);
        let mut buf = [0u8; 64];
        assert!(decode_basic(&v, &mut buf).is_none());
    }
}
