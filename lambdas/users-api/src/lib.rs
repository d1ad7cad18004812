//! The users API behind API Gateway's REST API and Cognito authorizer: routing,
//! the edge (claims, bodies, headers) and the handlers, generic over the ports.

mod access_log;
mod accounts;
mod admin;
mod audit;
mod edge;
mod error;
pub mod event;
mod pictures;
mod profiles;

use std::time::Instant;

use adapters::config::UsersApiConfig;
use chrono::{DateTime, Utc};
use domain::ports::{AccessLog, PictureStore, ProfileStore, UserDirectory};
use domain::service::Service;
use lambda_http::{Body, Request, Response};

pub use error::ApiError;

pub struct Deps<S, P, G, L> {
    pub profiles: S,
    pub pictures: P,
    pub groups: G,
    /// The PHI access log every profile route records to.
    pub access_log: L,
    pub config: UsersApiConfig,
}

impl<S, P, G, L> Deps<S, P, G, L> {
    /// The profile rules over these ports.
    pub fn service(&self) -> Service<'_, S, P, G> {
        Service {
            store: &self.profiles,
            pictures: &self.pictures,
            groups: &self.groups,
            user_pool_id: &self.config.user_pool_id,
            policy: &self.config.self_service,
            max_picture_bytes: self.config.max_picture_bytes,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    ListUsers,
    GetUser,
    PutUser,
    DeleteUser,
    CreatePictureUploadUrl,
    Metrics,
    AccessLog,
    /// CORS preflight, answered without authentication.
    Preflight,
}

/// Every (method, API Gateway resource) this function serves. The OpenAPI spec and
/// Terraform's route map must list the same set; a test checks the spec.
pub const ROUTES: [(&str, &str, Route); 13] = [
    ("GET", "/health", Route::Health),
    ("GET", "/users", Route::ListUsers),
    ("GET", "/users/{id}", Route::GetUser),
    ("PUT", "/users/{id}", Route::PutUser),
    ("DELETE", "/users/{id}", Route::DeleteUser),
    (
        "POST",
        "/users/{id}/picture-upload-url",
        Route::CreatePictureUploadUrl,
    ),
    ("GET", "/admin/metrics", Route::Metrics),
    ("GET", "/users/{id}/access-log", Route::AccessLog),
    ("OPTIONS", "/users", Route::Preflight),
    ("OPTIONS", "/users/{id}", Route::Preflight),
    (
        "OPTIONS",
        "/users/{id}/picture-upload-url",
        Route::Preflight,
    ),
    ("OPTIONS", "/admin/metrics", Route::Preflight),
    ("OPTIONS", "/users/{id}/access-log", Route::Preflight),
];

fn route(method: &str, resource: &str) -> Result<Route, ApiError> {
    let mut known_resource = false;
    for (m, r, route) in ROUTES {
        if r == resource {
            known_resource = true;
            if m == method {
                return Ok(route);
            }
        }
    }
    Err(if known_resource {
        ApiError::MethodNotAllowed
    } else {
        ApiError::NotFound("no such route")
    })
}

async fn dispatch<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &Request,
    route: Route,
    now: DateTime<Utc>,
    audit: &audit::Audit,
) -> Result<edge::Reply, ApiError> {
    match route {
        Route::Health => Ok(edge::Reply::json(200, serde_json::json!({"status": "ok"}))),
        Route::Preflight => Ok(edge::Reply::empty(204)),
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
    req: Request,
    now: DateTime<Utc>,
) -> Response<Body> {
    let started = Instant::now();
    let resource = edge::resource(&req);
    let method = req.method().as_str();
    let request_id = edge::request_id(&req);
    let audit = audit::Audit::new(request_id, now);
    let result = match route(method, resource) {
        Ok(route) => dispatch(deps, &req, route, now, &audit).await,
        Err(e) => Err(e),
    };
    let result = audit.finish(&deps.access_log, result).await;
    let reply = result.unwrap_or_else(|e| e.into_reply());
    // Only ids, route and outcome: never bodies, claims, e-mail or URLs.
    tracing::info!(
        request_id = request_id.unwrap_or_default(),
        method,
        resource,
        caller = edge::claim(&req, "sub").unwrap_or_default(),
        status = reply.status,
        error = reply.error_code.unwrap_or_default(),
        cause = reply.cause.as_deref().unwrap_or_default(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request handled"
    );
    let origin = req.headers().get("origin").and_then(|v| v.to_str().ok());
    reply.into_response(&deps.config.cors_allowed_origins, origin)
}
