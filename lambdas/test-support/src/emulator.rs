//! Servers the tests run on 127.0.0.1: moto (the AWS emulator) and, for presigned
//! URL checks, an S3 server that verifies signatures. Each is stopped when dropped,
//! and also when the test process exits (see `spawn_watched`).

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use adapters::aws::{Timeouts, config_loader};
use aws_config::Region;
pub use aws_config::SdkConfig;
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_dynamodb as dynamodb;
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};

pub const REGION: &str = "us-east-1";

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A tool from the project's virtualenv or `.tools/bin`, or the path in `env_var`.
pub fn project_tool(env_var: &str, candidates: &[&str]) -> PathBuf {
    if let Ok(path) = std::env::var(env_var) {
        return PathBuf::from(path);
    }
    let root = workspace_root();
    candidates
        .iter()
        .map(|c| root.join(c))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{} not found; run `just setup` (or set {env_var})",
                candidates.join(" or ")
            )
        })
}

pub fn free_port() -> u16 {
    TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child server. It runs under `sh`, which holds the read end of a pipe whose
/// write end only this process has: when this process exits for any reason the
/// pipe closes and `sh` kills the server, so no test run leaves one behind.
pub struct Server {
    pub port: u16,
    watchdog: Child,
}

impl Server {
    pub fn spawn_watched(program: &PathBuf, args: &[String], port: u16, what: &str) -> Server {
        let script = r#"prog="$1"; shift; "$prog" "$@" >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid 2>/dev/null; wait $pid"#;
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {what}: {e}"));
        let server = Server { port, watchdog };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{what} did not listen on 127.0.0.1:{port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.watchdog.stdin.take());
        let _ = self.watchdog.wait();
    }
}

/// moto on a free port: one per test binary, shared by its tests (each test makes
/// its own table, pool or bucket, so they do not interfere).
pub fn moto() -> &'static Server {
    static MOTO: OnceLock<Server> = OnceLock::new();
    MOTO.get_or_init(|| {
        let program = project_tool("MOTO_SERVER", &[".venv/bin/moto_server"]);
        let port = free_port();
        Server::spawn_watched(
            &program,
            &[
                "-H".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
            ],
            port,
            "moto_server",
        )
    })
}

/// s3s-fs, an S3 server that verifies SigV4 (moto accepts any signature), storing
/// under a fresh temporary folder; it accepts the credentials `sdk_config` uses.
pub fn signature_checking_s3() -> &'static Server {
    static S3: OnceLock<Server> = OnceLock::new();
    S3.get_or_init(|| {
        let program = project_tool("S3S_FS", &[".tools/bin/s3s-fs"]);
        let root = std::env::temp_dir().join(unique("s3s-fs"));
        std::fs::create_dir_all(&root).unwrap();
        let port = free_port();
        let args = [
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--access-key",
            "testing",
            "--secret-key",
            "testing",
        ]
        .map(str::to_owned)
        .into_iter()
        .chain([root.display().to_string()])
        .collect::<Vec<_>>();
        Server::spawn_watched(&program, &args, port, "s3s-fs")
    })
}

/// SDK configuration for `endpoint` with dummy credentials and the given limits.
pub async fn sdk_config(endpoint: &str, timeouts: Timeouts) -> SdkConfig {
    config_loader(timeouts)
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// A unique resource name for one test.
pub fn unique(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// A profile table shaped as Terraform creates it.
pub async fn create_profile_table(sdk: &SdkConfig) -> String {
    let name = unique("profiles");
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    dynamodb::Client::new(sdk)
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .attribute_definitions(attr("PK"))
        .attribute_definitions(attr("SK"))
        .attribute_definitions(attr("user_type"))
        .attribute_definitions(attr("created_at"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(adapters::dynamo::USER_TYPE_INDEX)
                .key_schema(key("user_type", KeyType::Hash))
                .key_schema(key("created_at", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    name
}

/// A user pool with the three groups; returns its id.
pub async fn create_user_pool(sdk: &SdkConfig, with_groups: &[&str]) -> String {
    let pool = cognito::Client::new(sdk)
        .create_user_pool()
        .pool_name(unique("pool"))
        .send()
        .await
        .unwrap();
    let id = pool.user_pool().and_then(|p| p.id()).unwrap().to_owned();
    for group in with_groups {
        create_group(sdk, &id, group).await;
    }
    id
}

pub async fn create_group(sdk: &SdkConfig, pool: &str, name: &str) {
    cognito::Client::new(sdk)
        .create_group()
        .user_pool_id(pool)
        .group_name(name)
        .send()
        .await
        .unwrap();
}

pub async fn create_user(sdk: &SdkConfig, pool: &str, username: &str) {
    cognito::Client::new(sdk)
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap();
}

pub async fn groups_of(sdk: &SdkConfig, pool: &str, username: &str) -> Vec<String> {
    let out = cognito::Client::new(sdk)
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = out
        .groups()
        .iter()
        .filter_map(|g| g.group_name().map(str::to_owned))
        .collect();
    names.sort();
    names
}

pub async fn create_bucket(sdk: &SdkConfig) -> String {
    let name = unique("pictures");
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    name
}
