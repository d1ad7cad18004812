//! Concurrency through the stack: conditional writers, user-type changes, repeated
//! trigger deliveries and parallel sign-ups, each checked against what is stored
//! afterwards. The racers start together (a barrier), and each race shows from the
//! function's own log (Lambda's START/END lines) that invocations really overlapped:
//! one at a time, a read-then-write implementation would pass too.

use super::api::Api;
use super::cognito::{SignedIn, Users, groups, unique_email};
use super::lambda::{Lambda, confirmation_event};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Barrier;

/// The log of the deployed function whose name ends with `suffix`, and where it ends now:
/// what a race adds to it is read afterwards.
struct FunctionLog {
    path: PathBuf,
    from: usize,
}

impl FunctionLog {
    fn of(stack_dir: &Path, suffix: &str) -> FunctionLog {
        let path = std::fs::read_dir(stack_dir.join("logs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(&format!("{suffix}.log")))
            .unwrap_or_else(|| panic!("no log of …{suffix} in {}", stack_dir.display()));
        let from = std::fs::read(&path).unwrap().len();
        FunctionLog { path, from }
    }

    /// The most invocations in flight at once since `of`.
    fn most_in_flight(&self) -> usize {
        let text = std::fs::read(&self.path).unwrap();
        test_support::logs::most_in_flight(&String::from_utf8_lossy(&text[self.from..]))
    }

    fn assert_overlapped(&self, what: &str) {
        let most = self.most_in_flight();
        assert!(
            most >= 2,
            "{what}: the function's log shows at most {most} invocation at a time, so nothing raced"
        );
        eprintln!("e2e: {what}: up to {most} invocations at once");
    }
}

pub async fn conditional_puts_have_exactly_one_winner(
    api: Arc<Api>,
    stack_dir: &Path,
    patient: &SignedIn,
) {
    let before = api.get("/users/me", &patient.id_token).await;
    let etag = before.header("etag").unwrap().to_string();
    let version = before.body["version"].as_u64().unwrap();
    let log = FunctionLog::of(stack_dir, "users-api");
    let start = Arc::new(Barrier::new(10));

    let writers: Vec<_> = (0..10)
        .map(|i| {
            let api = api.clone();
            let token = patient.id_token.clone();
            let etag = etag.clone();
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let body = json!({"name": format!("Racer {i}")}).to_string();
                api.send(
                    "PUT",
                    "/users/me",
                    &[
                        ("Authorization", token.as_str()),
                        ("Content-Type", "application/json"),
                        ("If-Match", etag.as_str()),
                    ],
                    body.as_bytes(),
                )
                .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for writer in writers {
        let reply = writer.await.unwrap();
        match reply.status {
            200 => winners.push(reply.body["name"].as_str().unwrap().to_string()),
            412 => assert_eq!(
                reply.body["error"]["code"], "precondition_failed",
                "{}",
                reply.raw
            ),
            other => panic!("a racing PUT got {other}: {}", reply.raw),
        }
    }

    assert_eq!(
        winners.len(),
        1,
        "exactly one conditional writer wins: {winners:?}"
    );
    let after = api.get("/users/me", &patient.id_token).await;
    assert_eq!(
        after.body["name"],
        winners[0].as_str(),
        "the stored value is the winner's"
    );
    assert_eq!(after.body["version"].as_u64(), Some(version + 1));
    log.assert_overlapped("10 PUTs with one If-Match");
}

/// Identical demotions racing (a double-click, a client retry): the profile is the source
/// of truth and the group follows what was stored, so the demoted Admin keeps no `Admin`.
pub async fn concurrent_user_type_changes_converge(
    users: Arc<Users>,
    api: Arc<Api>,
    stack_dir: &Path,
    admin: &SignedIn,
) {
    let target = users.signed_up_and_confirmed("demoted", &[]).await;
    let path = format!("/users/{}", target.sub);
    let promoted = api
        .put(&path, &admin.id_token, &json!({"user_type": "Admin"}))
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.raw);
    assert_eq!(users.groups_of(&target.email).await, ["Admin"]);
    let log = FunctionLog::of(stack_dir, "users-api");
    let start = Arc::new(Barrier::new(4));

    let demotions: Vec<_> = (0..4)
        .map(|_| {
            let (api, path, token, start) = (
                api.clone(),
                path.clone(),
                admin.id_token.clone(),
                start.clone(),
            );
            tokio::spawn(async move {
                start.wait().await;
                api.put(&path, &token, &json!({"user_type": "Patient"}))
                    .await
            })
        })
        .collect();
    for demotion in demotions {
        let reply = demotion.await.unwrap();
        assert_eq!(reply.status, 200, "a racing demotion: {}", reply.raw);
    }

    let stored = api.get(&path, &admin.id_token).await;
    assert_eq!(stored.body["user_type"], "Patient", "{}", stored.raw);
    assert_eq!(
        users.groups_of(&target.email).await,
        ["Patient"],
        "Cognito's groups follow the stored profile"
    );
    let signed_in_again = users.sign_in(&target.email, super::cognito::PASSWORD).await;
    assert_eq!(groups(&signed_in_again.id_token), ["Patient"]);
    log.assert_overlapped("4 identical demotions");
}

pub async fn metrics(api: &Api, admin: &SignedIn) -> Value {
    let reply = api.get("/admin/metrics", &admin.id_token).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body
}

/// Profiles of `user_type` whose type is in force.
pub fn count(metrics: &Value, user_type: &str) -> u64 {
    metrics["by_user_type"][user_type].as_u64().unwrap_or(0)
}

/// Profiles that requested `user_type` and wait for an Admin.
pub fn pending(metrics: &Value, user_type: &str) -> u64 {
    metrics["pending_review"][user_type].as_u64().unwrap_or(0)
}

pub async fn a_confirmation_delivered_many_times_counts_once(
    users: &Users,
    api: &Api,
    lambda: &Lambda,
    stack_dir: &Path,
    admin: &SignedIn,
    region: &str,
) {
    let email = unique_email("twice.patient");
    users
        .sign_up(&email, &[("custom:user_type", "Patient")])
        .await
        .unwrap();
    let event = confirmation_event(users, region, &email).await;
    let function = lambda.function_named("post-confirmation").await;
    let before = metrics(api, admin).await;
    let log = FunctionLog::of(stack_dir, "post-confirmation");
    let start = Arc::new(Barrier::new(6));

    let deliveries: Vec<_> = (0..6)
        .map(|_| {
            let (lambda, function, event) = (lambda.clone(), function.clone(), event.clone());
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                lambda.invoke(&function, &event).await
            })
        })
        .collect();
    for delivery in deliveries {
        let delivery = delivery.await.unwrap();
        assert_eq!(
            (delivery.status, delivery.function_error.as_deref()),
            (200, None),
            "{}",
            delivery.payload
        );
        assert_eq!(delivery.payload, event, "the trigger returns the event");
    }

    let after = metrics(api, admin).await;
    assert_eq!(count(&after, "Patient"), count(&before, "Patient") + 1);
    assert_eq!(
        after["total"].as_u64(),
        before["total"].as_u64().map(|t| t + 1)
    );
    let sub = event["request"]["userAttributes"]["sub"].as_str().unwrap();
    let profile = api.get(&format!("/users/{sub}"), &admin.id_token).await;
    assert_eq!(
        (profile.status, profile.body["version"].as_u64()),
        (200, Some(1))
    );
    assert_eq!(users.groups_of(&email).await, ["Patient"]);
    log.assert_overlapped("6 deliveries of one confirmation");
}

/// How many transactions the front has cancelled with TransactionConflict so far.
pub fn transaction_conflicts(stack_dir: &Path) -> usize {
    std::fs::read_to_string(stack_dir.join("logs/runner.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("DynamoDB TransactionConflict"))
        .count()
}

pub async fn parallel_sign_ups_keep_the_metrics_exact(
    users: Arc<Users>,
    api: &Api,
    stack_dir: &Path,
    admin: &SignedIn,
) {
    let conflicts_before = transaction_conflicts(stack_dir);
    let before = metrics(api, admin).await;
    let start = Arc::new(Barrier::new(8));
    let sign_ups: Vec<_> = (0..8)
        .map(|i| {
            let (users, start) = (users.clone(), start.clone());
            tokio::spawn(async move {
                let user_type = if i % 4 == 0 { "Doctor" } else { "Patient" };
                start.wait().await;
                users
                    .signed_up_and_confirmed("crowd", &[("custom:user_type", user_type)])
                    .await
            })
        })
        .collect();
    for sign_up in sign_ups {
        sign_up.await.unwrap();
    }

    eprintln!(
        "e2e: 8 parallel sign-ups ran into {} transaction conflicts, all retried",
        transaction_conflicts(stack_dir) - conflicts_before
    );
    let after = metrics(api, admin).await;
    assert_eq!(count(&after, "Patient"), count(&before, "Patient") + 6);
    assert_eq!(
        (pending(&after, "Doctor"), count(&after, "Doctor")),
        (pending(&before, "Doctor") + 2, count(&before, "Doctor")),
        "requested Doctors are counted as pending, not as Doctors"
    );
    metrics_equal_the_listing(api, admin, &after).await;
}

/// The counters in `metrics` equal the profiles `GET /users` lists, status by status, and
/// the total equals the number listed.
pub async fn metrics_equal_the_listing(api: &Api, admin: &SignedIn, after: &Value) {
    // The counters equal the profiles actually stored, status by status.
    let mut listed: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for status in ["active", "pending_review"] {
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/users?status={status}&limit=100&cursor={c}"),
                None => format!("/users?status={status}&limit=100"),
            };
            let page = api.get(&path, &admin.id_token).await;
            assert_eq!(page.status, 200, "{}", page.raw);
            for item in page.body["items"].as_array().unwrap() {
                assert_eq!(item["status"], status, "listed under its status");
                let user_type = item["user_type"].as_str().unwrap().to_string();
                *listed.entry((user_type, status.to_string())).or_default() += 1;
            }
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
    }
    for user_type in ["Patient", "Doctor", "Admin"] {
        let listed_as = |status: &str| {
            listed
                .get(&(user_type.to_string(), status.to_string()))
                .copied()
                .unwrap_or(0)
        };
        assert_eq!(
            (listed_as("active"), listed_as("pending_review")),
            (count(after, user_type), pending(after, user_type)),
            "{user_type}: metrics vs stored profiles"
        );
    }
    assert_eq!(
        after["total"].as_u64(),
        Some(listed.values().sum::<u64>()),
        "the total equals the number of stored profiles"
    );
}
