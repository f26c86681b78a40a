//! From tracked things to what an instance is told: FAULT or a priority delta.
//!
//! keepalived's rules (keepalived.conf(5), "VRRP script(s)" and `track_interface`): an
//! unweighted tracked script or interface that is down puts the instance in FAULT; a weighted
//! one adjusts the priority instead: a positive weight is added while it is up, a negative
//! weight is added (subtracted) while it is down. `reverse` swaps up and down.

/// One tracked thing as the instance sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    pub up: bool,
    pub weight: i32,
    pub reverse: bool,
}

/// What the instance must be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrackVerdict {
    pub fault: bool,
    pub delta: i32,
}

pub fn verdict(items: impl IntoIterator<Item = Tracked>) -> TrackVerdict {
    let mut v = TrackVerdict::default();
    for t in items {
        let up = t.up != t.reverse;
        match t.weight {
            0 if !up => v.fault = true,
            0 => {}
            w if w > 0 && up => v.delta = v.delta.saturating_add(w),
            w if w < 0 && !up => v.delta = v.delta.saturating_add(w),
            _ => {}
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(up: bool, weight: i32, reverse: bool) -> Tracked {
        Tracked {
            up,
            weight,
            reverse,
        }
    }

    #[test]
    fn unweighted_down_is_fault() {
        assert_eq!(verdict([t(true, 0, false)]), TrackVerdict::default());
        assert!(verdict([t(true, 0, false), t(false, 0, false)]).fault);
        // 'weight 0 reverse': down when the script is up.
        assert!(verdict([t(true, 0, true)]).fault);
    }

    #[test]
    fn weights_follow_the_sign() {
        assert_eq!(verdict([t(true, 2, false)]).delta, 2);
        assert_eq!(verdict([t(false, 2, false)]).delta, 0);
        assert_eq!(verdict([t(true, -20, false)]).delta, 0);
        assert_eq!(verdict([t(false, -20, false)]).delta, -20);
        assert_eq!(verdict([t(false, 10, true)]).delta, 10);
        assert_eq!(verdict([t(true, -10, true)]).delta, -10);
        let v = verdict([t(false, -20, false), t(true, 5, false), t(false, 0, false)]);
        assert_eq!(
            v,
            TrackVerdict {
                fault: true,
                delta: -15
            }
        );
    }
}
