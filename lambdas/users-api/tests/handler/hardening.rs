//! Bad input of every kind gets a 4xx JSON error: never a 5xx, a panic, or a write.

use domain::{ProfileStatus, UserType};
use proptest::prelude::*;
use serde_json::json;
use test_support::logs;

use crate::support::*;

fn put_me(body: &str) -> Call {
    Call::new("PUT", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .body(body)
}

#[tokio::test]
async fn malformed_bodies_are_400_oversized_413_and_other_media_415() {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let deep_object = format!("{{\"name\":{}1{}}}", "{\"a\":".repeat(200), "}".repeat(200));

    for (body, status) in [
        ("{\"name\": ", 400),
        ("[\"name\"]", 400),
        ("\"just a string\"", 400),
        ("null", 400),
        ("", 400),
        ("{\"name\": \"a\", \"name\": \"b\"", 400),
        (deep.as_str(), 400),
        (deep_object.as_str(), 400),
        ("\u{feff}{\"name\":\"bom\"}", 400),
    ] {
        let reply = put_me(body).send(&deps).await;
        assert_eq!(reply.status, status, "{}", &body[..body.len().min(40)]);
        assert!(!reply.error_code().is_empty());
    }

    let huge = json!({"name": "x".repeat(17 * 1024)}).to_string();
    assert_eq!(put_me(&huge).send(&deps).await.status, 413);

    let form = put_me("name=x")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(&deps)
        .await;
    assert_eq!(
        (form.status, form.error_code()),
        (415, "unsupported_media_type")
    );
    assert_eq!(deps.profiles.write_count(), 0);
}

#[tokio::test]
async fn logs_carry_no_personal_or_health_data_tokens_or_urls() {
    let deps = deps();
    let captured = logs::capture(async {
        Call::new("GET", "/users/{id}").id("me").by(ADA, &["Patient"]).send(&deps).await;
        put_me(&json!({"phone_number": "+447700900123", "dob": "1977-07-07", "blood_group": "AB-", "gender": "non_binary"}).to_string())
            .send(&deps)
            .await;
        put_me(&json!({"dob": "2999-01-01"}).to_string()).send(&deps).await;
        let upload = Call::new("POST", "/users/{id}/picture-upload-url")
            .id("me")
            .by(ADA, &["Patient"])
            .json(json!({"content_type": "image/png", "content_length": 10}))
            .send(&deps)
            .await;
        assert_eq!(upload.status, 200);
    })
    .await;

    assert!(
        captured.contains(ADA),
        "the caller's sub is logged, so capture works:\n{captured}"
    );
    for secret in [
        "ada.patient@example.com",
        "+447700900123",
        "1977-07-07",
        "2999-01-01",
        "AB-",
        "non_binary",
        "Ada Patient",
        "eyJ",
        "X-Amz-Signature",
        "pictures.test",
    ] {
        assert!(
            !captured.contains(secret),
            "log contains {secret:?}:\n{captured}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bodies, ids and headers never produce a 5xx or a panic.
    #[test]
    fn arbitrary_requests_never_fail_the_server(
        body in prop_oneof![
            "\\PC{0,200}",
            proptest::collection::btree_map("[a-z_]{1,14}", prop_oneof![
                Just(json!(null)), any::<i64>().prop_map(|n| json!(n)), "\\PC{0,30}".prop_map(|s| json!(s)),
                any::<bool>().prop_map(|b| json!(b)), Just(json!([])), Just(json!({"x": 1})),
            ], 0..6).prop_map(|m| serde_json::to_string(&m).unwrap()),
        ],
        id in prop_oneof![Just("me".to_owned()), Just(ADA.to_owned()), "\\PC{0,40}"],
        if_match in proptest::option::of("\\PC{0,12}"),
        method_route in prop::sample::select(vec![
            ("PUT", "/users/{id}"), ("POST", "/users/{id}/picture-upload-url"), ("GET", "/users/{id}"),
            ("GET", "/users"), ("GET", "/admin/metrics"), ("PATCH", "/users/{id}"),
        ]),
        admin in any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let deps = deps();
        deps.profiles.insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
        let groups: &[&str] = if admin { &["Admin"] } else { &["Patient"] };
        let mut call = Call::new(method_route.0, method_route.1).id(&id).by(ADA, groups).body(&body);
        if let Some(tag) = &if_match {
            call = call.header("If-Match", tag);
        }
        // Events API Gateway could not produce (e.g. control characters in a header) are skipped.
        if lambda_http::request::from_str(&call.raw_event().to_string()).is_ok() {
            let reply = runtime.block_on(call.send(&deps));
            prop_assert!(reply.status < 500, "{} for {:?}", reply.status, body);
            if reply.status >= 400 {
                prop_assert!(!reply.error_code().is_empty());
            }
        }
    }
}
