//! The PreSignUp handler driven by Cognito event JSON.

// Tests assert by unwrapping and panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use pre_signup::{PreSignUpError, handle, invoke};
use serde_json::{Value, json};
use test_support::filter_pattern::FilterPattern;
use test_support::logs;

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

/// The metric filters' patterns, as Terraform applies them.
const FAULT_PATTERNS: &str =
    include_str!("../../../../terraform/modules/alarms/fault_patterns.json");
const SUB: &str = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";

fn fault_patterns() -> Vec<(String, FilterPattern)> {
    let patterns: serde_json::Map<String, Value> = serde_json::from_str(FAULT_PATTERNS).unwrap();
    patterns
        .into_iter()
        .map(|(function, p)| (function, FilterPattern::parse(p.as_str().unwrap())))
        .collect()
}

fn outcome_lines(log: &str) -> Vec<Value> {
    log.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn a_refused_sign_up_moves_no_alarm_metric_and_a_fault_does() {
    let allowed_and_refused = logs::capture_as_deployed("pre_signup", async {
        invoke(serde_json::from_str(SIGN_UP).unwrap(), today(), "r1").unwrap();
        let refused = [
            event(SIGN_UP, "custom:user_type", Some("Admin")),
            event(SIGN_UP, "custom:dob", Some("2099-12-31")),
            event(SIGN_UP, "custom:blood_group", Some("Z+")),
        ];
        for e in refused {
            assert!(matches!(
                invoke(e, today(), "r2"),
                Err(PreSignUpError::Refused(_))
            ));
        }
    })
    .await;
    let fault = logs::capture_as_deployed("pre_signup", async {
        let mut unsupported: Value = serde_json::from_str(SIGN_UP).unwrap();
        unsupported["triggerSource"] = json!("PreSignUp_Unknown");
        assert!(invoke(unsupported, today(), "r3").is_err());
    })
    .await;

    let lines = outcome_lines(&allowed_and_refused);
    assert_eq!(
        lines.len(),
        4,
        "one outcome line per invocation:\n{allowed_and_refused}"
    );
    for line in lines.iter().chain(&outcome_lines(&fault)) {
        assert_eq!(line["fields"]["user_name"], SUB, "{line}");
    }
    for (function, pattern) in fault_patterns() {
        assert_eq!(
            pattern.matching(&allowed_and_refused),
            Vec::<&str>::new(),
            "{function}'s fault filter counts a sign-up that was allowed or refused"
        );
    }
    let pre_signup = fault_patterns()
        .into_iter()
        .find(|(f, _)| f == "pre-signup")
        .unwrap()
        .1;
    assert_eq!(
        pre_signup.matching(&fault).len(),
        1,
        "the fault is counted:\n{fault}"
    );
}

#[tokio::test]
async fn a_user_name_that_is_not_a_sub_is_never_logged() {
    let mut by_address: Value = serde_json::from_str(SIGN_UP).unwrap();
    by_address["userName"] = json!("ada.patient@example.com");

    let log = logs::capture_as_deployed("pre_signup", async {
        invoke(by_address, today(), "r4").unwrap();
    })
    .await;

    assert!(!log.contains("ada.patient"), "{log}");
    assert_eq!(outcome_lines(&log)[0]["fields"]["user_name"], "-");
}
