//! Bit-exactness against real HAProxy 2.6: `tests/data/haproxy_vectors.txt` records which
//! server HAProxy chose for each key, for map-based and consistent hashing with every hash
//! function, weights, explicit ids, a disabled server, and every `uri` option; and the order
//! of `static-rr` and of the round robin used when a hash key is missing. It was written
//! by `scripts/haproxy_vectors.py`, which runs /usr/sbin/haproxy in front of local servers.
//! halb's algorithms must pick the same server for the same key and server list.

use balance::{assign_ids, BalanceSpec, Balancer, PickKey, ServerSpec};

struct Setup {
    name: String,
    balancer: Balancer,
    checked: usize,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn list(s: &str, label: &str) -> Option<Vec<u32>> {
    let v = s.trim().strip_prefix(label)?.trim();
    if v == "-" {
        return None;
    }
    Some(v.split(',').map(|n| n.parse().expect("number")).collect())
}

fn setup(header: &str) -> Setup {
    // # setup NAME | balance ... | hash-type ... or - | weights a,b | ids a,b or - | down a or -
    let parts: Vec<&str> = header.trim_start_matches("# setup ").split('|').collect();
    let name = parts[0].trim().to_string();
    let balance = words(parts[1]);
    assert_eq!(balance[0], "balance");
    let hash_words = words(parts[2]);
    let hash_type = if hash_words[0] == "-" {
        None
    } else {
        Some((
            hash_words[1].as_str(),
            hash_words.get(2).map(String::as_str),
            hash_words.get(3).is_some_and(|w| w == "avalanche"),
        ))
    };
    let spec = BalanceSpec::parse(&balance[1], &balance[2..], hash_type, None).expect("spec");
    let weights = list(parts[3], "weights").expect("weights");
    let ids = list(parts[4], "ids");
    let down = list(parts[5], "down").unwrap_or_default();
    let explicit: Vec<Option<u32>> = match &ids {
        Some(v) => v.iter().map(|&i| Some(i)).collect(),
        None => vec![None; weights.len()],
    };
    let puids = assign_ids(&explicit);
    let servers = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| ServerSpec {
            weight: w,
            backup: false,
            id: puids[i],
            maxconn: 0,
            disabled: down.contains(&(i as u32)),
        })
        .collect();
    Setup {
        name,
        balancer: Balancer::new(spec, servers, false, 1),
        checked: 0,
    }
}

#[test]
fn same_server_as_haproxy_for_every_recorded_key() {
    let text = include_str!("data/haproxy_vectors.txt");
    let mut current: Option<Setup> = None;
    let mut done = Vec::new();
    let mut mismatches = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if line.starts_with("# setup ") {
            done.extend(current.take());
            current = Some(setup(line));
            continue;
        }
        let s = current.as_mut().expect("setup line first");
        let mut f = line.split(' ');
        let (Some(name), Some(key), Some(want)) = (f.next(), f.next(), f.next()) else {
            panic!("bad line {line}");
        };
        assert_eq!(name, s.name);
        let want: usize = want.parse().expect("server index");
        let ip;
        let pick_key = if name.starts_with("source") {
            ip = key.parse().expect("ip");
            PickKey {
                client: Some(ip),
                ..PickKey::default()
            }
        } else if name.starts_with("seq") {
            // The Nth request of a sequence, without key.
            PickKey::default()
        } else if name.starts_with("hdr") {
            PickKey {
                header: Some(key.as_bytes()),
                ..PickKey::default()
            }
        } else {
            PickKey {
                uri: Some(key.as_bytes()),
                ..PickKey::default()
            }
        };
        let got = s.balancer.pick(&pick_key);
        if got != Some(want) {
            mismatches.push(format!("{name} {key}: haproxy {want}, halb {got:?}"));
        }
        s.checked += 1;
    }
    done.extend(current.take());
    assert!(done.len() >= 20, "only {} setups", done.len());
    assert!(done.iter().all(|s| s.checked >= 24));
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
