//! The stack under test: `just up` into a private directory, `just down` on drop.

use std::path::PathBuf;
use std::process::Command;

/// The header the control endpoints (`/_local/throttle`) read the control secret from.
pub const CONTROL_SECRET_HEADER: &str = "X-Local-Control-Secret";

#[derive(Clone)]
pub struct StackInfo {
    pub aws_endpoint_url: String,
    /// The stack's access key pair (stack.json): every AWS call the suite makes is signed
    /// with it, through `sdk_config` or `signer`.
    pub aws_access_key_id: String,
    pub aws_secret_access_key: String,
    /// Opens the control endpoints (`.local/secrets.json`, beside stack.json).
    pub control_secret: String,
    pub api_url: String,
    pub hosted_ui_url: String,
    /// The Hosted UI over HTTPS, and the certificate it serves (PEM file).
    pub hosted_ui_https_url: String,
    pub hosted_ui_certificate: String,
    pub region: String,
    pub user_pool_id: String,
    pub user_pool_client_id: String,
    /// The test harnesses' app client: password sign-ins, which the app's client refuses.
    pub test_client_id: String,
    pub table_name: String,
    pub bucket_name: String,
    pub profile_shards: u32,
}

pub struct Stack {
    pub info: StackInfo,
    /// Keep the logs after `just down` even when nothing panics (a check failed).
    pub keep_logs: std::cell::Cell<bool>,
    /// The LOCAL_STACK_DIR: stack.json, pids/ and logs/.
    pub dir: PathBuf,
    owned_dir: Option<PathBuf>,
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `just <recipe>` for the stack in `dir`.
pub fn just(dir: &PathBuf, recipe: &str) -> std::process::ExitStatus {
    just_with(dir, recipe, &[])
}

/// `just <recipe>` with extra environment variables (e.g. `TF_VAR_log_level`).
fn just_with(dir: &PathBuf, recipe: &str, env: &[(&str, &str)]) -> std::process::ExitStatus {
    let root = workspace_root();
    let just = test_support::emulator::project_tool("JUST", &[".venv/bin/just"]);
    let mut command = Command::new(just);
    command
        .current_dir(&root)
        .arg(recipe)
        .env("LOCAL_STACK_DIR", dir)
        .env("LOCAL_RUNNER_BIN", env!("CARGO_BIN_EXE_local-runner"))
        // Any free port for the Hosted UI: stacks run side by side (the registered local
        // callback stays on the default port; the browser test follows it by hand).
        .env("LOCAL_HOSTED_UI_PORT", "0")
        .env("LOCAL_HOSTED_UI_HTTPS_PORT", "0")
        .envs(env.iter().copied());
    if std::env::var_os("TF_PLUGIN_DIR").is_none() && PathBuf::from("/opt/tf-plugins").is_dir() {
        command.env("TF_PLUGIN_DIR", "/opt/tf-plugins");
    }
    command
        .status()
        .unwrap_or_else(|e| panic!("cannot run just {recipe}: {e}"))
}

impl Stack {
    /// The stack the checks run against: E2E_STACK_JSON's, or `just up` of its own.
    pub fn up() -> Stack {
        if let Ok(path) = std::env::var("E2E_STACK_JSON") {
            let path = PathBuf::from(path);
            return Stack {
                info: read_info(&path),
                dir: path.parent().unwrap().to_path_buf(),
                owned_dir: None,
                keep_logs: Default::default(),
            };
        }
        Stack::up_own("e2e", &[])
    }

    /// A stack of its own in `.local/<name>-<pid>`, brought up with `env` added
    /// (`TF_VAR_*` variables reach the Terraform that `just up` applies).
    pub fn up_own(name: &str, env: &[(&str, &str)]) -> Stack {
        let dir = workspace_root()
            .join(".local")
            .join(format!("{name}-{}", std::process::id()));
        let mut stack = Stack {
            info: blank_info(),
            dir: dir.clone(),
            owned_dir: Some(dir.clone()),
            keep_logs: Default::default(),
        };
        let started = std::time::Instant::now();
        // Dropping `stack` on a failed `up` still runs `just down`.
        assert!(
            just_with(&dir, "up", env).success(),
            "just up failed; logs in {}/logs",
            dir.display()
        );
        eprintln!(
            "e2e: just up ({name}) took {:.0} s",
            started.elapsed().as_secs_f64()
        );
        stack.info = read_info(&dir.join("stack.json"));
        stack
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(dir) = &self.owned_dir
            && !just(dir, "down").success()
        {
            eprintln!("e2e: just down failed for {}", dir.display());
            return;
        }
        // Logs stay behind only when something failed.
        if let Some(dir) = &self.owned_dir
            && !std::thread::panicking()
            && !self.keep_logs.get()
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl StackInfo {
    /// The one place the suite builds AWS SDK clients for the stack: its endpoint, region
    /// and credentials.
    pub async fn sdk_config(&self, timeouts: adapters::aws::Timeouts) -> aws_config::SdkConfig {
        adapters::aws::config_loader(timeouts)
            .endpoint_url(&self.aws_endpoint_url)
            .region(aws_config::Region::new(self.region.clone()))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                &self.aws_access_key_id,
                &self.aws_secret_access_key,
                None,
                None,
                "stack.json",
            ))
            .load()
            .await
    }

    /// Signs the suite's hand-made AWS calls with the stack's credentials.
    pub fn signer(&self) -> test_support::sigv4::Signer {
        test_support::sigv4::Signer {
            access_key_id: self.aws_access_key_id.clone(),
            secret_access_key: self.aws_secret_access_key.clone(),
            region: self.region.clone(),
        }
    }
}

fn blank_info() -> StackInfo {
    StackInfo {
        aws_endpoint_url: String::new(),
        aws_access_key_id: String::new(),
        aws_secret_access_key: String::new(),
        control_secret: String::new(),
        api_url: String::new(),
        hosted_ui_url: String::new(),
        hosted_ui_https_url: String::new(),
        hosted_ui_certificate: String::new(),
        region: String::new(),
        user_pool_id: String::new(),
        user_pool_client_id: String::new(),
        test_client_id: String::new(),
        table_name: String::new(),
        bucket_name: String::new(),
        profile_shards: 0,
    }
}

fn read_info(path: &PathBuf) -> StackInfo {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "api_url",
            "aws_access_key_id",
            "aws_endpoint_url",
            "aws_secret_access_key",
            "bucket_name",
            "hosted_ui_certificate",
            "hosted_ui_https_url",
            "hosted_ui_url",
            "profile_shards",
            "region",
            "table_name",
            "test_client_id",
            "user_pool_client_id",
            "user_pool_id"
        ],
        "stack.json has exactly the documented keys"
    );
    let field = |name: &str| json[name].as_str().unwrap().to_string();
    let secrets = path.with_file_name("secrets.json");
    let secrets: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&secrets).unwrap_or_else(|e| panic!("{}: {e}", secrets.display())),
    )
    .unwrap();
    StackInfo {
        aws_endpoint_url: field("aws_endpoint_url"),
        aws_access_key_id: field("aws_access_key_id"),
        aws_secret_access_key: field("aws_secret_access_key"),
        control_secret: secrets["control_secret"].as_str().unwrap().to_string(),
        api_url: field("api_url"),
        hosted_ui_url: field("hosted_ui_url"),
        hosted_ui_https_url: field("hosted_ui_https_url"),
        hosted_ui_certificate: field("hosted_ui_certificate"),
        region: field("region"),
        user_pool_id: field("user_pool_id"),
        user_pool_client_id: field("user_pool_client_id"),
        test_client_id: field("test_client_id"),
        table_name: field("table_name"),
        bucket_name: field("bucket_name"),
        profile_shards: json["profile_shards"].as_u64().unwrap().try_into().unwrap(),
    }
}
