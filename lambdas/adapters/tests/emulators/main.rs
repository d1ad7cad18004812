//! The DynamoDB, Cognito and S3 adapters against moto on 127.0.0.1 (every test uses
//! its own table, pool or bucket), and the presigner against an S3 server that checks
//! signatures.

// Tests assert by unwrapping and panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_log;
mod backfill;
mod conflicts;
mod deletion;
mod presign;

use std::collections::BTreeSet;
use std::sync::Arc;

use adapters::aws::Timeouts;
use adapters::dynamo::Shards;
use adapters::{CognitoGroups, DynamoProfiles, S3Pictures};
use chrono::{TimeZone, Utc};
use domain::fields::{BloodGroup, DateOfBirth, Email, PictureKey};
use domain::ports::{Created, PictureStore, PortError, ProfileStore, UpdateError, UserDirectory};
use domain::{Cohort, Profile, ProfileStatus, UserId, UserType};
use test_support::emulator;

/// Few shards, so that listings merge several of them and counters sum several items.
pub fn shards() -> Shards {
    Shards::new(4).unwrap()
}

pub fn profile(n: u32, user_type: UserType) -> Profile {
    let created =
        Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap() + chrono::Duration::seconds(n.into());
    Profile {
        user_id: UserId::parse(&format!("00000000-0000-4000-8000-{n:012}")).unwrap(),
        username: format!("user-{n}"),
        email: Some(Email::parse("someone@example.com").unwrap()),
        name: None,
        phone_number: None,
        dob: Some(DateOfBirth::parse("1991-03-04", created.date_naive()).unwrap()),
        gender: None,
        blood_group: Some(BloodGroup::BNeg),
        user_type,
        status: ProfileStatus::Active,
        picture_key: None,
        created_at: created,
        updated_at: created,
        version: 1,
    }
}

async fn store() -> DynamoProfiles {
    let sdk = emulator::setup_sdk().await;
    let table = emulator::create_profile_table(&sdk).await;
    DynamoProfiles::new(&sdk, table, shards())
}

#[tokio::test]
async fn create_is_conditional_and_counts_once() {
    let store = store().await;
    let p = profile(1, UserType::Patient);

    assert_eq!(store.create(&p).await.unwrap(), Created::Created);
    assert_eq!(store.create(&p).await.unwrap(), Created::AlreadyExists);

    assert_eq!(store.get(&p.user_id).await.unwrap(), Some(p));
    assert_eq!(
        store.count_by_cohort().await.unwrap()[&Cohort::active(UserType::Patient)],
        1
    );
}

#[tokio::test]
async fn updates_are_conditional_on_the_version_and_move_counters() {
    let store = store().await;
    let v1 = profile(2, UserType::Patient);
    store.create(&v1).await.unwrap();
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.user_type = UserType::Doctor;

    store.update(&v1, &v2).await.unwrap();
    let stale = store.update(&v1, &v2).await;

    assert_eq!(stale, Err(UpdateError::Conflict));
    assert_eq!(store.get(&v1.user_id).await.unwrap().unwrap().version, 2);
    let counts = store.count_by_cohort().await.unwrap();
    assert_eq!(
        (
            counts[&Cohort::active(UserType::Patient)],
            counts[&Cohort::active(UserType::Doctor)]
        ),
        (0, 1)
    );
}

#[tokio::test]
async fn a_pending_doctor_is_counted_and_listed_apart_until_approved() {
    let store = store().await;
    let mut pending = profile(4, UserType::Doctor);
    pending.status = ProfileStatus::PendingReview;
    store.create(&pending).await.unwrap();
    store.create(&profile(5, UserType::Doctor)).await.unwrap();

    let counts = store.count_by_cohort().await.unwrap();
    assert_eq!(counts.len(), 6, "every cohort is reported: {counts:?}");
    assert_eq!(
        (
            counts[&Cohort::active(UserType::Doctor)],
            counts[&Cohort::pending(UserType::Doctor)]
        ),
        (1, 1)
    );
    let listed = |page: domain::ports::Page| -> Vec<String> {
        page.profiles.into_iter().map(|p| p.username).collect()
    };
    let doctors = store
        .list(Cohort::active(UserType::Doctor), 10, None)
        .await
        .unwrap();
    assert_eq!(listed(doctors), ["user-5"]);

    let mut approved = pending.clone();
    approved.status = ProfileStatus::Active;
    approved.version = 2;
    store.update(&pending, &approved).await.unwrap();

    let counts = store.count_by_cohort().await.unwrap();
    assert_eq!(
        (
            counts[&Cohort::active(UserType::Doctor)],
            counts[&Cohort::pending(UserType::Doctor)]
        ),
        (2, 0)
    );
    let waiting = store
        .list(Cohort::pending(UserType::Doctor), 10, None)
        .await
        .unwrap();
    assert_eq!(listed(waiting), Vec::<String>::new());
    let doctors = store
        .list(Cohort::active(UserType::Doctor), 10, None)
        .await
        .unwrap();
    assert_eq!(listed(doctors), ["user-4", "user-5"]);
}

#[tokio::test]
async fn of_parallel_writers_on_one_version_exactly_one_wins() {
    let store = Arc::new(store().await);
    let v1 = profile(3, UserType::Patient);
    store.create(&v1).await.unwrap();

    let writers: Vec<_> = (0..12)
        .map(|i| {
            let (store, v1) = (store.clone(), v1.clone());
            tokio::spawn(async move {
                let mut next = v1.clone();
                next.version = 2;
                next.username = format!("writer-{i}");
                store.update(&v1, &next).await.map(|()| next.username)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for w in writers {
        match w.await.unwrap() {
            Ok(name) => winners.push(name),
            Err(e) => assert_eq!(e, UpdateError::Conflict),
        }
    }

    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(
        store.get(&v1.user_id).await.unwrap().unwrap().username,
        winners[0]
    );
    // The type did not change: the counters did not either.
    assert_eq!(
        store.count_by_cohort().await.unwrap()[&Cohort::active(UserType::Patient)],
        1
    );
}

#[tokio::test]
async fn listing_pages_through_one_cohort_in_creation_order_across_shards() {
    let store = store().await;
    let patients: Vec<u32> = (10..40).filter(|n| n % 2 == 0).collect();
    let used: std::collections::BTreeSet<u32> = patients
        .iter()
        .map(|n| shards().of(&profile(*n, UserType::Patient).user_id))
        .collect();
    assert!(used.len() > 1, "the patients fall on several shards");
    for n in 10..40 {
        store
            .create(&profile(
                n,
                if n % 2 == 0 {
                    UserType::Patient
                } else {
                    UserType::Doctor
                },
            ))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list(Cohort::active(UserType::Patient), 4, after.as_ref())
            .await
            .unwrap();
        assert!(page.profiles.len() <= 4);
        seen.extend(page.profiles.iter().map(|p| p.username.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = patients.iter().map(|n| format!("user-{n}")).collect();
    assert_eq!(seen, expected);
}

/// A listing reads each shard a little at a time: a cohort that sits on one shard (the
/// rest empty) is read from it in several rounds, and still pages in order.
#[tokio::test]
async fn listing_a_cohort_on_one_shard_reads_it_in_rounds_and_pages_in_order() {
    let store = store().await;
    let on_one: Vec<u32> = (100..400)
        .filter(|n| shards().of(&profile(*n, UserType::Patient).user_id) == 2)
        .take(13)
        .collect();
    for n in &on_one {
        store.create(&profile(*n, UserType::Patient)).await.unwrap();
    }
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list(Cohort::active(UserType::Patient), 6, after.as_ref())
            .await
            .unwrap();
        pages.push(
            page.profiles
                .iter()
                .map(|p| p.username.clone())
                .collect::<Vec<_>>(),
        );
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = on_one.iter().map(|n| format!("user-{n}")).collect();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [6, 6, 1]);
    assert_eq!(pages.concat(), expected);
}

#[tokio::test]
async fn a_stored_profile_that_no_longer_parses_is_named_and_skipped_not_a_failure() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let sdk = emulator::setup_sdk().await;
    let table = emulator::create_profile_table(&sdk).await;
    let store = DynamoProfiles::new(&sdk, &table, shards());
    for n in 20..23 {
        store.create(&profile(n, UserType::Patient)).await.unwrap();
    }
    // Stored under older rules: a name with a character today's rules refuse.
    let broken = profile(21, UserType::Patient).user_id;
    aws_sdk_dynamodb::Client::new(&sdk)
        .update_item()
        .table_name(&table)
        .key("PK", AttributeValue::S(format!("USER#{broken}")))
        .key("SK", AttributeValue::S("PROFILE".into()))
        .update_expression("SET #n = :n")
        .expression_attribute_names("#n", "name")
        .expression_attribute_values(":n", AttributeValue::S("Ada\u{2066}".into()))
        .send()
        .await
        .unwrap();

    assert_eq!(store.get(&broken).await, Err(PortError::Unreadable("name")));

    let page = store
        .list(Cohort::active(UserType::Patient), 10, None)
        .await
        .unwrap();
    let names: Vec<_> = page.profiles.iter().map(|p| p.username.as_str()).collect();
    assert_eq!(names, ["user-20", "user-22"]);
    assert_eq!(page.unreadable, std::slice::from_ref(&broken));

    // One at a time, the cursor moves past the unreadable one too.
    let (mut seen, mut unreadable, mut after) = (Vec::new(), Vec::new(), None);
    loop {
        let page = store
            .list(Cohort::active(UserType::Patient), 1, after.as_ref())
            .await
            .unwrap();
        seen.extend(page.profiles.iter().map(|p| p.username.clone()));
        unreadable.extend(page.unreadable);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        (seen, unreadable),
        (
            vec!["user-20".to_string(), "user-22".to_string()],
            vec![broken]
        )
    );
}

#[tokio::test]
async fn an_unreachable_table_is_an_unavailable_error() {
    let (_silent, endpoint) = emulator::silent_endpoint();
    let sdk = emulator::sdk_config(&endpoint, Timeouts::COGNITO_TRIGGER).await;
    let store = DynamoProfiles::new(&sdk, "nowhere", shards());
    let err = store
        .get(&profile(1, UserType::Patient).user_id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, domain::ports::PortError::Unavailable(..)),
        "{err:?}"
    );
}

#[tokio::test]
async fn group_membership_is_idempotent() {
    let sdk = emulator::setup_sdk().await;
    let pool = emulator::create_user_pool(&sdk, &["Patient", "Doctor", "Admin"]).await;
    emulator::create_user(&sdk, &pool, "someone").await;
    let groups = CognitoGroups::new(&sdk);

    groups
        .add_to_group(&pool, "someone", UserType::Doctor)
        .await
        .unwrap();
    groups
        .add_to_group(&pool, "someone", UserType::Doctor)
        .await
        .unwrap();
    groups
        .add_to_group(&pool, "someone", UserType::Patient)
        .await
        .unwrap();
    groups
        .remove_from_group(&pool, "someone", UserType::Patient)
        .await
        .unwrap();

    assert_eq!(
        emulator::groups_of(&sdk, &pool, "someone").await,
        ["Doctor"]
    );
    let missing = groups.add_to_group(&pool, "nobody", UserType::Doctor).await;
    assert!(missing.is_err());
}

#[tokio::test]
async fn uploads_are_described_and_expire_unless_claimed() {
    let sdk = emulator::setup_sdk().await;
    let bucket = emulator::create_bucket(&sdk).await;
    let pictures = S3Pictures::new(&sdk, &bucket, true);
    let owner = UserId::parse("00000000-0000-4000-8000-000000000001").unwrap();
    let key = PictureKey::mint(
        &owner,
        domain::fields::ImageType::Png,
        "11111111-2222-4333-8444-555555555555",
    )
    .unwrap();

    assert_eq!(pictures.describe(&key).await.unwrap(), None);

    let upload = pictures
        .presign_upload(&key, 4, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let headers: Vec<(&str, &str)> = upload
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let names: BTreeSet<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "content-length".to_owned(),
            "content-type".to_owned(),
            "x-amz-tagging".to_owned()
        ])
    );
    let (status, body) = test_support::http::send("PUT", &upload.url, &headers, b"\x89PNG").await;
    assert_eq!(status, 200, "{body}");

    let stored = pictures.describe(&key).await.unwrap().unwrap();
    assert_eq!(
        (stored.content_type.as_deref(), stored.size),
        (Some("image/png"), 4)
    );

    // The bucket's lifecycle rule expires `picture=unattached`: an upload starts so, a
    // claimed picture does not, a released one does again.
    let tag = || async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        let tags = s3
            .get_object_tagging()
            .bucket(&bucket)
            .key(key.as_str())
            .send()
            .await
            .unwrap();
        tags.tag_set()
            .iter()
            .map(|t| format!("{}={}", t.key(), t.value()))
            .collect::<Vec<_>>()
    };
    assert_eq!(tag().await, ["picture=unattached"]);
    pictures.claim(&key).await.unwrap();
    assert_eq!(tag().await, ["picture=attached"]);
    pictures.release(&key).await.unwrap();
    assert_eq!(tag().await, ["picture=unattached"]);
}
