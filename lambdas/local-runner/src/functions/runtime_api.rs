//! The Lambda Runtime API one instance talks to (`AWS_LAMBDA_RUNTIME_API`): `next`,
//! `response`, `error` and `init/error`, each instance on its own loopback listener.

use super::invocation::{FunctionError, Outcome, Slot};
use crate::http::{self, Request, Response};
use bytes::Bytes;
use hyper::Method;
use std::sync::Arc;

const PREFIX: &str = "/2018-06-01/runtime/";

pub async fn handle(slot: Arc<Slot>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let Some(route) = path.strip_prefix(PREFIX) else {
        return not_found();
    };
    let method = request.method().clone();
    let segments: Vec<&str> = route.split('/').collect();
    match (method, segments.as_slice()) {
        (Method::GET, ["invocation", "next"]) => next(&slot).await,
        (Method::POST, ["invocation", request_id, "response"]) => {
            let request_id = request_id.to_string();
            match http::read_body(request.into_body()).await {
                Ok(body) => finish(&slot, &request_id, Outcome::Response(body)),
                Err(e) => http::json(413, &serde_json::json!({"errorMessage": e.to_string()})),
            }
        }
        (Method::POST, ["invocation", request_id, "error"]) => {
            let request_id = request_id.to_string();
            let error = error_of(request).await;
            finish(&slot, &request_id, Outcome::FunctionError(error))
        }
        (Method::POST, ["init", "error"]) => {
            let error = error_of(request).await;
            slot.fail_init(error);
            accepted()
        }
        _ => not_found(),
    }
}

async fn next(slot: &Slot) -> Response {
    let delivery = slot.next().await;
    let mut response = http::response(200, "application/json", delivery.payload);
    let headers = response.headers_mut();
    let pairs = [
        ("lambda-runtime-aws-request-id", delivery.request_id),
        (
            "lambda-runtime-deadline-ms",
            delivery.deadline_epoch_ms.to_string(),
        ),
        ("lambda-runtime-invoked-function-arn", delivery.function_arn),
        ("lambda-runtime-trace-id", delivery.trace_id),
    ];
    for (name, value) in pairs {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

fn finish(slot: &Slot, request_id: &str, outcome: Outcome) -> Response {
    if slot.finish(request_id, outcome) {
        accepted()
    } else {
        http::json(
            400,
            &serde_json::json!({"errorType": "InvalidRequestID", "errorMessage": "unknown or finished request id"}),
        )
    }
}

async fn error_of(request: Request) -> FunctionError {
    let error_type_header = request
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = http::read_body(request.into_body())
        .await
        .unwrap_or_else(|_| Bytes::new());
    FunctionError::from_body(&body, error_type_header)
}

fn accepted() -> Response {
    http::json(202, &serde_json::json!({"status": "OK"}))
}

fn not_found() -> Response {
    http::json(
        404,
        &serde_json::json!({"errorType": "NotFound", "errorMessage": "unknown Runtime API path"}),
    )
}
