//! `notify*` scripts of one instance (or sync group), run one after the other.
//!
//! A state change queues `notify_<state>` then `notify` with keepalived's arguments
//! (`INSTANCE VI_1 MASTER 100`). Running them in order matters (a script that writes the current
//! state must not see MASTER overwritten by an older BACKUP), but waiting for them must never
//! delay an advert: the next script starts when the loop notices the previous one exited.

use std::collections::VecDeque;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::script_command::ScriptCommand;

#[derive(Debug, Default)]
pub struct NotifyQueue {
    pending: VecDeque<(ScriptCommand, Vec<String>)>,
    running: Option<Child>,
}

impl NotifyQueue {
    pub fn push(&mut self, command: ScriptCommand, args: Vec<String>) {
        self.pending.push_back((command, args));
    }

    pub fn is_idle(&self) -> bool {
        self.running.is_none() && self.pending.is_empty()
    }

    /// Reaps the running script and starts the next; returns log lines for failures.
    pub fn poll(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            if let Some(child) = &mut self.running {
                match child.try_wait() {
                    Ok(None) => return lines,
                    Ok(Some(_)) | Err(_) => self.running = None,
                }
            }
            let Some((cmd, args)) = self.pending.pop_front() else {
                return lines;
            };
            match cmd.spawn(&args) {
                Ok(child) => self.running = Some(child),
                Err(e) => lines.push(format!(
                    "Failed to exec notify script {} {}: {e}",
                    cmd.program(),
                    args.join(" ")
                )),
            }
        }
    }

    /// At exit: runs what is queued, waiting at most until `deadline`.
    pub fn drain_until(&mut self, deadline: Instant) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            lines.extend(self.poll());
            if self.is_idle() || Instant::now() >= deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_run_in_order_with_arguments() {
        let dir = std::env::temp_dir().join(format!("vl-nq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let log = dir.join("log");
        // The first script is slower: ordering must still hold.
        let slow = ScriptCommand::parse(&format!("sleep 0.2; echo \"$@\" >> {}", log.display()))
            .expect("cmd");
        let fast = ScriptCommand::parse(&format!("echo \"$@\" >> {}", log.display())).expect("cmd");
        let mut q = NotifyQueue::default();
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        q.push(slow, args("INSTANCE VI_1 BACKUP 100"));
        q.push(fast, args("INSTANCE VI_1 MASTER 100"));
        let lines = q.drain_until(Instant::now() + Duration::from_secs(10));
        assert!(lines.is_empty(), "{lines:?}");
        assert!(q.is_idle());
        assert_eq!(
            std::fs::read_to_string(&log).expect("log"),
            "INSTANCE VI_1 BACKUP 100\nINSTANCE VI_1 MASTER 100\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_program_is_logged_not_fatal() {
        let mut q = NotifyQueue::default();
        q.push(
            ScriptCommand::parse("/nonexistent/notify.sh").expect("cmd"),
            vec!["INSTANCE".into()],
        );
        let lines = q.drain_until(Instant::now() + Duration::from_secs(5));
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("/nonexistent/notify.sh"), "{lines:?}");
    }
}
