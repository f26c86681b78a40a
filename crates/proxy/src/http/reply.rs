//! Answers the proxy sends on its own (error pages), and closing a client connection so the
//! answer is not lost to a reset.

use std::time::Duration;

use crate::stream::Stream;

use super::io::{deadline, read_until, write_within};

/// Most bytes read and dropped while waiting for the client to close after an error.
const LINGER_BYTES: usize = 64 * 1024;
/// Longest wait for that close.
const LINGER_TIME: Duration = Duration::from_secs(1);

/// Writes `page`, sends FIN, then drains what the client still sends for a short while:
/// closing with unread data would make the kernel send a reset, which can destroy the
/// answer before the client reads it.
pub async fn send_and_close<S: Stream>(client: &S, page: &[u8], timeout_client: Option<Duration>) {
    if write_within(client, page, timeout_client).await.is_err() {
        return;
    }
    let _ = client.shutdown_write();
    let until = deadline(Some(LINGER_TIME));
    let mut scratch = vec![0u8; 2048];
    let mut drained = 0;
    while drained < LINGER_BYTES {
        match read_until(client, &mut scratch, until).await {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}
