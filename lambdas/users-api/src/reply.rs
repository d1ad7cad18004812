//! What a handler answers, before the common headers are added: its status, JSON body and
//! own headers, and for the log line its error code and cause.

use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

const INTERNAL_ERROR: &str =
    r#"{"error":{"code":"internal_error","message":"the response could not be built"}}"#;

/// A response before the common headers are added.
pub struct Reply {
    pub status: u16,
    /// The JSON body, already serialized.
    pub body: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    /// For the log line.
    pub error_code: Option<&'static str>,
    pub cause: Option<String>,
}

impl Reply {
    /// `body` is serialized here, once, straight from the handler's types.
    pub fn json(status: u16, body: impl Serialize) -> Self {
        match serde_json::to_string(&body) {
            Ok(text) => Reply {
                status,
                body: Some(text),
                headers: Vec::new(),
                error_code: None,
                cause: None,
            },
            // Not reachable with the API's types (string keys only), and never a panic.
            Err(e) => Reply {
                status: 500,
                body: Some(INTERNAL_ERROR.to_owned()),
                headers: Vec::new(),
                error_code: Some("internal_error"),
                cause: Some(e.to_string()),
            },
        }
    }

    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
            error_code: None,
            cause: None,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// `allowed_origins` is the CORS allow-list; the request's `Origin` is echoed back
    /// only when listed, and `Vary: Origin` tells caches the answer depends on it.
    pub fn into_response(
        self,
        allowed_origins: &[String],
        request_origin: Option<&str>,
    ) -> Response<Body> {
        use lambda_http::http::header::{self, HeaderName, HeaderValue};
        // Names and values known at compile time are used as they are, not parsed per request.
        let constant = HeaderValue::from_static;
        let Ok(status) = StatusCode::from_u16(self.status) else {
            return internal_error();
        };
        let mut headers = HeaderMap::with_capacity(12);
        if self.body.is_some() {
            headers.insert(header::CONTENT_TYPE, constant("application/json"));
        }
        // Profiles are personal health data: no shared or browser caching.
        headers.insert(header::CACHE_CONTROL, constant("no-store"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, constant("nosniff"));
        if !allowed_origins.is_empty() {
            headers.insert(header::VARY, constant("Origin"));
        }
        if let Some(origin) = request_origin.filter(|o| allowed_origins.iter().any(|a| a == o)) {
            let Ok(origin) = HeaderValue::from_str(origin) else {
                return internal_error();
            };
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                constant("GET, PUT, POST, DELETE, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                constant("Authorization, Content-Type, If-Match"),
            );
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                constant("ETag, Retry-After"),
            );
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, constant("600"));
        }
        for (name, value) in self.headers {
            let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value))
            else {
                return internal_error();
            };
            headers.append(name, value);
        }
        let body = match self.body {
            Some(text) => Body::Text(text),
            None => Body::Empty,
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

fn internal_error() -> Response<Body> {
    let mut response = Response::new(Body::Text(INTERNAL_ERROR.to_owned()));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}
