//! Concurrency through the stack: conditional writers, repeated trigger deliveries and
//! parallel sign-ups, each checked against what is stored afterwards.

use super::api::Api;
use super::cognito::{SignedIn, Users, unique_email};
use super::lambda::{Lambda, confirmation_event};
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn conditional_puts_have_exactly_one_winner(api: Arc<Api>, patient: &SignedIn) {
    let before = api.get("/users/me", &patient.id_token).await;
    let etag = before.header("etag").unwrap().to_string();
    let version = before.body["version"].as_u64().unwrap();

    let writers: Vec<_> = (0..10)
        .map(|i| {
            let api = api.clone();
            let token = patient.id_token.clone();
            let etag = etag.clone();
            tokio::spawn(async move {
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
}

pub async fn metrics(api: &Api, admin: &SignedIn) -> Value {
    let reply = api.get("/admin/metrics", &admin.id_token).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body
}

pub fn count(metrics: &Value, user_type: &str) -> u64 {
    metrics["by_user_type"][user_type].as_u64().unwrap_or(0)
}

pub async fn a_confirmation_delivered_many_times_counts_once(
    users: &Users,
    api: &Api,
    lambda: &Lambda,
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

    let deliveries: Vec<_> = (0..6)
        .map(|_| {
            let (lambda, function, event) = (lambda.clone(), function.clone(), event.clone());
            tokio::spawn(async move { lambda.invoke(&function, &event).await })
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
}

pub async fn parallel_sign_ups_keep_the_metrics_exact(
    users: Arc<Users>,
    api: &Api,
    admin: &SignedIn,
) {
    let before = metrics(api, admin).await;
    let sign_ups: Vec<_> = (0..8)
        .map(|i| {
            let users = users.clone();
            tokio::spawn(async move {
                let user_type = if i % 4 == 0 { "Doctor" } else { "Patient" };
                users
                    .signed_up_and_confirmed("crowd", &[("custom:user_type", user_type)])
                    .await
            })
        })
        .collect();
    for sign_up in sign_ups {
        sign_up.await.unwrap();
    }

    let after = metrics(api, admin).await;
    assert_eq!(count(&after, "Patient"), count(&before, "Patient") + 6);
    assert_eq!(count(&after, "Doctor"), count(&before, "Doctor") + 2);
    assert_eq!(
        after["total"].as_u64(),
        Some(
            ["Patient", "Doctor", "Admin"]
                .iter()
                .map(|t| count(&after, t))
                .sum()
        )
    );
    // The counters equal the profiles actually stored.
    let mut listed: std::collections::BTreeMap<String, u64> = Default::default();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/users?limit=100&cursor={c}"),
            None => "/users?limit=100".to_string(),
        };
        let page = api.get(&path, &admin.id_token).await;
        assert_eq!(page.status, 200, "{}", page.raw);
        for item in page.body["items"].as_array().unwrap() {
            *listed
                .entry(item["user_type"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    for user_type in ["Patient", "Doctor", "Admin"] {
        assert_eq!(
            listed.get(user_type).copied().unwrap_or(0),
            count(&after, user_type),
            "{user_type}: metrics vs stored profiles"
        );
    }
}
