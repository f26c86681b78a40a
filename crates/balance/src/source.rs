//! `balance source`: the key is the client's IP address (configuration manual 4.2, "source").
//!
//! HAProxy does not run the address through the hash function: it XORs the address's 32-bit
//! words in network order (one for IPv4, four for IPv6), and only applies `avalanche` if asked
//! (`get_server_sh()` in `backend.c`). Same client address, same server, while the farm stays
//! the same; with `hash-type consistent`, a server change only moves that server's clients.

use std::net::IpAddr;

/// The 32-bit source hash of a client address, before the optional avalanche.
pub fn source_hash(addr: IpAddr) -> u32 {
    match addr {
        IpAddr::V4(a) => u32::from(a),
        IpAddr::V6(a) => {
            let o = a.octets();
            o.chunks_exact(4)
                .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
                .fold(0, |h, w| h ^ w)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_is_the_address_as_a_number() {
        assert_eq!(source_hash("127.0.0.1".parse().unwrap()), 0x7f00_0001);
    }

    #[test]
    fn ipv6_xors_its_four_words() {
        let a: IpAddr = "1:2:3:4:5:6:7:8".parse().unwrap();
        assert_eq!(
            source_hash(a),
            0x0001_0002 ^ 0x0003_0004 ^ 0x0005_0006 ^ 0x0007_0008
        );
    }
}
