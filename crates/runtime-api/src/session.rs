//! One client connection of the runtime API as a state machine: bytes in, bytes out.
//!
//! The driver feeds whatever it reads from the socket to [`CliSession::receive`] and
//! writes back what it returns; the session cuts commands at `\n` and at unescaped `;`,
//! runs them, and appends after each answer what HAProxy appends (management manual 9.2):
//! an empty line in non-interactive mode, `\n> ` in prompt mode. In non-interactive mode
//! the session closes as soon as it has answered and no more input is buffered, which is
//! what lets `echo 'show stat' | socat stdio /run/haproxy.sock` terminate.

use std::time::Duration;

use crate::execute::{self, Reply, SessionSettings};
use crate::level::Level;
use crate::target::RuntimeTarget;
use crate::words::split_words;

/// The longest command line accepted, delimiter included: HAProxy's default
/// `tune.bufsize`. A longer line closes the connection (HAProxy stalls on it instead).
pub const DEFAULT_MAX_LINE: usize = 16384;

/// The prompt printed after each answer in interactive mode.
pub const PROMPT: &str = "\n> ";

/// The CLI state of one connection.
#[derive(Debug)]
pub struct CliSession {
    settings: SessionSettings,
    input: Vec<u8>,
    closed: bool,
    max_line: usize,
}

impl CliSession {
    /// A new session at the socket's level, in non-interactive mode.
    pub fn new(level: Level) -> Self {
        CliSession {
            settings: SessionSettings {
                level,
                prompt: false,
                cli_timeout: None,
            },
            input: Vec::new(),
            closed: false,
            max_line: DEFAULT_MAX_LINE,
        }
    }

    /// Changes the longest accepted command line (at least 2 bytes).
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line.max(2);
        self
    }

    /// The current level (lowered by `operator` / `user`).
    pub fn level(&self) -> Level {
        self.settings.level
    }

    /// Whether interactive (`prompt`) mode is on.
    pub fn is_interactive(&self) -> bool {
        self.settings.prompt
    }

    /// The idle timeout set by `set timeout cli`, if any.
    pub fn cli_timeout(&self) -> Option<Duration> {
        self.settings.cli_timeout
    }

    /// Once true, the driver sends what it has and closes the connection.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Takes bytes read from the client, runs every complete command among them and
    /// returns the bytes to send back (possibly none).
    pub fn receive(&mut self, bytes: &[u8], target: &dyn RuntimeTarget) -> Vec<u8> {
        let mut out = Vec::new();
        if self.closed {
            return out;
        }
        self.input.extend_from_slice(bytes);
        while !self.closed {
            let Some(end) = self.command_end() else {
                if self.input.len() >= self.max_line {
                    self.close();
                }
                break;
            };
            let mut command = &self.input[..end];
            if let [rest @ .., b'\r'] = command {
                command = rest;
            }
            let words = split_words(command);
            self.input.drain(..=end);
            let reply = execute::run(&words, &mut self.settings, target);
            self.emit(reply, &mut out);
        }
        out
    }

    /// The client closed its sending side (or the connection timed out): a partial
    /// command left in the buffer is dropped, as HAProxy does, and the session ends.
    pub fn input_ended(&mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.closed = true;
        self.input = Vec::new();
    }

    /// Position of the first unescaped `\n` or `;` within the accepted line length.
    fn command_end(&self) -> Option<usize> {
        let limit = self.input.len().min(self.max_line);
        let mut i = 0;
        while i < limit {
            match self.input[i] {
                b'\\' => i += 2,
                b'\n' | b';' => return Some(i),
                _ => i += 1,
            }
        }
        None
    }

    fn emit(&mut self, reply: Reply, out: &mut Vec<u8>) {
        out.extend_from_slice(reply.text.as_bytes());
        if reply.close {
            self.close();
            return;
        }
        if self.settings.prompt {
            out.extend_from_slice(PROMPT.as_bytes());
        } else {
            if !reply.no_newline {
                out.push(b'\n');
            }
            // Non-interactive: one batch of commands, then close.
            if self.input.is_empty() {
                self.close();
            }
        }
    }
}
