//! The PHI access log: every read, change, listing and upload URL is recorded (refusals
//! too) with field names and never values; a request whose entry cannot be written is
//! answered 503 with no data; `GET /users/{id}/access-log` pages through it.

use domain::UserType::{Admin, Patient};
use domain::access_log::{AccessAction, AccessEntry, AccessOutcome};
use domain::{ProfileStatus, UserType};
use serde_json::{Value, json};

use crate::support::*;

fn seeded() -> std::sync::Arc<TestDeps> {
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    deps.profiles
        .insert(profile(BO, UserType::Doctor, ProfileStatus::PendingReview));
    deps
}

fn only_entry(deps: &TestDeps) -> AccessEntry {
    let entries = deps.access_log.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.into_iter().next().unwrap()
}

/// No profile value reaches the log: checked on the entries' full debug text.
fn assert_no_values(deps: &TestDeps, values: &[&str]) {
    let text = format!("{:?}", deps.access_log.entries());
    for value in values {
        assert!(!text.contains(value), "{value:?} in {text}");
    }
}

#[tokio::test]
async fn a_read_is_recorded_with_who_what_when_and_the_request() {
    let deps = seeded();
    let call = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"]);
    let request_id = call.request_id().to_owned();

    let reply = call.send(&deps).await;

    assert_eq!(reply.status, 200);
    let entry = only_entry(&deps);
    assert_eq!(
        (entry.action, entry.outcome, entry.target, entry.actor),
        (
            AccessAction::Read,
            AccessOutcome::Allowed,
            Some(id(ADA)),
            id(ADA)
        )
    );
    assert_eq!(entry.actor_groups, [Patient].into());
    assert_eq!(
        (entry.request_id.as_str(), entry.at),
        (request_id.as_str(), now())
    );
    assert!(entry.fields.is_empty());
}

#[tokio::test]
async fn an_update_records_the_names_of_the_fields_it_sets_never_their_values() {
    let deps = seeded();
    let reply = Call::new("PUT", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .json(json!({"name": "Ada Lovelace", "blood_group": "O-", "dob": null}))
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let entry = only_entry(&deps);
    assert_eq!(
        (entry.action, entry.outcome),
        (AccessAction::Update, AccessOutcome::Allowed)
    );
    assert_eq!(entry.fields, ["name", "dob", "blood_group"]);
    assert_no_values(&deps, &["Ada Lovelace", "O-", "Stored Name", "example.com"]);
}

#[tokio::test]
async fn an_admin_changing_a_user_type_or_picture_is_recorded_by_field_name() {
    let deps = seeded();
    let key = format!("profile-pictures/{BO}/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22.png");
    deps.pictures.put(&key, "image/png", 100);

    let approve = Call::new("PUT", "/users/{id}")
        .id(BO)
        .by(ROOT, &["Admin"])
        .json(json!({"user_type": "Doctor", "picture_key": key}))
        .send(&deps)
        .await;

    assert_eq!(approve.status, 200, "{}", approve.body);
    let entry = only_entry(&deps);
    assert_eq!(entry.fields, ["picture_key", "user_type"]);
    assert_eq!(
        (entry.actor, entry.target, entry.actor_groups),
        (id(ROOT), Some(id(BO)), [Admin].into())
    );
    assert_no_values(&deps, &[&key, "\"Doctor\""]);
}

#[tokio::test]
async fn a_picture_upload_url_is_recorded() {
    let deps = seeded();
    let reply = Call::new("POST", "/users/{id}/picture-upload-url")
        .id("me")
        .by(ADA, &["Patient"])
        .json(json!({"content_type": "image/png", "content_length": 10}))
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200);
    let entry = only_entry(&deps);
    assert_eq!(
        (entry.action, entry.outcome, entry.target),
        (
            AccessAction::PictureUploadUrl,
            AccessOutcome::Allowed,
            Some(id(ADA))
        )
    );
}

#[tokio::test]
async fn a_listing_page_records_one_entry_per_listed_profile_and_nothing_else() {
    let deps = seeded();
    deps.profiles
        .insert(profile(CY, UserType::Patient, ProfileStatus::Active));
    let reply = Call::new("GET", "/users")
        .by(ROOT, &["Admin"])
        .query(&[("limit", "2")])
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200);
    let listed: Vec<_> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| id(p["user_id"].as_str().unwrap()))
        .collect();
    assert_eq!(listed.len(), 2);
    let entries = deps.access_log.entries();
    let mut targets: Vec<_> = entries.iter().map(|e| e.target.clone().unwrap()).collect();
    let mut expected = listed.clone();
    targets.sort();
    expected.sort();
    assert_eq!(
        targets, expected,
        "one entry per listed profile, none untargeted"
    );
    assert!(entries.iter().all(|e| e.action == AccessAction::List
        && e.outcome == AccessOutcome::Allowed
        && e.actor == id(ROOT)));

    let empty = Call::new("GET", "/users")
        .by(ROOT, &["Admin"])
        .query(&[("user_type", "Admin")])
        .send(&deps)
        .await;
    assert_eq!(empty.status, 200);
    assert_eq!(
        deps.access_log.entries().len(),
        2,
        "an empty page shows no one"
    );
}

#[tokio::test]
async fn refusals_are_recorded_against_their_target_or_else_their_actor() {
    let deps = seeded();
    let read = Call::new("GET", "/users/{id}")
        .id(BO)
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;
    let change_type = Call::new("PUT", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .json(json!({"user_type": "Admin"}))
        .send_at(&deps, now() + chrono::Duration::seconds(1))
        .await;
    let list = Call::new("GET", "/users")
        .by(ADA, &["Patient"])
        .send_at(&deps, now() + chrono::Duration::seconds(2))
        .await;
    let missing = Call::new("GET", "/users/{id}")
        .id(CY)
        .by(ROOT, &["Admin"])
        .send_at(&deps, now() + chrono::Duration::seconds(3))
        .await;

    assert_eq!(
        [read.status, change_type.status, list.status, missing.status],
        [403, 403, 403, 404]
    );
    let seen: Vec<_> = deps
        .access_log
        .entries()
        .into_iter()
        .map(|e| (e.action, e.outcome, e.target, e.actor, e.fields))
        .collect();
    assert_eq!(
        seen,
        [
            (
                AccessAction::Read,
                AccessOutcome::Denied,
                Some(id(BO)),
                id(ADA),
                vec![]
            ),
            (
                AccessAction::Update,
                AccessOutcome::Denied,
                Some(id(ADA)),
                id(ADA),
                vec!["user_type"]
            ),
            (
                AccessAction::List,
                AccessOutcome::Denied,
                None,
                id(ADA),
                vec![]
            ),
            (
                AccessAction::Read,
                AccessOutcome::NotFound,
                Some(id(CY)),
                id(ROOT),
                vec![]
            ),
        ]
    );
}

#[tokio::test]
async fn a_request_without_identity_or_with_a_malformed_id_records_nothing() {
    let deps = seeded();
    let anonymous = Call::new("GET", "/users/{id}")
        .id(ADA)
        .anonymous()
        .send(&deps)
        .await;
    let malformed = Call::new("GET", "/users/{id}")
        .id("ME")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;
    assert_eq!((anonymous.status, malformed.status), (401, 400));
    assert!(deps.access_log.entries().is_empty());
}

#[tokio::test]
async fn metrics_and_reading_the_access_log_are_not_recorded() {
    let deps = seeded();
    for (resource, who) in [("/admin/metrics", ROOT), ("/users/{id}/access-log", ADA)] {
        let reply = Call::new("GET", resource)
            .id(ADA)
            .by(who, &["Admin"])
            .send(&deps)
            .await;
        assert_eq!(reply.status, 200, "{resource}");
    }
    assert_eq!(deps.access_log.attempts(), 0);
}

/// The error body and nothing else: no profile field, URL or page.
fn assert_503_without_data(reply: &Reply, what: &str) {
    assert_eq!(
        (reply.status, reply.error_code()),
        (503, "service_unavailable"),
        "{what}: {}",
        reply.body
    );
    assert!(reply.header("retry-after").is_some(), "{what}");
    let keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["error"], "{what}");
    let text = reply.body.to_string();
    for value in [
        "Stored Name",
        "example.com",
        "+14155550100",
        "1980-06-15",
        "A+",
        "X-Amz",
    ] {
        assert!(!text.contains(value), "{what}: {value} in {text}");
    }
}

#[tokio::test]
async fn when_the_log_cannot_be_written_no_phi_leaves_and_nothing_is_written() {
    let deps = seeded();
    deps.access_log.set_down(true);
    let calls = [
        Call::new("GET", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"]),
        Call::new("GET", "/users/{id}").id(ADA).by(ROOT, &["Admin"]),
        Call::new("PUT", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .json(json!({"name": "Changed"})),
        Call::new("POST", "/users/{id}/picture-upload-url")
            .id("me")
            .by(ADA, &["Patient"])
            .json(json!({"content_type": "image/png", "content_length": 10})),
        Call::new("GET", "/users").by(ROOT, &["Admin"]),
        // A refusal is not answered unrecorded either.
        Call::new("GET", "/users/{id}").id(BO).by(ADA, &["Patient"]),
    ];
    for call in calls {
        let what = format!(
            "{} {}",
            call.raw_event()["httpMethod"],
            call.raw_event()["path"]
        );
        let reply = call.send(&deps).await;
        assert_503_without_data(&reply, &what);
    }
    assert_eq!(deps.profiles.write_count(), 0, "no write without its entry");
    assert_eq!(deps.profiles.stored(&id(ADA)).unwrap().version, 1);

    deps.access_log.set_down(false);
    let again = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;
    assert_eq!(again.status, 200, "recovers with the log");
}

/// Ada's log after: her read, her update, an admin's read, a patient's refused read, each a
/// second apart.
async fn with_history(deps: &TestDeps) {
    let second = |n: i64| now() + chrono::Duration::seconds(n);
    let steps = [
        Call::new("GET", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"]),
        Call::new("PUT", "/users/{id}")
            .id("me")
            .by(ADA, &["Patient"])
            .json(json!({"phone_number": "+14155550199"})),
        Call::new("GET", "/users/{id}").id(ADA).by(ROOT, &["Admin"]),
        Call::new("GET", "/users/{id}").id(ADA).by(CY, &["Patient"]),
        Call::new("GET", "/users/{id}").id(ADA).by(BO, &["Doctor"]),
    ];
    for (n, call) in steps.into_iter().enumerate() {
        call.send_at(deps, second(n as i64)).await;
    }
}

fn summary(items: &Value) -> Vec<(String, String, String)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let text = |name: &str| e[name].as_str().unwrap().to_owned();
            (text("action"), text("outcome"), text("actor_role"))
        })
        .collect()
}

#[tokio::test]
async fn the_owner_reads_their_log_newest_first_with_roles_and_no_other_ids() {
    let deps = seeded();
    with_history(&deps).await;

    let reply = Call::new("GET", "/users/{id}/access-log")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let s = |a: &str, o: &str, r: &str| (a.to_owned(), o.to_owned(), r.to_owned());
    assert_eq!(
        summary(&reply.body["items"]),
        [
            s("read", "denied", "doctor"),
            s("read", "denied", "other"),
            s("read", "allowed", "admin"),
            s("update", "allowed", "self"),
            s("read", "allowed", "self"),
        ]
    );
    let items = reply.body["items"].as_array().unwrap();
    assert!(
        items.iter().all(|e| e.get("actor_id").is_none()),
        "{items:?}"
    );
    assert_eq!(items[3]["fields"], json!(["phone_number"]));
    assert_eq!(items[4]["at"], json!("2026-11-22T09:30:00.000Z"));
    assert_eq!(reply.body["next_cursor"], Value::Null);
    let text = reply.body.to_string();
    for phi in ["+14155550199", "Stored Name", "example.com", BO, CY, ROOT] {
        assert!(!text.contains(phi), "{phi} in {text}");
    }
}

#[tokio::test]
async fn an_admin_sees_actor_ids_and_pages_with_a_cursor_bound_to_the_profile() {
    let deps = seeded();
    with_history(&deps).await;
    let page = |target: &str, params: Vec<(&str, String)>| {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Call::new("GET", "/users/{id}/access-log")
            .id(target)
            .by(ROOT, &["Admin"])
            .query(&params)
    };

    let first = page(ADA, vec![("limit", "2".into())]).send(&deps).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let actors: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor_id"].as_str().unwrap())
        .collect();
    assert_eq!(actors, [BO, CY]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();

    let mut seen = 2;
    let mut next = Some(cursor.clone());
    while let Some(c) = next {
        let reply = page(ADA, vec![("limit", "2".into()), ("cursor", c)])
            .send(&deps)
            .await;
        assert_eq!(reply.status, 200);
        seen += reply.body["items"].as_array().unwrap().len();
        next = reply.body["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 5, "every entry exactly once");

    let replayed = page(BO, vec![("cursor", cursor)]).send(&deps).await;
    assert_eq!(
        (replayed.status, replayed.error_code()),
        (400, "invalid_cursor"),
        "a cursor is bound to its profile"
    );
    for bad in [
        vec![("limit", "0".to_owned())],
        vec![("limit", "101".to_owned())],
        vec![("limit", "ten".to_owned())],
        vec![("cursor", "not-a-cursor".to_owned())],
        vec![("user_type", "Patient".to_owned())],
    ] {
        let reply = page(ADA, bad.clone()).send(&deps).await;
        assert_eq!(reply.status, 400, "{bad:?}");
    }
    let hundred = page(ADA, vec![("limit", "100".into())]).send(&deps).await;
    assert_eq!(hundred.status, 200);
}

#[tokio::test]
async fn who_may_read_an_access_log() {
    let deps = seeded();
    with_history(&deps).await;
    let roles: [(&str, &[&str]); 5] = [
        ("pending doctor", &[]),
        ("patient", &["Patient"]),
        ("doctor", &["Doctor"]),
        ("admin", &["Admin"]),
        ("doctor+admin", &["Doctor", "Admin"]),
    ];
    for (role, groups) in roles {
        let admin = groups.contains(&"Admin");
        for (target, own) in [("me", true), (CY, true), (ADA, false), (BO, false)] {
            let reply = Call::new("GET", "/users/{id}/access-log")
                .id(target)
                .by(CY, groups)
                .send(&deps)
                .await;
            let expected = if own || admin { 200 } else { 403 };
            assert_eq!(reply.status, expected, "{role} {target}: {}", reply.body);
            if expected == 403 {
                assert!(reply.body.get("items").is_none());
            }
        }
        for bad in [&ADA.to_uppercase()[..], "..", "ME", "%2e%2e%2fadmin"] {
            let reply = Call::new("GET", "/users/{id}/access-log")
                .id(bad)
                .by(CY, groups)
                .send(&deps)
                .await;
            assert_eq!(
                (reply.status, reply.error_code()),
                (400, "invalid_user_id"),
                "{role} {bad}"
            );
        }
    }
}

#[tokio::test]
async fn a_log_that_cannot_be_read_is_a_503() {
    let deps = seeded();
    deps.access_log.set_down(true);
    let reply = Call::new("GET", "/users/{id}/access-log")
        .id("me")
        .by(ADA, &["Patient"])
        .send(&deps)
        .await;
    assert_eq!(reply.status, 503);
    assert!(reply.header("retry-after").is_some());
}
