//! The PostConfirmation handler with the real DynamoDB and Cognito adapters,
//! against moto on 127.0.0.1. Each test has its own table and user pool.
//! Setup, checks and the adapters under test use the tests' generous limits
//! (`emulator::SETUP`): what these tests check is what gets written, not how fast.
//! The trigger's own limits are checked against an endpoint that never answers.

// Tests assert by unwrapping and panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use adapters::aws::Timeouts;
use adapters::dynamo::Shards;
use adapters::{CognitoGroups, DynamoProfiles};
use chrono::Utc;
use domain::ports::ProfileStore;
use domain::signup::SelfServicePolicy;
use domain::{Cohort, UserType};
use post_confirmation::{Deps, Outcome, PostConfirmationError, handle};
use serde_json::{Value, json};
use test_support::emulator;

const CONFIRM: &str = include_str!("../fixtures/confirm_sign_up.json");
const FORGOT_PASSWORD: &str = include_str!("../fixtures/confirm_forgot_password.json");

struct Stack {
    sdk: emulator::SdkConfig,
    table: String,
    pool: String,
    deps: Deps<DynamoProfiles, CognitoGroups>,
}

/// A table, a pool with `groups`, and the fixture's user in the pool.
async fn stack(groups: &[&str]) -> Stack {
    let sdk = emulator::setup_sdk().await;
    let table = emulator::create_profile_table(&sdk).await;
    let pool = emulator::create_user_pool(&sdk, groups).await;
    emulator::create_user(&sdk, &pool, &username()).await;
    let deps = Deps {
        store: DynamoProfiles::new(&sdk, &table, Shards::new(4).unwrap()),
        groups: CognitoGroups::new(&sdk),
        policy: SelfServicePolicy::default(),
    };
    Stack {
        sdk,
        table,
        pool,
        deps,
    }
}

fn username() -> String {
    let e: Value = serde_json::from_str(CONFIRM).unwrap();
    e["userName"].as_str().unwrap().to_owned()
}

fn event(fixture: &str, pool: &str) -> Value {
    let mut e: Value = serde_json::from_str(fixture).unwrap();
    e["userPoolId"] = json!(pool);
    e
}

/// Every item in the table, sorted, for before/after comparisons.
async fn items(s: &Stack) -> Vec<String> {
    let out = aws_sdk_dynamodb::Client::new(&s.sdk)
        .scan()
        .table_name(&s.table)
        .send()
        .await
        .unwrap();
    let mut items: Vec<String> = out
        .items()
        .iter()
        .map(|item| {
            let mut fields: Vec<String> = item.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            fields.sort();
            fields.join(",")
        })
        .collect();
    items.sort();
    items
}

/// The active Patients the counters hold.
async fn patients_counted(s: &Stack) -> u64 {
    s.deps.store.count_by_cohort().await.unwrap()[&Cohort::active(UserType::Patient)]
}

#[tokio::test]
async fn first_confirmation_writes_profile_counter_and_group() {
    let s = stack(&["Patient", "Doctor", "Admin"]).await;

    let (_, outcome) = handle(&s.deps, event(CONFIRM, &s.pool), Utc::now())
        .await
        .unwrap();

    assert_eq!(outcome, Outcome::Created);
    let rows = items(&s).await;
    assert_eq!(rows.len(), 2, "one profile and one counter: {rows:?}");
    assert!(rows.iter().any(
        |r| r.contains("PK=S(\"USER#5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13\")")
            && r.contains("version=N(\"1\")")
    ));
    assert_eq!(patients_counted(&s).await, 1);
    assert_eq!(
        emulator::groups_of(&s.sdk, &s.pool, &username()).await,
        ["Patient"]
    );
}

#[tokio::test]
async fn the_same_confirmation_again_changes_nothing() {
    let s = stack(&["Patient", "Doctor", "Admin"]).await;
    handle(&s.deps, event(CONFIRM, &s.pool), Utc::now())
        .await
        .unwrap();
    let before = items(&s).await;

    let (_, outcome) = handle(&s.deps, event(CONFIRM, &s.pool), Utc::now())
        .await
        .unwrap();

    assert_eq!(outcome, Outcome::AlreadyCreated);
    assert_eq!(items(&s).await, before);
    assert_eq!(
        emulator::groups_of(&s.sdk, &s.pool, &username()).await,
        ["Patient"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_deliveries_create_one_profile_and_count_once() {
    let s = std::sync::Arc::new(stack(&["Patient", "Doctor", "Admin"]).await);
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(6));
    let deliveries: Vec<_> = (0..6)
        .map(|_| {
            let (s, start) = (s.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                handle(&s.deps, event(CONFIRM, &s.pool), Utc::now())
                    .await
                    .map(|(_, o)| o)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for d in deliveries {
        outcomes.push(d.await.unwrap());
    }

    let created = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Outcome::Created)))
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    for outcome in &outcomes {
        match outcome {
            Ok(Outcome::Created | Outcome::AlreadyCreated) => {}
            // A delivery that lost the race may fail; Cognito retries it, and the retry
            // must find everything in place.
            Err(PostConfirmationError::Dependency(_)) => {
                let (_, retried) = handle(&s.deps, event(CONFIRM, &s.pool), Utc::now())
                    .await
                    .unwrap();
                assert_eq!(retried, Outcome::AlreadyCreated);
            }
            other => panic!("a parallel delivery ended with {other:?}"),
        }
    }
    assert_eq!(patients_counted(&s).await, 1);
    assert_eq!(items(&s).await.len(), 2);
    assert_eq!(
        emulator::groups_of(&s.sdk, &s.pool, &username()).await,
        ["Patient"]
    );
}

#[tokio::test]
async fn forgot_password_changes_nothing() {
    let s = stack(&["Patient", "Doctor", "Admin"]).await;

    let (returned, outcome) = handle(&s.deps, event(FORGOT_PASSWORD, &s.pool), Utc::now())
        .await
        .unwrap();

    assert_eq!(
        (returned, outcome),
        (event(FORGOT_PASSWORD, &s.pool), Outcome::PasswordReset)
    );
    assert!(items(&s).await.is_empty());
    assert!(
        emulator::groups_of(&s.sdk, &s.pool, &username())
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_retry_completes_a_group_grant_the_first_attempt_could_not_make() {
    let s = stack(&[]).await; // the Patient group is missing at first
    let first = handle(&s.deps, event(CONFIRM, &s.pool), Utc::now()).await;
    assert!(
        matches!(first, Err(PostConfirmationError::Dependency(_))),
        "{first:?}"
    );

    emulator::create_group(&s.sdk, &s.pool, "Patient").await;
    handle(&s.deps, event(CONFIRM, &s.pool), Utc::now())
        .await
        .unwrap();

    assert_eq!(
        emulator::groups_of(&s.sdk, &s.pool, &username()).await,
        ["Patient"]
    );
    assert_eq!(patients_counted(&s).await, 1);
}

#[tokio::test]
async fn a_table_that_never_answers_fails_inside_cognitos_five_seconds_and_grants_nothing() {
    let s = stack(&["Patient", "Doctor", "Admin"]).await;
    // The deployed trigger's limits, against a table endpoint that accepts and never answers.
    let (_silent, endpoint) = emulator::silent_endpoint();
    let dead = emulator::sdk_config(&endpoint, Timeouts::COGNITO_TRIGGER).await;
    let deps = Deps {
        store: DynamoProfiles::new(&dead, &s.table, Shards::new(4).unwrap()),
        groups: CognitoGroups::new(&s.sdk),
        policy: SelfServicePolicy::default(),
    };

    let started = Instant::now();
    let result = handle(&deps, event(CONFIRM, &s.pool), Utc::now()).await;

    assert!(
        matches!(
            result,
            Err(PostConfirmationError::Dependency(_) | PostConfirmationError::DeadlineExceeded)
        ),
        "{result:?}"
    );
    // Cognito abandons a trigger after 5 s: the error must come back inside that budget
    // (the SDK gives up after 1.8 s, the handler's deadline after 4 s).
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(items(&s).await.is_empty());
    assert!(
        emulator::groups_of(&s.sdk, &s.pool, &username())
            .await
            .is_empty()
    );
}
