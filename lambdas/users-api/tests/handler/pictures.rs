use domain::{ProfileStatus, UserType};
use serde_json::json;

use crate::support::*;

fn upload_url(caller: &str, groups: &[&str], target: &str, body: serde_json::Value) -> Call {
    Call::new("POST", "/users/{id}/picture-upload-url")
        .id(target)
        .by(caller, groups)
        .json(body)
}

#[tokio::test]
async fn issues_an_upload_url_under_the_owners_prefix() {
    let deps = deps();

    let reply = upload_url(
        ADA,
        &["Patient"],
        "me",
        json!({"content_type": "image/png", "content_length": 2048}),
    )
    .send(&deps)
    .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["method"], "PUT");
    let key = reply.body["key"].as_str().unwrap();
    assert!(
        key.starts_with(&format!("profile-pictures/{ADA}/")) && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(reply.body["headers"]["Content-Type"], "image/png");
    assert_eq!(reply.body["headers"]["Content-Length"], "2048");
    assert!(reply.body["url"].as_str().unwrap().contains(key));
    assert!(reply.body["expires_at"].as_str().is_some());
}

#[tokio::test]
async fn refuses_other_types_sizes_and_fields() {
    let deps = deps();
    for body in [
        json!({"content_type": "image/gif", "content_length": 10}),
        json!({"content_type": "image/svg+xml", "content_length": 10}),
        json!({"content_type": "image/png", "content_length": 1_048_577}),
        json!({"content_type": "image/png", "content_length": 0}),
        json!({"content_type": "image/png", "content_length": -5}),
        json!({"content_type": "image/png", "content_length": "10"}),
        json!({"content_type": "image/png", "content_length": 1.5}),
        json!({"content_type": "image/png"}),
        json!({"content_type": "image/png", "content_length": 10, "key": "profile-pictures/x"}),
    ] {
        let reply = upload_url(ADA, &["Patient"], "me", body.clone())
            .send(&deps)
            .await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (400, "invalid_fields"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn only_the_owner_or_an_admin_gets_an_upload_url() {
    let deps = deps();
    let body = json!({"content_type": "image/jpeg", "content_length": 10});
    let other = upload_url(ADA, &["Patient", "Doctor"], BO, body.clone())
        .send(&deps)
        .await;
    let admin = upload_url(ROOT, &["Admin"], BO, body).send(&deps).await;
    assert_eq!(other.status, 403);
    assert_eq!(admin.status, 200);
    assert!(
        admin.body["key"]
            .as_str()
            .unwrap()
            .starts_with(&format!("profile-pictures/{BO}/"))
    );
}

#[tokio::test]
async fn attaching_a_picture_checks_owner_existence_type_and_size() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let mine = format!("profile-pictures/{ADA}/11111111-2222-4333-8444-555555555555.png");
    let theirs = format!("profile-pictures/{BO}/11111111-2222-4333-8444-555555555555.png");
    let wrong_type = format!("profile-pictures/{ADA}/22222222-2222-4333-8444-555555555555.jpg");
    let too_big = format!("profile-pictures/{ADA}/33333333-2222-4333-8444-555555555555.webp");
    deps.pictures.put(&theirs, "image/png", 100);
    deps.pictures.put(&wrong_type, "text/html", 100);
    deps.pictures.put(&too_big, "image/webp", 2 * 1024 * 1024);
    let attach = |key: &str| {
        Call::new("PUT", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .json(json!({"picture_key": key}))
    };

    for (key, status, why) in [
        (&theirs, 403, "own prefix"),
        (&mine, 409, "uploaded picture"),
        (&wrong_type, 409, "Content-Type"),
        (&too_big, 409, "bytes"),
    ] {
        let reply = attach(key).send(&deps).await;
        assert_eq!(reply.status, status, "{key}");
        assert!(
            reply.error_message().contains(why),
            "{key}: {}",
            reply.error_message()
        );
    }

    deps.pictures.put(&mine, "image/png", 4096);
    let reply = attach(&mine).send(&deps).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["picture_url"].as_str().is_some());
}

/// The bucket expires pictures that are not claimed: an attached one is claimed before the
/// profile points at it, a replaced or cleared one is released, and so is one whose write
/// then failed.
#[tokio::test]
async fn only_the_picture_a_profile_uses_is_kept_from_expiring() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let first = format!("profile-pictures/{ADA}/11111111-2222-4333-8444-555555555555.png");
    let second = format!("profile-pictures/{ADA}/22222222-2222-4333-8444-555555555555.png");
    let third = format!("profile-pictures/{ADA}/33333333-2222-4333-8444-555555555555.png");
    for key in [&first, &second, &third] {
        deps.pictures.put(key, "image/png", 100);
    }
    let set = |picture: serde_json::Value| {
        Call::new("PUT", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .json(json!({ "picture_key": picture }))
    };

    assert_eq!(set(json!(first)).send(&deps).await.status, 200);
    assert!(deps.pictures.is_claimed(&first));

    assert_eq!(set(json!(second)).send(&deps).await.status, 200);
    assert!(deps.pictures.is_claimed(&second), "the new one is kept");
    assert!(
        !deps.pictures.is_claimed(&first),
        "the replaced one expires"
    );

    let stale = set(json!(third))
        .header("If-Match", "\"1\"")
        .send(&deps)
        .await;
    assert_eq!(stale.status, 412);
    assert!(
        !deps.pictures.is_claimed(&third),
        "a picture whose write failed expires"
    );
    assert!(deps.pictures.is_claimed(&second));

    assert_eq!(set(json!(null)).send(&deps).await.status, 200);
    assert!(!deps.pictures.is_claimed(&second), "a cleared one expires");
}
