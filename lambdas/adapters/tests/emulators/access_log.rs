//! The access log table against moto: append-only puts, keys, TTL, newest-first pages.

use std::collections::BTreeSet;

use adapters::DynamoAccessLog;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use domain::UserId;
use domain::UserType;
use domain::access_log::{AccessAction, AccessEntry, AccessOutcome, RequestId};
use domain::ports::AccessLog;
use test_support::emulator;

const ADA: &str = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";
const ROOT: &str = "0f0e0d0c-0b0a-4909-8807-060504030201";

fn id(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn entry(second: u32, request: &str, target: Option<&str>) -> AccessEntry {
    AccessEntry {
        at: Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, second).unwrap(),
        request_id: RequestId::parse(request).unwrap(),
        actor: id(ROOT),
        actor_groups: [UserType::Admin, UserType::Doctor].into(),
        action: AccessAction::Update,
        target: target.map(id),
        fields: vec!["name", "blood_group"],
        outcome: AccessOutcome::Allowed,
    }
}

async fn log() -> (DynamoAccessLog, aws_sdk_dynamodb::Client, String) {
    let sdk = emulator::setup_sdk().await;
    let table = emulator::create_access_log_table(&sdk).await;
    (
        DynamoAccessLog::new(&sdk, &table, 2190),
        aws_sdk_dynamodb::Client::new(&sdk),
        table,
    )
}

#[tokio::test]
async fn entries_come_back_newest_first_in_pages_for_their_target_only() {
    let (log, _, _) = log().await;
    for (second, request) in [(1, "r1"), (4, "r4"), (2, "r2"), (3, "r3"), (5, "r5")] {
        log.record(&entry(second, request, Some(ADA)))
            .await
            .unwrap();
    }
    log.record(&entry(6, "other", Some(ROOT))).await.unwrap();
    log.record(&entry(7, "untargeted", None)).await.unwrap();

    let first = log.list(&id(ADA), 2, None).await.unwrap();
    let second = log.list(&id(ADA), 2, first.next.as_ref()).await.unwrap();
    let third = log.list(&id(ADA), 2, second.next.as_ref()).await.unwrap();

    let ids = |entries: &[AccessEntry]| -> Vec<String> {
        entries.iter().map(|e| e.request_id.to_string()).collect()
    };
    assert_eq!(ids(&first.entries), ["r5", "r4"]);
    assert_eq!(ids(&second.entries), ["r3", "r2"]);
    assert_eq!(ids(&third.entries), ["r1"]);
    assert!(first.next.is_some() && second.next.is_some());
    assert_eq!(third.next, None, "the last page says so");
    assert_eq!(first.entries[0], entry(5, "r5", Some(ADA)), "round trip");
    let exact = log.list(&id(ADA), 5, None).await.unwrap();
    assert_eq!((exact.entries.len(), exact.next), (5, None));
}

#[tokio::test]
async fn a_put_under_a_stored_key_changes_nothing_and_counts_as_recorded() {
    let (log, _, _) = log().await;
    let first = entry(1, "r1", Some(ADA));
    let mut forged = first.clone();
    forged.outcome = AccessOutcome::Denied;
    forged.fields = Vec::new();

    log.record(&first).await.unwrap();
    log.record(&forged).await.unwrap();

    assert_eq!(log.list(&id(ADA), 10, None).await.unwrap().entries, [first]);
}

#[tokio::test]
async fn items_hold_keys_ids_names_and_their_expiry_only() {
    let (log, client, table) = log().await;
    let targeted = entry(1, "r1", Some(ADA));
    log.record(&targeted).await.unwrap();
    log.record(&entry(2, "r2", None)).await.unwrap();

    let items = client.scan().table_name(&table).send().await.unwrap();
    let mut keys: Vec<(String, String)> = Vec::new();
    for item in items.items() {
        let text = |name: &str| item[name].as_s().unwrap().clone();
        keys.push((text("PK"), text("SK")));
        let attributes: BTreeSet<&str> = item.keys().map(String::as_str).collect();
        let mut expected: BTreeSet<&str> = [
            "PK",
            "SK",
            "at",
            "request_id",
            "actor_sub",
            "actor_groups",
            "action",
            "outcome",
            "fields",
            "expires_at",
        ]
        .into();
        if text("PK").starts_with("TARGET#") {
            expected.insert("target_sub");
        }
        assert_eq!(attributes, expected);
        let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(&text("at")).unwrap();
        assert_eq!(expires, (at + chrono::Duration::days(2190)).timestamp());
        assert_eq!(
            item["fields"],
            AttributeValue::L(vec![
                AttributeValue::S("name".into()),
                AttributeValue::S("blood_group".into())
            ])
        );
    }
    keys.sort();
    assert_eq!(
        keys,
        [
            (
                format!("ACTOR#{ROOT}"),
                "2026-11-22T09:30:02.000Z#r2".into()
            ),
            (
                format!("TARGET#{ADA}"),
                "2026-11-22T09:30:01.000Z#r1".into()
            ),
        ]
    );
}

#[tokio::test]
async fn a_missing_table_is_a_port_error() {
    let sdk = emulator::setup_sdk().await;
    let log = DynamoAccessLog::new(&sdk, "no-such-access-log", 1);
    assert!(log.record(&entry(1, "r1", Some(ADA))).await.is_err());
    assert!(log.list(&id(ADA), 1, None).await.is_err());
}
