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
    let stage_prefix = format!("/{}", gateway.api.stage_name);
    let Some(below_stage) = path
        .strip_prefix(&stage_prefix)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    else {
        return missing_token();
    };
    let below_stage = if below_stage.is_empty() {
        "/"
    } else {
        below_stage
    };
    let method = request.method().as_str().to_string();
    let RouteMatch::Found(matched) = routing::find(&gateway.api.routes, &method, below_stage)
    else {
        return missing_token();
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
                    return http::json(401, &json!({"message": "Unauthorized"}));
                }
            }
        }
        None => None,
    };

    let Some(function) = route
        .function_arn
        .as_deref()
        .and_then(|arn| gateway.functions.by_arn(arn))
    else {
        return internal_error();
    };
    let (parts, body) = request.into_parts();
    let body = match http::read_body(body).await {
        Ok(body) => body,
        Err(_) => return http::json(413, &json!({"message": "Request Too Long"})),
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
        Outcome::Response(payload) => {
            event::map_proxy_response(&payload, request_id).unwrap_or_else(internal_error)
        }
        _ => internal_error(),
    }
}

fn missing_token() -> Response {
    http::json(403, &json!({"message": "Missing Authentication Token"}))
}

fn internal_error() -> Response {
    http::json(502, &json!({"message": "Internal server error"}))
}

#[cfg(test)]
mod tests;
