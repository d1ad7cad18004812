//! The stack under test: `just up` into a private directory, `just down` on drop.

use std::path::PathBuf;
use std::process::Command;

#[derive(Clone)]
pub struct StackInfo {
    pub aws_endpoint_url: String,
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

fn blank_info() -> StackInfo {
    StackInfo {
        aws_endpoint_url: String::new(),
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
            "aws_endpoint_url",
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
    StackInfo {
        aws_endpoint_url: field("aws_endpoint_url"),
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
