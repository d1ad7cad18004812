use domain::fields::PictureKey;
use domain::{Cohort, ProfileStatus, UserType};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn health_answers_without_identity() {
    let deps = deps();
    let reply = Call::new("GET", "/health").anonymous().send(&deps).await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (200, json!({"status": "ok"}))
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn owner_reads_own_profile_with_etag_and_allow_listed_fields() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));

    for id in ["me", ADA] {
        let reply = Call::new("GET", "/users/{id}")
            .id(id)
            .by(ADA, &["Patient"])
            .send(&deps)
            .await;

        assert_eq!(reply.status, 200, "{id}");
        assert_eq!(reply.header("etag"), Some("\"1\""));
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert_eq!(reply.body["user_id"], ADA);
        assert_eq!(reply.body["blood_group"], "A+");
        let mut fields: Vec<_> = reply.body.as_object().unwrap().keys().cloned().collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "blood_group",
                "created_at",
                "dob",
                "email",
                "gender",
                "name",
                "phone_number",
                "picture_key",
                "status",
                "updated_at",
                "user_id",
                "user_type",
                "version"
            ]
        );
    }
}

#[tokio::test]
async fn a_picture_is_returned_as_a_presigned_url() {
    let deps = deps();
    let mut stored = profile(ADA, UserType::Patient, ProfileStatus::Active);
    let key = format!("profile-pictures/{ADA}/11111111-2222-4333-8444-555555555555.png");
    stored.picture_key = Some(PictureKey::parse(&key).unwrap());
    deps.profiles.insert(stored);

    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;

    assert_eq!(reply.body["picture_key"], key.as_str());
    assert!(reply.body["picture_url"].as_str().unwrap().contains(&key));
}

#[tokio::test]
async fn others_are_refused_without_learning_whether_the_profile_exists() {
    let deps = deps();
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::Active));
    for (caller, groups) in [
        (ADA, &["Patient"][..]),
        (ADA, &["Doctor"][..]),
        (ADA, &[][..]),
    ] {
        for target in [BO, CY] {
            let reply = Call::new("GET", "/users/{id}")
                .id(target)
                .by(caller, groups)
                .send(&deps)
                .await;
            assert_eq!(
                (reply.status, reply.error_code()),
                (403, "forbidden"),
                "{groups:?} -> {target}"
            );
            assert!(reply.body.get("user_id").is_none());
        }
    }
}

#[tokio::test]
async fn admins_read_anyone_and_get_404_for_no_one() {
    let deps = deps();
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::Active));

    let found = Call::new("GET", "/users/{id}")
        .id(BO)
        .by(ROOT, &["Admin"])
        .send(&deps)
        .await;
    let missing = Call::new("GET", "/users/{id}")
        .id(CY)
        .by(ROOT, &["Admin"])
        .send(&deps)
        .await;

    assert_eq!(
        (found.status, found.body["user_id"].as_str()),
        (200, Some(BO))
    );
    assert_eq!((missing.status, missing.error_code()), (404, "not_found"));
    assert!(
        deps.profiles.stored(&id(CY)).is_none(),
        "an admin read creates nothing"
    );
}

#[tokio::test]
async fn a_missing_own_profile_is_created_from_the_token() {
    let deps = deps();

    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["email"], "ada.patient@example.com");
    assert_eq!(reply.body["name"], "Ada Patient");
    assert_eq!(
        (
            reply.body["user_type"].as_str(),
            reply.body["status"].as_str()
        ),
        (Some("Patient"), Some("active"))
    );
    assert_eq!(
        deps.profiles.counters()[&Cohort::active(UserType::Patient)],
        1
    );
}

/// What PostConfirmation would have stored for the same attributes.
fn as_confirmation_decides(requested: Option<&str>) -> (String, String) {
    let decision = domain::signup::SelfServicePolicy::parse("Patient")
        .unwrap()
        .decide(requested);
    (
        decision.user_type.to_string(),
        decision.status.as_str().to_string(),
    )
}

fn type_and_status(reply: &Reply) -> (String, String) {
    (
        reply.body["user_type"].as_str().unwrap().to_string(),
        reply.body["status"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_profile_the_confirmation_did_not_write_follows_the_confirmation_rule() {
    // Asking for Admin or Doctor grants nothing: pending, and no group, as at confirmation.
    for requested in ["Admin", "Doctor"] {
        let deps = deps();
        let reply = Call::new("GET", "/users/{id}")
            .id("me")
            .by(ADA, &[])
            .claim("custom:user_type", requested)
            .send(&deps)
            .await;
        assert_eq!(reply.status, 200, "{requested}");
        assert_eq!(
            type_and_status(&reply),
            as_confirmation_decides(Some(requested))
        );
        assert_eq!(reply.body["status"], "pending_review");
        assert!(deps.groups.groups_of(&format!("{ADA}-username")).is_empty());
    }

    // The sign-up attributes the token carries are kept; an invalid one is left out.
    let deps = deps();
    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &[])
        .claim("custom:dob", "1988-07-14")
        .claim("custom:blood_group", "AB-")
        .claim("custom:gender", "not a gender")
        .send(&deps)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(type_and_status(&reply), as_confirmation_decides(None));
    assert_eq!(
        (&reply.body["dob"], &reply.body["blood_group"]),
        (&json!("1988-07-14"), &json!("AB-"))
    );
    assert_eq!(reply.body["gender"], json!(null));
    // Patient is self-service: the group the confirmation failed to add is added now.
    assert_eq!(
        deps.groups.groups_of(&format!("{ADA}-username")),
        std::collections::BTreeSet::from([UserType::Patient])
    );
}

#[tokio::test]
async fn a_confirmation_whose_group_step_failed_is_completed_on_the_next_read() {
    let deps = deps();
    // PostConfirmation stored the profile, then Cognito failed the group add.
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let read = || Call::new("GET", "/users/{id}").id("me").by(ADA, &[]);
    let username = format!("{ADA}-username");

    // Cognito still down: the read answers, and grants nothing yet.
    deps.groups.set_down(true);
    let reply = read().send(&deps).await;
    deps.groups.set_down(false);
    assert_eq!(reply.status, 200);
    assert!(deps.groups.groups_of(&username).is_empty());

    // The next read completes it, and changes nothing else.
    let before = deps.profiles.stored(&id(ADA));
    let reply = read().send(&deps).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        deps.groups.groups_of(&username),
        std::collections::BTreeSet::from([UserType::Patient])
    );
    assert_eq!(deps.profiles.stored(&id(ADA)), before);

    // A pending profile grants nothing, whatever the token holds.
    let deps2 = super::support::deps();
    deps2
        .profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::PendingReview));
    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .by(BO, &[])
        .send(&deps2)
        .await;
    assert_eq!(reply.status, 200);
    assert!(deps2.groups.groups_of(&format!("{BO}-username")).is_empty());
}

#[tokio::test]
async fn a_grant_from_a_read_that_a_demotion_overtook_does_not_outlive_it() {
    let deps = deps();
    let username = format!("{ADA}-username");
    // An approved Doctor whose group step never completed reads their profile...
    deps.profiles
        .insert(profile(ADA, UserType::Doctor, ProfileStatus::Active));
    // ...while an Admin's demotion lands between that read and the grant: the PUT writes
    // Patient and aligns membership to it.
    let elsewhere = deps.clone();
    let demoted_username = username.clone();
    deps.groups.before_next_add(move || {
        let mut demoted = profile(ADA, UserType::Patient, ProfileStatus::Active);
        demoted.version = 2;
        elsewhere.profiles.insert(demoted);
        elsewhere
            .groups
            .set_groups(POOL, &demoted_username, &[UserType::Patient]);
    });

    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &[])
        .send(&deps)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        deps.groups.groups_of(&username),
        std::collections::BTreeSet::from([UserType::Patient]),
        "the Doctor grant from the older read must not survive the demotion"
    );
}

#[tokio::test]
async fn an_operators_group_decides_a_first_profile_and_is_never_taken_away() {
    let deps = deps();
    use domain::ports::UserDirectory;
    let username = format!("{ROOT}-username");
    deps.groups
        .add_to_group(POOL, &username, UserType::Admin)
        .await
        .unwrap();
    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ROOT, &["Admin"])
        .claim("custom:user_type", "Patient")
        .send(&deps)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        type_and_status(&reply),
        ("Admin".to_string(), "active".to_string())
    );
    assert_eq!(
        deps.groups.groups_of(&username),
        std::collections::BTreeSet::from([UserType::Admin])
    );
}

#[tokio::test]
async fn malformed_ids_are_400_and_unknown_routes_404_or_405() {
    let deps = deps();
    for bad in [
        &ADA.to_uppercase()[..],
        "..",
        "me%2F..",
        "ME",
        "%2e%2e%2fadmin",
        "5f3c0e2a9b1d4c7e8a6f2d4b6c8e0a13",
    ] {
        let reply = Call::new("GET", "/users/{id}")
            .id(bad)
            .by(ADA, &["Admin"])
            .send(&deps)
            .await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (400, "invalid_user_id"),
            "{bad}"
        );
    }
    let unknown = Call::new("GET", "/users/{id}/secrets")
        .id(ADA)
        .by(ADA, &[])
        .send(&deps)
        .await;
    assert_eq!(unknown.status, 404);
    let wrong_method = Call::new("PATCH", "/users/{id}")
        .id(ADA)
        .by(ADA, &[])
        .send(&deps)
        .await;
    assert_eq!(wrong_method.status, 405);
}

#[tokio::test]
async fn requests_without_claims_are_401() {
    let deps = deps();
    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .anonymous()
        .send(&deps)
        .await;
    assert_eq!((reply.status, reply.error_code()), (401, "unauthenticated"));
}

#[tokio::test]
async fn identity_comes_from_claims_only() {
    let deps = deps();
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::Active));
    let reply = Call::new("GET", "/users/{id}")
        .id(BO)
        .by(ADA, &["Patient"])
        .header("X-Cognito-Groups", "Admin")
        .header("X-Amz-Sub", BO)
        .query(&[("sub", BO)])
        .send(&deps)
        .await;
    assert_eq!(reply.status, 403);
}

#[tokio::test]
async fn store_outages_are_503_with_a_retry_hint() {
    let deps = deps();
    deps.profiles.set_down(true);
    let reply = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (503, "service_unavailable")
    );
    assert_eq!(reply.header("retry-after"), Some("2"));
}

#[tokio::test]
async fn cors_echoes_only_a_listed_origin_and_varies_on_it() {
    let deps = deps();
    let preflight = |origin: Option<&str>| {
        let call = Call::new("OPTIONS", "/users/{id}").id("me").anonymous();
        match origin {
            Some(origin) => call.header("origin", origin),
            None => call,
        }
    };
    // Each listed origin gets itself back, not the first of the list.
    for origin in ["https://app.example.com", "https://admin.example.com"] {
        let reply = preflight(Some(origin)).send(&deps).await;
        assert_eq!(reply.status, 204);
        assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
        assert_eq!(reply.header("vary"), Some("Origin"));
        assert!(
            reply
                .header("access-control-allow-headers")
                .unwrap()
                .contains("If-Match")
        );
    }
    // An unlisted origin, a near miss, or none: no grant, but still Vary.
    for origin in [
        Some("https://evil.example.com"),
        Some("https://app.example.com.evil.net"),
        None,
    ] {
        let reply = preflight(origin).send(&deps).await;
        assert_eq!(
            reply.header("access-control-allow-origin"),
            None,
            "{origin:?}"
        );
        assert_eq!(
            reply.header("access-control-allow-methods"),
            None,
            "{origin:?}"
        );
        assert_eq!(reply.header("vary"), Some("Origin"));
    }
    // Errors carry the grant too, so a browser app can read a 401 or 403.
    let reply = Call::new("GET", "/users/{id}")
        .id(BO)
        .by(ADA, &["Patient"])
        .header("origin", "https://admin.example.com")
        .send(&deps)
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://admin.example.com")
    );
}

#[tokio::test]
async fn an_unreadable_stored_profile_is_a_409_that_names_the_field_and_writes_nothing() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    deps.profiles.make_unreadable(&id(ADA), "phone_number");
    let writes = deps.profiles.write_count();

    let read = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;
    let update = Call::new("PUT", "/users/{id}")
        .id(ADA)
        .by(ROOT, &["Admin"])
        .json(json!({"name": "Ada"}))
        .send(&deps)
        .await;
    for reply in [read, update] {
        assert_eq!(
            (reply.status, reply.error_code()),
            (409, "profile_unreadable"),
            "{}",
            reply.body
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("phone_number"), "{message}");
    }
    assert_eq!(deps.profiles.write_count(), writes);
}
