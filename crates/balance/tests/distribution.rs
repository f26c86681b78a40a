//! Distribution over many picks, per algorithm, against the configured weights, with the
//! tolerance stated in each test; stability of hashing; what consistent hashing moves when a
//! server leaves; backups, weights changed at run time, and fallbacks.

use balance::{BalanceSpec, Balancer, PickKey, ServerId, ServerSpec};

fn spec(line: &str) -> BalanceSpec {
    let mut w = line.split_whitespace();
    let algo = w.next().expect("algorithm");
    let args: Vec<String> = w.map(String::from).collect();
    BalanceSpec::parse(algo, &args, None, None).expect("balance line")
}

fn hashed(line: &str, hash_type: &str) -> BalanceSpec {
    let mut w = line.split_whitespace();
    let algo = w.next().expect("algorithm");
    let args: Vec<String> = w.map(String::from).collect();
    let h: Vec<&str> = hash_type.split_whitespace().collect();
    BalanceSpec::parse(
        algo,
        &args,
        Some((h[0], h.get(1).copied(), h.get(2) == Some(&"avalanche"))),
        None,
    )
    .expect("balance line")
}

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

/// Picks `n` times, releasing each connection at once; returns the count per server.
fn counts(b: &mut Balancer, n: usize, key: impl Fn(usize) -> String, kind: &str) -> Vec<usize> {
    let mut c = vec![0; b.pool().len()];
    for i in 0..n {
        let k = key(i);
        let ip: std::net::IpAddr;
        let pk = match kind {
            "uri" => PickKey {
                uri: Some(k.as_bytes()),
                ..PickKey::default()
            },
            "hdr" => PickKey {
                header: Some(k.as_bytes()),
                ..PickKey::default()
            },
            "source" => {
                ip = k.parse().expect("ip");
                PickKey {
                    client: Some(ip),
                    ..PickKey::default()
                }
            }
            _ => PickKey::default(),
        };
        let s = b.pick(&pk).expect("a server");
        c[s] += 1;
    }
    c
}

/// Asserts each server's share is within `tol` (absolute fraction) of its weight's share.
fn assert_shares(c: &[usize], weights: &[u32], tol: f64) {
    let n: usize = c.iter().sum();
    let w: u32 = weights.iter().sum();
    for (i, (&got, &wi)) in c.iter().zip(weights).enumerate() {
        let share = got as f64 / n as f64;
        let want = f64::from(wi) / f64::from(w);
        assert!(
            (share - want).abs() <= tol,
            "server {i}: share {share:.3}, weight share {want:.3} (±{tol}); counts {c:?}"
        );
    }
}

#[test]
fn roundrobin_gives_exact_weight_shares_per_cycle() {
    let w = [1, 2, 3, 4];
    let mut b = Balancer::new(spec("roundrobin"), servers(&w), false, 0);
    // Tolerance 0: over whole cycles of 10 picks each server gets exactly its weight.
    assert_eq!(
        counts(&mut b, 10_000, |_| String::new(), ""),
        vec![1000, 2000, 3000, 4000]
    );
}

#[test]
fn roundrobin_interleaves_instead_of_bursting() {
    let mut b = Balancer::new(spec("roundrobin"), servers(&[3, 1]), false, 0);
    let seq: Vec<_> = (0..8)
        .map(|_| b.pick(&PickKey::default()).unwrap())
        .collect();
    // The weight-1 server appears once in every 4 picks, never twice in a row.
    assert_eq!(seq.iter().filter(|&&s| s == 1).count(), 2);
    assert!(seq.windows(2).all(|p| p != [1, 1]));
}

#[test]
fn roundrobin_follows_weights_changed_at_run_time() {
    let mut b = Balancer::new(spec("roundrobin"), servers(&[1, 1]), false, 0);
    b.set_weight(0, 3);
    assert_eq!(
        counts(&mut b, 4000, |_| String::new(), ""),
        vec![3000, 1000]
    );
    b.set_weight(1, 0);
    assert_eq!(counts(&mut b, 100, |_| String::new(), ""), vec![100, 0]);
}

#[test]
fn static_rr_gives_exact_weight_shares_per_cycle() {
    let mut b = Balancer::new(spec("static-rr"), servers(&[2, 4, 6]), false, 0);
    assert_eq!(
        counts(&mut b, 6000, |_| String::new(), ""),
        vec![1000, 2000, 3000]
    );
}

#[test]
fn leastconn_keeps_loads_proportional_to_weights() {
    let w = [1, 2, 1];
    let mut b = Balancer::new(spec("leastconn"), servers(&w), false, 0);
    // Connections are held: each pick goes where load/weight is lowest.
    for _ in 0..400 {
        let s = b.pick(&PickKey::default()).unwrap();
        b.conn_started(s);
    }
    let served: Vec<u32> = (0..3).map(|i| b.pool().served(i)).collect();
    // Tolerance: within 2 connections of the weighted share.
    for (s, want) in served.iter().zip([100u32, 200, 100]) {
        assert!(s.abs_diff(want) <= 2, "{served:?}");
    }
}

#[test]
fn leastconn_rotates_among_idle_servers() {
    let mut b = Balancer::new(spec("leastconn"), servers(&[1, 1, 1]), false, 0);
    // Connections end at once: all stay idle, so servers take turns.
    assert_eq!(
        counts(&mut b, 300, |_| String::new(), ""),
        vec![100, 100, 100]
    );
}

#[test]
fn first_fills_servers_in_id_order_up_to_maxconn() {
    let mut s = servers(&[1, 5, 1]);
    for x in &mut s {
        x.maxconn = 3;
    }
    // Ids decide the order, not the position.
    s[0].id = 9;
    let mut b = Balancer::new(spec("first"), s, false, 0);
    let mut seq = Vec::new();
    while let Some(id) = b.pick(&PickKey::default()) {
        b.conn_started(id);
        seq.push(id);
    }
    assert_eq!(seq, vec![1, 1, 1, 2, 2, 2, 0, 0, 0]);
    b.conn_ended(1);
    assert_eq!(b.pick(&PickKey::default()), Some(1));
}

#[test]
fn random_with_held_connections_follows_weights() {
    let w = [1, 2, 3];
    let mut b = Balancer::new(spec("random"), servers(&w), false, 42);
    for _ in 0..6000 {
        let s = b.pick(&PickKey::default()).unwrap();
        b.conn_started(s);
    }
    let c: Vec<usize> = (0..3).map(|i| b.pool().served(i) as usize).collect();
    // Two draws keep the least loaded for its weight: within 2 points of the weight shares.
    assert_shares(&c, &w, 0.02);
}

#[test]
fn random_alone_spreads_by_ring_share() {
    let w = [1, 1, 1, 1];
    let mut b = Balancer::new(spec("random(1)"), servers(&w), false, 7);
    // One draw, no load feedback: the ring's share, within 8 points of 25 %.
    assert_shares(&counts(&mut b, 40_000, |_| String::new(), ""), &w, 0.08);
}

#[test]
fn map_based_uri_hash_follows_weights() {
    let w = [1, 2, 3];
    let mut b = Balancer::new(spec("uri"), servers(&w), false, 0);
    // 30 000 distinct URIs: within 2 points of the weight shares.
    assert_shares(
        &counts(&mut b, 30_000, |i| format!("/item/{i}"), "uri"),
        &w,
        0.02,
    );
}

#[test]
fn consistent_uri_hash_follows_weights() {
    let w = [1, 2, 3];
    let mut b = Balancer::new(hashed("uri", "consistent"), servers(&w), false, 0);
    // The ring is lumpy by nature (16 points per weight unit): within 6 points.
    assert_shares(
        &counts(&mut b, 30_000, |i| format!("/item/{i}"), "uri"),
        &w,
        0.06,
    );
}

#[test]
fn source_hash_spreads_clients() {
    let w = [1, 1, 1, 1];
    let mut b = Balancer::new(spec("source"), servers(&w), false, 0);
    let ip = |i: usize| format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256);
    assert_shares(&counts(&mut b, 20_000, ip, "source"), &w, 0.03);
}

#[test]
fn hashing_is_stable_across_instances_and_repeats() {
    for (line, ht) in [
        ("uri", "map-based"),
        ("uri", "consistent"),
        ("hdr(host)", "consistent djb2"),
        ("source", "map-based wt6"),
    ] {
        let kind = if line == "uri" {
            "uri"
        } else if line == "source" {
            "source"
        } else {
            "hdr"
        };
        let key = |i: usize| match kind {
            "source" => format!("192.168.{}.{}", i / 256, i % 256),
            "hdr" => format!("host{i}.example.com"),
            _ => format!("/k/{i}"),
        };
        let mut a = Balancer::new(hashed(line, ht), servers(&[1, 2, 3, 1]), false, 0);
        let mut b = Balancer::new(hashed(line, ht), servers(&[1, 2, 3, 1]), false, 99);
        let first: Vec<usize> = (0..500).map(|i| one(&mut a, kind, &key(i))).collect();
        let again: Vec<usize> = (0..500).map(|i| one(&mut a, kind, &key(i))).collect();
        let other: Vec<usize> = (0..500).map(|i| one(&mut b, kind, &key(i))).collect();
        assert_eq!(first, again, "{line} {ht}");
        assert_eq!(first, other, "{line} {ht}");
    }
}

fn one(b: &mut Balancer, kind: &str, k: &str) -> ServerId {
    counts(b, 1, |_| k.to_string(), kind)
        .iter()
        .position(|&c| c == 1)
        .expect("picked")
}

#[test]
fn consistent_moves_only_the_removed_servers_keys() {
    let n = 5;
    let keys = 20_000;
    let mut b = Balancer::new(hashed("uri", "consistent"), servers(&[1; 5]), false, 0);
    let key = |i: usize| format!("/obj/{i}");
    let before: Vec<usize> = (0..keys).map(|i| one(&mut b, "uri", &key(i))).collect();
    b.set_up(2, false);
    let after: Vec<usize> = (0..keys).map(|i| one(&mut b, "uri", &key(i))).collect();
    let moved = before.iter().zip(&after).filter(|(x, y)| x != y).count();
    for (x, y) in before.iter().zip(&after) {
        if *x != 2 {
            assert_eq!(x, y, "a key on a server that stayed up moved");
        }
    }
    let frac = moved as f64 / keys as f64;
    // About 1/N of the keys move (those of the removed server): 1/5 ± 0.07.
    assert!((frac - 1.0 / n as f64).abs() < 0.07, "moved {frac:.3}");
    // Back up: everything returns where it was.
    b.set_up(2, true);
    let back: Vec<usize> = (0..keys).map(|i| one(&mut b, "uri", &key(i))).collect();
    assert_eq!(before, back);
}

#[test]
fn map_based_moves_most_keys_when_a_server_leaves() {
    // The manual's warning, checked: map-based hashing remaps most keys.
    let mut b = Balancer::new(spec("uri"), servers(&[1; 5]), false, 0);
    let key = |i: usize| format!("/obj/{i}");
    let before: Vec<usize> = (0..5000).map(|i| one(&mut b, "uri", &key(i))).collect();
    b.set_up(2, false);
    let after: Vec<usize> = (0..5000).map(|i| one(&mut b, "uri", &key(i))).collect();
    let moved = before.iter().zip(&after).filter(|(x, y)| x != y).count();
    assert!(moved > 2500, "moved {moved}");
}

#[test]
fn missing_hash_key_falls_back_to_round_robin() {
    for ht in ["map-based", "consistent"] {
        for line in [
            "uri",
            "hdr(x-user)",
            "url_param uid",
            "source",
            "rdp-cookie",
        ] {
            let mut b = Balancer::new(hashed(line, ht), servers(&[1, 1, 1]), false, 0);
            let c = counts(&mut b, 3 * 16 * 10, |_| String::new(), "");
            assert_eq!(c, vec![160, 160, 160], "{line} {ht}");
        }
    }
}

#[test]
fn url_param_and_rdp_cookie_keys_are_hashed() {
    let mut b = Balancer::new(spec("url_param uid"), servers(&[1, 1, 1, 1]), false, 0);
    let mut seen = std::collections::HashSet::new();
    for i in 0..200 {
        let u = format!("/p?x=1&uid={i}");
        let s1 = b
            .pick(&PickKey {
                uri: Some(u.as_bytes()),
                ..PickKey::default()
            })
            .unwrap();
        let s2 = b
            .pick(&PickKey {
                uri: Some(format!("/q?uid={i}").as_bytes()),
                ..PickKey::default()
            })
            .unwrap();
        assert_eq!(s1, s2, "same value, same server");
        seen.insert(s1);
    }
    assert_eq!(seen.len(), 4);
    let mut r = Balancer::new(spec("rdp-cookie"), servers(&[1, 1, 1]), false, 0);
    let req = |user: &str| {
        let mut v = vec![3, 0, 0, 0, 0, 0xe0, 0, 0, 0, 0, 0];
        v.extend_from_slice(format!("Cookie: mstshash={user}\r\n").as_bytes());
        v
    };
    let mut seen = std::collections::HashSet::new();
    for u in 0..50 {
        let p = req(&format!("user{u}"));
        let a = r
            .pick(&PickKey {
                payload: Some(&p),
                ..PickKey::default()
            })
            .unwrap();
        let b2 = r
            .pick(&PickKey {
                payload: Some(&p),
                ..PickKey::default()
            })
            .unwrap();
        assert_eq!(a, b2);
        seen.insert(a);
    }
    assert_eq!(seen.len(), 3);
}

#[test]
fn backups_take_over_only_when_every_active_server_is_down() {
    let mut s = servers(&[1, 1, 1, 1]);
    s[2].backup = true;
    s[3].backup = true;
    for algo in [
        "roundrobin",
        "static-rr",
        "leastconn",
        "first",
        "random",
        "uri",
    ] {
        let mut b = Balancer::new(spec(algo), s.clone(), false, 3);
        let c = counts(&mut b, 120, |i| format!("/{i}"), "uri");
        assert_eq!(c[2] + c[3], 0, "{algo}: backups used while actives are up");
        b.set_up(0, false);
        b.set_up(1, false);
        let c = counts(&mut b, 120, |i| format!("/{i}"), "uri");
        assert_eq!(
            c,
            vec![0, 0, 120, 0],
            "{algo}: only the first backup without allbackups"
        );
        let mut all = Balancer::new(spec(algo), s.clone(), true, 3);
        all.set_up(0, false);
        all.set_up(1, false);
        let c = counts(&mut all, 120, |i| format!("/{i}"), "uri");
        if algo != "first" {
            assert!(
                c[2] > 0 && c[3] > 0,
                "{algo}: allbackups should use every backup: {c:?}"
            );
        }
        all.set_up(1, true);
        let c = counts(&mut all, 60, |i| format!("/{i}"), "uri");
        assert_eq!(
            c,
            vec![0, 60, 0, 0],
            "{algo}: an active server back up takes over again"
        );
    }
}

#[test]
fn nothing_usable_means_no_server() {
    for algo in [
        "roundrobin",
        "static-rr",
        "leastconn",
        "first",
        "random",
        "uri",
        "source",
    ] {
        let mut s = servers(&[1, 0]);
        s[0].disabled = true;
        let mut b = Balancer::new(spec(algo), s, false, 0);
        assert_eq!(
            b.pick(&PickKey {
                uri: Some(b"/"),
                ..PickKey::default()
            }),
            None,
            "{algo}"
        );
        b.set_up(0, true);
        assert_eq!(
            b.pick(&PickKey {
                uri: Some(b"/"),
                ..PickKey::default()
            }),
            Some(0),
            "{algo}"
        );
    }
}

#[test]
fn avoid_redispatches_elsewhere_when_possible() {
    for algo in ["roundrobin", "static-rr", "leastconn", "first", "random"] {
        let mut b = Balancer::new(spec(algo), servers(&[1, 1, 1]), false, 5);
        for _ in 0..30 {
            let s = b
                .pick(&PickKey {
                    avoid: Some(1),
                    ..PickKey::default()
                })
                .unwrap();
            assert_ne!(s, 1, "{algo}");
        }
        let mut lone = Balancer::new(spec(algo), servers(&[1]), false, 5);
        assert_eq!(
            lone.pick(&PickKey {
                avoid: Some(0),
                ..PickKey::default()
            }),
            Some(0),
            "{algo}"
        );
    }
    let mut c = Balancer::new(hashed("uri", "consistent"), servers(&[1, 1, 1]), false, 0);
    for i in 0..100 {
        let u = format!("/{i}");
        let home = c
            .pick(&PickKey {
                uri: Some(u.as_bytes()),
                ..PickKey::default()
            })
            .unwrap();
        let other = c
            .pick(&PickKey {
                uri: Some(u.as_bytes()),
                avoid: Some(home),
                ..PickKey::default()
            })
            .unwrap();
        assert_ne!(home, other);
    }
}

#[test]
fn full_servers_are_skipped_or_none() {
    let mut s = servers(&[1, 1]);
    s[0].maxconn = 1;
    s[1].maxconn = 1;
    for algo in ["roundrobin", "static-rr", "leastconn", "first", "random"] {
        let mut b = Balancer::new(spec(algo), s.clone(), false, 1);
        let a = b.pick(&PickKey::default()).unwrap();
        b.conn_started(a);
        let c = b.pick(&PickKey::default()).unwrap();
        assert_ne!(a, c, "{algo}");
        b.conn_started(c);
        if algo != "random" {
            assert_eq!(
                b.pick(&PickKey::default()),
                None,
                "{algo}: all full → queue"
            );
        }
    }
}
