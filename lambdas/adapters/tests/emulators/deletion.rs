//! Account deletion's steps against moto: the profile item's states, every picture
//! version, the Cognito user.

use adapters::backfill::Backfill;
use adapters::{CognitoGroups, DynamoProfiles, S3Pictures};
use aws_sdk_s3::primitives::ByteStream;
use domain::ports::{
    Created, PictureStore, PortError, ProfileStore, Stored, UpdateError, UserDirectory,
};
use domain::{Cohort, UserId, UserType};
use test_support::emulator;

use super::{profile, shards};

#[tokio::test]
async fn a_profile_being_deleted_leaves_counts_and_listings_and_never_comes_back() {
    let sdk = emulator::setup_sdk().await;
    let table = emulator::create_profile_table(&sdk).await;
    let store = DynamoProfiles::new(&sdk, &table, shards());
    let ada = profile(80, UserType::Patient);
    let bo = profile(81, UserType::Patient);
    store.create(&ada).await.unwrap();
    store.create(&bo).await.unwrap();

    let mut stale = ada.clone();
    stale.version = 9;
    assert_eq!(
        store.begin_deletion(&stale).await,
        Err(UpdateError::Conflict),
        "a stale version"
    );
    store.begin_deletion(&ada).await.unwrap();

    assert_eq!(
        store.find(&ada.user_id).await.unwrap(),
        Some(Stored::Deleting {
            username: ada.username.clone()
        })
    );
    assert_eq!(store.get(&ada.user_id).await, Err(PortError::Deleted));
    assert_eq!(
        store.count_by_cohort().await.unwrap()[&Cohort::active(UserType::Patient)],
        1
    );
    let listed = store
        .list(Cohort::active(UserType::Patient), 10, None)
        .await
        .unwrap();
    assert_eq!(listed.profiles, std::slice::from_ref(&bo));
    let mut rename = ada.clone();
    rename.version = 2;
    assert_eq!(
        store.update(&ada, &rename).await,
        Err(UpdateError::Conflict),
        "an update cannot revive it"
    );
    assert_eq!(
        Backfill::new(&sdk, &table, shards()).remaining().await,
        Ok(0),
        "the backfill does not take it for an old-layout profile"
    );

    store.finish_deletion(&ada.user_id).await.unwrap();
    store.finish_deletion(&ada.user_id).await.unwrap();
    assert_eq!(
        store.find(&ada.user_id).await.unwrap(),
        Some(Stored::Deleted)
    );
    assert_eq!(store.create(&ada).await.unwrap(), Created::AlreadyExists);
    assert_eq!(
        store.find(&ada.user_id).await.unwrap(),
        Some(Stored::Deleted)
    );
    assert!(
        matches!(
            store.finish_deletion(&bo.user_id).await,
            Err(PortError::Failed(..))
        ),
        "a live profile is never replaced by a tombstone"
    );
    assert_eq!(
        store.find(&bo.user_id).await.unwrap(),
        Some(Stored::Profile(bo))
    );
    assert_eq!(
        store.count_by_cohort().await.unwrap()[&Cohort::active(UserType::Patient)],
        1
    );
}

#[tokio::test]
async fn every_version_and_delete_marker_of_an_owner_goes_in_pages() {
    let sdk = emulator::setup_sdk().await;
    let bucket = emulator::create_bucket(&sdk).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let owner = UserId::parse("00000000-0000-4000-8000-000000000082").unwrap();
    let other = UserId::parse("00000000-0000-4000-8000-000000000083").unwrap();
    let key = |who: &UserId, n: u32| {
        format!("profile-pictures/{who}/00000000-0000-4000-8000-{n:012}.png")
    };
    // 1,500 versions of one picture (replaced over and over), two more pictures, one of
    // them deleted (a delete marker), and another person's picture.
    for _ in 0..1500 {
        put(&s3, &bucket, &key(&owner, 1)).await;
    }
    put(&s3, &bucket, &key(&owner, 2)).await;
    put(&s3, &bucket, &key(&owner, 3)).await;
    s3.delete_object()
        .bucket(&bucket)
        .key(key(&owner, 3))
        .send()
        .await
        .unwrap();
    put(&s3, &bucket, &key(&other, 1)).await;

    let pictures = S3Pictures::new(&sdk, &bucket, true);
    let deleted = pictures.delete_all(&owner).await.unwrap();

    assert_eq!(deleted, 1500 + 2 + 1, "versions and the delete marker");
    let left = s3
        .list_object_versions()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = left
        .versions()
        .iter()
        .filter_map(|v| v.key())
        .chain(left.delete_markers().iter().filter_map(|m| m.key()))
        .collect();
    assert_eq!(keys, [key(&other, 1).as_str()]);
    assert_eq!(
        pictures.delete_all(&owner).await,
        Ok(0),
        "a retry finds nothing"
    );
}

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type("image/png")
        .body(ByteStream::from_static(b"png"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_a_cognito_user_twice_succeeds() {
    let sdk = emulator::setup_sdk().await;
    let pool = emulator::create_user_pool(&sdk, &["Patient"]).await;
    emulator::create_user(&sdk, &pool, "leaving").await;
    let directory = CognitoGroups::new(&sdk);

    directory.delete_user(&pool, "leaving").await.unwrap();
    directory.delete_user(&pool, "leaving").await.unwrap();

    let gone = aws_sdk_cognitoidentityprovider::Client::new(&sdk)
        .admin_get_user()
        .user_pool_id(&pool)
        .username("leaving")
        .send()
        .await
        .unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_user_not_found_exception()),
        "{gone:?}"
    );
}
