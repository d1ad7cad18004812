//! PreSignUp: refuses a self sign-up that asks for a privilege it may not have or
//! carries attributes the profile could not hold. Cognito shows the message to the
//! person signing up, so every refusal says what to change.

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;
use chrono::NaiveDate;
use domain::fields::{BloodGroup, DateOfBirth, DisplayName, Gender, InvalidField};
use domain::signup::{SignUpRefused, check_requested_type};
use lambda_runtime::Diagnostic;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum PreSignUpError {
    #[error(transparent)]
    Refused(#[from] SignUpRefused),
    #[error(
        "unsupported trigger source; this function handles PreSignUp_SignUp, PreSignUp_AdminCreateUser and PreSignUp_ExternalProvider"
    )]
    UnsupportedTrigger,
    #[error("malformed PreSignUp event: {0}")]
    MalformedEvent(&'static str),
}

impl From<PreSignUpError> for Diagnostic {
    fn from(error: PreSignUpError) -> Self {
        let error_type = match error {
            PreSignUpError::Refused(_) => "SignUpRefused",
            PreSignUpError::UnsupportedTrigger => "UnsupportedTrigger",
            PreSignUpError::MalformedEvent(_) => "MalformedEvent",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

fn check_attribute<T>(
    attributes: &std::collections::HashMap<String, String>,
    attribute: &'static str,
    parse: impl FnOnce(&str) -> Result<T, InvalidField>,
) -> Result<(), SignUpRefused> {
    match attributes.get(attribute) {
        Some(value) => parse(value)
            .map(|_| ())
            .map_err(|e| SignUpRefused::InvalidAttribute {
                attribute,
                reason: e.reason(),
            }),
        None => Ok(()),
    }
}

/// Handles one invocation and logs its outcome in one line: `allowed`, `refused` (the
/// trigger working: no alarm counts it) or `fault` (what the faults alarm counts, see
/// terraform/modules/alarms/fault_patterns.json), with Cognito's `userName`, so on-call
/// finds a person's sign-up by their sub.
pub fn invoke(event: Value, today: NaiveDate, request_id: &str) -> Result<Value, PreSignUpError> {
    let user_name = adapters::logs::cognito_user_name(&event).to_owned();
    let result = handle(event, today);
    match &result {
        Ok(_) => tracing::info!(request_id, %user_name, outcome = "allowed", "sign-up allowed"),
        Err(PreSignUpError::Refused(refusal)) => {
            tracing::info!(request_id, %user_name, outcome = "refused", %refusal, "sign-up refused")
        }
        Err(error) => {
            tracing::error!(request_id, %user_name, outcome = "fault", %error, "sign-up not handled")
        }
    }
    result
}

/// Returns the event unchanged when the sign-up may go ahead.
pub fn handle(event: Value, today: NaiveDate) -> Result<Value, PreSignUpError> {
    let self_service = match event.get("triggerSource").and_then(Value::as_str) {
        Some("PreSignUp_SignUp" | "PreSignUp_ExternalProvider") => true,
        // Operators holding AWS credentials create users, Admins included.
        Some("PreSignUp_AdminCreateUser") => false,
        Some(_) => return Err(PreSignUpError::UnsupportedTrigger),
        None => return Err(PreSignUpError::MalformedEvent("triggerSource is missing")),
    };
    let parsed: CognitoEventUserPoolsPreSignup =
        serde_json::from_value(event.clone()).map_err(|_| {
            PreSignUpError::MalformedEvent("request.userAttributes must map names to strings")
        })?;
    let attributes = &parsed.request.user_attributes;
    if self_service {
        check_requested_type(attributes.get("custom:user_type").map(String::as_str))?;
    }
    check_attribute(attributes, "custom:dob", |v| DateOfBirth::parse(v, today))?;
    check_attribute(attributes, "custom:blood_group", BloodGroup::parse)?;
    check_attribute(attributes, "custom:gender", Gender::parse)?;
    check_attribute(attributes, "name", DisplayName::parse)?;
    Ok(event)
}
