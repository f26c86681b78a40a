//! One client connection: read, feed the [`CliSession`], write the answers, until the
//! session closes, the client goes away, or the idle timeout (`stats timeout`, or
//! `set timeout cli`) expires.

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::time::Duration;

use super::stream::ClientStream;
use crate::level::Level;
use crate::session::CliSession;
use crate::target::RuntimeTarget;

/// Runs the CLI on `stream` until the conversation ends.
pub(crate) fn serve(
    mut stream: ClientStream,
    level: Level,
    target: &dyn RuntimeTarget,
    timeout: Duration,
) {
    let mut session = CliSession::new(level);
    let mut current_timeout = timeout;
    if stream.set_timeouts(current_timeout).is_err() {
        return;
    }
    let mut buf = [0u8; 4096];
    while !session.is_closed() {
        let n = match stream.read(&mut buf) {
            Ok(0) => {
                session.input_ended();
                break;
            }
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // Idle timeout (WouldBlock/TimedOut) or a broken connection: end it.
            Err(_) => break,
        };
        let out = session.receive(&buf[..n], target);
        if !out.is_empty() && stream.write_all(&out).is_err() {
            break;
        }
        if let Some(t) = session.cli_timeout() {
            if t != current_timeout && stream.set_timeouts(t).is_ok() {
                current_timeout = t;
            }
        }
    }
    let _ = stream.flush();
    stream.shutdown(Shutdown::Both);
}
