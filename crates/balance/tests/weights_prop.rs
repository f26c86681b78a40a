//! Property tests over arbitrary weight lists: every algorithm only ever picks a usable
//! server of the serving group, never a weight-0 one; the round robins give exact shares per
//! cycle; the map and the ring hold weight-proportional room; consistent hashing keeps keys
//! in place when another server leaves.

use balance::consistent::ConsistentRing;
use balance::map::ServerMap;
use balance::{BalanceSpec, Balancer, PickKey, ServerPool, ServerSpec};
use proptest::prelude::*;

fn servers(weights: &[u32]) -> Vec<ServerSpec> {
    weights
        .iter()
        .enumerate()
        .map(|(i, &w)| ServerSpec {
            weight: w,
            ..ServerSpec::new(i as u32 + 1)
        })
        .collect()
}

fn spec(algo: &str) -> BalanceSpec {
    BalanceSpec::parse(algo, &[], None, None).expect("algorithm")
}

fn weights() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0u32..=12, 1..7)
}

proptest! {
    #[test]
    fn picks_are_always_usable_servers(w in weights(), backups in prop::collection::vec(any::<bool>(), 7), down in prop::collection::vec(any::<bool>(), 7), seed in any::<u64>()) {
        for algo in ["roundrobin", "static-rr", "leastconn", "first", "random", "uri", "source"] {
            let mut s = servers(&w);
            for (i, x) in s.iter_mut().enumerate() {
                x.backup = backups[i];
                x.disabled = down[i];
            }
            let mut b = Balancer::new(spec(algo), s, false, seed);
            for i in 0..50u32 {
                let u = format!("/{i}");
                let ip = std::net::IpAddr::from([10, 0, 0, i as u8]);
                let k = PickKey { uri: Some(u.as_bytes()), client: Some(ip), ..PickKey::default() };
                match b.pick(&k) {
                    Some(id) => {
                        prop_assert!(b.pool().usable(id), "{} picked unusable {}", algo, id);
                        prop_assert!(b.pool().in_group(id), "{} picked {} outside the serving group", algo, id);
                    }
                    None => prop_assert_eq!(b.pool().group_weight(), 0, "{} found nothing among usable servers", algo),
                }
            }
        }
    }

    #[test]
    fn round_robins_give_exact_shares(w in weights()) {
        let total: u32 = w.iter().sum();
        prop_assume!(total > 0);
        for algo in ["roundrobin", "static-rr"] {
            let mut b = Balancer::new(spec(algo), servers(&w), false, 0);
            let mut c = vec![0u32; w.len()];
            let cycles = 3;
            for _ in 0..total * cycles {
                c[b.pick(&PickKey::default()).expect("server")] += 1;
            }
            if algo == "roundrobin" {
                let want: Vec<u32> = w.iter().map(|x| x * cycles).collect();
                prop_assert_eq!(c, want);
            } else {
                // static-rr divides weights by their gcd: shares stay exact.
                for (ci, wi) in c.iter().zip(&w) {
                    prop_assert_eq!(u64::from(*ci) * u64::from(total), u64::from(*wi) * u64::from(total * cycles));
                }
            }
        }
    }

    #[test]
    fn map_and_ring_room_is_weight_proportional(w in weights()) {
        let pool = ServerPool::new(servers(&w), false);
        let total: u32 = w.iter().sum();
        let map = ServerMap::new(&pool);
        if total == 0 {
            prop_assert_eq!(map.total_weight(), 0);
        } else {
            let g = w.iter().copied().filter(|&x| x > 0).fold(0, gcd);
            prop_assert_eq!(map.total_weight() as u32, total / g);
        }
        let ring = ConsistentRing::new(&pool, 0);
        prop_assert_eq!(ring.len() as u32, total * 16);
    }

    #[test]
    fn consistent_keeps_other_servers_keys(w in prop::collection::vec(1u32..=8, 2..7), gone in 0usize..7, seed in any::<u32>()) {
        let gone = gone % w.len();
        let ht = Some(("consistent", None, false));
        let mut b = Balancer::new(BalanceSpec::parse("uri", &[], ht, None).unwrap(), servers(&w), false, 0);
        let keys: Vec<String> = (0..300u32).map(|i| format!("/{}", i ^ seed)).collect();
        let pick = |b: &mut Balancer, k: &String| b.pick(&PickKey { uri: Some(k.as_bytes()), ..PickKey::default() }).unwrap();
        let before: Vec<usize> = keys.iter().map(|k| pick(&mut b, k)).collect();
        b.set_up(gone, false);
        for (k, was) in keys.iter().zip(&before) {
            let now = pick(&mut b, k);
            if *was != gone {
                prop_assert_eq!(now, *was);
            } else {
                prop_assert_ne!(now, gone);
            }
        }
    }

    #[test]
    fn leastconn_load_stays_balanced_for_weight(w in prop::collection::vec(1u32..=8, 1..6), n in 1usize..300) {
        let mut b = Balancer::new(spec("leastconn"), servers(&w), false, 0);
        for _ in 0..n {
            let s = b.pick(&PickKey::default()).unwrap();
            b.conn_started(s);
        }
        // No server is more than one connection-per-weight ahead of another.
        let per_weight: Vec<f64> = (0..w.len()).map(|i| f64::from(b.pool().served(i)) / f64::from(w[i])).collect();
        let max = per_weight.iter().cloned().fold(f64::MIN, f64::max);
        let min = per_weight.iter().cloned().fold(f64::MAX, f64::min);
        prop_assert!(max - min <= 1.0 + 1e-9, "{:?}", per_weight);
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
