//! `log stdout` / `log stderr`: frames go through a bounded queue to one writer thread per
//! stream, so a slow terminal or a full pipe never blocks a worker; when the queue is full the
//! frame is dropped (and the caller counts it). Buffers are recycled through a second queue.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Frames waiting per stream before new ones are dropped.
pub(crate) const QUEUE_DEPTH: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

pub(crate) struct StdioWriter {
    queue: SyncSender<Vec<u8>>,
    /// Emptied buffers coming back from the writer thread; the Mutex is only `try_lock`ed.
    spare: Mutex<Receiver<Vec<u8>>>,
    pending: Arc<AtomicUsize>,
}

static STDOUT: OnceLock<Option<StdioWriter>> = OnceLock::new();
static STDERR: OnceLock<Option<StdioWriter>> = OnceLock::new();

impl StdioWriter {
    /// The process-wide writer for `stream`, started on first use (`None` if the thread could
    /// not be spawned).
    pub(crate) fn get(stream: Stream) -> Option<&'static StdioWriter> {
        let cell = match stream {
            Stream::Stdout => &STDOUT,
            Stream::Stderr => &STDERR,
        };
        cell.get_or_init(|| StdioWriter::start(stream)).as_ref()
    }

    fn start(stream: Stream) -> Option<StdioWriter> {
        let (queue, frames) = sync_channel::<Vec<u8>>(QUEUE_DEPTH);
        let (give_back, spare) = sync_channel::<Vec<u8>>(64);
        let pending = Arc::new(AtomicUsize::new(0));
        let written = Arc::clone(&pending);
        std::thread::Builder::new()
            .name(format!("halb-log-{stream:?}").to_lowercase())
            .spawn(move || {
                for mut frame in frames {
                    // Errors (closed pipe) are ignored: logging must not take the process down.
                    let _ = match stream {
                        Stream::Stdout => std::io::stdout().lock().write_all(&frame),
                        Stream::Stderr => std::io::stderr().lock().write_all(&frame),
                    };
                    written.fetch_sub(1, Ordering::Release);
                    frame.clear();
                    let _ = give_back.try_send(frame);
                }
            })
            .ok()?;
        Some(StdioWriter {
            queue,
            spare: Mutex::new(spare),
            pending,
        })
    }

    /// Queues a copy of `frame`; false when the queue is full (the frame is dropped).
    pub(crate) fn push(&self, frame: &[u8]) -> bool {
        let mut buf = self
            .spare
            .try_lock()
            .ok()
            .and_then(|r| r.try_recv().ok())
            .unwrap_or_default();
        buf.extend_from_slice(frame);
        self.pending.fetch_add(1, Ordering::Acquire);
        match self.queue.try_send(buf) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.pending.fetch_sub(1, Ordering::Release);
                false
            }
        }
    }

    /// Waits until every queued frame is written, at most `timeout`; true when drained.
    pub(crate) fn drain(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.pending.load(Ordering::Acquire) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }
}
