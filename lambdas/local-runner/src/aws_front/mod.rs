//! The AWS front: one endpoint for every AWS call. A call signed with a function's
//! credentials is first judged against its role's policies, as IAM would. Everything then
//! goes to moto unchanged, except the Cognito operations that fire triggers or that moto
//! checks more loosely than AWS, and Lambda's Invoke, which runs the function here.
//! DynamoDB and Cognito calls can be throttled on request (`throttles`, local only).

mod access;
mod cognito;
mod discovery;
mod errors;
mod lambda;
pub mod moto;
mod moto_gaps;
mod throttles;
mod transactions;

pub use moto_gaps::relax_transport_conditions;

pub use cognito::State as CognitoState;
pub use cognito::call as cognito_call;
pub use moto::Moto;
pub use throttles::Throttles;
pub use transactions::InFlight;

use crate::applied::Applied;
use crate::functions::Functions;
use crate::http::{self, Request, Response};
use crate::iam::Identities;
use std::sync::Arc;

const COGNITO_TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const DYNAMODB_TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// The operation an `X-Amz-Target` names for the service with this prefix.
fn operation_of<'a>(parts: &'a hyper::http::request::Parts, prefix: &str) -> Option<&'a str> {
    parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.strip_prefix(prefix))
}

/// moto's own endpoints (its dashboard and data dump, our wrapper's state snapshot and
/// password lookup) are not AWS's: they hold every secret, so the front never forwards them.
fn is_moto_control(path: &str) -> bool {
    path.starts_with("/_local/") || path == "/moto-api" || path.starts_with("/moto-api/")
}

/// True when a web ACL on the user pool refuses this Cognito operation.
fn waf_blocks(front: &Front, operation: &str) -> bool {
    front
        .applied
        .waf_blocked_cognito_targets
        .contains(&format!("{COGNITO_TARGET_PREFIX}{operation}"))
}

pub struct Front {
    pub applied: Arc<Applied>,
    pub functions: Arc<Functions>,
    pub identities: Arc<Identities>,
    pub moto: Moto,
    /// TransactWriteItems in flight, so that overlapping ones conflict as on DynamoDB.
    pub transactions: InFlight,
    /// Throttling injected through `/_local/throttle`.
    pub throttles: Throttles,
    /// Sign-in challenges and codes outstanding, and the outbox messages go to.
    pub cognito: CognitoState,
    /// The pools' local issuer is `{aws_endpoint_url}/{pool id}`; its discovery document
    /// points at the Hosted UI's endpoints.
    pub urls: LocalUrls,
}

#[derive(Clone, Debug, Default)]
pub struct LocalUrls {
    pub aws_endpoint_url: String,
    pub hosted_ui_url: String,
}

pub async fn handle(front: Arc<Front>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match http::read_body(body).await {
        Ok(body) => body,
        Err(e) => return http::json(413, &serde_json::json!({"message": e.to_string()})),
    };
    if parts.uri.path() == throttles::CONTROL_PATH {
        return front.throttles.control(&parts.method, &body);
    }
    if is_moto_control(parts.uri.path()) {
        return http::json(404, &serde_json::json!({"message": "Not Found"}));
    }
    if parts.method == hyper::Method::GET
        && let Some(document) = discovery::serve(&front, parts.uri.path()).await
    {
        return document;
    }
    let caller = match access::authorize(&front, &parts, &body) {
        Ok(caller) => caller.cloned(),
        Err(denied) => return denied.into_response(),
    };
    if parts.method == hyper::Method::POST
        && let Some(function) = lambda::invoked_function(parts.uri.path())
    {
        return lambda::invoke(&front, &function, parts.uri.query(), body).await;
    }
    let operation = operation_of(&parts, COGNITO_TARGET_PREFIX).map(str::to_string);
    // Neither a Cognito nor a DynamoDB target: an S3 request (path-style).
    let throttled = match (&operation, operation_of(&parts, DYNAMODB_TARGET_PREFIX)) {
        (Some(cognito), _) => front.throttles.take("cognito-idp", cognito),
        (None, Some(dynamodb)) => front.throttles.take("dynamodb", dynamodb),
        (None, None) => front.throttles.take(
            "s3",
            throttles::s3_operation(&parts.method, parts.uri.path(), parts.uri.query()),
        ),
    };
    if let Some(throttled) = throttled {
        return throttled.into_response();
    }
    match operation {
        Some(operation) if waf_blocks(&front, &operation) => {
            errors::CognitoError::blocked_by_waf().into_response()
        }
        Some(operation) => cognito::handle(&front, &operation, parts, body).await,
        None => {
            let _claim = match operation_of(&parts, DYNAMODB_TARGET_PREFIX) {
                Some("TransactWriteItems") => match front.transactions.claim(&body) {
                    Ok(claim) => Some(claim),
                    Err(cancelled) => return cancelled.into_response(),
                },
                _ => None,
            };
            let response = front.moto.forward(&parts, body).await;
            match caller {
                Some(identity) => access::hide_missing_object(&identity, &parts, response),
                None => response,
            }
        }
    }
}

#[cfg(test)]
mod tests;
