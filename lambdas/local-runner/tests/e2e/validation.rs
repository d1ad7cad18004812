//! Mass assignment and validation through the stack: every read-only and unknown field,
//! wrong types and boundary values get a 400 that names the problem, and the stored
//! profile stays byte-for-byte what it was.

use super::api::Api;
use super::cognito::SignedIn;
use serde_json::{Value, json};

/// PUT /users/me with exactly these body bytes and Content-Type.
async fn put_raw(api: &Api, who: &SignedIn, content_type: &str, body: &[u8]) -> super::api::Reply {
    let headers = [
        ("Authorization", who.id_token.as_str()),
        ("Content-Type", content_type),
    ];
    api.send("PUT", "/users/me", &headers, body).await
}

/// The profile as the owner reads it, with the one field that changes on every read
/// (the presigned picture URL) left out.
async fn snapshot(api: &Api, who: &SignedIn) -> String {
    let reply = api.get("/users/me", &who.id_token).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let mut body = reply.body;
    body.as_object_mut().unwrap().remove("picture_url");
    body.to_string()
}

/// The oldest date of birth accepted on `today`: 130 calendar years back.
fn oldest_dob(today: chrono::NaiveDate) -> chrono::NaiveDate {
    today
        .checked_sub_months(chrono::Months::new(130 * 12))
        .unwrap()
}

/// The checks below compare dates with the server's "today" (UTC): close to midnight,
/// they first wait for the new day, so the two never differ.
async fn away_from_midnight() {
    use chrono::Timelike;
    let seconds_left = 86_400 - chrono::Utc::now().num_seconds_from_midnight();
    if seconds_left < 120 {
        eprintln!("e2e: waiting {seconds_left} s for midnight UTC before comparing dates");
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(seconds_left) + 2)).await;
    }
}

/// (what is wrong, body as sent, a word the error message must contain).
fn refused_bodies(patient: &SignedIn, other: &SignedIn) -> Vec<(String, Vec<u8>, String)> {
    let mut cases: Vec<(String, Value, &str)> = Vec::new();
    for field in [
        "user_id",
        "email",
        "status",
        "created_at",
        "updated_at",
        "version",
        "picture_url",
    ] {
        cases.push((format!("read-only {field}"), json!({field: "x"}), field));
    }
    for field in [
        "is_admin",
        "cognito:groups",
        "groups",
        "role",
        "__proto__",
        "Name",
        "name ",
        "sub",
    ] {
        cases.push((
            format!("unknown {field:?}"),
            json!({field: "Admin"}),
            field.trim(),
        ));
    }
    // One bad field spoils the whole request: the good one beside it is not written.
    cases.push((
        "valid name beside a read-only field".into(),
        json!({"name": "Half Written", "user_id": other.sub}),
        "user_id",
    ));
    for (field, value) in [
        ("name", json!(5)),
        ("name", json!(true)),
        ("name", json!({"first": "Ada"})),
        ("name", json!(["Ada"])),
        ("dob", json!(19900101)),
        ("phone_number", json!(447700900123_u64)),
        ("blood_group", json!(["O+"])),
        ("gender", json!(1)),
        ("picture_key", json!({})),
    ] {
        cases.push((format!("{field} as {value}"), json!({field: value}), field));
    }
    let today = chrono::Utc::now().date_naive();
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let before_oldest = (oldest_dob(today) - chrono::Days::new(1)).to_string();
    for (field, value) in [
        ("name", "x".repeat(101)),
        ("name", "é".repeat(101)),
        ("name", String::new()),
        ("name", "   ".into()),
        ("name", "Ada\u{0000}".into()),
        ("name", "Ada\u{0007}".into()),
        ("name", "Ada\u{202E}nimda".into()),
        ("name", "Ad\u{200B}a".into()),
        ("name", "\u{FEFF}Ada".into()),
        ("dob", "2023-02-29".into()),
        ("dob", "1990-13-01".into()),
        ("dob", "1990-4-1".into()),
        ("dob", "1990-04-01T00:00:00Z".into()),
        ("dob", tomorrow),
        ("dob", before_oldest),
        ("dob", "1850-01-01".into()),
        ("dob", "９９９９-01-01".into()),
        ("phone_number", "07700900123".into()),
        ("phone_number", "+44 7700 900123".into()),
        ("phone_number", format!("+{}", "1".repeat(16))),
        ("phone_number", format!("+{}", "1".repeat(20))),
        ("blood_group", "o+".into()),
        ("blood_group", "O".into()),
        ("blood_group", "AB+ ".into()),
        ("gender", "FEMALE".into()),
        (
            "picture_key",
            format!("profile-pictures/{}/../../x.png", patient.sub),
        ),
        ("picture_key", "/etc/passwd".into()),
    ] {
        let shown: String = value.chars().take(24).collect();
        cases.push((format!("{field} = {shown:?}"), json!({field: value}), field));
    }
    let mut raw: Vec<(String, Vec<u8>, String)> = cases
        .into_iter()
        .map(|(what, body, word)| (what, body.to_string().into_bytes(), word.to_string()))
        .collect();
    // Bodies that are not a JSON object at all: the message says which of the two.
    const NOT_JSON: &str = "not valid JSON";
    const NOT_OBJECT: &str = "must be a JSON object";
    for (what, body, word) in [
        (
            "a number beyond f64",
            br#"{"name": 1e400}"#.to_vec(),
            NOT_JSON,
        ),
        (
            "a 40-digit integer",
            br#"{"version": 1234567890123456789012345678901234567890}"#.to_vec(),
            "version",
        ),
        ("an array body", b"[]".to_vec(), NOT_OBJECT),
        ("a string body", br#""name""#.to_vec(), NOT_OBJECT),
        ("a null body", b"null".to_vec(), NOT_OBJECT),
        ("truncated JSON", br#"{"name": "Ada"#.to_vec(), NOT_JSON),
        (
            "deep nesting",
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
            NOT_JSON,
        ),
        (
            "invalid UTF-8",
            b"{\"name\": \"\xff\xfe\"}".to_vec(),
            NOT_JSON,
        ),
    ] {
        raw.push((what.to_string(), body, word.to_string()));
    }
    raw
}

pub async fn bad_input_is_refused_and_writes_nothing(
    api: &Api,
    patient: &SignedIn,
    other: &SignedIn,
) {
    away_from_midnight().await;
    let before = snapshot(api, patient).await;
    let other_before = snapshot(api, other).await;
    let cases = refused_bodies(patient, other);
    let mut refused = 0;
    for (what, body, word) in &cases {
        let reply = put_raw(api, patient, "application/json", body).await;
        refused += 1;
        assert_eq!(reply.status, 400, "{what}: {}", reply.raw);
        let message = reply.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            reply.body["error"]["code"].is_string() && !message.is_empty(),
            "{what}: {}",
            reply.raw
        );
        assert!(
            !word.is_empty() && message.contains(word.as_str()),
            "{what}: the message names {word:?}: {message}"
        );
    }
    // Naming user_type is a question of permission, whatever the value (see the spec).
    for value in ["Admin", "Doctor", "Patient"] {
        let reply = api
            .put("/users/me", &patient.id_token, &json!({"user_type": value}))
            .await;
        refused += 1;
        assert_eq!(
            (reply.status, &reply.body["error"]["code"]),
            (403, &json!("forbidden")),
            "user_type {value}: {}",
            reply.raw
        );
    }
    // A well-formed picture key is refused for what it points at: another user's
    // picture (403), or nothing uploaded (409).
    for (key, status) in [
        (
            format!(
                "profile-pictures/{}/{}.png",
                other.sub,
                uuid::Uuid::new_v4()
            ),
            403,
        ),
        (
            format!(
                "profile-pictures/{}/{}.png",
                patient.sub,
                uuid::Uuid::new_v4()
            ),
            409,
        ),
    ] {
        let reply = api
            .put("/users/me", &patient.id_token, &json!({"picture_key": key}))
            .await;
        refused += 1;
        assert_eq!(reply.status, status, "{key}: {}", reply.raw);
    }
    let too_large = format!(r#"{{"name": "{}"}}"#, "x".repeat(17 * 1024));
    let reply = put_raw(api, patient, "application/json", too_large.as_bytes()).await;
    assert_eq!(reply.status, 413, "{}", reply.raw);
    let reply = put_raw(api, patient, "text/plain", br#"{"name": "Ada"}"#).await;
    assert_eq!(reply.status, 415, "{}", reply.raw);
    refused += 2;

    assert_eq!(
        snapshot(api, patient).await,
        before,
        "a refused PUT changed the profile"
    );
    assert_eq!(
        snapshot(api, other).await,
        other_before,
        "a refused PUT changed another profile"
    );
    eprintln!("e2e: {refused} refused requests, both profiles unchanged");
}

pub async fn boundary_values_are_accepted(api: &Api, patient: &SignedIn) {
    away_from_midnight().await;
    let today = chrono::Utc::now().date_naive();
    let oldest = oldest_dob(today).to_string();
    let today = today.to_string();
    for (field, value) in [
        ("name", json!("x".repeat(100))),
        ("name", json!("é".repeat(100))),
        ("name", json!("  Ada Lovelace  ")),
        ("name", json!("Zoë Ōkubo-Nakamura 李")),
        ("dob", json!("2024-02-29")),
        ("dob", json!(today)),
        ("dob", json!(oldest)),
        ("phone_number", json!(format!("+{}", "1".repeat(15)))),
        ("blood_group", json!("AB-")),
        ("gender", json!("prefer_not_to_say")),
        ("phone_number", Value::Null),
    ] {
        let reply = api
            .put("/users/me", &patient.id_token, &json!({field: value}))
            .await;
        assert_eq!(reply.status, 200, "{field} = {value}: {}", reply.raw);
        let stored = &reply.body[field];
        match &value {
            Value::String(s) => assert_eq!(stored.as_str(), Some(s.trim()), "{field}"),
            _ => assert!(stored.is_null(), "{field} cleared"),
        }
    }
}
