//! Lambda's Invoke API (RequestResponse), for operators and tests that call a function
//! directly, e.g. to deliver a Cognito trigger event again as Cognito's retry would.

use super::Front;
use crate::applied::split_qualifier;
use crate::functions::Outcome;
use crate::http::{self, Response};
use bytes::Bytes;
use serde_json::json;

const PREFIX: &str = "/2015-03-31/functions/";
const SUFFIX: &str = "/invocations";

/// The function name or ARN of an Invoke request path (SDKs encode an ARN's colons).
pub fn invoked_function(path: &str) -> Option<String> {
    let name = path.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    Some(name.replace("%3A", ":").replace("%3a", ":"))
}

/// The function reference Invoke resolves: the path's name or ARN, with the `Qualifier`
/// query parameter appended when the path carries none. Err when both name a qualifier
/// and they differ, which Lambda refuses.
pub fn qualified_reference(function: &str, query: Option<&str>) -> Result<String, String> {
    let parameter = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("Qualifier="))
        .map(|q| q.replace("%24", "$"));
    match (split_qualifier(function).1, parameter) {
        (_, None) => Ok(function.to_string()),
        (None, Some(qualifier)) => Ok(format!("{function}:{qualifier}")),
        (Some(in_path), Some(qualifier)) if in_path == qualifier => Ok(function.to_string()),
        (Some(_), Some(_)) => Err(
            "The derived qualifier from the function name does not match the specified qualifier."
                .to_string(),
        ),
    }
}

pub async fn invoke(
    front: &Front,
    function: &str,
    query: Option<&str>,
    payload: Bytes,
) -> Response {
    let function = match qualified_reference(function, query) {
        Ok(function) => function,
        Err(message) => {
            return http::json(
                400,
                &json!({"__type": "InvalidParameterValueException", "message": message}),
            );
        }
    };
    // A name or ARN, qualified by an alias or version that must exist, as on Lambda.
    let spec = front.applied.function(&function);
    let Some(pool) = spec.and_then(|f| front.functions.by_arn(&f.arn)) else {
        return http::json(
            404,
            &json!({"__type": "ResourceNotFoundException", "message": format!("Function not found: {function}")}),
        );
    };
    if serde_json::from_slice::<serde_json::Value>(&payload).is_err() {
        return http::json(
            400,
            &json!({"__type": "InvalidRequestContentException", "message": "Could not parse request body into json"}),
        );
    }
    // As Lambda does, a function's failure is a 200 with X-Amz-Function-Error.
    let (body, failed) = match pool.invoke(payload, None).await.outcome {
        Outcome::Response(body) => (body, false),
        Outcome::FunctionError(error) | Outcome::InitFailed(error) => (
            Bytes::from(
                json!({"errorType": error.error_type, "errorMessage": error.error_message})
                    .to_string(),
            ),
            true,
        ),
        Outcome::Crashed(reason) => (
            Bytes::from(
                json!({"errorType": "Runtime.ExitError", "errorMessage": reason}).to_string(),
            ),
            true,
        ),
        Outcome::TimedOut => (
            Bytes::from(
                json!({"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"})
                    .to_string(),
            ),
            true,
        ),
    };
    let mut response = http::response(200, "application/json", body);
    if failed {
        response.headers_mut().insert(
            "x-amz-function-error",
            hyper::header::HeaderValue::from_static("Unhandled"),
        );
    }
    response
}
