//! The REST API stage `{api_url}` = `http://127.0.0.1:<port>/<stage>`: routes, authorizers
//! and integrations as Terraform applied them.

mod authorizer;
mod event;
mod routing;

pub use authorizer::Authorizer;

use crate::applied::{Applied, RestApi};
use crate::functions::{Functions, Outcome};
use crate::http::{self, Request, Response};
use bytes::Bytes;
use routing::RouteMatch;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

pub struct Gateway {
    pub applied: Arc<Applied>,
    pub api: RestApi,
    pub functions: Arc<Functions>,
    pub authorizer: Authorizer,
}

pub async fn handle(gateway: Arc<Gateway>, peer: SocketAddr, request: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let started = std::time::Instant::now();
    let method = request.method().to_string();
    let response = serve(&gateway, peer, &request_id, request).await;
    // Request metadata only: no query strings, headers or bodies.
    println!(
        "api {request_id} {method} -> {} in {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

async fn serve(
    gateway: &Gateway,
    peer: SocketAddr,
    request_id: &str,
    request: Request,
) -> Response {
    let path = request.uri().path().to_string();
    // API Gateway's own answers, dressed as Terraform's gateway responses say.
    let headers = request.headers().clone();
    let answer = |what: Answer| gateway_answer(&gateway.api, &headers, what);
    let stage_prefix = format!("/{}", gateway.api.stage_name);
    let Some(below_stage) = path
        .strip_prefix(&stage_prefix)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    else {
        return answer(MISSING_AUTHENTICATION_TOKEN);
    };
    let below_stage = if below_stage.is_empty() {
        "/"
    } else {
        below_stage
    };
    let method = request.method().as_str().to_string();
    let RouteMatch::Found(matched) = routing::find(&gateway.api.routes, &method, below_stage)
    else {
        return answer(MISSING_AUTHENTICATION_TOKEN);
    };
    let route = matched.route;

    let claims = match &route.authorizer_pool_arns {
        Some(pool_arns) => {
            let header = request
                .headers()
                .get(hyper::header::AUTHORIZATION)
                .and_then(|h| h.to_str().ok());
            match gateway
                .authorizer
                .verify(&gateway.applied, pool_arns, header)
                .await
            {
                Ok(claims) => Some(claims),
                Err(rejection) => {
                    println!("api {request_id} unauthorized: {rejection}");
                    return answer(UNAUTHORIZED);
                }
            }
        }
        None => None,
    };

    let Some(function) = route
        .function_arn
        .as_deref()
        .and_then(|arn| gateway.applied.function(arn))
        .and_then(|function| gateway.functions.by_arn(&function.arn))
    else {
        return answer(INTERNAL_ERROR);
    };
    let (parts, body) = request.into_parts();
    let body = match http::read_body(body).await {
        Ok(body) => body,
        Err(_) => return answer(REQUEST_TOO_LARGE),
    };
    let event = event::proxy_event(
        &parts,
        &body,
        &event::EventContext {
            api_id: &gateway.api.id,
            account_id: &gateway.applied.account_id,
            stage: &gateway.api.stage_name,
            request_id,
            resource_id: &route.resource_id,
            resource_path: &route.resource_path,
            path: below_stage,
            path_parameters: &matched.path_parameters,
            claims: claims.as_ref(),
            source_ip: peer.ip().to_string(),
        },
    );
    match function
        .invoke(Bytes::from(event.to_string()), None)
        .await
        .outcome
    {
        Outcome::Response(payload) => event::map_proxy_response(&payload, request_id)
            .unwrap_or_else(|| answer(INTERNAL_ERROR)),
        _ => answer(INTERNAL_ERROR),
    }
}

/// API Gateway's own answers: (gateway response type, status, message).
type Answer = (&'static str, u16, &'static str);
const MISSING_AUTHENTICATION_TOKEN: Answer = (
    "MISSING_AUTHENTICATION_TOKEN",
    403,
    "Missing Authentication Token",
);
const UNAUTHORIZED: Answer = ("UNAUTHORIZED", 401, "Unauthorized");
const REQUEST_TOO_LARGE: Answer = ("REQUEST_TOO_LARGE", 413, "Request Too Long");
/// A function that failed or answered something API Gateway cannot map.
const INTERNAL_ERROR: Answer = ("DEFAULT_5XX", 502, "Internal server error");

/// The answer with the gateway response applied for its type, else DEFAULT_4XX or
/// DEFAULT_5XX: its status code and its headers, each a static `'value'` or a request
/// header (`method.request.header.<name>`, absent when the request has none).
fn gateway_answer(api: &RestApi, request_headers: &hyper::HeaderMap, answer: Answer) -> Response {
    let (kind, status, message) = answer;
    let default = if status >= 500 {
        "DEFAULT_5XX"
    } else {
        "DEFAULT_4XX"
    };
    let dressing = api
        .gateway_responses
        .get(kind)
        .or_else(|| api.gateway_responses.get(default));
    let status = dressing.and_then(|d| d.status_code).unwrap_or(status);
    let mut response = http::json(status, &json!({"message": message}));
    for (name, source) in dressing.into_iter().flat_map(|d| &d.headers) {
        let value = match source.strip_prefix("method.request.header.") {
            Some(header) => request_headers.get(header).cloned(),
            None => source
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .and_then(|v| hyper::header::HeaderValue::from_str(v).ok()),
        };
        if let (Ok(name), Some(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            value,
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests;
