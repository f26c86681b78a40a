//! `vrrp_script`: a check run every `interval`, turned into good/bad by `rise`/`fall`.
//!
//! The process never blocks the event loop: it is spawned, then reaped by a non-blocking
//! `try_wait` whenever the loop wakes (SIGCHLD wakes it through the signal pipe), and killed
//! (with its process group) when it outlives `timeout`, which counts as a failure. What a
//! status change means for an instance (priority delta or FAULT) is decided by the caller.

use std::process::Child;
use std::time::{Duration, Instant};

use crate::script_command::ScriptCommand;

/// keepalived's view of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptStatus {
    /// Not run to completion yet; counts as good, as keepalived's init state does.
    Init,
    Good,
    Bad,
}

/// The rise/fall counter: `rise` successes in a row make a bad script good, `fall` failures
/// in a row make a good one bad; the very first result decides at once (keepalived logs
/// "succeeded"/"failed" right after the first run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiseFall {
    rise: u32,
    fall: u32,
    status: ScriptStatus,
    streak: u32,
}

impl RiseFall {
    pub fn new(rise: u32, fall: u32) -> Self {
        RiseFall {
            rise: rise.max(1),
            fall: fall.max(1),
            status: ScriptStatus::Init,
            streak: 0,
        }
    }

    pub fn status(&self) -> ScriptStatus {
        self.status
    }

    /// Records one result; returns the new status when it changed.
    pub fn record(&mut self, ok: bool) -> Option<ScriptStatus> {
        let next = match (self.status, ok) {
            (ScriptStatus::Init, true) => ScriptStatus::Good,
            (ScriptStatus::Init, false) => ScriptStatus::Bad,
            (ScriptStatus::Good, true) | (ScriptStatus::Bad, false) => {
                self.streak = 0;
                return None;
            }
            (ScriptStatus::Good, false) => {
                self.streak += 1;
                if self.streak < self.fall {
                    return None;
                }
                ScriptStatus::Bad
            }
            (ScriptStatus::Bad, true) => {
                self.streak += 1;
                if self.streak < self.rise {
                    return None;
                }
                ScriptStatus::Good
            }
        };
        self.streak = 0;
        self.status = next;
        Some(next)
    }
}

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Exited(i32),
    Signalled(i32),
    TimedOut,
    SpawnFailed,
}

impl RunOutcome {
    fn ok(self) -> bool {
        self == RunOutcome::Exited(0)
    }
}

/// One `vrrp_script` and its running process.
#[derive(Debug)]
pub struct TrackScript {
    pub name: String,
    command: ScriptCommand,
    interval: Duration,
    timeout: Duration,
    counter: RiseFall,
    child: Option<(Child, Instant)>,
    next_run: Instant,
    last_code: Option<i32>,
}

/// What the event loop logs and applies after [`TrackScript::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptReport {
    pub lines: Vec<String>,
    pub changed_to: Option<ScriptStatus>,
}

impl TrackScript {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &str,
        command: ScriptCommand,
        interval: Duration,
        timeout: Duration,
        rise: u32,
        fall: u32,
        init_fail: bool,
        now: Instant,
    ) -> Self {
        let mut counter = RiseFall::new(rise, fall);
        if init_fail {
            counter.status = ScriptStatus::Bad;
        }
        TrackScript {
            name: name.to_owned(),
            command,
            interval: interval.max(Duration::from_millis(10)),
            timeout: if timeout.is_zero() { interval } else { timeout },
            counter,
            child: None,
            next_run: now,
            last_code: None,
        }
    }

    pub fn status(&self) -> ScriptStatus {
        self.counter.status()
    }

    /// When [`poll`](Self::poll) has something to do next.
    pub fn deadline(&self) -> Instant {
        match &self.child {
            Some((_, started)) => *started + self.timeout,
            None => self.next_run,
        }
    }

    /// Reaps, times out or starts the script as due.
    pub fn poll(&mut self, now: Instant) -> ScriptReport {
        let mut report = ScriptReport {
            lines: Vec::new(),
            changed_to: None,
        };
        if let Some((child, started)) = &mut self.child {
            let outcome = match child.try_wait() {
                Ok(Some(status)) => match status.code() {
                    Some(c) => Some(RunOutcome::Exited(c)),
                    None => Some(RunOutcome::Signalled(
                        std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0),
                    )),
                },
                Ok(None) if now >= *started + self.timeout => {
                    kill_group(child);
                    Some(RunOutcome::TimedOut)
                }
                Ok(None) => None,
                Err(_) => Some(RunOutcome::SpawnFailed),
            };
            if let Some(outcome) = outcome {
                self.child = None;
                self.finish(outcome, &mut report);
            }
        }
        if self.child.is_none() && now >= self.next_run {
            self.next_run = now + self.interval;
            match self.command.spawn(&[]) {
                Ok(child) => self.child = Some((child, now)),
                Err(e) => {
                    report
                        .lines
                        .push(format!("Failed to exec script {}: {e}", self.name));
                    self.finish(RunOutcome::SpawnFailed, &mut report);
                }
            }
        }
        report
    }

    fn finish(&mut self, outcome: RunOutcome, report: &mut ScriptReport) {
        if let RunOutcome::Exited(code) = outcome {
            if self.last_code != Some(code) && (self.last_code.is_some() || code != 0) {
                report
                    .lines
                    .push(format!("Script `{}` now returning {code}", self.name));
            }
            self.last_code = Some(code);
        }
        let Some(status) = self.counter.record(outcome.ok()) else {
            return;
        };
        report.changed_to = Some(status);
        report.lines.push(match (status, outcome) {
            (ScriptStatus::Good, _) => format!("VRRP_Script({}) succeeded", self.name),
            (_, RunOutcome::TimedOut) => format!("VRRP_Script({}) timed out", self.name),
            (_, RunOutcome::Exited(c)) => {
                format!("VRRP_Script({}) failed (exited with status {c})", self.name)
            }
            (_, RunOutcome::Signalled(s)) => {
                format!("VRRP_Script({}) failed (due to signal {s})", self.name)
            }
            (_, RunOutcome::SpawnFailed) => format!("VRRP_Script({}) failed", self.name),
        });
    }

    /// Kills a running check (reload or shutdown).
    pub fn stop(&mut self) {
        if let Some((mut child, _)) = self.child.take() {
            kill_group(&mut child);
            let _ = child.wait();
        }
    }
}

impl Drop for TrackScript {
    fn drop(&mut self) {
        self.stop();
    }
}

/// SIGKILL the script's process group (it was spawned as a group leader), then the child.
fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on the group we created for this child; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_result_decides_then_rise_and_fall_count() {
        let mut rf = RiseFall::new(2, 3);
        assert_eq!(rf.status(), ScriptStatus::Init);
        assert_eq!(rf.record(true), Some(ScriptStatus::Good));
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(true), None); // streak broken
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(false), Some(ScriptStatus::Bad));
        assert_eq!(rf.record(true), None);
        assert_eq!(rf.record(true), Some(ScriptStatus::Good));
        let mut bad_first = RiseFall::new(2, 2);
        assert_eq!(bad_first.record(false), Some(ScriptStatus::Bad));
    }

    fn run_until_change(s: &mut TrackScript) -> ScriptReport {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = s.poll(Instant::now());
            if r.changed_to.is_some() || Instant::now() > deadline {
                return r;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn real_process_results_and_timeout() {
        let now = Instant::now();
        let ms = Duration::from_millis;
        let mut ok = TrackScript::new(
            "ok",
            ScriptCommand::parse("true").expect("cmd"),
            ms(20),
            ms(2000),
            1,
            1,
            false,
            now,
        );
        let r = run_until_change(&mut ok);
        assert_eq!(r.changed_to, Some(ScriptStatus::Good));
        assert_eq!(r.lines, vec!["VRRP_Script(ok) succeeded".to_string()]);

        let mut bad = TrackScript::new(
            "bad",
            ScriptCommand::parse("exit 3; :").expect("cmd"),
            ms(20),
            ms(2000),
            1,
            1,
            false,
            now,
        );
        let r = run_until_change(&mut bad);
        assert_eq!(r.changed_to, Some(ScriptStatus::Bad));
        assert!(r
            .lines
            .contains(&"VRRP_Script(bad) failed (exited with status 3)".to_string()));

        let mut slow = TrackScript::new(
            "slow",
            ScriptCommand::parse("sleep 30").expect("cmd"),
            ms(20),
            ms(50),
            1,
            1,
            false,
            now,
        );
        let r = run_until_change(&mut slow);
        assert_eq!(r.changed_to, Some(ScriptStatus::Bad));
        assert_eq!(r.lines, vec!["VRRP_Script(slow) timed out".to_string()]);
    }
}
