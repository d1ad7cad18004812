//! `local-runner cold-starts`: starts one bundle fresh N times behind the same Runtime API
//! the stack serves and records, per instance, the init duration (process start to the
//! first `next`), each invocation's duration and the peak RSS after the last one. Rust and
//! Python bundles go through this same code, so their figures compare.

use super::bundle;
use super::instance::{Instance, Launch};
use super::invocation::Outcome;
use super::pool::report_line;
use super::{Sandbox, environment, log_file};
use crate::applied::FunctionSpec;
use bytes::Bytes;
use serde::Serialize;
use std::io::Write;
use std::time::Duration;

/// Lets a stopped instance leave before the next one starts, so they do not share the CPU.
const SETTLE: Duration = Duration::from_millis(100);

pub struct Plan {
    pub spec: FunctionSpec,
    pub sandbox: Sandbox,
    /// Handed out in turn, one per invocation across all instances.
    pub events: Vec<Bytes>,
    pub count: usize,
    /// Invocations per instance: the first is cold, the rest warm.
    pub invocations: usize,
}

/// One fresh instance's figures, in milliseconds and MB (as Lambda's REPORT line has them).
#[derive(Debug, Serialize)]
pub struct Sample {
    pub init_ms: Option<f64>,
    pub first_invocation_ms: Option<f64>,
    pub warm_invocation_ms: Vec<f64>,
    pub billed_ms: Vec<u64>,
    pub max_memory_mb: Option<u64>,
    /// The first failure's kind (never its payload): a bench counts these as errors.
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub function: String,
    pub memory_mb: u64,
    pub samples: Vec<Sample>,
}

pub async fn measure(plan: &Plan) -> Result<Report, String> {
    let spec = &plan.spec;
    let task_root = plan.sandbox.work_dir.join("functions").join(&spec.name);
    let entry = {
        let (zip_path, task_root, handler) = (
            spec.zip_path.clone(),
            task_root.clone(),
            spec.handler.clone(),
        );
        tokio::task::spawn_blocking(move || bundle::unpack(&zip_path, &task_root, &handler))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    let environment = environment(spec, &plan.sandbox, None);
    let log_file = log_file(&plan.sandbox.logs_dir, &spec.name);
    let mut events = plan.events.iter().cycle();
    let mut samples = Vec::with_capacity(plan.count);
    for _ in 0..plan.count {
        let mut instance = Instance::start(Launch {
            entry: &entry,
            task_root: &task_root,
            environment: &environment,
            log_file: &log_file,
            function_arn: &spec.arn,
        })
        .await
        .map_err(|e| format!("cannot start {}: {e}", entry.display()))?;
        let mut sample = Sample {
            init_ms: None,
            first_invocation_ms: None,
            warm_invocation_ms: Vec::new(),
            billed_ms: Vec::new(),
            max_memory_mb: None,
            error: None,
        };
        for n in 0..plan.invocations {
            let payload = events.next().cloned().unwrap_or_default();
            let request_id = uuid::Uuid::new_v4().to_string();
            let (outcome, timings) = instance.invoke(&request_id, payload, spec.timeout).await;
            let line = report_line(&request_id, spec.memory_mb, &outcome, &timings);
            append(&log_file, &line);
            let duration_ms = timings.duration.as_secs_f64() * 1000.0;
            let init_ms = timings.init.map(|d| d.as_secs_f64() * 1000.0);
            // Lambda bills the init of a custom runtime together with the first invocation.
            let billed = (duration_ms + init_ms.unwrap_or(0.0)).ceil();
            sample.billed_ms.push(billed as u64);
            if n == 0 {
                sample.init_ms = init_ms;
                sample.first_invocation_ms = Some(duration_ms);
            } else {
                sample.warm_invocation_ms.push(duration_ms);
            }
            sample.max_memory_mb = timings.max_memory_mb.or(sample.max_memory_mb);
            let failure = match &outcome {
                Outcome::Response(_) => None,
                Outcome::FunctionError(e) => Some(format!("function error {}", e.error_type)),
                Outcome::InitFailed(e) => Some(format!("init error {}", e.error_type)),
                Outcome::Crashed(cause) => Some(format!("crashed: {cause}")),
                Outcome::TimedOut => Some("timed out".to_string()),
            };
            if let Some(failure) = failure {
                sample.error.get_or_insert(failure);
                if !outcome.keeps_instance() {
                    break;
                }
            }
        }
        drop(instance);
        samples.push(sample);
        tokio::time::sleep(SETTLE).await;
    }
    Ok(Report {
        function: spec.name.clone(),
        memory_mb: spec.memory_mb,
        samples,
    })
}

fn append(log_file: &std::path::Path, line: &str) {
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file)
    {
        let _ = writeln!(file, "{line}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn plan(dir: &std::path::Path, cases: &str, count: usize, invocations: usize) -> Plan {
        Plan {
            spec: FunctionSpec {
                name: "script".into(),
                arn: "arn:aws:lambda:eu-west-1:000000000000:function:script".into(),
                zip_path: crate::test_runtime::script_zip(dir, "script", cases),
                handler: "bootstrap".into(),
                environment: BTreeMap::new(),
                timeout: Duration::from_secs(3),
                memory_mb: 128,
                log_level: None,
                role_arn: None,
            },
            sandbox: Sandbox {
                aws_endpoint_url: "http://127.0.0.1:9".into(),
                region: "eu-west-1".into(),
                work_dir: dir.to_path_buf(),
                logs_dir: dir.to_path_buf(),
                concurrency: 1,
            },
            events: vec![Bytes::from("one"), Bytes::from("two")],
            count,
            invocations,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_sample_is_a_fresh_instance_with_its_init_and_warm_invocations() {
        let dir = crate::test_runtime::temp_dir("cold-starts");

        let report = measure(&plan(&dir, r#"    *) respond "$event" ;;"#, 3, 2))
            .await
            .unwrap();

        assert_eq!(report.samples.len(), 3);
        for sample in &report.samples {
            assert!(sample.error.is_none(), "{sample:?}");
            assert!(sample.init_ms.is_some_and(|ms| ms > 0.0), "{sample:?}");
            assert!(sample.first_invocation_ms.is_some(), "{sample:?}");
            assert_eq!(sample.warm_invocation_ms.len(), 1, "{sample:?}");
            assert_eq!(sample.billed_ms.len(), 2, "{sample:?}");
            assert!(sample.max_memory_mb.is_some(), "{sample:?}");
        }
        let log = std::fs::read_to_string(dir.join("script.log")).unwrap();
        assert_eq!(log.matches("Init Duration").count(), 3, "{log}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_crash_is_recorded_as_that_samples_error() {
        let dir = crate::test_runtime::temp_dir("cold-starts");

        let report = measure(&plan(&dir, "    *) exit 3 ;;", 1, 3))
            .await
            .unwrap();

        let sample = &report.samples[0];
        assert!(
            sample
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("crashed")),
            "{sample:?}"
        );
        assert!(sample.warm_invocation_ms.is_empty(), "stops at the crash");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
