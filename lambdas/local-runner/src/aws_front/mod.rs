//! The AWS front: one endpoint for every AWS call. Everything goes to moto unchanged,
//! except the Cognito operations that fire triggers or that moto checks more loosely than
//! AWS, and Lambda's Invoke, which runs the function here.

mod cognito;
mod errors;
mod lambda;
mod moto;
mod moto_gaps;

pub use moto_gaps::relax_transport_conditions;

pub use moto::Moto;

use crate::applied::Applied;
use crate::functions::Functions;
use crate::http::{self, Request, Response};
use std::sync::Arc;

const COGNITO_TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

pub struct Front {
    pub applied: Arc<Applied>,
    pub functions: Arc<Functions>,
    pub moto: Moto,
}

pub async fn handle(front: Arc<Front>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match http::read_body(body).await {
        Ok(body) => body,
        Err(e) => return http::json(413, &serde_json::json!({"message": e.to_string()})),
    };
    if parts.method == hyper::Method::POST
        && let Some(function) = lambda::invoked_function(parts.uri.path())
    {
        return lambda::invoke(&front, &function, body).await;
    }
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.strip_prefix(COGNITO_TARGET_PREFIX))
        .map(str::to_string);
    match operation {
        Some(operation) => cognito::handle(&front, &operation, parts, body).await,
        None => front.moto.forward(parts, body).await,
    }
}

#[cfg(test)]
mod tests;
