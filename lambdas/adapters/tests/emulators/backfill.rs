//! The backfill against moto, on data written under the layout before sharding.

use std::collections::HashMap;

use adapters::DynamoProfiles;
use adapters::backfill::{Backfill, Tally};
use adapters::dynamo::timestamp;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::ports::{PortError, ProfileStore, UpdateError};
use domain::{Cohort, Profile, ProfileStatus, UserType};
use test_support::emulator;

use super::{profile, shards};

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A profile item as the layout before sharding stored it: no listing keys.
fn old_layout_item(p: &Profile) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("PK".to_owned(), s(format!("USER#{}", p.user_id))),
        ("SK".to_owned(), s("PROFILE")),
        ("user_id".to_owned(), s(p.user_id.to_string())),
        ("username".to_owned(), s(p.username.clone())),
        ("email".to_owned(), s("someone@example.com")),
        ("user_type".to_owned(), s(p.user_type.as_str())),
        ("status".to_owned(), s(p.status.as_str())),
        ("created_at".to_owned(), s(timestamp(p.created_at))),
        ("updated_at".to_owned(), s(timestamp(p.updated_at))),
        (
            "version".to_owned(),
            AttributeValue::N(p.version.to_string()),
        ),
    ])
}

struct OldTable {
    client: aws_sdk_dynamodb::Client,
    table: String,
    store: DynamoProfiles,
    backfill: Backfill,
}

impl OldTable {
    async fn new() -> OldTable {
        let sdk = emulator::setup_sdk().await;
        let table = emulator::create_profile_table(&sdk).await;
        OldTable {
            client: aws_sdk_dynamodb::Client::new(&sdk),
            store: DynamoProfiles::new(&sdk, &table, shards()),
            backfill: Backfill::new(&sdk, &table, shards()),
            table,
        }
    }

    /// Writes profiles and the per-type counters exactly as the old code did.
    async fn write_old(&self, profiles: &[Profile]) {
        for p in profiles {
            self.put(old_layout_item(p)).await;
        }
        for user_type in UserType::ALL {
            let count = profiles.iter().filter(|p| p.user_type == user_type).count();
            if count > 0 {
                self.put(HashMap::from([
                    ("PK".to_owned(), s("METRICS")),
                    ("SK".to_owned(), s(format!("USER_TYPE#{user_type}"))),
                    ("count".to_owned(), AttributeValue::N(count.to_string())),
                ]))
                .await;
            }
        }
    }

    async fn put(&self, item: HashMap<String, AttributeValue>) {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }

    async fn old_counter_items(&self) -> i32 {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s("METRICS"))
            .send()
            .await
            .unwrap()
            .count()
    }

    /// Runs the backfill to the end, `page_size` items at a time, as the binary does.
    async fn run(&self, page_size: i32) -> Tally {
        let (mut total, mut position) = (Tally::default(), None);
        loop {
            let (page, next) = self
                .backfill
                .migrate_page(position.as_ref(), page_size)
                .await
                .unwrap();
            total.add(page);
            position = next;
            if position.is_none() {
                return total;
            }
        }
    }

    async fn listed(&self, cohort: Cohort) -> Vec<String> {
        let (mut seen, mut after) = (Vec::new(), None);
        loop {
            let page = self.store.list(cohort, 2, after.as_ref()).await.unwrap();
            seen.extend(page.profiles.into_iter().map(|p| p.username));
            match page.next {
                Some(next) => after = Some(next),
                None => return seen,
            }
        }
    }
}

fn old_data() -> Vec<Profile> {
    let mut profiles: Vec<Profile> = (60..65).map(|n| profile(n, UserType::Patient)).collect();
    profiles.push(profile(65, UserType::Doctor));
    let mut pending = profile(66, UserType::Doctor);
    pending.status = ProfileStatus::PendingReview;
    profiles.push(pending);
    profiles
}

#[tokio::test]
async fn a_stopped_backfill_resumes_and_a_rerun_changes_nothing() {
    let old = OldTable::new().await;
    let profiles = old_data();
    old.write_old(&profiles).await;
    assert_eq!(
        old.store
            .count_by_cohort()
            .await
            .unwrap()
            .values()
            .sum::<u64>(),
        0,
        "old-layout profiles are not in the new counters yet"
    );

    // One page, then the run stops; a new run resumes where the page ended.
    let (first, position) = old.backfill.migrate_page(None, 3).await.unwrap();
    assert!(position.is_some(), "more than one page");
    let mut total = first;
    let mut position = position;
    while let Some(p) = position {
        let (page, next) = old.backfill.migrate_page(Some(&p), 3).await.unwrap();
        total.add(page);
        position = next;
    }
    assert_eq!((total.found, total.migrated), (7, 7));
    assert_eq!(old.backfill.retire_legacy_counters().await, Ok(2));
    assert_eq!(old.old_counter_items().await, 0);

    let counts = old.store.count_by_cohort().await.unwrap();
    assert_eq!(counts[&Cohort::active(UserType::Patient)], 5);
    assert_eq!(counts[&Cohort::active(UserType::Doctor)], 1);
    assert_eq!(counts[&Cohort::pending(UserType::Doctor)], 1);
    assert_eq!(
        old.listed(Cohort::active(UserType::Patient)).await,
        ["user-60", "user-61", "user-62", "user-63", "user-64"]
    );
    assert_eq!(
        old.listed(Cohort::pending(UserType::Doctor)).await,
        ["user-66"]
    );

    let again = old.run(100).await;
    assert_eq!((again.found, again.migrated), (0, 0));
    assert_eq!(old.store.count_by_cohort().await.unwrap(), counts);
}

#[tokio::test]
async fn a_write_to_an_unmigrated_profile_migrates_it_and_counts_it_once() {
    let old = OldTable::new().await;
    let profiles = old_data();
    old.write_old(&profiles).await;
    let v1 = profiles[0].clone();

    let mut stale = v1.clone();
    stale.version = 7;
    let mut wrong = v1.clone();
    wrong.version = 8;
    assert_eq!(
        old.store.update(&stale, &wrong).await,
        Err(UpdateError::Conflict),
        "a stale version is a conflict, migrated or not"
    );

    let mut v2 = v1.clone();
    v2.version = 2;
    v2.user_type = UserType::Doctor;
    old.store.update(&v1, &v2).await.unwrap();
    let counts = old.store.count_by_cohort().await.unwrap();
    assert_eq!(counts[&Cohort::active(UserType::Doctor)], 1);
    assert_eq!(counts.values().sum::<u64>(), 1);

    // The backfill then counts the other six, and not this one again.
    let total = old.run(100).await;
    assert_eq!((total.found, total.migrated), (6, 6));
    let counts = old.store.count_by_cohort().await.unwrap();
    assert_eq!(counts.values().sum::<u64>(), 7);
    assert_eq!(counts[&Cohort::active(UserType::Doctor)], 2);
}

#[tokio::test]
async fn an_unmigratable_profile_is_named_and_keeps_the_old_counters() {
    let old = OldTable::new().await;
    let mut profiles = old_data();
    old.write_old(&profiles).await;
    let mut broken = old_layout_item(&profile(67, UserType::Patient));
    broken.insert("user_type".to_owned(), s("Root"));
    old.put(broken).await;
    profiles.push(profile(67, UserType::Patient));

    let total = old.run(100).await;
    assert_eq!(total.migrated, 7);
    assert_eq!(total.unmigratable, [profiles[7].user_id.clone()]);
    assert!(matches!(
        old.backfill.retire_legacy_counters().await,
        Err(PortError::Failed(..))
    ));
    assert_eq!(old.old_counter_items().await, 2);
}
