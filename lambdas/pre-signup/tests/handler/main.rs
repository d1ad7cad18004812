//! The PreSignUp handler driven by Cognito event JSON.

// Tests assert by unwrapping and panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use pre_signup::{PreSignUpError, handle};
use serde_json::{Value, json};

const SIGN_UP: &str = include_str!("../fixtures/sign_up.json");
const ADMIN_CREATE_USER: &str = include_str!("../fixtures/admin_create_user.json");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn event(fixture: &str, attribute: &str, value: Option<&str>) -> Value {
    let mut event: Value = serde_json::from_str(fixture).unwrap();
    let attributes = event["request"]["userAttributes"].as_object_mut().unwrap();
    match value {
        Some(v) => attributes.insert(attribute.to_owned(), json!(v)),
        None => attributes.remove(attribute),
    };
    event
}

fn refusal(event: Value) -> String {
    match handle(event, today()) {
        Err(PreSignUpError::Refused(reason)) => reason.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_patient_sign_up_passes_unchanged() {
    let original: Value = serde_json::from_str(SIGN_UP).unwrap();
    assert_eq!(handle(original.clone(), today()).unwrap(), original);
}

#[test]
fn a_doctor_request_passes_for_review_later() {
    let e = event(SIGN_UP, "custom:user_type", Some("Doctor"));
    assert_eq!(handle(e.clone(), today()).unwrap(), e);
}

#[test]
fn no_user_type_means_patient_and_passes() {
    // The Hosted UI sign-up form shows no custom attributes.
    assert!(handle(event(SIGN_UP, "custom:user_type", None), today()).is_ok());
}

#[test]
fn admin_is_refused_with_a_message_a_person_can_act_on() {
    let message = refusal(event(SIGN_UP, "custom:user_type", Some("Admin")));
    assert!(
        message.contains("Admin accounts cannot be requested"),
        "{message}"
    );
}

#[test]
fn near_miss_and_hostile_user_types_are_refused() {
    for hostile in [
        "admin",
        " Admin",
        "ADMIN",
        "Admin\u{200b}",
        "\u{202e}nimdA",
        "Patient,Admin",
        "",
        "'; DROP TABLE",
    ] {
        let message = refusal(event(SIGN_UP, "custom:user_type", Some(hostile)));
        assert!(
            message.contains("must be exactly Patient or Doctor"),
            "{hostile:?}: {message}"
        );
        assert!(
            !message.contains(hostile) || hostile.is_empty(),
            "the refusal must not echo input"
        );
    }
}

#[test]
fn operators_may_create_admins() {
    let original: Value = serde_json::from_str(ADMIN_CREATE_USER).unwrap();
    assert_eq!(handle(original.clone(), today()).unwrap(), original);
}

#[test]
fn other_attributes_are_validated_for_every_source() {
    for fixture in [SIGN_UP, ADMIN_CREATE_USER] {
        for (attribute, bad, expected) in [
            (
                "custom:dob",
                "2030-01-01",
                "custom:dob must not be in the future",
            ),
            ("custom:dob", "1990-02-30", "custom:dob must be a real date"),
            (
                "custom:blood_group",
                "Z+",
                "custom:blood_group must be one of",
            ),
            ("custom:gender", "robot", "custom:gender must be one of"),
            ("name", "Ada\u{0}", "name must not contain control"),
        ] {
            let message = refusal(event(fixture, attribute, Some(bad)));
            assert!(
                message.starts_with(expected),
                "{attribute}={bad:?}: {message}"
            );
        }
    }
}

#[test]
fn unknown_trigger_sources_and_malformed_events_are_errors_not_panics() {
    let mut e: Value = serde_json::from_str(SIGN_UP).unwrap();
    e["triggerSource"] = json!("PreAuthentication_Authentication");
    assert!(matches!(
        handle(e, today()),
        Err(PreSignUpError::UnsupportedTrigger)
    ));

    for malformed in [
        json!({}),
        json!(null),
        json!([1, 2]),
        json!({"triggerSource": 7}),
    ] {
        assert!(matches!(
            handle(malformed, today()),
            Err(PreSignUpError::MalformedEvent(_))
        ));
    }
    let mut e: Value = serde_json::from_str(SIGN_UP).unwrap();
    e["request"]["userAttributes"]["custom:dob"] = json!(19900203);
    assert!(matches!(
        handle(e, today()),
        Err(PreSignUpError::MalformedEvent(_))
    ));
}
