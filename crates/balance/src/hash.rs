//! HAProxy's hash functions, bit for bit (`src/hash.c`, `full_hash()` in `intops.h`), and the
//! `hash-type` choice of function and modifier (configuration manual, "hash-type").
//!
//! Every hashing algorithm (`source`, `uri`, `url_param`, `hdr`, `rdp-cookie`) turns its key
//! into a 32-bit value here, then hands it to the map (`map.rs`) or the ring
//! (`consistent.rs`). Equality with HAProxy matters: two load balancers, one HAProxy and one
//! halb, must send the same key to the same server.

/// `sdbm`: HAProxy's default. `hash = c + (hash << 6) + (hash << 16) - hash`.
pub fn sdbm(key: &[u8]) -> u32 {
    key.iter().fold(0u32, |h, &c| {
        u32::from(c)
            .wrapping_add(h << 6)
            .wrapping_add(h << 16)
            .wrapping_sub(h)
    })
}

/// `djb2`: `hash * 33 + c`, starting at 5381.
pub fn djb2(key: &[u8]) -> u32 {
    key.iter().fold(5381u32, |h, &c| {
        (h << 5).wrapping_add(h).wrapping_add(u32::from(c))
    })
}

/// `wt6`: designed for HAProxy; two 32-bit lanes rotated by data-dependent steps.
pub fn wt6(key: &[u8]) -> u32 {
    let mut h0: u32 = 0xa53c_965a;
    let mut h1: u32 = 0x5ca6_953a;
    let mut step0: u32 = 6;
    let mut step1: u32 = 18;
    for &c in key {
        let t = u32::from(c);
        h0 = !(h0 ^ t);
        h1 = !(h1.wrapping_add(t));
        // HAProxy writes `(x << s) | (x >> (32 - s))`; with s = 0 the right shift by 32 is
        // undefined in C but x86 masks it to 0, giving `x | x` = x, which is `rotate_left(0)`.
        let t = h1.rotate_left(step0);
        h1 = h0.rotate_left(step1);
        h0 = t;
        let t = ((h0 >> 16) ^ h1) & 0xffff;
        step0 = t & 0x1f;
        step1 = t >> 11;
    }
    h0 ^ h1
}

/// `crc32`: the Ethernet/gzip CRC (reflected polynomial 0xedb88320), bitwise like HAProxy.
pub fn crc32(key: &[u8]) -> u32 {
    let mut h: u32 = !0;
    for &c in key {
        h ^= u32::from(c);
        for _ in 0..8 {
            h = (h >> 1) ^ if h & 1 != 0 { 0xedb8_8320 } else { 0 };
        }
    }
    !h
}

/// Bob Jenkins' 4-byte full-avalanche hash, then a multiplication by a prime close to 3/4 of
/// 2^32 (HAProxy's `full_hash`). Used by the `avalanche` modifier and to place servers on the
/// consistent-hash ring.
pub fn full_hash(a: u32) -> u32 {
    let mut a = a;
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

/// The `<function>` of `hash-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashFunction {
    #[default]
    Sdbm,
    Djb2,
    Wt6,
    Crc32,
}

impl HashFunction {
    pub fn parse(name: &str) -> Option<HashFunction> {
        match name {
            "sdbm" => Some(HashFunction::Sdbm),
            "djb2" => Some(HashFunction::Djb2),
            "wt6" => Some(HashFunction::Wt6),
            "crc32" => Some(HashFunction::Crc32),
            _ => None,
        }
    }

    pub fn hash(self, key: &[u8]) -> u32 {
        match self {
            HashFunction::Sdbm => sdbm(key),
            HashFunction::Djb2 => djb2(key),
            HashFunction::Wt6 => wt6(key),
            HashFunction::Crc32 => crc32(key),
        }
    }
}

/// The `<method>` of `hash-type`: where a hash lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashMethod {
    /// A static table of the usable servers, indexed by `hash % total weight` (`lb_map.c`).
    #[default]
    MapBased,
    /// A ring of weight-proportional points per server (`lb_chash.c`).
    Consistent,
}

/// A whole `hash-type` line, with HAProxy's defaults: `map-based sdbm`; `consistent` alone
/// means `consistent sdbm avalanche`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashSpec {
    pub method: HashMethod,
    pub function: HashFunction,
    pub avalanche: bool,
}

impl HashSpec {
    /// Reads `hash-type METHOD [FUNCTION [avalanche]]` from its words.
    pub fn parse(
        method: &str,
        function: Option<&str>,
        avalanche: bool,
    ) -> Result<HashSpec, crate::SpecError> {
        let method = match method {
            "map-based" => HashMethod::MapBased,
            "consistent" => HashMethod::Consistent,
            other => return Err(crate::SpecError::HashMethod(other.to_string())),
        };
        let (function, avalanche) = match function {
            None => (
                HashFunction::Sdbm,
                avalanche || method == HashMethod::Consistent,
            ),
            Some(f) => (
                HashFunction::parse(f)
                    .ok_or_else(|| crate::SpecError::HashFunction(f.to_string()))?,
                avalanche,
            ),
        };
        Ok(HashSpec {
            method,
            function,
            avalanche,
        })
    }

    /// The key's hash as HAProxy's `gen_hash()` plus the optional avalanche.
    pub fn hash(&self, key: &[u8]) -> u32 {
        self.finish(self.function.hash(key))
    }

    /// Applies the modifier to an already computed hash (`balance source` skips the function).
    pub fn finish(&self, h: u32) -> u32 {
        if self.avalanche {
            full_hash(h)
        } else {
            h
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values computed with HAProxy's C code (src/hash.c, v2.6) compiled standalone.
    #[test]
    fn known_values() {
        assert_eq!(sdbm(b""), 0);
        assert_eq!(djb2(b""), 5381);
        assert_eq!(crc32(b""), 0);
        // The CRC-32 check value of "123456789" is 0xCBF43926 for every implementation.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        // sdbm("a") = 97; sdbm("ab") = 98 + 97 * 65599.
        assert_eq!(sdbm(b"a"), 97);
        assert_eq!(sdbm(b"ab"), 98 + 97 * 65599);
        assert_eq!(djb2(b"a"), 5381 * 33 + 97);
    }

    #[test]
    fn same_as_haproxy_c_code() {
        // (key, sdbm, djb2, wt6) printed by HAProxy's hash.c compiled with gcc -O2.
        let vectors: [(&[u8], u32, u32, u32); 5] = [
            (b"", 0, 5381, 4_187_620_192),
            (b"a", 97, 177_670, 1_900_802_597),
            (b"/index.html", 858_007_926, 3_776_231_887, 822_151_038),
            (b"hello world", 430_867_652, 894_552_257, 1_866_899_626),
            (
                b"0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*()",
                3_321_306_480,
                1_710_430_013,
                3_150_635_040,
            ),
        ];
        for (key, s, d, w) in vectors {
            assert_eq!((sdbm(key), djb2(key), wt6(key)), (s, d, w), "{key:?}");
        }
        assert_eq!(full_hash(0), 2_874_071_335);
        assert_eq!(full_hash(1), 881_230_262);
        assert_eq!(full_hash(4096), 1_237_450_891);
        assert_eq!(full_hash(u32::MAX), 2_120_532_354);
    }

    #[test]
    fn consistent_defaults_to_sdbm_avalanche() {
        let s = HashSpec::parse("consistent", None, false).unwrap();
        assert_eq!(s.function, HashFunction::Sdbm);
        assert!(s.avalanche);
        let m = HashSpec::parse("map-based", None, false).unwrap();
        assert!(!m.avalanche);
        let c = HashSpec::parse("consistent", Some("djb2"), false).unwrap();
        assert!(!c.avalanche);
        assert!(HashSpec::parse("ring", None, false).is_err());
        assert!(HashSpec::parse("consistent", Some("md5"), false).is_err());
    }

    #[test]
    fn full_hash_is_a_bijection_on_a_sample() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..100_000u32 {
            assert!(seen.insert(full_hash(i.wrapping_mul(2_654_435_761))));
        }
    }
}
