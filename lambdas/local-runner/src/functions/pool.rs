//! The instances of one function: cold start on first use, warm reuse, at most `limit`
//! running at once, and a timed-out or crashed instance replaced by a fresh one.

use super::bundle;
use super::instance::{Instance, Launch, Timings};
use super::invocation::Outcome;
use crate::applied::FunctionSpec;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

pub struct FunctionPool {
    spec: FunctionSpec,
    environment: BTreeMap<String, String>,
    task_root: PathBuf,
    log_file: PathBuf,
    entry: OnceCell<PathBuf>,
    idle: Mutex<Vec<Instance>>,
    slots: Semaphore,
}

/// One invocation's result.
pub struct Invocation {
    pub outcome: Outcome,
}

impl FunctionPool {
    pub fn new(
        spec: FunctionSpec,
        environment: BTreeMap<String, String>,
        work_dir: &std::path::Path,
        log_file: PathBuf,
        limit: usize,
    ) -> Self {
        let task_root = work_dir.join("functions").join(&spec.name);
        FunctionPool {
            spec,
            environment,
            task_root,
            log_file,
            entry: OnceCell::new(),
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(limit.max(1)),
        }
    }

    /// Invokes the function with `payload`; `budget` caps the function's own timeout
    /// (Cognito waits 5 s for a trigger whatever the function's timeout).
    pub async fn invoke(&self, payload: Bytes, budget: Option<Duration>) -> Invocation {
        let request_id = uuid::Uuid::new_v4().to_string();
        let timeout = budget.map_or(self.spec.timeout, |b| b.min(self.spec.timeout));
        let Ok(_slot) = self.slots.acquire().await else {
            return Invocation {
                outcome: Outcome::Crashed("the function is shutting down".to_string()),
            };
        };
        let mut instance = match self.warm_instance() {
            Some(instance) => instance,
            None => match self.cold_instance().await {
                Ok(instance) => instance,
                Err(message) => {
                    self.log(&format!("START failed: {message}"));
                    return Invocation {
                        outcome: Outcome::Crashed(message),
                    };
                }
            },
        };
        // Lambda's START/END bracket each invocation in the log, in the order they happen:
        // overlapping invocations show as a START before an earlier one's END.
        self.log(&format!("START RequestId: {request_id} Version: $LATEST"));
        let (outcome, timings) = instance.invoke(&request_id, payload, timeout).await;
        self.log(&format!("END RequestId: {request_id}"));
        self.report(&request_id, &outcome, &timings);
        if outcome.keeps_instance() && instance.is_alive() {
            self.park(instance);
        }
        Invocation { outcome }
    }

    fn park(&self, instance: Instance) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(instance);
        }
    }

    fn warm_instance(&self) -> Option<Instance> {
        let mut idle = self.idle.lock().ok()?;
        while let Some(instance) = idle.pop() {
            if instance.is_alive() {
                return Some(instance);
            }
        }
        None
    }

    async fn cold_instance(&self) -> Result<Instance, String> {
        let entry = self
            .entry
            .get_or_try_init(|| async {
                // Unzipping a few MB is blocking work: off the async threads.
                let zip_path = self.spec.zip_path.clone();
                let task_root = self.task_root.clone();
                let handler = self.spec.handler.clone();
                tokio::task::spawn_blocking(move || {
                    bundle::unpack(&zip_path, &task_root, &handler).map_err(|e| e.to_string())
                })
                .await
                .map_err(|e| e.to_string())?
            })
            .await?;
        Instance::start(Launch {
            entry,
            task_root: &self.task_root,
            environment: &self.environment,
            log_file: &self.log_file,
            function_arn: &self.spec.arn,
        })
        .await
        .map_err(|e| format!("cannot start {}: {e}", entry.display()))
    }

    fn report(&self, request_id: &str, outcome: &Outcome, timings: &Timings) {
        match outcome {
            Outcome::Crashed(cause) => self.log(&format!("{request_id} Error: {cause}")),
            Outcome::InitFailed(error) => {
                self.log(&format!("{request_id} Init error: {}", error.error_type))
            }
            Outcome::FunctionError(error) => self.log(&format!(
                "{request_id} Function error: {}",
                error.error_type
            )),
            Outcome::TimedOut => self.log(&format!(
                "{request_id} Task timed out after {:.2} seconds",
                self.spec.timeout.as_secs_f64()
            )),
            Outcome::Response(_) => {}
        }
        let line = report_line(request_id, self.spec.memory_mb, outcome, timings);
        println!("{} {line}", self.spec.name);
        self.log(&line);
    }

    fn log(&self, line: &str) {
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_file)
        {
            let _ = writeln!(file, "{line}");
        }
    }
}

/// `REPORT RequestId: … Duration: … ms Billed Duration: … ms Memory Size: … MB Max Memory Used: … MB [Init Duration: … ms]`.
pub fn report_line(
    request_id: &str,
    memory_mb: u64,
    outcome: &Outcome,
    timings: &Timings,
) -> String {
    let duration_ms = timings.duration.as_secs_f64() * 1000.0;
    let init_ms = timings.init.map(|d| d.as_secs_f64() * 1000.0);
    let billed_ms = (duration_ms + init_ms.unwrap_or(0.0)).ceil();
    let mut line = format!(
        "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed_ms:.0} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {} MB",
        timings.max_memory_mb.unwrap_or(0)
    );
    if let Some(init_ms) = init_ms {
        line.push_str(&format!("\tInit Duration: {init_ms:.2} ms"));
    }
    match outcome {
        Outcome::TimedOut => line.push_str("\tStatus: timeout"),
        Outcome::Crashed(_) | Outcome::InitFailed(_) => line.push_str("\tStatus: error"),
        Outcome::Response(_) | Outcome::FunctionError(_) => {}
    }
    line
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Echoes the event, exits on "crash", hangs on "sleep", answers "slow" after 0.4 s.
    fn script_function(dir: &std::path::Path) -> FunctionSpec {
        let cases = r#"    crash) exit 3 ;;
    sleep) exec sleep 30 ;;
    slow) sleep 0.4; respond "$event" ;;
    *) respond "$event" ;;"#;
        FunctionSpec {
            name: "script".into(),
            arn: "arn:aws:lambda:eu-west-1:123456789012:function:script".into(),
            zip_path: crate::test_runtime::script_zip(dir, "script", cases),
            handler: "bootstrap".into(),
            environment: BTreeMap::new(),
            timeout: Duration::from_secs(30),
            memory_mb: 128,
            log_level: None,
            role_arn: None,
        }
    }

    async fn answer(pool: &FunctionPool, event: &str, budget: Option<Duration>) -> Outcome {
        pool.invoke(Bytes::from(event.to_string()), budget)
            .await
            .outcome
    }

    /// The script function in a fresh directory, at most 2 instances.
    fn script_pool() -> (std::path::PathBuf, FunctionPool) {
        let dir = crate::test_runtime::temp_dir("pool");
        let env = BTreeMap::from([(
            "PATH".to_string(),
            "/usr/local/bin:/usr/bin:/bin".to_string(),
        )]);
        let pool = FunctionPool::new(script_function(&dir), env, &dir, dir.join("script.log"), 2);
        (dir, pool)
    }

    fn is_response(outcome: &Outcome, expected: &str) -> bool {
        matches!(outcome, Outcome::Response(body) if body == expected)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_stay_warm_and_a_crashed_or_timed_out_one_is_replaced() {
        let (dir, pool) = script_pool();

        assert!(is_response(&answer(&pool, "one", None).await, "one"));
        assert!(is_response(&answer(&pool, "two", None).await, "two"));
        assert!(matches!(
            answer(&pool, "crash", None).await,
            Outcome::Crashed(_)
        ));
        assert!(is_response(&answer(&pool, "three", None).await, "three"));
        let started = std::time::Instant::now();
        assert!(matches!(
            answer(&pool, "sleep", Some(Duration::from_millis(500))).await,
            Outcome::TimedOut
        ));
        // The script sleeps 30 s, as long as the function's timeout: only the 0.5 s budget
        // answers this early (wide bounds: a loaded machine only delays the answer).
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(500) && took < Duration::from_secs(20),
            "the budget caps the function's timeout: {took:?}"
        );
        assert!(is_response(&answer(&pool, "four", None).await, "four"));

        let log = std::fs::read_to_string(dir.join("script.log")).unwrap();
        assert_eq!(
            log.matches("Init Duration").count(),
            3,
            "cold starts: first, after the crash, after the timeout\n{log}"
        );
        assert!(log.contains("Status: timeout"), "{log}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_invocations_get_concurrent_instances_up_to_the_limit() {
        let (dir, pool) = script_pool();

        let started = std::time::Instant::now();
        let (a, b, c) = tokio::join!(
            answer(&pool, "slow", None),
            answer(&pool, "slow", None),
            answer(&pool, "slow", None)
        );
        let elapsed = started.elapsed();

        assert!([a, b, c].iter().all(|o| is_response(o, "slow")));
        let log = std::fs::read_to_string(dir.join("script.log")).unwrap();
        assert_eq!(
            log.matches("Init Duration").count(),
            2,
            "two instances, the limit\n{log}"
        );
        assert!(
            elapsed >= Duration::from_millis(800),
            "the third waited for a free instance: {elapsed:?}"
        );
        assert_eq!(
            test_support::logs::most_in_flight(&log),
            2,
            "START/END show two invocations at once, never three\n{log}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_cold_report_carries_init_duration_and_bills_it() {
        let timings = Timings {
            duration: Duration::from_micros(12_340),
            init: Some(Duration::from_micros(45_600)),
            max_memory_mb: Some(21),
        };
        let line = report_line("id-1", 256, &Outcome::Response(Bytes::new()), &timings);
        assert_eq!(
            line,
            "REPORT RequestId: id-1\tDuration: 12.34 ms\tBilled Duration: 58 ms\tMemory Size: 256 MB\tMax Memory Used: 21 MB\tInit Duration: 45.60 ms"
        );
    }
}
