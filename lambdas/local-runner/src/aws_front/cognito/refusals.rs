//! moto's refusals in Cognito's words. moto puts the username, or the access token
//! itself, in some error messages, and says "UserNotFoundException" where an app client with
//! prevent_user_existence_errors makes Cognito answer as for a wrong password. Cognito never
//! echoes a token, password or username.

use super::super::Front;
use super::super::errors::CognitoError;
use super::super::moto::MotoReply;
use super::JSON;
use crate::http::Response;
use serde_json::{Value, json};

/// Operations whose NotAuthorizedException means a wrong password (or, with
/// prevent_user_existence_errors, an unknown user).
const SIGN_IN: [&str; 5] = [
    "InitiateAuth",
    "AdminInitiateAuth",
    "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge",
    "ChangePassword",
];

/// moto's messages that are Cognito's too.
const COGNITO_MESSAGES: [&str; 4] = [
    "Incorrect username or password.",
    "User is disabled.",
    "Refresh Token has been revoked",
    "User is not confirmed.",
];

/// Request fields that are no secret and may appear in an error message (`Name`: an
/// attribute's, such as "email" in "Username should be an email.").
const PLAIN_FIELDS: [&str; 5] = [
    "ClientId",
    "UserPoolId",
    "AuthFlow",
    "ChallengeName",
    "Name",
];

/// Every string the request carried (tokens, passwords, usernames, codes), but the plain ones.
fn carried_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) if s.len() >= 4 => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| carried_strings(v, out)),
        Value::Object(fields) => fields
            .iter()
            .filter(|(name, _)| !PLAIN_FIELDS.contains(&name.as_str()))
            .for_each(|(_, v)| carried_strings(v, out)),
        _ => {}
    }
}

/// moto's reply, its refusals in Cognito's words.
pub fn without_secrets(
    front: &Front,
    operation: &str,
    input: &Value,
    reply: MotoReply,
) -> Response {
    if reply.is_success() {
        return reply.into_response();
    }
    let answer: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let kind = answer["__type"].as_str().unwrap_or_default();
    let message = answer["message"]
        .as_str()
        .or(answer["Message"].as_str())
        .unwrap_or_default();
    let prevent = front
        .applied
        .client(input["ClientId"].as_str().unwrap_or_default())
        .is_some_and(|c| c.prevent_user_existence_errors);
    let has_token = input["AccessToken"].is_string();
    let token_refusal = || {
        CognitoError::new("NotAuthorizedException", "Access Token has been revoked").into_response()
    };
    if SIGN_IN.contains(&operation) && !COGNITO_MESSAGES.contains(&message) {
        if kind == "UserNotFoundException" && prevent {
            return CognitoError::incorrect_credentials().into_response();
        }
        if kind == "NotAuthorizedException" {
            // ChangePassword: a refused token, or a wrong previous password.
            return match has_token && message.contains(input["AccessToken"].as_str().unwrap_or("-"))
            {
                true => token_refusal(),
                false => CognitoError::incorrect_credentials().into_response(),
            };
        }
    }
    let mut carried = Vec::new();
    carried_strings(input, &mut carried);
    let leaks = carried.iter().any(|s| message.contains(s)) || message.contains("eyJ");
    // moto's "Invalid token" is its answer to a token it no longer holds: a revoked one.
    let revoked = has_token && message == "Invalid token";
    if !(leaks || revoked) {
        return reply.into_response();
    }
    if kind == "NotAuthorizedException" && has_token {
        return token_refusal();
    }
    let body = json!({"__type": kind, "message": "The request was refused."}).to_string();
    let mut response = crate::http::response(reply.status, JSON, body);
    if let Ok(kind) = hyper::header::HeaderValue::from_str(kind) {
        response.headers_mut().insert("x-amzn-errortype", kind);
    }
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_carried_and_attribute_names_are_not() {
        let input = json!({
            "ClientId": "client-id",
            "Username": "ada@example.com",
            "Password": "Secret-Passw0rd",
            "UserAttributes": [{"Name": "email", "Value": "ada@example.com"}],
        });
        let mut carried = Vec::new();
        carried_strings(&input, &mut carried);
        assert!(carried.contains(&"Secret-Passw0rd"));
        assert!(carried.contains(&"ada@example.com"));
        assert!(
            !carried.contains(&"email"),
            "an attribute name is no secret"
        );
        assert!(!carried.contains(&"client-id"));
    }
}
