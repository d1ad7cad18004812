use std::collections::BTreeSet;

use domain::{Cohort, ProfileStatus, UserType};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_partial_update_changes_only_what_it_names() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));

    let reply = Call::new("PUT", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .json(json!({"name": "Ada L.", "blood_group": "B-", "phone_number": null}))
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    assert_eq!(
        (
            reply.body["name"].as_str(),
            reply.body["blood_group"].as_str()
        ),
        (Some("Ada L."), Some("B-"))
    );
    assert!(reply.body["phone_number"].is_null());
    assert_eq!(
        reply.body["dob"], "1980-06-15",
        "untouched fields keep their value"
    );
    let stored = deps.profiles.stored(&id(ADA)).unwrap();
    assert_eq!((stored.version, stored.updated_at), (2, now()));
}

#[tokio::test]
async fn bad_fields_are_400_naming_them_and_change_nothing() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let before = deps.profiles.stored(&id(ADA)).unwrap();

    for (body, named) in [
        (json!({"email": "new@example.com"}), "email"),
        (json!({"user_id": BO}), "user_id"),
        (
            json!({"version": 7, "created_at": "2020-01-01T00:00:00Z"}),
            "created_at",
        ),
        (json!({"isAdmin": true}), "isAdmin"),
        (json!({"dob": "2027-01-01"}), "dob"),
        (json!({"dob": "2024-02-30"}), "dob"),
        (json!({"name": 42}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"phone_number": "555-0100"}), "phone_number"),
        (json!({"gender": "FEMALE"}), "gender"),
        (json!({"blood_group": "AB"}), "blood_group"),
        (json!({"picture_key": "../../etc/passwd"}), "picture_key"),
        (json!({}), "at least one"),
    ] {
        let reply = Call::new("PUT", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .json(body.clone())
            .send(&deps)
            .await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (400, "invalid_fields"),
            "{body}"
        );
        assert!(
            reply.error_message().contains(named),
            "{body}: {}",
            reply.error_message()
        );
    }
    assert_eq!(deps.profiles.stored(&id(ADA)).unwrap(), before);
    assert_eq!(deps.profiles.write_count(), 0);
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let put = |etag: &str, name: &str| {
        Call::new("PUT", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .header("If-Match", etag)
            .json(json!({"name": name}))
    };

    let first = put("\"1\"", "First").send(&deps).await;
    let stale = put("\"1\"", "Second").send(&deps).await;
    let malformed = put("yesterday", "Third").send(&deps).await;

    assert_eq!(first.status, 200);
    assert_eq!(
        (stale.status, stale.error_code()),
        (412, "precondition_failed")
    );
    assert_eq!(
        (malformed.status, malformed.error_code()),
        (400, "invalid_if_match")
    );
    assert_eq!(
        deps.profiles
            .stored(&id(ADA))
            .unwrap()
            .name
            .unwrap()
            .as_str(),
        "First"
    );
}

#[tokio::test]
async fn parallel_writers_on_one_version_have_exactly_one_winner() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));

    let writers = (0..16).map(|i| {
        let deps = deps.clone();
        tokio::spawn(async move {
            Call::new("PUT", "/users/{id}")
                .id("me")
                .by(ADA, &["Patient"])
                .header("If-Match", "\"1\"")
                .json(json!({ "name": format!("Writer {i}") }))
                .send(&deps)
                .await
                .status
        })
    });
    let mut statuses = Vec::new();
    for w in writers {
        statuses.push(w.await.unwrap());
    }

    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(deps.profiles.stored(&id(ADA)).unwrap().version, 2);
}

#[tokio::test]
async fn an_admin_approves_a_pending_doctor_and_the_group_follows() {
    let deps = deps();
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::PendingReview));

    let reply = Call::new("PUT", "/users/{id}")
        .id(BO)
        .by(ROOT, &["Admin"])
        .json(json!({"user_type": "Doctor"}))
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        (
            reply.body["user_type"].as_str(),
            reply.body["status"].as_str()
        ),
        (Some("Doctor"), Some("active"))
    );
    assert_eq!(
        deps.groups.groups_of(&format!("{BO}-username")),
        BTreeSet::from([UserType::Doctor])
    );
    let counters = deps.profiles.counters();
    assert_eq!(
        (
            counters[&Cohort::active(UserType::Doctor)],
            counters[&Cohort::pending(UserType::Doctor)]
        ),
        (1, 0),
        "approval moves the count from pending to Doctor"
    );
}

#[tokio::test]
async fn an_admin_moves_a_patient_to_doctor_and_counters_follow() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let username = format!("{ADA}-username");
    use domain::ports::UserDirectory;
    deps.groups
        .add_to_group(POOL, &username, UserType::Patient)
        .await
        .unwrap();

    let reply = Call::new("PUT", "/users/{id}")
        .id(ADA)
        .by(ROOT, &["Admin"])
        .json(json!({"user_type": "Doctor"}))
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200);
    assert_eq!(
        deps.groups.groups_of(&username),
        BTreeSet::from([UserType::Doctor])
    );
    let counters = deps.profiles.counters();
    assert_eq!(
        (
            counters[&Cohort::active(UserType::Patient)],
            counters[&Cohort::active(UserType::Doctor)]
        ),
        (0, 1)
    );
}

#[tokio::test]
async fn groups_follow_the_stored_profile_and_a_retry_repairs_a_failed_alignment() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Admin, ProfileStatus::Active));
    let username = format!("{ADA}-username");
    use domain::ports::UserDirectory;
    deps.groups
        .add_to_group(POOL, &username, UserType::Admin)
        .await
        .unwrap();
    let demote = || {
        Call::new("PUT", "/users/{id}")
            .id(ADA)
            .by(ROOT, &["Admin"])
            .json(json!({"user_type": "Patient"}))
    };

    // Cognito fails after the profile was written: 503, and the profile says Patient.
    deps.groups.set_down(true);
    let failed = demote().send(&deps).await;
    deps.groups.set_down(false);
    assert_eq!(failed.status, 503);
    assert_eq!(
        deps.profiles.stored(&id(ADA)).unwrap().user_type,
        UserType::Patient,
        "the profile, the source of truth, was written first"
    );

    // The client's retry aligns membership with what is stored.
    let retried = demote().send(&deps).await;
    assert_eq!(retried.status, 200);
    assert_eq!(
        deps.groups.groups_of(&username),
        BTreeSet::from([UserType::Patient])
    );
}

#[tokio::test]
async fn only_admins_change_user_types_even_of_themselves() {
    let deps = deps();
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::Active));
    let reply = Call::new("PUT", "/users/{id}")
        .id("me")
        .by(BO, &["Doctor"])
        .json(json!({"user_type": "Admin"}))
        .send(&deps)
        .await;
    assert_eq!((reply.status, reply.error_code()), (403, "forbidden"));
    assert!(deps.groups.groups_of(&format!("{BO}-username")).is_empty());
}

#[tokio::test]
async fn nobody_updates_someone_elses_profile_but_an_admin() {
    let deps = deps();
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::Active));
    for groups in [&["Patient"][..], &["Doctor"][..], &[][..]] {
        let reply = Call::new("PUT", "/users/{id}")
            .id(BO)
            .by(ADA, groups)
            .json(json!({"name": "Mallory"}))
            .send(&deps)
            .await;
        assert_eq!(reply.status, 403, "{groups:?}");
    }
    let admin = Call::new("PUT", "/users/{id}")
        .id(BO)
        .by(ROOT, &["Admin"])
        .json(json!({"name": "Dr Bo"}))
        .send(&deps)
        .await;
    assert_eq!(admin.status, 200);
    assert_eq!(
        deps.profiles
            .stored(&id(BO))
            .unwrap()
            .name
            .unwrap()
            .as_str(),
        "Dr Bo"
    );
}
