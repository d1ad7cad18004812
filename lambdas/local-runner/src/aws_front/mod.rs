//! The AWS front: one endpoint for every AWS call. Its signature is checked as AWS checks
//! it (`sigv4`); a call signed with a function's credentials is then judged against its
//! role's policies, as IAM would. Everything then goes to moto unchanged, except the
//! Cognito operations that fire triggers or that moto checks more loosely than AWS, and
//! Lambda's Invoke, which runs the function here. The control endpoints are never
//! forwarded (`control`); DynamoDB and Cognito calls can be throttled on request
//! (`throttles`, local only, behind the control secret).

mod access;
mod cognito;
mod control;
mod cors;
mod discovery;
mod errors;
mod lambda;
pub mod moto;
mod moto_gaps;
mod sigv4;
mod throttles;
mod transactions;

pub use moto_gaps::relax_transport_conditions;

pub use cognito::State as CognitoState;
pub use cognito::call as cognito_call;
pub use control::{ControlSecret, read_secrets};
pub use moto::Moto;
pub use sigv4::StackCredentials;
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

/// A control path (`control`): the throttle switch for a caller with the control secret;
/// nothing else, since moto's and the wrapper's control endpoints are never forwarded.
fn control(front: &Front, parts: &hyper::http::request::Parts, body: &[u8]) -> Response {
    if !front.control_secret.admits(&parts.headers) {
        return http::json(
            403,
            &serde_json::json!({"message": "the local control endpoints need the stack's control secret (X-Local-Control-Secret)"}),
        );
    }
    if parts.uri.path() == throttles::CONTROL_PATH {
        return front.throttles.control(&parts.method, body);
    }
    http::json(404, &serde_json::json!({"message": "Not Found"}))
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
    /// Opens the control endpoints (`control`).
    pub control_secret: ControlSecret,
    /// The stack's own access key pair, which clients sign with (`sigv4`).
    pub credentials: StackCredentials,
    /// TransactWriteItems in flight, so that overlapping ones conflict as on DynamoDB.
    pub transactions: InFlight,
    /// Throttling injected through `/_local/throttle` (with the control secret).
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
    if control::is_control_path(parts.uri.path()) {
        return control(&front, &parts, &body);
    }
    if let Some(answer) = cors::preflight(&front, &parts, body.clone()).await {
        return answer;
    }
    let from_page = cors::from_page(&parts);
    let response = answer(front, parts, body).await;
    if from_page {
        cors::readable_by_pages(response)
    } else {
        response
    }
}

/// The answer to an AWS call: signature, IAM, then the service.
async fn answer(
    front: Arc<Front>,
    parts: hyper::http::request::Parts,
    body: bytes::Bytes,
) -> Response {
    // OIDC discovery and JWKS are public documents.
    if parts.method == hyper::Method::GET
        && let Some(document) = discovery::serve(&front, parts.uri.path()).await
    {
        return document;
    }
    if let Err(refusal) = sigv4::verify(
        &front.credentials,
        &front.identities,
        &front.applied.region,
        &parts,
        &body,
        std::time::SystemTime::now(),
    ) {
        return refusal.into_response(
            sigv4::Service::of(&parts),
            parts.method == hyper::Method::HEAD,
        );
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
