//! Cognito's error replies (awsJson 1.1): status 400, `__type` and `message`.

use crate::http::{self, Response};

/// An error Cognito would answer with.
#[derive(Debug, Clone, PartialEq)]
pub struct CognitoError {
    pub kind: &'static str,
    pub message: String,
}

impl CognitoError {
    /// A trigger refused: the function returned an error. Cognito carries its message.
    pub fn user_lambda_validation(trigger: &str, function_message: &str) -> Self {
        CognitoError {
            kind: "UserLambdaValidationException",
            message: format!("{trigger} failed with error {function_message}."),
        }
    }

    /// A trigger crashed, timed out or could not run.
    pub fn unexpected_lambda(trigger: &str, cause: &str) -> Self {
        CognitoError {
            kind: "UnexpectedLambdaException",
            message: format!("{trigger} invocation failed due to error {cause}."),
        }
    }

    /// A web ACL associated with the user pool refused the request.
    pub fn blocked_by_waf() -> Self {
        CognitoError {
            kind: "ForbiddenException",
            message: "Request blocked by AWS WAF.".to_string(),
        }
    }

    pub fn unauthorized_attribute_write() -> Self {
        CognitoError {
            kind: "NotAuthorizedException",
            message: "A client attempted to write unauthorized attribute".to_string(),
        }
    }

    pub fn immutable_attribute(name: &str) -> Self {
        CognitoError {
            kind: "InvalidParameterException",
            message: format!(
                "Invalid user attributes: {name}: Attribute cannot be updated. (changing an immutable attribute)"
            ),
        }
    }

    pub fn new(kind: &'static str, message: &str) -> Self {
        CognitoError {
            kind,
            message: message.to_string(),
        }
    }

    /// A wrong password, and (with prevent_user_existence_errors) an unknown user.
    pub fn incorrect_credentials() -> Self {
        Self::new("NotAuthorizedException", "Incorrect username or password.")
    }

    pub fn invalid_password(reason: &str) -> Self {
        Self::new(
            "InvalidPasswordException",
            &format!("Password did not conform with policy: {reason}"),
        )
    }

    pub fn invalid_parameter(message: &str) -> Self {
        Self::new("InvalidParameterException", message)
    }

    pub fn code_mismatch() -> Self {
        Self::new(
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )
    }

    pub fn expired_code() -> Self {
        Self::new(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again.",
        )
    }

    pub fn into_response(self) -> Response {
        let body = serde_json::json!({"__type": self.kind, "message": self.message}).to_string();
        let mut response = http::response(400, "application/x-amz-json-1.1", body);
        response.headers_mut().insert(
            "x-amzn-errortype",
            hyper::header::HeaderValue::from_static(self.kind),
        );
        response
    }
}
