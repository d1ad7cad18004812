//! Faults: the emulator behind every AWS call frozen (SIGSTOP) or slowed mid-request, or
//! DynamoDB throttling injected at the AWS front (`/_local/throttle`).
//! The API answers a well-formed 503 in time, the trigger fails inside Cognito's 5 s,
//! and once the emulator is back a retry completes with nothing half-written.

use super::api::Api;
use super::cognito::{PASSWORD, SignedIn, Users, unique_email};
use super::lambda::{Lambda, confirmation_event};
use super::races::{count, metrics};
use super::stack::{CONTROL_SECRET_HEADER, StackInfo};
use serde_json::json;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// moto frozen until dropped (so a failed assertion never leaves it stopped).
struct Frozen {
    pid: String,
}

impl Frozen {
    fn moto(stack_dir: &Path) -> Frozen {
        let pid = std::fs::read_to_string(stack_dir.join("pids/moto"))
            .unwrap()
            .trim()
            .to_string();
        signal("-STOP", &pid);
        Frozen { pid }
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        signal("-CONT", &self.pid);
    }
}

fn signal(which: &str, pid: &str) {
    let status = std::process::Command::new("kill")
        .args([which, pid])
        .status()
        .unwrap();
    assert!(status.success(), "kill {which} {pid}");
}

/// The API's deadline for a dependency (4 s of SDK time) plus the runner's overhead;
/// API Gateway itself gives up at 29 s.
const API_ANSWERS_WITHIN: Duration = Duration::from_secs(10);
const COGNITO_TRIGGER_BUDGET: Duration = Duration::from_secs(5);

pub async fn a_frozen_emulator_gets_503s_and_a_failed_trigger_then_recovery(
    stack_dir: &Path,
    users: &Users,
    api: &Api,
    lambda: &Lambda,
    region: &str,
    patient: &SignedIn,
    admin: &SignedIn,
) {
    // Arrange, while moto still answers.
    let function = lambda.function_named("post-confirmation").await;
    let email = unique_email("outage.patient");
    users
        .sign_up(&email, &[("custom:user_type", "Patient")])
        .await
        .unwrap();
    let event = confirmation_event(users, region, &email).await;
    let sub = event["request"]["userAttributes"]["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let before = api.get("/users/me", &patient.id_token).await;
    let metrics_before = metrics(api, admin).await;

    {
        let _frozen = Frozen::moto(stack_dir);

        for (method, body) in [
            ("GET", None),
            ("PUT", Some(json!({"name": "Written In Outage"}))),
        ] {
            let started = Instant::now();
            let bearer = format!("Bearer {}", patient.id_token);
            let reply = api
                .call(method, "/users/me", Some(&bearer), body.as_ref())
                .await;
            let took = started.elapsed();
            assert_eq!(
                reply.status, 503,
                "{method} during the outage: {}",
                reply.raw
            );
            assert_eq!(
                reply.body["error"]["code"], "service_unavailable",
                "{}",
                reply.raw
            );
            assert!(
                reply.header("retry-after").is_some(),
                "503 says when to retry"
            );
            assert!(
                took < API_ANSWERS_WITHIN,
                "{method} answered after {took:?}"
            );
            eprintln!("e2e: {method} /users/me with moto frozen: 503 in {took:?}");
        }

        let failed = lambda.invoke(&function, &event).await;
        assert_eq!(
            failed.function_error.as_deref(),
            Some("Unhandled"),
            "{}",
            failed.payload
        );
        assert!(
            failed.took < COGNITO_TRIGGER_BUDGET,
            "the trigger failed after {:?}",
            failed.took
        );
        eprintln!(
            "e2e: PostConfirmation with moto frozen: failed in {:?}",
            failed.took
        );
    }

    // Recovery: the PUT sent during the outage either landed whole (moto answered the
    // queued write after it woke) or not at all; every other field is as it was.
    let after = api.get("/users/me", &patient.id_token).await;
    assert_eq!(after.status, 200, "{}", after.raw);
    let landed = after.body["name"] == "Written In Outage";
    let mut expected = before.body.clone();
    if landed {
        expected["name"] = json!("Written In Outage");
        expected["version"] = json!(before.body["version"].as_u64().unwrap() + 1);
    }
    let comparable = |body: &serde_json::Value| {
        let mut body = body.clone();
        let fields = body.as_object_mut().unwrap();
        fields.remove("updated_at");
        fields.remove("picture_url");
        body
    };
    assert_eq!(
        comparable(&after.body),
        comparable(&expected),
        "the PUT made during the outage is whole or absent"
    );
    eprintln!(
        "e2e: the PUT made during the outage {}",
        if landed {
            "landed whole after recovery"
        } else {
            "left no trace"
        }
    );
    let retried = api
        .put(
            "/users/me",
            &patient.id_token,
            &json!({"name": "Written After Outage"}),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.raw);

    let redelivered = lambda.invoke(&function, &event).await;
    assert_eq!(redelivered.function_error, None, "{}", redelivered.payload);
    assert_eq!(
        count(&metrics(api, admin).await, "Patient"),
        count(&metrics_before, "Patient") + 1,
        "the interrupted and the retried confirmation count once"
    );
    let profile = api.get(&format!("/users/{sub}"), &admin.id_token).await;
    assert_eq!(
        (profile.status, profile.body["version"].as_u64()),
        (200, Some(1))
    );
    assert_eq!(users.groups_of(&email).await, ["Patient"]);
}

/// moto paused for 0.8 s while a GET waits on it: the answer is a 200 that came after
/// the pause (the request really waited), well before the API's 503 deadline.
pub async fn a_paused_emulator_only_delays_the_answer(
    stack_dir: &Path,
    api: Arc<Api>,
    patient: &SignedIn,
) {
    const PAUSE: Duration = Duration::from_millis(800);
    let frozen = Frozen::moto(stack_dir);
    let token = patient.id_token.clone();
    let started = Instant::now();
    let request = tokio::spawn(async move { api.get("/users/me", &token).await });
    tokio::time::sleep(PAUSE).await;
    drop(frozen);
    let reply = request.await.unwrap();
    let took = started.elapsed();
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert!(
        took >= PAUSE && took < API_ANSWERS_WITHIN,
        "answered after the pause, not by giving up: {took:?}"
    );
    eprintln!("e2e: GET /users/me with moto paused for 0.8 s: 200 in {took:?}");
}

/// Throttles set on the AWS front, all removed when dropped (so a failed assertion never
/// leaves later checks throttled).
pub(super) struct Throttles {
    url: String,
    /// The switch is a control endpoint: it needs the stack's control secret.
    secret: String,
}

impl Throttles {
    pub(super) fn on(stack: &StackInfo) -> Throttles {
        Throttles {
            url: format!(
                "{}/_local/throttle",
                stack.aws_endpoint_url.trim_end_matches('/')
            ),
            secret: stack.control_secret.clone(),
        }
    }

    /// The next `times` calls of `service`'s `operation` (or `*`: any) are throttled;
    /// earlier rules are removed.
    pub(super) async fn set(&self, service: &str, operation: &str, times: u32) {
        self.set_after(service, operation, 0, times).await;
    }

    /// As `set`, once `after` matching calls went through.
    pub(super) async fn set_after(&self, service: &str, operation: &str, after: u32, times: u32) {
        self.clear();
        let body =
            json!({"service": service, "operation": operation, "times": times, "after": after})
                .to_string();
        let length = body.len().to_string();
        let headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", length.as_str()),
            (CONTROL_SECRET_HEADER, self.secret.as_str()),
        ];
        let (status, reply) =
            test_support::http::send("POST", &self.url, &headers, body.as_bytes()).await;
        assert_eq!(status, 200, "{reply}");
    }

    /// (remaining, seen) of the one rule set.
    async fn counts(&self) -> (u64, u64) {
        let secret = [(CONTROL_SECRET_HEADER, self.secret.as_str())];
        let (status, reply) = test_support::http::send("GET", &self.url, &secret, b"").await;
        assert_eq!(status, 200, "{reply}");
        let listed: serde_json::Value = serde_json::from_str(&reply).unwrap();
        let rule = &listed["rules"][0];
        (
            rule["remaining"].as_u64().unwrap(),
            rule["seen"].as_u64().unwrap(),
        )
    }

    /// DELETE, blocking: also runs from `drop`.
    pub(super) fn clear(&self) {
        let rest = self.url.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{CONTROL_SECRET_HEADER}: {}\r\nContent-Length: 0\r\n\r\n",
            self.secret
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
}

impl Drop for Throttles {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The SDK's attempts per call in the API and in the trigger.
const API_ATTEMPTS: u32 = adapters::aws::Timeouts::API.max_attempts;
const TRIGGER_ATTEMPTS: u32 = adapters::aws::Timeouts::COGNITO_TRIGGER.max_attempts;

pub async fn throttling_is_retried_then_a_503_or_a_retriable_confirmation(
    stack: &StackInfo,
    users: &Users,
    api: &Api,
    patient: &SignedIn,
    admin: &SignedIn,
) {
    let throttles = Throttles::on(stack);

    // Fewer throttles than attempts: the API's SDK retries get through. (The profile read;
    // the access-log entry written after it is a PutItem.)
    throttles.set("dynamodb", "GetItem", API_ATTEMPTS - 1).await;
    let reply = api.get("/users/me", &patient.id_token).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let (remaining, seen) = throttles.counts().await;
    assert!(
        remaining == 0 && seen > u64::from(API_ATTEMPTS - 1),
        "every throttle was met and retried: remaining {remaining}, seen {seen}"
    );
    eprintln!(
        "e2e: GET /users/me through {} throttled DynamoDB calls: 200",
        API_ATTEMPTS - 1
    );

    // As many as attempts: the documented 503 with Retry-After, in time.
    throttles.set("dynamodb", "GetItem", API_ATTEMPTS).await;
    let started = Instant::now();
    let reply = api.get("/users/me", &patient.id_token).await;
    let took = started.elapsed();
    assert_eq!(reply.status, 503, "{}", reply.raw);
    assert_eq!(
        reply.body["error"]["code"], "service_unavailable",
        "{}",
        reply.raw
    );
    assert_eq!(reply.header("retry-after"), Some("2"));
    assert!(took < API_ANSWERS_WITHIN, "answered after {took:?}");
    assert_eq!(throttles.counts().await, (0, u64::from(API_ATTEMPTS)));
    eprintln!("e2e: GET /users/me with every attempt throttled: 503 in {took:?}");
    let reply = api.get("/users/me", &patient.id_token).await;
    assert_eq!(reply.status, 200, "after the throttling: {}", reply.raw);

    // A confirmation whose profile write, or whose group grant, is throttled out fails
    // with the trigger's "please retry"; the same confirmation sent again completes.
    for (service, operation) in [("dynamodb", "*"), ("cognito-idp", "AdminAddUserToGroup")] {
        throttled_confirmation_completes_on_retry(
            &throttles, users, api, admin, service, operation,
        )
        .await;
    }
}

async fn throttled_confirmation_completes_on_retry(
    throttles: &Throttles,
    users: &Users,
    api: &Api,
    admin: &SignedIn,
    service: &str,
    operation: &str,
) {
    let metrics_before = metrics(api, admin).await;
    let email = unique_email("throttled.patient");
    users
        .sign_up(&email, &[("custom:user_type", "Patient")])
        .await
        .unwrap();
    throttles.set(service, operation, TRIGGER_ATTEMPTS).await;
    let started = Instant::now();
    let (code, message) = users.admin_confirm(&email).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        code, "UserLambdaValidationException",
        "{service}: {message}"
    );
    assert!(message.contains("please retry"), "{service}: {message}");
    assert!(
        took < COGNITO_TRIGGER_BUDGET,
        "{service}: failed after {took:?}"
    );
    assert_eq!(
        throttles.counts().await,
        (0, u64::from(TRIGGER_ATTEMPTS)),
        "{service}"
    );
    eprintln!(
        "e2e: AdminConfirmSignUp with {service} {operation} throttled out: {code} in {took:?}"
    );

    // moto confirmed the user before the trigger ran and confirms it again, firing
    // PostConfirmation again: the retry.
    users
        .admin_confirm(&email)
        .await
        .unwrap_or_else(|e| panic!("{service}: the retried confirmation: {e:?}"));
    let signed_in = users.sign_in(&email, PASSWORD).await;
    let profile = api.get("/users/me", &signed_in.id_token).await;
    assert_eq!(
        (profile.status, profile.body["version"].as_u64()),
        (200, Some(1)),
        "{service}: {}",
        profile.raw
    );
    assert_eq!(users.groups_of(&email).await, ["Patient"], "{service}");
    assert_eq!(
        count(&metrics(api, admin).await, "Patient"),
        count(&metrics_before, "Patient") + 1,
        "{service}: the throttled and the retried confirmation count once"
    );
}
