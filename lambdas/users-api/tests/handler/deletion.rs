//! DELETE /users/{id}: every step, who may, what a retry after a failure at each step
//! does, and what an old token gets afterwards.

use domain::ports::{ProfileStore, Stored};
use domain::{Cohort, ProfileStatus, UserType};
use serde_json::json;

use crate::support::*;

const ADA_PICTURE: &str = "profile-pictures/5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13/11111111-2222-4333-8444-555555555555.png";
const ADA_OLD_PICTURE: &str = "profile-pictures/5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13/66666666-7777-4888-8999-000000000000.jpg";
const BO_PICTURE: &str = "profile-pictures/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/11111111-2222-4333-8444-555555555555.png";

/// Ada (a Patient with two pictures) and Bo (a Doctor with one).
fn two_accounts() -> std::sync::Arc<TestDeps> {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::Active));
    for key in [ADA_PICTURE, ADA_OLD_PICTURE, BO_PICTURE] {
        deps.pictures.put(key, "image/png", 100);
    }
    deps
}

async fn delete(deps: &TestDeps, target: &str, sub: &str, groups: &[&str]) -> u16 {
    Call::new("DELETE", "/users/{id}")
        .id(target)
        .by(sub, groups)
        .send(deps)
        .await
        .status
}

/// Everything of Ada is gone; Bo is untouched.
async fn assert_only_ada_is_gone(deps: &TestDeps) {
    assert_eq!(
        deps.profiles.find(&id(ADA)).await.unwrap(),
        Some(Stored::Deleted)
    );
    assert!(
        deps.pictures
            .keys_under(&format!("profile-pictures/{ADA}/"))
            .is_empty()
    );
    assert!(deps.groups.was_deleted(&format!("{ADA}-username")));
    assert!(deps.profiles.stored(&id(BO)).is_some());
    assert_eq!(
        deps.pictures.keys_under(&format!("profile-pictures/{BO}/")),
        [BO_PICTURE]
    );
    assert!(!deps.groups.was_deleted(&format!("{BO}-username")));
    let counters = deps.profiles.counters();
    assert_eq!(
        (
            counters[&Cohort::active(UserType::Patient)],
            counters[&Cohort::active(UserType::Doctor)]
        ),
        (0, 1),
        "the deleted profile left the counters"
    );
}

#[tokio::test]
async fn a_person_deletes_their_account_and_everything_of_it_goes() {
    let deps = two_accounts();

    assert_eq!(delete(&deps, "me", ADA, &["Patient"]).await, 204);

    assert_only_ada_is_gone(&deps).await;
}

#[tokio::test]
async fn an_admin_deletes_anyone_and_a_second_delete_is_204() {
    let deps = two_accounts();

    assert_eq!(delete(&deps, ADA, ROOT, &["Admin"]).await, 204);
    assert_eq!(delete(&deps, ADA, ROOT, &["Admin"]).await, 204);
    assert_eq!(delete(&deps, "me", ADA, &["Patient"]).await, 204);

    assert_only_ada_is_gone(&deps).await;
    assert_eq!(
        delete(&deps, CY, ROOT, &["Admin"]).await,
        404,
        "no such account"
    );
}

#[tokio::test]
async fn nobody_else_deletes_an_account_and_nothing_changes() {
    let deps = two_accounts();
    for groups in [&["Patient"][..], &["Doctor"][..], &[][..]] {
        assert_eq!(delete(&deps, ADA, BO, groups).await, 403, "{groups:?}");
    }
    for bad in ["ME", "not-a-uuid", "5F3C0E2A-9B1D-4C7E-8A6F-2D4B6C8E0A13"] {
        assert_eq!(delete(&deps, bad, ADA, &["Patient"]).await, 400, "{bad}");
    }

    assert_eq!(deps.profiles.write_count(), 0);
    assert_eq!(deps.pictures.keys_under("profile-pictures/").len(), 3);
    assert!(!deps.groups.was_deleted(&format!("{ADA}-username")));
}

#[tokio::test]
async fn a_token_issued_before_the_deletion_reads_and_writes_nothing() {
    let deps = two_accounts();
    assert_eq!(delete(&deps, "me", ADA, &["Patient"]).await, 204);

    let read = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;
    let write = Call::new("PUT", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .json(json!({"name": "Back Again"}))
        .send(&deps)
        .await;
    let upload = Call::new("POST", "/users/{id}/picture-upload-url")
        .id("me")
        .by(ADA, &["Patient"])
        .json(json!({"content_type": "image/png", "content_length": 100}))
        .send(&deps)
        .await;
    let admin_read = Call::new("GET", "/users/{id}")
        .id(ADA)
        .by(ROOT, &["Admin"])
        .send(&deps)
        .await;

    for reply in [&read, &write, &upload, &admin_read] {
        assert_eq!(reply.status, 410, "{}", reply.body);
        assert_eq!(reply.body["error"]["code"], "account_deleted");
    }
    assert_eq!(
        deps.profiles.find(&id(ADA)).await.unwrap(),
        Some(Stored::Deleted),
        "the read did not recreate the profile from the token"
    );
}

/// A failure at each step answers 503, leaves nothing that reads as alive, and the same
/// request again completes the job.
#[tokio::test]
async fn a_failure_at_any_step_is_a_503_and_a_retry_completes() {
    for step in ["mark", "pictures", "cognito"] {
        let deps = two_accounts();
        match step {
            "mark" => deps.profiles.set_down(true),
            "pictures" => deps.pictures.set_down(true),
            _ => deps.groups.set_down(true),
        }

        let failed = Call::new("DELETE", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .send(&deps)
            .await;
        assert_eq!(failed.status, 503, "{step}: {}", failed.body);
        assert!(failed.header("Retry-After").is_some(), "{step}");
        deps.profiles.set_down(false);
        let read = Call::new("GET", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .send(&deps)
            .await;
        let expected = if step == "mark" { 200 } else { 410 };
        assert_eq!(read.status, expected, "{step}: after the failure");

        deps.pictures.set_down(false);
        deps.groups.set_down(false);
        assert_eq!(delete(&deps, "me", ADA, &["Patient"]).await, 204, "{step}");
        assert_only_ada_is_gone(&deps).await;
    }
}

#[tokio::test]
async fn a_person_without_a_stored_profile_is_deleted_too() {
    let deps = deps();
    deps.pictures.put(ADA_PICTURE, "image/png", 100);

    assert_eq!(delete(&deps, "me", ADA, &["Patient"]).await, 204);

    assert!(deps.groups.was_deleted(&format!("{ADA}-username")));
    assert!(deps.pictures.keys_under("profile-pictures/").is_empty());
    assert_eq!(
        deps.profiles.find(&id(ADA)).await.unwrap(),
        Some(Stored::Deleted),
        "a tombstone keeps the old token from creating a profile"
    );
}

#[tokio::test]
async fn a_deletion_and_a_refused_one_are_in_the_access_log_which_outlives_the_account() {
    use domain::access_log::{AccessAction, AccessOutcome};
    let deps = two_accounts();

    assert_eq!(delete(&deps, ADA, BO, &["Patient"]).await, 403);
    assert_eq!(delete(&deps, "me", ADA, &["Patient"]).await, 204);

    let deletions: Vec<(String, AccessOutcome)> = deps
        .access_log
        .entries()
        .into_iter()
        .filter(|e| e.action == AccessAction::Delete)
        .map(|e| (e.actor.to_string(), e.outcome))
        .collect();
    assert_eq!(
        deletions,
        [
            (BO.to_string(), AccessOutcome::Denied),
            (ADA.to_string(), AccessOutcome::Allowed)
        ]
    );
    let log = Call::new("GET", "/users/{id}/access-log")
        .id(ADA)
        .by(ROOT, &["Admin"])
        .send(&deps)
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(log.body["items"][0]["action"], "delete", "{}", log.body);
}
