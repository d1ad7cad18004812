//! The Cognito Hosted UI, locally: the sign-in pages (`pages`), the OAuth2 endpoints
//! (`authorize`, `token`), and a local callback that shows a person the whole flow
//! (`callback`). Every rule comes from what Terraform applied (the app client's callback
//! and logout URLs, OAuth flows and scopes, the pool's password policy and triggers), and
//! every sign-up, confirmation and reset goes through the AWS front's Cognito operations,
//! so triggers, attribute rules, codes and the outbox are the API path's.

mod authorize;
mod callback;
mod grants;
// A page that cannot go on returns the response it answers with; one per request.
#[allow(clippy::result_large_err)]
mod pages;
pub mod tls;
mod token;

use crate::aws_front::Front;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, SameSite};
use std::sync::Arc;

pub struct HostedUi {
    pub front: Arc<Front>,
    /// Where this UI answers: `http://localhost:{port}` (or the HTTPS listener's URL).
    pub url: String,
    /// The REST stage, for the local callback's `GET /users/me`.
    pub api_url: String,
    /// Codes and the local callback's flows: one authorization server behind both
    /// listeners, so a code is redeemable at either token endpoint.
    grants: Arc<grants::Grants>,
    callback: Arc<callback::Started>,
    /// This listener's own browsers and cookies.
    sessions: grants::Sessions,
    cookies: Cookies,
}

impl HostedUi {
    /// The UI over plain HTTP on loopback.
    pub fn new(front: Arc<Front>, url: String, api_url: String) -> HostedUi {
        HostedUi {
            front,
            url,
            api_url,
            grants: Arc::default(),
            callback: Arc::default(),
            sessions: grants::Sessions::default(),
            cookies: Cookies { secure: false },
        }
    }

    /// The same UI at `url` over HTTPS: codes shared, sessions and cookies its own.
    pub fn over_https(&self, url: String) -> HostedUi {
        HostedUi {
            front: self.front.clone(),
            url,
            api_url: self.api_url.clone(),
            grants: self.grants.clone(),
            callback: self.callback.clone(),
            sessions: grants::Sessions::default(),
            cookies: Cookies { secure: true },
        }
    }
}

/// The cookies one listener sets: `HttpOnly` (no script reads the session or the CSRF
/// token), `SameSite=Lax` (an app's top-level redirect to `/oauth2/authorize` still carries
/// the session, no other site's request does), and `Secure` over HTTPS, as on Cognito's
/// HTTPS-only domain. Cookies are not told apart by port, so the HTTPS listener's are also
/// named with the `__Host-` prefix (RFC 6265bis: set only by a secure origin, host-only,
/// path `/`), and the plain listener neither reads those names nor knows that listener's
/// sessions: an HTTPS session never signs anyone in over http://localhost.
#[derive(Clone, Copy)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    /// This listener's name for one of Cognito's cookies (`cognito`, `XSRF-TOKEN`, …).
    pub fn name(self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }

    pub fn cookie(self, base: &str, value: String) -> Cookie<'static> {
        Cookie::build((self.name(base), value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .build()
    }

    /// What removes the cookie (same name, path and `Secure`).
    pub fn removal(self, base: &str) -> Cookie<'static> {
        Cookie::build(self.name(base))
            .path("/")
            .secure(self.secure)
            .build()
    }
}

/// Cognito's redirects are 302 Found (axum's `Redirect` offers 303 and 307).
fn found(location: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::FOUND,
        [(axum::http::header::LOCATION, location.to_string())],
    )
        .into_response()
}

/// What a web app calls with `fetch` from its own origin (Amplify: the token exchange,
/// revocation at sign-out; userInfo) answers any origin, as Cognito's endpoints do: they
/// read no cookie, only what the request itself carries.
fn called_from_apps() -> Router<Arc<HostedUi>> {
    Router::new()
        .route("/oauth2/token", post(token::token).options(preflight))
        .route(
            "/oauth2/userInfo",
            get(token::user_info)
                .post(token::user_info)
                .options(preflight),
        )
        .route("/oauth2/revoke", post(token::revoke).options(preflight))
        .layer(axum::middleware::map_response(any_origin))
}

async fn any_origin(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// A CORS preflight: the methods these endpoints take, and the headers asked for (Amplify
/// adds its own user-agent header).
async fn preflight(request: HeaderMap) -> Response {
    let asked = request
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("authorization, content-type"));
    (
        StatusCode::NO_CONTENT,
        [
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            ),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, asked),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            ),
        ],
    )
        .into_response()
}

pub fn router(ui: Arc<HostedUi>) -> Router {
    Router::new()
        .merge(called_from_apps())
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/signup", get(pages::signup_page).post(pages::signup))
        .route("/confirm", get(pages::confirm_page).post(pages::confirm))
        .route(
            "/forgotPassword",
            get(pages::forgot_page).post(pages::forgot),
        )
        .route(
            "/confirmForgotPassword",
            get(pages::confirm_forgot_page).post(pages::confirm_forgot),
        )
        .route("/logout", get(pages::logout))
        .route("/local/authorize-url", post(callback::authorize_url))
        .route("/local/callback", get(callback::callback))
        .route("/local/signed-out", get(callback::signed_out))
        .fallback(pages::not_found)
        .layer(axum::middleware::map_response(never_framed))
        .with_state(ui)
        .layer(axum::middleware::from_fn(loopback_only))
}

/// Both listeners answer only for a loopback host (DNS rebinding; `http::is_loopback_host`).
async fn loopback_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if crate::http::is_loopback_host(request.headers()) {
        next.run(request).await
    } else {
        crate::http::foreign_host().map(axum::body::Body::new)
    }
}

/// No page of the UI may be framed by another site (clickjacking a sign-in form): Cognito
/// does not support showing its sign-in pages in a frame, and the local pages refuse it
/// outright with `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`.
async fn never_framed(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    response
}
