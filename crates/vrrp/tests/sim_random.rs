//! Randomised runs: 500 seeds, each a random group (2–4 hosts, v2 or v3, random priorities
//! with ties) and a random sequence of kills, graceful stops, restarts, faults, weight
//! changes, partitions and loss. Invariants checked all along (VIPs iff master, own adverts
//! always pass the checks) and after every quiet, whole, loss-free period: exactly one master,
//! the highest effective priority (ties: highest address), holding the VIPs alone.
//! A failing run prints its seed; `VRRP_SIM_SEED=N` replays just that one.

mod sim;

use std::time::Duration;

use sim::{node_config, Sim};
use vrrp::{State, Version};

fn run_seed(seed: u64) {
    let mut rng = sim::XorShift::new(seed ^ 0xA5A5);
    let n = 2 + rng.below(3) as usize;
    let v3 = rng.chance(500);
    let advert = if v3 {
        Duration::from_millis(10 * (10 + rng.below(91)))
    } else {
        Duration::from_secs(1 + rng.below(2))
    };
    let cfgs = (0..n)
        .map(|i| {
            let mut c = node_config(i, 1 + rng.below(253) as u8);
            if rng.chance(200) {
                c.priority = 100; // ties
            }
            if v3 {
                c.version = Version::V3;
                c.auth = None;
            }
            c.advert_int = advert;
            c
        })
        .collect();
    let mut sim = Sim::new(seed, cfgs);
    sim.max_delay = Duration::from_millis(rng.below(5));
    // Longest master-down interval, with margin for the delivery delay and a preemption.
    let settle = advert * 8 + Duration::from_secs(2);
    let mut faulted = vec![false; n];
    sim.start_all();
    for _ in 0..12 {
        let i = rng.below(n as u64) as usize;
        match rng.below(9) {
            0 => sim.kill(i),
            1 => sim.stop(i),
            2 if sim.nodes[i].inst.is_none() => {
                sim.start(i);
                faulted[i] = false;
            }
            3 => {
                faulted[i] = !faulted[i];
                sim.set_fault(i, faulted[i]);
            }
            4 => sim.set_track_delta(i, rng.below(61) as i32 - 30),
            5 => {
                sim.partition = (0..n).map(|_| rng.below(2) as u8).collect();
                let what = format!("partition {:?}", sim.partition);
                sim.note(what);
            }
            6 => {
                sim.loss_permille = rng.below(300) as u32;
                let what = format!("loss {}‰", sim.loss_permille);
                sim.note(what);
            }
            _ => {}
        }
        let d = rng.below(settle.as_millis() as u64 * 2);
        sim.run_for(Duration::from_millis(d));
        // Whole, loss-free and quiet again: check convergence.
        sim.partition = vec![0; n];
        sim.loss_permille = 0;
        sim.note("heal, no loss".to_string());
        sim.run_for(settle);
        let live: Vec<usize> = (0..n).filter(|&i| sim.nodes[i].inst.is_some()).collect();
        sim.assert_converged(&live);
        for &i in &live {
            let want_fault = faulted[i];
            assert_eq!(
                sim.state(i) == Some(State::Fault),
                want_fault,
                "{}",
                sim.ctx()
            );
        }
    }
}

#[test]
fn random_schedules_converge_to_one_master() {
    if let Some(seed) = std::env::var("VRRP_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        run_seed(seed);
        return;
    }
    for seed in 0..500 {
        run_seed(seed);
    }
}
