//! crypt(3) password hashes a `userlist` may carry: SHA-256-crypt (`$5$`), SHA-512-crypt
//! (`$6$`), per Ulrich Drepper's specification, and MD5-crypt (`$1$`). Verified against
//! `openssl passwd -5/-6/-1` in the tests. Checking a password allocates a few small buffers;
//! it runs only for requests that carry credentials.

use md5::Md5;
use sha2::{Digest, Sha256, Sha512};

const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A parsed crypt string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptHash {
    scheme: Scheme,
    rounds: Option<u32>,
    salt: Box<[u8]>,
    /// The encoded hash part, compared after recomputing.
    hash: Box<[u8]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Md5,
    Sha256,
    Sha512,
}

impl CryptHash {
    /// Parses `$1$salt$hash`, `$5$[rounds=N$]salt$hash` or `$6$[rounds=N$]salt$hash`.
    pub fn parse(s: &str) -> Option<CryptHash> {
        let (scheme, rest) = if let Some(r) = s.strip_prefix("$1$") {
            (Scheme::Md5, r)
        } else if let Some(r) = s.strip_prefix("$5$") {
            (Scheme::Sha256, r)
        } else if let Some(r) = s.strip_prefix("$6$") {
            (Scheme::Sha512, r)
        } else {
            return None;
        };
        let (rounds, rest) = match rest.strip_prefix("rounds=") {
            Some(r) if scheme != Scheme::Md5 => {
                let (n, rest) = r.split_once('$')?;
                let n: u32 = n.parse().ok()?;
                (Some(n.clamp(1000, 999_999_999)), rest)
            }
            _ => (None, rest),
        };
        let (salt, hash) = rest.rsplit_once('$')?;
        let max_salt = if scheme == Scheme::Md5 { 8 } else { 16 };
        let expected_len = match scheme {
            Scheme::Md5 => 22,
            Scheme::Sha256 => 43,
            Scheme::Sha512 => 86,
        };
        if salt.len() > max_salt || hash.len() != expected_len || salt.contains('$') {
            return None;
        }
        Some(CryptHash {
            scheme,
            rounds,
            salt: salt.as_bytes().into(),
            hash: hash.as_bytes().into(),
        })
    }

    /// Whether `password` hashes to this value.
    pub fn verify(&self, password: &[u8]) -> bool {
        let mut out = Vec::with_capacity(86);
        match self.scheme {
            Scheme::Md5 => md5_crypt(password, &self.salt, &mut out),
            Scheme::Sha256 => {
                sha_crypt::<Sha256>(password, &self.salt, self.rounds, &SHA256_ORDER, &mut out)
            }
            Scheme::Sha512 => {
                sha_crypt::<Sha512>(password, &self.salt, self.rounds, &SHA512_ORDER, &mut out)
            }
        }
        // Constant-time comparison: the time taken says nothing about how much matched.
        out.len() == self.hash.len()
            && out
                .iter()
                .zip(self.hash.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

fn b64_from_24bit(b2: u8, b1: u8, b0: u8, n: usize, out: &mut Vec<u8>) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(ITOA64[(w & 0x3f) as usize]);
        w >>= 6;
    }
}

/// Byte triples of the final digest, in output order (the specification's permutation).
const SHA256_ORDER: [(usize, usize, usize, usize); 11] = [
    (0, 10, 20, 4),
    (21, 1, 11, 4),
    (12, 22, 2, 4),
    (3, 13, 23, 4),
    (24, 4, 14, 4),
    (15, 25, 5, 4),
    (6, 16, 26, 4),
    (27, 7, 17, 4),
    (18, 28, 8, 4),
    (9, 19, 29, 4),
    (usize::MAX, 31, 30, 3),
];

const SHA512_ORDER: [(usize, usize, usize, usize); 22] = [
    (0, 21, 42, 4),
    (22, 43, 1, 4),
    (44, 2, 23, 4),
    (3, 24, 45, 4),
    (25, 46, 4, 4),
    (47, 5, 26, 4),
    (6, 27, 48, 4),
    (28, 49, 7, 4),
    (50, 8, 29, 4),
    (9, 30, 51, 4),
    (31, 52, 10, 4),
    (53, 11, 32, 4),
    (12, 33, 54, 4),
    (34, 55, 13, 4),
    (56, 14, 35, 4),
    (15, 36, 57, 4),
    (37, 58, 16, 4),
    (59, 17, 38, 4),
    (18, 39, 60, 4),
    (40, 61, 19, 4),
    (62, 20, 41, 4),
    (usize::MAX, usize::MAX, 63, 2),
];

fn sha_crypt<D: Digest + Clone>(
    pw: &[u8],
    salt: &[u8],
    rounds: Option<u32>,
    order: &[(usize, usize, usize, usize)],
    out: &mut Vec<u8>,
) {
    let rounds = rounds.unwrap_or(5000);
    let hl = <D as Digest>::output_size();
    let b = D::new()
        .chain_update(pw)
        .chain_update(salt)
        .chain_update(pw)
        .finalize();
    let mut a = D::new().chain_update(pw).chain_update(salt);
    let mut cnt = pw.len();
    while cnt > hl {
        a.update(&b);
        cnt -= hl;
    }
    a.update(&b[..cnt]);
    let mut cnt = pw.len();
    while cnt > 0 {
        if cnt & 1 != 0 {
            a.update(&b);
        } else {
            a.update(pw);
        }
        cnt >>= 1;
    }
    let a = a.finalize();
    let mut dp = D::new();
    for _ in 0..pw.len() {
        dp.update(pw);
    }
    let dp = dp.finalize();
    let p: Vec<u8> = dp.iter().cycle().take(pw.len()).copied().collect();
    let mut ds = D::new();
    for _ in 0..16 + usize::from(a[0]) {
        ds.update(salt);
    }
    let ds = ds.finalize();
    let s: Vec<u8> = ds.iter().cycle().take(salt.len()).copied().collect();
    let mut c = a.to_vec();
    for i in 0..rounds {
        let mut h = D::new();
        if i & 1 != 0 {
            h.update(&p);
        } else {
            h.update(&c);
        }
        if i % 3 != 0 {
            h.update(&s);
        }
        if i % 7 != 0 {
            h.update(&p);
        }
        if i & 1 != 0 {
            h.update(&c);
        } else {
            h.update(&p);
        }
        c.clear();
        c.extend_from_slice(&h.finalize());
    }
    let at = |i: usize| if i == usize::MAX { 0 } else { c[i] };
    for &(x, y, z, n) in order {
        b64_from_24bit(at(x), at(y), at(z), n, out);
    }
}

fn md5_crypt(pw: &[u8], salt: &[u8], out: &mut Vec<u8>) {
    let fin = Md5::new()
        .chain_update(pw)
        .chain_update(salt)
        .chain_update(pw)
        .finalize();
    let mut ctx = Md5::new()
        .chain_update(pw)
        .chain_update(b"$1$")
        .chain_update(salt);
    let mut pl = pw.len();
    while pl > 0 {
        ctx.update(&fin[..pl.min(16)]);
        pl = pl.saturating_sub(16);
    }
    let mut i = pw.len();
    while i > 0 {
        if i & 1 != 0 {
            ctx.update([0u8]);
        } else {
            ctx.update(&pw[..1]);
        }
        i >>= 1;
    }
    let mut fin = ctx.finalize();
    for i in 0..1000 {
        let mut c = Md5::new();
        if i & 1 != 0 {
            c.update(pw);
        } else {
            c.update(fin);
        }
        if i % 3 != 0 {
            c.update(salt);
        }
        if i % 7 != 0 {
            c.update(pw);
        }
        if i & 1 != 0 {
            c.update(fin);
        } else {
            c.update(pw);
        }
        fin = c.finalize();
    }
    for (x, y, z) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        b64_from_24bit(fin[x], fin[y], fin[z], 4, out);
    }
    b64_from_24bit(0, 0, fin[11], 2, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made with `openssl passwd -5 -salt saltsalt secret`, `-6`, `-1`, and
    // `openssl passwd -6 -salt 'rounds=10000$abc' pw`.
    const SHA256: &str = "$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA";
    const SHA512: &str = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
    const SHA512_ROUNDS: &str = "$6$rounds=10000$abc$TPidcyVdsuALEejDNhmEl6D0An8RGrk3MWNhKXnkA/1s3bobDmHLj1fwXJdVOCPyWqopaBFpgYCiA9mRVYusl0";
    const SHA256_LONG: &str = "$5$saltsalt$wo1wQ9QDTbuJ7gyDDws/pSmSpLfDXtCWJhLTqIDrIG1";
    const MD5: &str = "$1$saltsalt$9xy1btjgzLYfb7hivXtC//";

    #[test]
    fn verifies_openssl_hashes() {
        for h in [SHA256, SHA512, MD5] {
            let c = CryptHash::parse(h).expect(h);
            assert!(c.verify(b"secret"), "{h}");
            assert!(!c.verify(b"Secret"), "{h}");
            assert!(!c.verify(b""), "{h}");
        }
        let rounds = CryptHash::parse(SHA512_ROUNDS).expect("rounds form");
        assert!(rounds.verify(b"pw"));
        let long = CryptHash::parse(SHA256_LONG).expect("long");
        assert!(long.verify(b"longpassword-that-is-more-than-32-bytes-long-xxxxxxxxxxxxxxxx"));
    }

    #[test]
    fn refuses_malformed_hashes() {
        for h in [
            "",
            "$2y$10$abc",
            "$5$salt",
            "$6$x$short",
            "$1$waytoolongsalt$pDs8Wq7o1x1aopFahxUn01",
            "plain",
        ] {
            assert!(CryptHash::parse(h).is_none(), "{h}");
        }
    }
}
