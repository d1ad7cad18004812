//! DynamoDB's cancellation of overlapping transactions (`TransactionConflict`), played by a
//! scripted endpoint so that each path is taken deterministically. (The local stack's
//! front produces real overlaps; the e2e races go through them.)

use super::profile;
use adapters::DynamoProfiles;
use domain::UserType;
use domain::ports::{Created, PortError, ProfileStore, UpdateError};
use std::sync::atomic::Ordering;
use test_support::emulator::{self, Answer};

fn cancelled(reasons: &[&str]) -> Answer {
    let reasons: Vec<_> = reasons
        .iter()
        .map(|code| serde_json::json!({"Code": code}))
        .collect();
    (
        400,
        Some("TransactionCanceledException"),
        serde_json::json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": "Transaction cancelled",
            "CancellationReasons": reasons,
        })
        .to_string(),
    )
}

fn landed() -> Answer {
    (200, None, "{}".to_string())
}

async fn store_before(
    script: impl Fn(usize) -> Answer + Send + Sync + 'static,
) -> (
    DynamoProfiles,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let (endpoint, answered) = emulator::scripted_endpoint(script);
    let sdk = emulator::sdk_config(&endpoint, emulator::SETUP).await;
    (
        DynamoProfiles::new(&sdk, "profiles", super::shards()),
        answered,
    )
}

#[tokio::test]
async fn a_transaction_that_lost_a_conflict_is_retried_until_it_lands() {
    let (store, answered) = store_before(|n| {
        if n < 2 {
            cancelled(&["TransactionConflict", "None"])
        } else {
            landed()
        }
    })
    .await;
    assert_eq!(
        store.create(&profile(1, UserType::Patient)).await,
        Ok(Created::Created)
    );
    assert_eq!(answered.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn one_that_keeps_losing_is_a_retriable_outage_after_seven_tries() {
    let (store, answered) = store_before(|_| cancelled(&["None", "TransactionConflict"])).await;
    assert_eq!(
        store.create(&profile(2, UserType::Patient)).await,
        Err(PortError::Unavailable(
            "profile store",
            "TransactionConflict".to_string()
        ))
    );
    assert_eq!(answered.load(Ordering::SeqCst), 7);

    let v1 = profile(3, UserType::Patient);
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.user_type = UserType::Doctor;
    assert!(matches!(
        store.update(&v1, &v2).await,
        Err(UpdateError::Port(PortError::Unavailable(_, _)))
    ));
    assert_eq!(answered.load(Ordering::SeqCst), 14);
}

#[tokio::test]
async fn a_failed_condition_is_an_answer_not_a_conflict_to_retry() {
    let (store, answered) =
        store_before(|_| cancelled(&["ConditionalCheckFailed", "TransactionConflict"])).await;
    assert_eq!(
        store.create(&profile(4, UserType::Patient)).await,
        Ok(Created::AlreadyExists)
    );
    assert_eq!(answered.load(Ordering::SeqCst), 1);
}
