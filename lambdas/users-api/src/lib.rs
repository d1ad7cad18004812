//! The users API behind API Gateway's REST API and Cognito authorizer: the request parsed
//! once (`event`, `request`), routed to the handlers, which call the profile service.

mod access_log;
mod accounts;
mod admin;
mod audit;
mod deps;
mod error;
pub mod event;
mod pictures;
mod profiles;
mod reply;
pub mod request;
pub mod route;

use std::time::Instant;

use chrono::{DateTime, Utc};
use domain::ports::{AccessLog, PictureStore, ProfileStore, UserDirectory};
use lambda_http::{Body, Response};

use crate::reply::Reply;
use crate::request::ApiRequest;
use crate::route::Route;

pub use deps::Deps;
pub use error::ApiError;
pub use route::ROUTES;

async fn dispatch<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
    route: Route,
    now: DateTime<Utc>,
    audit: &audit::Audit,
) -> Result<Reply, ApiError> {
    match route {
        Route::Health => Ok(Reply::json(200, serde_json::json!({"status": "ok"}))),
        Route::Preflight => Ok(Reply::empty(204)),
        Route::GetUser => profiles::get(deps, req, now, audit).await,
        Route::PutUser => profiles::put(deps, req, now, audit).await,
        Route::DeleteUser => accounts::delete(deps, req, audit).await,
        Route::CreatePictureUploadUrl => pictures::create_upload_url(deps, req, audit).await,
        Route::ListUsers => admin::list(deps, req, audit).await,
        Route::Metrics => admin::metrics(deps, req).await,
        Route::AccessLog => access_log::list(deps, req).await,
    }
}

/// Handles one API Gateway request. Every failure becomes a JSON error response;
/// nothing a request carries can make this panic or return a 5xx. An attempt on a
/// profile is answered only once the access log holds it (else 503).
pub async fn handle<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: ApiRequest,
    now: DateTime<Utc>,
) -> Response<Body> {
    let started = Instant::now();
    let request_id = req.request_id.as_deref();
    let audit = audit::Audit::new(request_id, now);
    let result = match req.route {
        Ok(route) => dispatch(deps, &req, route, now, &audit).await,
        Err(no_route) => Err(no_route.into()),
    };
    let result = audit.finish(&deps.access_log, result).await;
    let reply = result.unwrap_or_else(|e| e.into_reply());
    // Only ids, route and outcome: never bodies, claims, e-mail or URLs.
    tracing::info!(
        request_id = request_id.unwrap_or_default(),
        method = req.method,
        resource = req.resource,
        caller = req.claim("sub").unwrap_or_default(),
        status = reply.status,
        error = reply.error_code.unwrap_or_default(),
        cause = reply.cause.as_deref().unwrap_or_default(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request handled"
    );
    let origin = req.origin.as_deref().and_then(request::visible);
    reply.into_response(&deps.config.cors_allowed_origins, origin)
}
