//! Runs the applied functions: one pool of instances per function, keyed by ARN.

mod bundle;
pub mod cold_starts;
mod instance;
mod invocation;
mod pool;
mod runtime_api;

pub use invocation::Outcome;
pub use pool::FunctionPool;

use crate::applied::{Applied, FunctionSpec};
use crate::iam::{Credentials, Identities};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Settings that point every function's SDK at the runner's AWS front.
pub struct Sandbox {
    pub aws_endpoint_url: String,
    pub region: String,
    pub work_dir: PathBuf,
    pub logs_dir: PathBuf,
    pub concurrency: usize,
}

pub struct Functions {
    pools: BTreeMap<String, Arc<FunctionPool>>,
}

impl Functions {
    /// Each function runs with its own role's credentials from `identities`.
    pub fn new(applied: &Applied, sandbox: &Sandbox, identities: &Identities) -> Self {
        let pools = applied
            .functions
            .iter()
            .map(|spec| {
                let credentials = identities.of_function(&spec.arn).map(|i| &i.credentials);
                let pool = FunctionPool::new(
                    spec.clone(),
                    environment(spec, sandbox, credentials),
                    &sandbox.work_dir,
                    log_file(&sandbox.logs_dir, &spec.name),
                    sandbox.concurrency,
                );
                (spec.arn.clone(), Arc::new(pool))
            })
            .collect();
        Functions { pools }
    }

    /// The pool of the function whose (unqualified) ARN is `arn`; a qualified ARN, alias
    /// or version, goes through [`Applied::function`] first.
    pub fn by_arn(&self, arn: &str) -> Option<Arc<FunctionPool>> {
        self.pools.get(arn).cloned()
    }
}

fn log_file(logs_dir: &Path, function_name: &str) -> PathBuf {
    logs_dir.join(format!("{function_name}.log"))
}

/// Terraform's variables plus what the Lambda service sets, with the SDK aimed at the front.
/// Without role credentials (cold-start measurements) the function gets the plain ones.
fn environment(
    spec: &FunctionSpec,
    sandbox: &Sandbox,
    credentials: Option<&Credentials>,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let (key, secret, token) = credentials.map_or(("test", "test", "test"), |c| {
        (
            c.access_key_id.as_str(),
            c.secret_access_key.as_str(),
            c.session_token.as_str(),
        )
    });
    let lambda = [
        ("AWS_REGION", sandbox.region.clone()),
        ("AWS_DEFAULT_REGION", sandbox.region.clone()),
        ("AWS_ACCESS_KEY_ID", key.to_string()),
        ("AWS_SECRET_ACCESS_KEY", secret.to_string()),
        ("AWS_SESSION_TOKEN", token.to_string()),
        ("AWS_ENDPOINT_URL", sandbox.aws_endpoint_url.clone()),
        ("S3_FORCE_PATH_STYLE", "true".to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            spec.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", spec.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "local".to_string()),
        // moto does not keep LoggingConfig; the module always sets JSON.
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        ("_HANDLER", spec.handler.clone()),
        (
            "LAMBDA_TASK_ROOT",
            sandbox
                .work_dir
                .join("functions")
                .join(&spec.name)
                .display()
                .to_string(),
        ),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_string()),
        ("LANG", "en_US.UTF-8".to_string()),
        ("TZ", ":UTC".to_string()),
    ];
    for (name, value) in lambda {
        env.insert(name.to_string(), value);
    }
    if let Some(level) = &spec.log_level {
        env.insert("AWS_LAMBDA_LOG_LEVEL".to_string(), level.clone());
    }
    env.extend(spec.environment.clone());
    env
}
