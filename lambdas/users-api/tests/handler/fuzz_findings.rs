//! What `just fuzz-api` (schemathesis, from docs/openapi.yaml) found: a request the
//! schema calls valid must not get 400. Each test pins one fix.

use domain::{ProfileStatus, UserType};
use serde_json::json;

use crate::support::*;

fn put_me(by: &str, groups: &[&str], body: serde_json::Value) -> Call {
    Call::new("PUT", "/users/{id}")
        .id("me")
        .by(by, groups)
        .json(body)
}

#[tokio::test]
async fn a_non_admin_naming_a_valid_user_type_is_403_not_400() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    // Even the type they already have: setting it is an Admin's permission.
    for user_type in ["Patient", "Admin"] {
        let reply = put_me(
            ADA,
            &["Patient"],
            json!({"name": "Ada", "user_type": user_type}),
        )
        .send(&deps)
        .await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (403, "forbidden"),
            "{user_type}"
        );
    }
    // A malformed body is still a 400 first.
    let reply = put_me(ADA, &["Patient"], json!({"user_type": "Root"}))
        .send(&deps)
        .await;
    assert_eq!((reply.status, reply.error_code()), (400, "invalid_fields"));
    assert_eq!(deps.profiles.write_count(), 0);
}

#[tokio::test]
async fn a_well_formed_picture_key_that_cannot_be_attached_is_403_or_409_not_400() {
    let deps = deps();
    deps.profiles
        .insert(profile(ROOT, UserType::Admin, ProfileStatus::Active));
    let theirs = format!("profile-pictures/{BO}/11111111-2222-4333-8444-555555555555.jpg");
    let missing = format!("profile-pictures/{ROOT}/11111111-2222-4333-8444-555555555555.jpg");
    for (key, status, code) in [
        (&theirs, 403, "forbidden"),
        (&missing, 409, "unusable_picture"),
    ] {
        let reply = put_me(ROOT, &["Admin"], json!({"picture_key": key}))
            .send(&deps)
            .await;
        assert_eq!((reply.status, reply.error_code()), (status, code), "{key}");
    }
    assert_eq!(deps.profiles.write_count(), 0);
}

#[tokio::test]
async fn preflights_answer_204_whatever_the_id() {
    let deps = deps();
    for id in ["me", "\u{84}", "not-a-uuid", "%2F"] {
        for resource in [
            "/users/{id}",
            "/users/{id}/picture-upload-url",
            "/users/{id}/access-log",
        ] {
            let reply = Call::new("OPTIONS", resource)
                .id(id)
                .anonymous()
                .send(&deps)
                .await;
            assert_eq!(reply.status, 204, "{resource} {id:?}");
        }
    }
}

#[tokio::test]
async fn if_match_accepts_what_the_spec_allows_and_refuses_malformed_weak_tags() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let put = |if_match: &str| {
        put_me(ADA, &["Patient"], json!({"name": "Ada"})).header("If-Match", if_match)
    };
    // Well formed but naming no current version: 412, never 400.
    for stale in ["\"0\"\t,\tW/\"13\" , 7", "W/\"1\"", "9999999999999999999"] {
        let reply = put(stale).send(&deps).await;
        assert_eq!(reply.status, 412, "{stale:?}");
    }
    for malformed in ["W/x", "W/\"+1\"", "+1", "\"1\",", "12345678901234567890"] {
        let reply = put(malformed).send(&deps).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (400, "invalid_if_match"),
            "{malformed:?}"
        );
    }
    assert_eq!(deps.profiles.write_count(), 0);
    assert_eq!(put("W/\"1\", \"1\"").send(&deps).await.status, 200);
}
