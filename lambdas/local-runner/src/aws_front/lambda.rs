//! Lambda's Invoke API (RequestResponse), for operators and tests that call a function
//! directly, e.g. to deliver a Cognito trigger event again as Cognito's retry would.

use super::Front;
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

pub async fn invoke(front: &Front, function: &str, payload: Bytes) -> Response {
    let spec = front
        .applied
        .functions
        .iter()
        .find(|f| f.name == function || f.arn == function);
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
