//! The backfill on the running stack: profiles and counters written under the layout
//! before sharding are invisible to today's listing and metrics until it runs, and
//! exactly counted and listed after.

use super::api::Api;
use super::cognito::SignedIn;
use super::races::{count, metrics, pending};
use super::stack::StackInfo;
use adapters::aws::Timeouts;
use adapters::backfill::{Backfill, Tally};
use adapters::dynamo::Shards;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A profile item exactly as the code before sharding wrote it.
fn old_profile(
    sub: &str,
    user_type: &str,
    status: &str,
    minute: u32,
) -> HashMap<String, AttributeValue> {
    let at = format!("2025-06-01T08:{minute:02}:00.000Z");
    HashMap::from([
        ("PK".to_owned(), s(format!("USER#{sub}"))),
        ("SK".to_owned(), s("PROFILE")),
        ("user_id".to_owned(), s(sub)),
        ("username".to_owned(), s(format!("legacy-{sub}"))),
        ("user_type".to_owned(), s(user_type)),
        ("status".to_owned(), s(status)),
        ("created_at".to_owned(), s(at.clone())),
        ("updated_at".to_owned(), s(at)),
        ("version".to_owned(), AttributeValue::N("1".to_owned())),
    ])
}

fn listed_ids(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn old_layout_profiles_are_migrated_by_the_backfill(
    stack: &StackInfo,
    api: &Api,
    admin: &SignedIn,
) {
    let sdk = stack.sdk_config(Timeouts::API).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let subs: Vec<String> = (0..3).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let old = [
        old_profile(&subs[0], "Patient", "active", 1),
        old_profile(&subs[1], "Patient", "active", 2),
        old_profile(&subs[2], "Doctor", "pending_review", 3),
    ];
    let old_counters = [("Patient", 2), ("Doctor", 1)].map(|(user_type, n)| {
        HashMap::from([
            ("PK".to_owned(), s("METRICS")),
            ("SK".to_owned(), s(format!("USER_TYPE#{user_type}"))),
            ("count".to_owned(), AttributeValue::N(n.to_string())),
        ])
    });
    let before = metrics(api, admin).await;
    for item in old.into_iter().chain(old_counters) {
        client
            .put_item()
            .table_name(&stack.table_name)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }

    let unmigrated = metrics(api, admin).await;
    assert_eq!(
        unmigrated["total"], before["total"],
        "not counted before the backfill"
    );
    let read = api
        .get(&format!("/users/{}", subs[0]), &admin.id_token)
        .await;
    assert_eq!(
        read.status, 200,
        "an unmigrated profile still reads: {}",
        read.raw
    );

    let shards = Shards::new(stack.profile_shards).unwrap();
    let backfill = Backfill::new(&sdk, &stack.table_name, shards);
    let run = || async {
        let (mut total, mut position) = (Tally::default(), None);
        loop {
            let (page, next) = backfill.migrate_page(position.as_ref(), 25).await.unwrap();
            total.add(page);
            position = next;
            if position.is_none() {
                return total;
            }
        }
    };
    let first = run().await;
    assert_eq!((first.found, first.migrated), (3, 3), "{first:?}");
    assert_eq!(backfill.retire_legacy_counters().await, Ok(2));

    let after = metrics(api, admin).await;
    assert_eq!(count(&after, "Patient"), count(&before, "Patient") + 2);
    assert_eq!(pending(&after, "Doctor"), pending(&before, "Doctor") + 1);
    assert_eq!(count(&after, "Doctor"), count(&before, "Doctor"));
    // Created in 2025, they are the oldest of their cohorts: the first page holds them.
    let patients = api
        .get("/users?user_type=Patient&limit=2", &admin.id_token)
        .await;
    assert_eq!(listed_ids(&patients.body), subs[..2]);
    let waiting = api
        .get(
            "/users?user_type=Doctor&status=pending_review&limit=1",
            &admin.id_token,
        )
        .await;
    assert_eq!(listed_ids(&waiting.body), subs[2..]);

    let again = run().await;
    assert_eq!(
        (again.found, again.migrated),
        (0, 0),
        "a rerun changes nothing"
    );
    assert_eq!(metrics(api, admin).await, after);
}
