//! Log helpers for tests: everything `tracing` emits while a future runs, as JSON lines;
//! and reading a Lambda log's START/END lines.

use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

fn lock(buffer: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    buffer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub async fn capture(work: impl std::future::Future<Output = ()>) -> String {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    work.await;
    String::from_utf8_lossy(&lock(&buffer.0)).into_owned()
}

/// The lines `function` (its crate name) writes while `work` runs, formatted as a deployed
/// function formats them (Lambda's JSON log format, adapters::logs).
pub async fn capture_as_deployed(
    function: &str,
    work: impl std::future::Future<Output = ()>,
) -> String {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = adapters::logs::json_subscriber(function, move || writer.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    work.await;
    String::from_utf8_lossy(&lock(&buffer.0)).into_owned()
}

/// The most invocations in flight at once in a Lambda log: each START line opens one
/// and each END line closes one, in the order the log has them. Two or more means
/// invocations overlapped.
pub fn most_in_flight(log: &str) -> usize {
    let (mut now, mut most) = (0usize, 0usize);
    for line in log.lines() {
        if line.starts_with("START RequestId:") {
            now += 1;
            most = most.max(now);
        } else if line.starts_with("END RequestId:") {
            now = now.saturating_sub(1);
        }
    }
    most
}
