//! Firing a pool's trigger the way Cognito does: the event shape, a 5 s limit, and the
//! error mapping (the function's refusal vs. its crash or timeout).

use super::super::Front;
use super::super::errors::CognitoError;
use crate::functions::Outcome;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Cognito waits at most this long for a trigger.
const TRIGGER_BUDGET: Duration = Duration::from_secs(5);
const COLD_START_GRACE: Duration = Duration::from_secs(1);

/// Who asked Cognito: the app client, or nobody for admin operations.
pub const NO_CLIENT: &str = "CLIENT_ID_NOT_APPLICABLE";

pub struct TriggerCall<'a> {
    /// "PreSignUp" or "PostConfirmation": the name Cognito's error messages use.
    pub trigger: &'a str,
    pub trigger_source: &'a str,
    pub function_arn: &'a str,
    pub user_pool_id: &'a str,
    pub user_name: &'a str,
    pub client_id: &'a str,
    pub request: Value,
    pub response: Value,
}

/// Invokes the trigger; Ok carries the event the function returned, Err Cognito's error reply.
pub async fn fire(front: &Front, call: TriggerCall<'_>) -> Result<Value, CognitoError> {
    let event = json!({
        "version": "1",
        "region": front.applied.region,
        "userPoolId": call.user_pool_id,
        "userName": call.user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": call.client_id},
        "triggerSource": call.trigger_source,
        "request": call.request,
        "response": call.response,
    });
    // The pool's trigger ARN may name an alias or version: it must exist, as on Lambda.
    let function = front.applied.function(call.function_arn);
    let Some(pool) = function.and_then(|f| front.functions.by_arn(&f.arn)) else {
        return Err(CognitoError::unexpected_lambda(
            call.trigger,
            "ResourceNotFoundException",
        ));
    };
    // The function's own timeout is capped at the budget (and reported as a timeout); the
    // outer limit only covers a cold start that never reaches the function.
    let invoke = pool.invoke(Bytes::from(event.to_string()), Some(TRIGGER_BUDGET));
    let invocation = tokio::time::timeout(TRIGGER_BUDGET + COLD_START_GRACE, invoke).await;
    match invocation.map(|i| i.outcome) {
        Ok(Outcome::Response(body)) => match serde_json::from_slice::<Value>(&body) {
            Ok(returned) if returned.is_object() => Ok(returned),
            _ => Err(CognitoError::unexpected_lambda(
                call.trigger,
                "InvalidLambdaResponseException",
            )),
        },
        Ok(Outcome::FunctionError(error)) => Err(CognitoError::user_lambda_validation(
            call.trigger,
            &error.error_message,
        )),
        Ok(Outcome::TimedOut) | Err(_) => Err(CognitoError::unexpected_lambda(
            call.trigger,
            "TimeoutError",
        )),
        Ok(Outcome::Crashed(_) | Outcome::InitFailed(_)) => {
            Err(CognitoError::unexpected_lambda(call.trigger, "Unhandled"))
        }
    }
}

/// `[{Name, Value}, …]` (Cognito's wire form) as the `{name: value}` map events carry.
pub fn attribute_map(attributes: &Value) -> Map<String, Value> {
    attributes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some((
                a["Name"].as_str()?.to_string(),
                Value::String(a["Value"].as_str()?.to_string()),
            ))
        })
        .collect()
}

/// Attribute names of a `[{Name, Value}, …]` list.
pub fn attribute_names(attributes: &Value) -> Vec<String> {
    attributes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["Name"].as_str().map(str::to_string))
        .collect()
}

/// A map field of the input, or null as Cognito sends when absent.
pub fn map_or_null(value: &Value) -> Value {
    match value {
        Value::Array(_) => Value::Object(attribute_map(value)),
        Value::Object(_) => value.clone(),
        _ => Value::Null,
    }
}
