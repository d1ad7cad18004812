//! Bad input of every kind gets a 4xx JSON error: never a 5xx, a panic, or a write.

use std::collections::BTreeSet;

use domain::patch::{READ_ONLY_FIELDS, WRITABLE_FIELDS};
use domain::ports::UserDirectory;
use domain::{ProfileStatus, UserType};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
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

/// Ada's uploaded picture, so a `picture_key` update can succeed.
fn ada_picture() -> String {
    format!("profile-pictures/{ADA}/11111111-2222-4333-8444-555555555555.png")
}

/// Values `key` accepts (for a field that has any).
fn accepted_values(key: &str) -> Vec<Value> {
    match key {
        "name" => vec![json!("Ada Lovelace"), json!("  Zoë Ñúñez 李 "), json!(null)],
        "phone_number" => vec![json!("+447700900123"), json!(null)],
        "dob" => vec![
            json!("1977-07-07"),
            json!("1896-11-22"),
            json!("2026-11-22"),
            json!(null),
        ],
        "gender" => vec![json!("female"), json!("non_binary"), json!(null)],
        "blood_group" => vec![json!("AB-"), json!("O+"), json!(null)],
        "picture_key" => vec![json!(ada_picture()), json!(null)],
        "user_type" => vec![json!("Patient"), json!("Doctor"), json!("Admin")],
        _ => vec![json!("x")],
    }
}

/// Values each meant to be refused by some field: wrong type, wrong shape, out of
/// range, or a picture that is someone else's or was never uploaded. (`name` takes
/// most of the strings, so not every pairing is a refusal.)
fn refused_values() -> Vec<Value> {
    vec![
        json!(""),
        json!("   "),
        json!("Ada\u{202e}"),
        json!("x".repeat(101)),
        json!("1896-11-21"),
        json!("2026-11-23"),
        json!("2023-02-29"),
        json!("+0123"),
        json!("female "),
        json!("ab+"),
        json!("admin"),
        json!(format!(
            "profile-pictures/{BO}/11111111-2222-4333-8444-555555555555.png"
        )),
        json!(format!(
            "profile-pictures/{ADA}/22222222-2222-4333-8444-555555555555.png"
        )),
        json!(5),
        json!(true),
        json!([]),
        json!({"x": 1}),
    ]
}

/// A JSON object whose keys are mostly real field names (writable or read-only) and
/// whose values are mostly ones those fields accept.
fn update_body() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        8 => prop::sample::select(WRITABLE_FIELDS.to_vec()).prop_map(str::to_owned),
        1 => prop::sample::select(READ_ONLY_FIELDS.to_vec()).prop_map(str::to_owned),
        1 => "[a-z_]{1,14}",
    ];
    let entry = (
        key,
        prop::bool::weighted(0.85),
        any::<prop::sample::Index>(),
        prop::sample::select(refused_values()),
    )
        .prop_map(|(key, accepted, pick, refused)| {
            let accepted_values = accepted_values(&key);
            let value = if accepted {
                accepted_values[pick.index(accepted_values.len())].clone()
            } else {
                refused
            };
            (key, value)
        });
    proptest::collection::vec(entry, 1..4)
        .prop_map(|entries| Value::Object(entries.into_iter().collect()).to_string())
}

fn groups_of_ada(deps: &TestDeps) -> BTreeSet<UserType> {
    deps.groups.groups_of(&format!("{ADA}-username"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bodies, ids and headers never produce a 5xx or a panic. A refused
    /// request writes nothing; an accepted update stores exactly what was sent, one
    /// version later, with the Cognito group following the stored type.
    #[test]
    fn arbitrary_requests_never_fail_the_server(
        body in prop_oneof![
            1 => "\\PC{0,200}",
            1 => proptest::collection::btree_map("[a-z_]{1,14}", prop_oneof![
                Just(json!(null)), any::<i64>().prop_map(|n| json!(n)), "\\PC{0,30}".prop_map(|s| json!(s)),
                any::<bool>().prop_map(|b| json!(b)), Just(json!([])), Just(json!({"x": 1})),
            ], 0..6).prop_map(|m| serde_json::to_string(&m).unwrap()),
            4 => update_body(),
        ],
        target in prop_oneof![4 => Just("me".to_owned()), 2 => Just(ADA.to_owned()), 1 => "\\PC{0,40}"],
        if_match in prop_oneof![
            3 => Just(None),
            1 => Just(Some("\"1\"".to_owned())),
            1 => Just(Some("\"7\"".to_owned())),
            1 => Just(Some("*".to_owned())),
            1 => "\\PC{0,12}".prop_map(Some),
        ],
        method_route in prop_oneof![
            4 => Just(("PUT", "/users/{id}")),
            1 => prop::sample::select(vec![
                ("POST", "/users/{id}/picture-upload-url"), ("GET", "/users/{id}"),
                ("GET", "/users"), ("GET", "/admin/metrics"), ("PATCH", "/users/{id}"),
            ]),
        ],
        admin in any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let deps = deps();
        deps.profiles.insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
        deps.pictures.put(&ada_picture(), "image/png", 1_000);
        runtime
            .block_on(deps.groups.add_to_group(POOL, &format!("{ADA}-username"), UserType::Patient))
            .unwrap();
        let before = deps.profiles.stored(&id(ADA)).unwrap();
        let groups: &[&str] = if admin { &["Admin"] } else { &["Patient"] };
        let mut call = Call::new(method_route.0, method_route.1).id(&target).by(ADA, groups).body(&body);
        if let Some(tag) = &if_match {
            call = call.header("If-Match", tag);
        }
        // Events API Gateway could not produce (e.g. control characters in a header) are skipped.
        if users_api::event::request_from_slice(call.raw_event().to_string().as_bytes()).is_ok() {
            let reply = runtime.block_on(call.send(&deps));
            let after = deps.profiles.stored(&id(ADA)).unwrap();
            prop_assert!(reply.status < 500, "{} for {:?}", reply.status, body);
            prop_assert_eq!(groups_of_ada(&deps), after.granted_group().into_iter().collect::<BTreeSet<_>>());
            if reply.status >= 400 || method_route.0 != "PUT" {
                if reply.status >= 400 {
                    prop_assert!(!reply.error_code().is_empty());
                }
                prop_assert_eq!(deps.profiles.write_count(), 0, "{} for {:?}", reply.status, body);
                prop_assert_eq!(&after, &before);
            } else {
                prop_assert_eq!(deps.profiles.write_count(), 1);
                prop_assert_eq!(after.version, before.version + 1);
                prop_assert_eq!(&reply.body["version"], &json!(before.version + 1));
                let sent: Map<String, Value> = serde_json::from_str(&body).unwrap();
                for (key, value) in &sent {
                    let stored = match value.as_str() {
                        Some(text) if key == "name" => json!(text.trim()),
                        _ => value.clone(),
                    };
                    prop_assert_eq!(&reply.body[key], &stored, "{} in {}", key, body);
                }
            }
        }
    }
}
