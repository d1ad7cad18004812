//! Faults: the emulator behind every AWS call frozen (SIGSTOP) or slowed mid-request.
//! The API answers a well-formed 503 in time, the trigger fails inside Cognito's 5 s,
//! and once the emulator is back a retry completes with nothing half-written.

use super::api::Api;
use super::cognito::{SignedIn, Users, unique_email};
use super::lambda::{Lambda, confirmation_event};
use super::races::{count, metrics};
use serde_json::json;
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
