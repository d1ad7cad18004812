//! The PHI access log through the stack: a patient's read and update and an admin's
//! listing appear in the patient's `GET /users/me/access-log`, newest first, with the
//! actors' roles, no one's id and no health data; another patient may not read it.

use super::api::Api;
use super::cognito::{SignedIn, Users};
use serde_json::{Value, json};

const NAME: &str = "Access Log Audited Person";
const DOB: &str = "1979-05-17";
const PHONE: &str = "+447700900987";

/// Pages `GET /users` (patients only) until `sub` is listed.
async fn admin_lists(api: &Api, admin: &SignedIn, sub: &str) {
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut path = "/users?user_type=Patient&limit=100".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = api.get(&path, &admin.id_token).await;
        assert_eq!(page.status, 200, "{}", page.raw);
        let listed = page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["user_id"] == json!(sub));
        if listed {
            return;
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    panic!("the admin's listing never showed the patient");
}

fn summary(entry: &Value) -> (String, String, String) {
    let text = |name: &str| entry[name].as_str().unwrap_or_default().to_string();
    (text("action"), text("outcome"), text("actor_role"))
}

pub async fn the_owner_sees_who_accessed_their_record(users: &Users, api: &Api, admin: &SignedIn) {
    let attributes = [
        ("custom:user_type", "Patient"),
        ("custom:dob", DOB),
        ("custom:blood_group", "B+"),
        ("phone_number", PHONE),
    ];
    let patient = users
        .signed_up_and_confirmed("accesslog.patient", &attributes)
        .await;
    let other = users
        .signed_up_and_confirmed("accesslog.other", &attributes)
        .await;
    api.secrets.remember(&patient.email);

    // Arrange: the patient reads and changes their profile, an admin lists it, another
    // patient is refused it.
    assert_eq!(api.get("/users/me", &patient.id_token).await.status, 200);
    let put = api
        .put("/users/me", &patient.id_token, &json!({"name": NAME}))
        .await;
    assert_eq!(put.status, 200, "{}", put.raw);
    admin_lists(api, admin, &patient.sub).await;
    let peek = api
        .get(&format!("/users/{}", patient.sub), &other.id_token)
        .await;
    assert_eq!(peek.status, 403);

    // Act
    let log = api.get("/users/me/access-log", &patient.id_token).await;

    // Assert: newest first, with roles, field names, no ids and no health data.
    assert_eq!(log.status, 200, "{}", log.raw);
    let items = log.body["items"].as_array().unwrap();
    let seen: Vec<_> = items.iter().map(summary).collect();
    let s = |a: &str, o: &str, r: &str| (a.to_string(), o.to_string(), r.to_string());
    assert_eq!(
        seen,
        [
            s("read", "denied", "other"),
            s("list", "allowed", "admin"),
            s("update", "allowed", "self"),
            s("read", "allowed", "self"),
        ],
        "{}",
        log.raw
    );
    let times: Vec<&str> = items.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(items[2]["fields"], json!(["name"]));
    assert!(
        items.iter().all(|e| e.get("actor_id").is_none()),
        "{}",
        log.raw
    );
    for secret in [
        NAME,
        DOB,
        PHONE,
        "B+",
        patient.email.as_str(),
        other.sub.as_str(),
        admin.sub.as_str(),
    ] {
        assert!(!log.raw.contains(secret), "{secret} in {}", log.raw);
    }

    // An admin sees who acted.
    let as_admin = api
        .get(
            &format!("/users/{}/access-log?limit=2", patient.sub),
            &admin.id_token,
        )
        .await;
    assert_eq!(as_admin.status, 200, "{}", as_admin.raw);
    let actors: Vec<&str> = as_admin.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor_id"].as_str().unwrap())
        .collect();
    assert_eq!(actors, [other.sub.as_str(), admin.sub.as_str()]);
    let next = as_admin.body["next_cursor"].as_str().unwrap();
    let replayed = api
        .get(
            &format!("/users/{}/access-log?cursor={next}", other.sub),
            &admin.id_token,
        )
        .await;
    assert_eq!(replayed.status, 400, "a cursor is bound to its profile");

    // Another patient may not read it.
    let foreign = api
        .get(
            &format!("/users/{}/access-log", patient.sub),
            &other.id_token,
        )
        .await;
    assert_eq!(foreign.status, 403, "{}", foreign.raw);
    assert!(foreign.body.get("items").is_none());
}
