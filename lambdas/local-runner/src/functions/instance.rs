//! One execution environment: the function's `bootstrap` as a child process with its own
//! Runtime API listener. Dropping the instance kills the process and closes the listener.

use super::invocation::{Outcome, Slot};
use super::runtime_api;
use crate::http;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Lambda gives a function's init phase 10 s before it counts as failed.
const INIT_ALLOWANCE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

/// How to start an instance of one function.
pub struct Launch<'a> {
    pub entry: &'a Path,
    pub task_root: &'a Path,
    pub environment: &'a BTreeMap<String, String>,
    pub log_file: &'a PathBuf,
    pub function_arn: &'a str,
}

pub struct Instance {
    slot: Arc<Slot>,
    pid: Option<u32>,
    spawned_at: Instant,
    exited: Arc<AtomicBool>,
    invocations: u64,
    server: JoinHandle<()>,
    _kill: oneshot::Sender<()>,
}

/// Timings of one finished invocation, for the REPORT line.
pub struct Timings {
    pub duration: Duration,
    pub init: Option<Duration>,
    pub max_memory_mb: Option<u64>,
}

impl Instance {
    pub async fn start(launch: Launch<'_>) -> std::io::Result<Instance> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let runtime_api = listener.local_addr()?.to_string();
        let slot = Arc::new(Slot::new(launch.function_arn.to_string()));
        let server_slot = slot.clone();
        let server = tokio::spawn(http::serve(listener, move |_, request| {
            runtime_api::handle(server_slot.clone(), request)
        }));

        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(launch.log_file)?;
        let mut command = Command::new(launch.entry);
        command
            .current_dir(launch.task_root)
            .env_clear()
            .envs(launch.environment)
            .env("AWS_LAMBDA_RUNTIME_API", &runtime_api)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let spawned_at = Instant::now();
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                server.abort();
                return Err(e);
            }
        };
        let pid = child.id();

        let exited = Arc::new(AtomicBool::new(false));
        let (kill, killed) = oneshot::channel::<()>();
        let watched_slot = slot.clone();
        let watched_exit = exited.clone();
        tokio::spawn(async move {
            tokio::select! {
                status = child.wait() => {
                    watched_exit.store(true, Ordering::SeqCst);
                    let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    watched_slot.fail(Outcome::Crashed(format!("Runtime exited ({status})")));
                }
                _ = killed => {
                    watched_exit.store(true, Ordering::SeqCst);
                    let _ = child.kill().await;
                }
            }
        });
        Ok(Instance {
            slot,
            pid,
            spawned_at,
            exited,
            invocations: 0,
            server,
            _kill: kill,
        })
    }

    pub fn is_alive(&self) -> bool {
        !self.exited.load(Ordering::SeqCst)
    }

    /// Runs one invocation to its end: the function's answer, its error, a crash or the timeout.
    pub async fn invoke(
        &mut self,
        request_id: &str,
        payload: Bytes,
        timeout: Duration,
    ) -> (Outcome, Timings) {
        let cold = self.invocations == 0;
        self.invocations += 1;
        let started = Instant::now();
        let deadline_epoch_ms = chrono::Utc::now().timestamp_millis()
            + i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        let mut reply = self
            .slot
            .put(request_id.to_string(), payload, deadline_epoch_ms);

        // VmHWM only grows while the process lives; sampled so a crash still reports it.
        let mut peak_mb = None;
        let outcome = loop {
            tokio::select! {
                outcome = &mut reply => break outcome.unwrap_or_else(|_| Outcome::Crashed("Runtime exited".to_string())),
                _ = tokio::time::sleep(POLL) => {
                    peak_mb = self.pid.and_then(max_memory_mb).or(peak_mb);
                    let delivered = self.slot.delivered_at().filter(|at| *at >= started);
                    let expired = match delivered {
                        Some(at) => at.elapsed() >= timeout,
                        None => started.elapsed() >= INIT_ALLOWANCE + timeout,
                    };
                    if expired {
                        self.slot.fail(Outcome::TimedOut);
                        break Outcome::TimedOut;
                    }
                }
            }
        };
        let delivered = self.slot.delivered_at().filter(|at| *at >= started);
        let timings = Timings {
            duration: delivered.map_or_else(|| started.elapsed(), |at| at.elapsed()),
            init: if cold {
                self.slot
                    .init_done_at()
                    .map(|at| at.saturating_duration_since(self.spawned_at))
            } else {
                None
            },
            max_memory_mb: self.pid.and_then(max_memory_mb).or(peak_mb),
        };
        (outcome, timings)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Peak resident set size (VmHWM) of a process, in MB.
fn max_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}
