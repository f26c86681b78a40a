//! Scenarios on the virtual LAN (see `sim/mod.rs`), each over many seeds (loss pattern and
//! delivery jitter vary). Assertions are on virtual time and on invariants, never on the
//! wall clock. A failure message starts with `seed N`.

mod sim;

use std::time::Duration;

use sim::{node_config, Sim};
use vrrp::{State, Version};

const SEEDS: u64 = 40;
const MAX_DELAY: Duration = Duration::from_millis(2);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Skew_Time (v2) of `prio`: (256 − prio)/256 s in keepalived's microseconds.
fn skew_v2(prio: u8) -> Duration {
    Duration::from_micros((256 - u64::from(prio)) * 1_000_000 / 256)
}

fn last_master_since(sim: &Sim, i: usize) -> Option<Duration> {
    sim.nodes[i]
        .transitions
        .iter()
        .rev()
        .find(|(_, s)| *s == State::Master)
        .map(|(t, _)| *t)
}

fn two_nodes(seed: u64, p0: u8, p1: u8) -> Sim {
    let mut sim = Sim::new(seed, vec![node_config(0, p0), node_config(1, p1)]);
    sim.max_delay = MAX_DELAY;
    sim
}

#[test]
fn election_highest_priority_wins() {
    for seed in 0..SEEDS {
        let mut rng = sim::XorShift::new(seed);
        let mut prios: Vec<u8> = vec![];
        while prios.len() < 3 {
            let p = 1 + rng.below(254) as u8;
            if !prios.contains(&p) {
                prios.push(p);
            }
        }
        let cfgs = prios
            .iter()
            .enumerate()
            .map(|(i, p)| node_config(i, *p))
            .collect();
        let mut sim = Sim::new(seed, cfgs);
        for i in 0..3 {
            sim.start(i);
            let d = sim.rng.below(2000);
            sim.run_for(Duration::from_millis(d));
        }
        sim.run_for(secs(10.0));
        sim.assert_converged(&[0, 1, 2]);
        let top = (0..3).max_by_key(|&i| prios[i]);
        assert_eq!(sim.masters(), top.into_iter().collect::<Vec<_>>());
    }
}

#[test]
fn equal_priority_tie_goes_to_higher_address() {
    for seed in 0..SEEDS {
        let cfgs = (0..3).map(|i| node_config(i, 100)).collect();
        let mut sim = Sim::new(seed, cfgs);
        sim.start_all();
        sim.run_for(secs(10.0));
        sim.assert_converged(&[0, 1, 2]);
        assert_eq!(sim.masters(), vec![2], "{}", sim.ctx());
    }
}

#[test]
fn failover_after_master_silence_within_master_down_interval() {
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 90);
        sim.start_all();
        sim.run_for(secs(5.0));
        sim.assert_converged(&[0, 1]);
        let phase = sim.rng.below(1000);
        sim.run_for(Duration::from_millis(phase));
        let killed_at = sim.elapsed();
        sim.kill(0);
        sim.run_for(secs(5.0));
        let took = last_master_since(&sim, 1).expect("backup took over") - killed_at;
        // The last advert arrived at most one interval before the kill.
        let mdi = secs(3.0) + skew_v2(90);
        assert!(took <= mdi, "{} took {took:?}", sim.ctx());
        assert!(
            took + secs(1.0) + MAX_DELAY >= mdi,
            "{} took {took:?}",
            sim.ctx()
        );
        // As with keepalived under SIGKILL, the dead master's VIPs stay: both hosts hold them.
        assert_eq!(sim.vip_holders(), vec![0, 1]);
        // A restarted daemon first removes the stale VIPs.
        sim.start(0);
        assert_eq!(sim.vip_holders(), vec![1]);
    }
}

#[test]
fn graceful_shutdown_hands_over_after_skew_time() {
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 90);
        sim.start_all();
        sim.run_for(secs(5.0));
        let d = sim.rng.below(1000);
        sim.run_for(Duration::from_millis(d));
        let stopped_at = sim.elapsed();
        sim.stop(0);
        assert_eq!(
            sim.vip_holders(),
            Vec::<usize>::new(),
            "VIPs removed at once"
        );
        sim.run_for(secs(3.0));
        let took = last_master_since(&sim, 1).expect("backup took over") - stopped_at;
        // The bench measured 0.65 s with keepalived at advert 1, priority 90.
        assert!(took >= skew_v2(90), "{} took {took:?}", sim.ctx());
        assert!(
            took <= skew_v2(90) + MAX_DELAY,
            "{} took {took:?}",
            sim.ctx()
        );
        sim.assert_converged(&[1]);
    }
}

#[test]
fn returning_higher_priority_node_preempts_after_master_down_interval() {
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 90);
        sim.nodes[0].cfg.initial_master = true; // `state MASTER` does not shorten the wait
        sim.start_all();
        sim.run_for(secs(5.0));
        sim.stop(0);
        sim.run_for(secs(5.0));
        assert_eq!(sim.masters(), vec![1]);
        let restarted = sim.elapsed();
        sim.start(0);
        sim.run_for(secs(6.0));
        sim.assert_converged(&[0, 1]);
        let took = last_master_since(&sim, 0).expect("preempted") - restarted;
        // keepalived: "VIP back on lb1" after ≈3.65 s = 3 × 1 s + Skew_Time(100).
        let mdi = secs(3.0) + skew_v2(100);
        assert!(
            took >= mdi && took <= mdi + MAX_DELAY,
            "{} took {took:?}",
            sim.ctx()
        );
    }
}

#[test]
fn nopreempt_keeps_the_current_master() {
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 90);
        sim.nodes[0].cfg.preempt = false;
        sim.nodes[1].cfg.preempt = false;
        sim.start_all();
        sim.run_for(secs(5.0));
        assert_eq!(sim.masters(), vec![0]);
        sim.stop(0);
        sim.run_for(secs(5.0));
        sim.start(0);
        sim.run_for(secs(60.0));
        assert_eq!(sim.masters(), vec![1], "{}", sim.ctx());
        assert_eq!(sim.vip_holders(), vec![1]);
        assert_eq!(sim.state(0), Some(State::Backup));
    }
}

#[test]
fn preempt_delay_postpones_the_takeover() {
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 90);
        sim.nodes[0].cfg.preempt_delay = secs(10.0);
        sim.start_all();
        sim.run_for(secs(5.0));
        sim.stop(0);
        sim.run_for(secs(5.0));
        let restarted = sim.elapsed();
        sim.start(0);
        sim.run_for(secs(9.0));
        assert_eq!(sim.masters(), vec![1], "{}", sim.ctx());
        sim.run_for(secs(10.0));
        sim.assert_converged(&[0, 1]);
        let took = last_master_since(&sim, 0).expect("preempted") - restarted;
        // The delay starts at the first lower-priority advert (< 1 s after the start); then
        // the master-down timer runs out from the last advert accepted before the delay ended.
        let mdi = secs(3.0) + skew_v2(100);
        assert!(
            took >= secs(10.0) + mdi - secs(1.0),
            "{} took {took:?}",
            sim.ctx()
        );
        assert!(
            took <= secs(11.0) + mdi + MAX_DELAY,
            "{} took {took:?}",
            sim.ctx()
        );
    }
}

#[test]
fn track_weight_below_the_backup_hands_over() {
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 95);
        sim.start_all();
        sim.run_for(secs(5.0));
        sim.set_track_delta(0, -10);
        assert_eq!(
            sim.nodes[0].inst.as_ref().map(|n| n.effective_priority()),
            Some(90)
        );
        sim.run_for(secs(6.0));
        sim.assert_converged(&[0, 1]);
        assert_eq!(sim.masters(), vec![1]);
        // Weight back: node 0 preempts again.
        sim.set_track_delta(0, 0);
        sim.run_for(secs(6.0));
        assert_eq!(sim.masters(), vec![0], "{}", sim.ctx());
    }
}

#[test]
fn tutorial_weight_2_with_priorities_100_and_90_never_moves_the_vip() {
    // The bench's finding: a failing `weight 2` check on lb1 gives 100 against 90 + 2.
    let mut sim = two_nodes(1, 100, 90);
    sim.start_all();
    sim.run_for(secs(5.0));
    sim.set_track_delta(1, 2);
    sim.run_for(secs(30.0));
    assert_eq!(sim.masters(), vec![0]);
}

#[test]
fn fault_sends_priority_zero_and_recovery_preempts() {
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 90);
        sim.start_all();
        sim.run_for(secs(5.0));
        let at = sim.elapsed();
        sim.set_fault(0, true);
        assert_eq!(sim.state(0), Some(State::Fault));
        assert_eq!(sim.vip_holders(), Vec::<usize>::new());
        sim.run_for(secs(3.0));
        let took = last_master_since(&sim, 1).expect("takeover") - at;
        assert!(
            took <= skew_v2(90) + MAX_DELAY,
            "{} took {took:?}",
            sim.ctx()
        );
        sim.run_for(secs(20.0));
        assert_eq!(
            sim.state(0),
            Some(State::Fault),
            "FAULT holds without adverts"
        );
        sim.set_fault(0, false);
        assert_eq!(sim.state(0), Some(State::Backup));
        sim.run_for(secs(5.0));
        sim.assert_converged(&[0, 1]);
        assert_eq!(sim.masters(), vec![0]);
    }
}

#[test]
fn split_brain_on_partition_and_one_master_after_heal() {
    for seed in 0..SEEDS {
        let mut sim = Sim::new(
            seed,
            (0..3).map(|i| node_config(i, 100 + i as u8)).collect(),
        );
        sim.start_all();
        sim.run_for(secs(5.0));
        sim.assert_converged(&[0, 1, 2]);
        sim.partition = vec![0, 0, 1];
        sim.run_for(secs(5.0));
        // Each side elects its own master: two masters, two VIP holders.
        sim.assert_converged(&[0, 1]);
        sim.assert_converged(&[2]);
        assert_eq!(sim.masters(), vec![1, 2]);
        sim.partition = vec![0, 0, 0];
        // One advert interval (plus delivery) is enough to resolve it.
        sim.run_for(secs(1.0) + MAX_DELAY * 2);
        sim.assert_converged(&[0, 1, 2]);
        assert_eq!(sim.masters(), vec![2]);
    }
}

#[test]
fn lossy_link_only_flaps_after_three_lost_adverts() {
    let mut flaps = 0;
    for seed in 0..SEEDS {
        let mut sim = two_nodes(seed, 100, 90);
        sim.start_all();
        sim.run_for(secs(5.0));
        sim.assert_converged(&[0, 1]);
        sim.loss_permille = 200;
        sim.run_for(secs(600.0));
        for (t, lost, prio_zero) in &sim.nodes[1].takeovers {
            // RFC: a backup may only take over after Master_Down_Interval without an advert,
            // i.e. at least 3 adverts in a row lost at advert 1 s.
            assert!(
                *lost >= 3 || *prio_zero,
                "{} takeover at {t:?} after {lost}",
                sim.ctx()
            );
            flaps += 1;
        }
        sim.loss_permille = 0;
        sim.run_for(secs(5.0));
        sim.assert_converged(&[0, 1]);
    }
    // 0.2³ per window: some flaps must have happened, or the loss was not applied.
    eprintln!("20% loss: {flaps} takeovers in {SEEDS} × 600 s");
    assert!(flaps > 0);
}

#[test]
fn vrrpv3_subsecond_failover() {
    for seed in 0..SEEDS {
        let mut cfgs = vec![node_config(0, 100), node_config(1, 90)];
        for c in &mut cfgs {
            c.version = Version::V3;
            c.advert_int = secs(0.1);
        }
        let mut sim = Sim::new(seed, cfgs);
        sim.start_all();
        sim.run_for(secs(1.0));
        sim.assert_converged(&[0, 1]);
        let at = sim.elapsed();
        sim.kill(0);
        sim.run_for(secs(1.0));
        let took = last_master_since(&sim, 1).expect("takeover") - at;
        // 3 × 100 ms + (166 × 10 × 625 / 16) µs; the bench saw ≈ 360 ms.
        let mdi = secs(0.3) + Duration::from_micros(64_843);
        assert!(
            took <= mdi && took + secs(0.1) + MAX_DELAY >= mdi,
            "{took:?}"
        );
    }
}

#[test]
fn vrrpv3_backup_uses_the_masters_interval() {
    // The backup is configured with 0.1 s but the master sends every 1 s: the backup must
    // learn Master_Adver_Interval from the adverts and not take over between them.
    let mut cfgs = vec![node_config(0, 100), node_config(1, 90)];
    cfgs[0].version = Version::V3;
    cfgs[1].version = Version::V3;
    cfgs[1].advert_int = secs(0.1);
    let mut sim = Sim::new(7, cfgs);
    sim.start(0);
    sim.run_for(secs(5.0));
    sim.start(1);
    sim.run_for(secs(60.0));
    assert_eq!(sim.masters(), vec![0], "{}", sim.ctx());
    // Before it has heard the master it can only use its own 0.1 s (keepalived does the
    // same): one early takeover at most, answered at once. None once the interval is learned.
    let late: Vec<_> = sim.nodes[1]
        .takeovers
        .iter()
        .filter(|t| t.0 > secs(7.0))
        .collect();
    assert!(late.is_empty(), "{}", sim.ctx());
    assert_eq!(
        sim.nodes[1].inst.as_ref().map(|n| n.master_down_interval()),
        Some(secs(3.0) + Duration::from_micros(166 * 100 * 625 / 16))
    );
}

#[test]
fn address_owner_is_master_at_once() {
    let mut sim = two_nodes(3, 255, 100);
    sim.start(1);
    sim.run_for(secs(5.0));
    assert_eq!(sim.masters(), vec![1]);
    sim.start(0);
    assert_eq!(sim.masters(), vec![0, 1], "the owner does not wait");
    sim.run_for(MAX_DELAY * 2);
    sim.assert_converged(&[0, 1]);
    assert_eq!(sim.masters(), vec![0]);
}
