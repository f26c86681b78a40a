//! The rise/fall counter of one check, as HAProxy keeps it (`check->health`).
//!
//! `health` runs from 0 to `rise + fall - 1`. A server is up while `health >= rise`. A failure
//! takes one off and drops to 0 as soon as it goes below `rise`; a success adds one and jumps
//! to the top as soon as it reaches `rise`. So from fully up it takes `fall` failures to go
//! down, from down `rise` successes to come back. A server starts at `health = rise`: up, but
//! the first failure takes it down (HAProxy's start-up behaviour, checked against 2.6).

/// Which way the server went, if it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    WentUp,
    WentDown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    health: u32,
    rise: u32,
    fall: u32,
}

impl Health {
    /// A counter for a server that starts up (at minimal health). `rise` and `fall` below 1
    /// are taken as 1 (the parser refuses 0 already).
    pub fn new(rise: u32, fall: u32) -> Self {
        let rise = rise.max(1);
        let fall = fall.max(1);
        Health {
            health: rise,
            rise,
            fall,
        }
    }

    /// A counter for a server that starts down (`init-state down`-like, or after MAINT).
    pub fn new_down(rise: u32, fall: u32) -> Self {
        let mut h = Health::new(rise, fall);
        h.health = 0;
        h
    }

    fn top(&self) -> u32 {
        self.rise + self.fall - 1
    }

    pub fn is_up(&self) -> bool {
        self.health >= self.rise
    }

    /// Up and at full health: the steady state where `inter` applies.
    pub fn is_full_up(&self) -> bool {
        self.health == self.top()
    }

    /// Down with no success counted yet: where `downinter` applies.
    pub fn is_full_down(&self) -> bool {
        self.health == 0
    }

    /// Counts one check result; says whether the server changed side.
    pub fn record(&mut self, passed: bool) -> Option<Change> {
        let was_up = self.is_up();
        if passed {
            if self.health < self.top() {
                self.health += 1;
                if self.health >= self.rise {
                    self.health = self.top();
                }
            }
        } else if self.health > 0 {
            self.health -= 1;
            if self.health < self.rise {
                self.health = 0;
            }
        }
        match (was_up, self.is_up()) {
            (false, true) => Some(Change::WentUp),
            (true, false) => Some(Change::WentDown),
            _ => None,
        }
    }

    /// Forces the server down now (`on-error mark-down`, agent `down`).
    pub fn force_down(&mut self) -> Option<Change> {
        let was_up = self.is_up();
        self.health = 0;
        was_up.then_some(Change::WentDown)
    }

    /// Forces the server fully up (agent `up`).
    pub fn force_up(&mut self) -> Option<Change> {
        let was_up = self.is_up();
        self.health = self.top();
        (!was_up).then_some(Change::WentUp)
    }

    /// One failure away from down (`on-error sudden-death`), if currently up.
    pub fn set_pre_fatal(&mut self) {
        if self.is_up() {
            self.health = self.rise;
        }
    }

    /// `(health, rise, fall)` as HAProxy stores them (`show servers state`, stats CSV).
    pub fn raw(&self) -> (u32, u32, u32) {
        (self.health, self.rise, self.fall)
    }

    /// HAProxy's `status: 2/3 UP` part of a check line: progress towards the other side.
    pub fn progress(&self) -> (u32, u32) {
        if self.is_up() {
            (self.health - self.rise + 1, self.fall)
        } else {
            (self.health, self.rise)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failure_at_start_takes_the_server_down() {
        let mut h = Health::new(3, 3);
        assert!(h.is_up());
        assert_eq!(h.record(false), Some(Change::WentDown));
        assert_eq!(h.progress(), (0, 3));
    }

    #[test]
    fn fall_failures_from_full_health() {
        let mut h = Health::new(3, 3);
        assert_eq!(h.record(true), None);
        assert!(h.is_full_up());
        assert_eq!(h.progress(), (3, 3));
        assert_eq!(h.record(false), None);
        assert_eq!(h.progress(), (2, 3));
        assert_eq!(h.record(false), None);
        assert_eq!(h.record(false), Some(Change::WentDown));
        assert!(h.is_full_down());
    }

    #[test]
    fn rise_successes_from_down() {
        let mut h = Health::new_down(3, 2);
        assert_eq!(h.record(true), None);
        assert_eq!(h.record(true), None);
        assert_eq!(h.progress(), (2, 3));
        assert_eq!(h.record(true), Some(Change::WentUp));
        assert!(h.is_full_up());
    }

    #[test]
    fn a_success_while_up_restores_full_health() {
        let mut h = Health::new(2, 3);
        h.record(true);
        h.record(false);
        h.record(false);
        h.record(true);
        assert!(h.is_full_up());
        assert_eq!(h.record(false), None);
        assert_eq!(h.record(false), None);
        assert_eq!(h.record(false), Some(Change::WentDown));
    }

    #[test]
    fn rise_and_fall_of_one() {
        let mut h = Health::new(1, 1);
        assert!(h.is_full_up());
        assert_eq!(h.record(false), Some(Change::WentDown));
        assert_eq!(h.record(true), Some(Change::WentUp));
    }

    #[test]
    fn sudden_death_leaves_one_failure() {
        let mut h = Health::new(2, 5);
        h.record(true);
        h.set_pre_fatal();
        assert!(h.is_up());
        assert_eq!(h.record(false), Some(Change::WentDown));
    }
}
