//! IAM is enforced on the functions' own calls. A second runner on the same moto gets the
//! applied state with one grant taken out of users-api's role; the real function's call is
//! then refused as AWS refuses it, while the stack's runner, with the grant, answers as the
//! contract says.

use super::api::Api;
use super::cognito::{PASSWORD, SignedIn, Users};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The grant that lets S3 tell users-api "no such key" (404) instead of 403.
const GRANT: &str = "TellMissingPictures";

/// A runner started by this test; stopped (and its functions with it) when dropped.
struct Runner {
    child: Child,
    aws_endpoint_url: String,
    api_url: String,
    log: PathBuf,
    logs_dir: PathBuf,
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The applied state with `GRANT` removed from the one policy that has it.
fn without_grant(applied: &mut Value) -> usize {
    fn walk(module: &mut Value, removed: &mut usize) {
        for resource in module["resources"].as_array_mut().into_iter().flatten() {
            if resource["type"] != "aws_iam_role_policy" {
                continue;
            }
            let Some(text) = resource["values"]["policy"].as_str() else {
                continue;
            };
            let mut policy: Value = serde_json::from_str(text).unwrap();
            let statements = policy["Statement"].as_array_mut().unwrap();
            let before = statements.len();
            statements.retain(|s| s["Sid"] != GRANT);
            *removed += before - statements.len();
            resource["values"]["policy"] = Value::String(policy.to_string());
        }
        for child in module["child_modules"].as_array_mut().into_iter().flatten() {
            walk(child, removed);
        }
    }
    let mut removed = 0;
    walk(&mut applied["values"]["root_module"], &mut removed);
    removed
}

fn start_runner(stack_dir: &Path) -> Runner {
    let dir = stack_dir.join("iam-probe");
    let logs_dir = dir.join("logs");
    std::fs::create_dir_all(&logs_dir).unwrap();
    let mut applied: Value = serde_json::from_str(
        &std::fs::read_to_string(stack_dir.join("stack/applied.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        without_grant(&mut applied),
        1,
        "users-api's role has the {GRANT} grant"
    );
    std::fs::write(dir.join("applied.json"), applied.to_string()).unwrap();
    let moto_port = std::fs::read_to_string(stack_dir.join("pids/moto.port")).unwrap();
    let ready = dir.join("runner.json");
    let _ = std::fs::remove_file(&ready);
    let log = dir.join("runner.log");
    let child = Command::new(env!("CARGO_BIN_EXE_local-runner"))
        .arg("--applied")
        .arg(dir.join("applied.json"))
        .arg("--moto")
        .arg(format!("http://127.0.0.1:{}", moto_port.trim()))
        .arg("--work-dir")
        .arg(dir.join("runner"))
        .arg("--logs-dir")
        .arg(&logs_dir)
        .arg("--tls-dir")
        .arg(dir.join("tls"))
        .arg("--ready-file")
        .arg(&ready)
        .arg("--secrets-file")
        .arg(stack_dir.join("secrets.json"))
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut runner = Runner {
        child,
        aws_endpoint_url: String::new(),
        api_url: String::new(),
        log,
        logs_dir,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready.exists() || std::fs::metadata(&ready).unwrap().len() == 0 {
        assert!(
            Instant::now() < deadline,
            "the probe runner did not start; see {}",
            runner.log.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let ready: Value = serde_json::from_str(&std::fs::read_to_string(&ready).unwrap()).unwrap();
    runner.api_url = ready["api_url"].as_str().unwrap().to_string();
    runner.aws_endpoint_url = ready["aws_endpoint_url"].as_str().unwrap().to_string();
    runner
}

/// The ID token `person` gets by signing in through `runner`'s own Cognito front: a token
/// names the issuer of the front that issued it, and each runner accepts its own only.
async fn id_token_through(runner: &Runner, users: &Users, person: &SignedIn) -> String {
    let request = json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": users.test_client_id,
        "AuthParameters": {"USERNAME": person.email, "PASSWORD": PASSWORD},
    });
    let (status, body) = test_support::http::send(
        "POST",
        &runner.aws_endpoint_url,
        &[
            ("content-type", "application/x-amz-json-1.1"),
            (
                "x-amz-target",
                "AWSCognitoIdentityProviderService.InitiateAuth",
            ),
        ],
        request.to_string().as_bytes(),
    )
    .await;
    let reply: Value = serde_json::from_str(&body).unwrap_or_default();
    let tokens = &reply["AuthenticationResult"];
    assert_eq!(
        status, 200,
        "sign-in through the probe runner: {}",
        reply["__type"]
    );
    for token in ["IdToken", "AccessToken", "RefreshToken"] {
        users
            .secrets
            .remember(tokens[token].as_str().unwrap_or_default());
    }
    tokens["IdToken"].as_str().unwrap().to_string()
}

pub async fn a_function_without_a_grant_is_refused_as_aws_refuses_it(
    stack_dir: &Path,
    users: &Users,
    api: &Api,
    patient: &SignedIn,
) {
    let never_uploaded = || {
        format!(
            "profile-pictures/{}/{}.png",
            patient.sub,
            uuid::Uuid::new_v4()
        )
    };

    // With the grant (the stack as Terraform applied it): the contract's 409.
    let key = never_uploaded();
    let reply = api
        .put("/users/me", &patient.id_token, &json!({"picture_key": key}))
        .await;
    assert_eq!(reply.status, 409, "with {GRANT}: {}", reply.raw);

    // Without it: S3 hides the missing key behind 403, which is a fault, not a 409.
    let runner = start_runner(stack_dir);
    let probe = Api::new(&runner.api_url, api.secrets.clone());
    let id_token = id_token_through(&runner, users, patient).await;
    let key = never_uploaded();
    let reply = probe
        .put("/users/me", &id_token, &json!({"picture_key": key}))
        .await;
    assert!(reply.status >= 500, "without {GRANT}: {}", reply.raw);
    assert!(
        !reply.raw.contains(&patient.sub),
        "the reply names no key: {}",
        reply.raw
    );

    // The denial is one line naming function, action and resource; the function logged the 403.
    let log = std::fs::read_to_string(&runner.log).unwrap();
    let denials: Vec<&str> = log.lines().filter(|l| l.contains("IAM denied")).collect();
    assert_eq!(denials.len(), 1, "{log}");
    assert!(
        denials[0].contains("-users-api: s3:GetObject on arn:aws:s3:::")
            && denials[0].ends_with(&key),
        "{}",
        denials[0]
    );
    let function_log = std::fs::read_dir(&runner.logs_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with("users-api.log"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<String>();
    assert!(
        function_log.contains("HeadObject refused (403)"),
        "{function_log}"
    );
}

/// Every call the real functions made during the suite was allowed by their roles.
pub fn no_call_was_denied(stack_dir: &Path) {
    let log = std::fs::read_to_string(stack_dir.join("logs/runner.log")).unwrap();
    let denials: Vec<&str> = log.lines().filter(|l| l.contains("IAM denied")).collect();
    assert!(denials.is_empty(), "{denials:#?}");
}
