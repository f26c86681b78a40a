//! The rise/fall machine against the rule as the manual states it, over random check
//! sequences in virtual time: an up server goes down after `fall` consecutive failures (just
//! one before its first success, as HAProxy starts servers at minimal health); a down server
//! comes back after `rise` consecutive successes. Transitions are reported exactly when the
//! state flips.

use std::time::{Duration, Instant};

use checks::observe::OnError;
use checks::{CheckOutcome, CheckStatus, ServerCheck, ServerCheckConfig, Transition};
use proptest::prelude::*;

fn server(rise: u32, fall: u32) -> ServerCheck {
    ServerCheck::new(ServerCheckConfig {
        check: true,
        agent: false,
        weight: 1,
        rise,
        fall,
        inter: Duration::from_secs(2),
        fastinter: Some(Duration::from_millis(500)),
        downinter: Some(Duration::from_secs(10)),
        agent_inter: None,
        slowstart: None,
        observe: None,
        error_limit: 10,
        on_error: OnError::FailCheck,
        ..ServerCheckConfig::default()
    })
}

proptest! {
    #[test]
    fn state_follows_consecutive_runs(
        rise in 1u32..6,
        fall in 1u32..6,
        results in proptest::collection::vec(any::<bool>(), 0..200),
    ) {
        let mut s = server(rise, fall);
        let mut now = Instant::now();
        let (mut up, mut seen_success, mut run_ok, mut run_fail) = (true, false, 0u32, 0u32);
        for passed in results {
            let delay = s.next_check_delay();
            // The interval is the manual's: inter when steady up, downinter when steady down.
            prop_assert!([2000, 500, 10_000].contains(&(delay.as_millis() as u64)));
            now += delay;
            let o = if passed {
                CheckOutcome::new(CheckStatus::L7Ok).with_code(200)
            } else {
                CheckOutcome::new(CheckStatus::L4Con).with_info("Connection refused")
            };
            let t = s.handle_check(now, o);
            if passed { run_ok += 1; run_fail = 0; } else { run_fail += 1; run_ok = 0; }
            let expect_flip = if up {
                !passed && (run_fail >= fall || !seen_success)
            } else {
                passed && run_ok >= rise
            };
            if passed && up { seen_success = true; }
            if expect_flip {
                up = !up;
                if up { seen_success = true; }
                prop_assert!(matches!((&t, up), (Some(Transition::Up(_)), true) | (Some(Transition::Down(_)), false)), "{t:?}");
            } else {
                prop_assert_eq!(t, None);
            }
            prop_assert_eq!(s.state().usable(), up);
        }
    }
}
