//! Servers the tests run on 127.0.0.1: moto (the AWS emulator) and, for presigned
//! URL checks, an S3 server that verifies signatures. Each binds a port of its own and
//! is stopped when dropped, and also when the test process exits (see `spawn_watched`).
//! Setup and checks use their own generous limits (`SETUP`), never a function's.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::{Path, PathBuf};
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
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
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

/// A loopback endpoint that accepts connections and never answers: a dependency that
/// hangs, deterministically (no port is found free and later lost to another process).
/// It answers nothing for as long as the returned listener lives.
pub fn silent_endpoint() -> (TcpListener, String) {
    let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    (listener, endpoint)
}

/// One scripted HTTP answer: status, `x-amzn-errortype` (if any) and JSON body.
pub type Answer = (u16, Option<&'static str>, String);

/// A loopback endpoint that answers the n-th request (from 0) with `script(n)`, to put a
/// client through a sequence of service errors deterministically. Returns the endpoint
/// and the number of requests answered so far. It serves until the test process ends.
pub fn scripted_endpoint(
    script: impl Fn(usize) -> Answer + Send + Sync + 'static,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let answered = Arc::new(AtomicUsize::new(0));
    let (script, counter) = (Arc::new(script), answered.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (script, counter) = (script.clone(), counter.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut length = 0;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let (status, error_type, body) = script(counter.fetch_add(1, Ordering::SeqCst));
                    let error_type = error_type
                        .map(|t| format!("x-amzn-errortype: {t}\r\n"))
                        .unwrap_or_default();
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.0\r\n{error_type}content-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (endpoint, answered)
}

/// A child server on a port it bound itself (port 0), found from the sockets the child
/// listens on, so no port is guessed and raced for. Its output goes to a log file whose
/// tail any startup failure shows. A watchdog `sh` holds the read end of a pipe whose
/// write end only this process has: when this process exits for any reason the pipe
/// closes and the watchdog kills the server, so no test run leaves one behind.
pub struct Server {
    pub port: u16,
    pub log: PathBuf,
    child: Child,
    watchdog: Child,
}

impl Server {
    /// Starts `program args` (which must bind 127.0.0.1:0) and waits until it listens.
    pub fn spawn_watched(program: &Path, args: &[String], what: &str) -> Server {
        let log = test_log_dir().join(format!("{}.log", unique(what)));
        let output = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {what} ({}): {e}", program.display()));
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(r#"cat >/dev/null; kill "$1" 2>/dev/null"#)
            .arg("sh")
            .arg(child.id().to_string())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start the watchdog of {what}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{what} exited ({status}) before listening:\n{}", tail(&log));
            }
            if let Some(port) = listening_port(child.id()) {
                break port;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not listen within 60 s:\n{}",
                tail(&log)
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Server {
            port,
            log,
            child,
            watchdog,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        drop(self.watchdog.stdin.take());
        let _ = self.watchdog.wait();
    }
}

/// `target/test-servers/`: the servers' logs, kept after the run (they are small) so a
/// failure can be read afterwards.
fn test_log_dir() -> PathBuf {
    let dir = workspace_root().join("target/test-servers");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let shown = lines[lines.len().saturating_sub(30)..].join("\n");
    format!("(last lines of {})\n{shown}", log.display())
}

/// The TCP port process `pid` listens on, from /proc: its socket inodes matched
/// against the kernel's table of listening sockets.
fn listening_port(pid: u32) -> Option<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
        if *state != "0A" || !inodes.iter().any(|i| i == inode) {
            return None; // 0A: LISTEN
        }
        u16::from_str_radix(local.split(':').nth(1)?, 16).ok()
    })
}

/// moto on a port of its own: one per test binary, shared by its tests (each test makes
/// its own table, pool or bucket, so they do not interfere). Started by the local
/// stack's launcher (`local/moto_server.py`), as `just up` starts it.
pub fn moto() -> &'static Server {
    static MOTO: OnceLock<Server> = OnceLock::new();
    MOTO.get_or_init(|| {
        let python = project_tool("MOTO_PYTHON", &[".venv/bin/python"]);
        let launcher = workspace_root().join("local/moto_server.py");
        let secrets = test_log_dir().join(format!("{}.json", unique("moto-secrets")));
        let written = secrets_json(moto_control_secret());
        std::fs::write(&secrets, written).unwrap();
        let args = [
            launcher.display().to_string(),
            "-H".into(),
            "127.0.0.1".into(),
            "-p".into(),
            "0".into(),
            "--secrets-file".into(),
            secrets.display().to_string(),
        ];
        Server::spawn_watched(&python, &args, "moto")
    })
}

/// The control secret the tests' moto opens its control endpoints to (`--secrets-file`),
/// random for each test process, as `just up` makes one for each stack.
pub fn moto_control_secret() -> &'static str {
    static SECRET: OnceLock<String> = OnceLock::new();
    SECRET.get_or_init(|| {
        use std::io::Read;
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut random| random.read_exact(&mut bytes))
            .unwrap();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })
}

fn secrets_json(control_secret: &str) -> String {
    format!("{{\"control_secret\": \"{control_secret}\"}}\n")
}

/// The access key pair `sdk_config` signs with; a front under test knows it as the stack's.
pub const ACCESS_KEY_ID: &str = "testing";
pub const SECRET_ACCESS_KEY: &str = "testing";

/// The signer of the tests' hand-made calls, with `sdk_config`'s credentials.
pub fn signer() -> crate::sigv4::Signer {
    crate::sigv4::Signer {
        access_key_id: ACCESS_KEY_ID.into(),
        secret_access_key: SECRET_ACCESS_KEY.into(),
        region: REGION.into(),
    }
}

/// s3s-fs, an S3 server that verifies SigV4 (moto accepts any signature), storing under
/// a fresh temporary folder; it accepts the credentials `sdk_config` uses. It runs in this
/// process, on a thread of its own, for as long as the process lives; returns its endpoint.
pub fn signature_checking_s3() -> &'static str {
    static S3: OnceLock<String> = OnceLock::new();
    S3.get_or_init(|| {
        let root = std::env::temp_dir().join(unique("s3s-fs"));
        std::fs::create_dir_all(&root).unwrap();
        let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(serve_s3(listener, root));
        });
        endpoint
    })
}

async fn serve_s3(listener: TcpListener, root: PathBuf) {
    let mut builder = s3s::service::S3ServiceBuilder::new(s3s_fs::FileSystem::new(root).unwrap());
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
    ));
    let service = builder.build();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(socket), service.clone());
        tokio::spawn(connection);
    }
}

/// Limits for a test's own setup and checks (tables, pools, users, buckets, reads
/// afterwards): generous, so a loaded 2-core machine slows a test without failing it.
/// What a function under test uses is that function's business (`adapters::aws::Timeouts`).
pub const SETUP: Timeouts = Timeouts {
    connect: Duration::from_secs(5),
    attempt: Duration::from_secs(30),
    operation: Duration::from_secs(60),
    max_attempts: 3,
    initial_backoff: Duration::from_secs(1),
};

/// An SDK configuration for setup and checks against moto.
pub async fn setup_sdk() -> SdkConfig {
    sdk_config(&moto().endpoint(), SETUP).await
}

/// SDK configuration for `endpoint` with dummy credentials and the given limits.
pub async fn sdk_config(endpoint: &str, timeouts: Timeouts) -> SdkConfig {
    config_loader(timeouts)
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "tests",
        ))
        .load()
        .await
}

/// A unique resource name for one test.
pub fn unique(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// One element of a table's key schema.
fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

/// A string attribute of a table's keys.
fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap()
}

/// A profile table shaped as Terraform creates it.
pub async fn create_profile_table(sdk: &SdkConfig) -> String {
    let name = unique("profiles");
    dynamodb::Client::new(sdk)
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .attribute_definitions(attr("PK"))
        .attribute_definitions(attr("SK"))
        .attribute_definitions(attr("list_pk"))
        .attribute_definitions(attr("list_sk"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(adapters::dynamo::LISTING_INDEX)
                .key_schema(key("list_pk", KeyType::Hash))
                .key_schema(key("list_sk", KeyType::Range))
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

/// An access log table shaped as Terraform creates it (PK, SK; TTL on `expires_at`).
pub async fn create_access_log_table(sdk: &SdkConfig) -> String {
    let name = unique("access-log");
    let client = dynamodb::Client::new(sdk);
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .attribute_definitions(attr("PK"))
        .attribute_definitions(attr("SK"))
        .send()
        .await
        .unwrap();
    client
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expires_at")
                .enabled(true)
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
