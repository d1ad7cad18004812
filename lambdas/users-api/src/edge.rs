//! The HTTP edge: what API Gateway hands the function (resource, claims, body,
//! headers) turned into domain values, and replies turned into responses.

use std::collections::BTreeSet;

use domain::access::{Action, Caller, authorize};
use domain::access_log::AccessAction;
use domain::{UserId, UserType};
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext;
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::audit::Audit;
use crate::error::ApiError;

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

fn context(req: &Request) -> Option<&ApiGatewayProxyRequestContext> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => Some(ctx),
        _ => None,
    }
}

/// The API Gateway resource that matched, such as `/users/{id}`.
pub fn resource(req: &Request) -> &str {
    context(req)
        .and_then(|c| c.resource_path.as_deref())
        .unwrap_or_default()
}

pub fn request_id(req: &Request) -> Option<&str> {
    context(req).and_then(|c| c.request_id.as_deref())
}

fn claims(req: &Request) -> Option<&Map<String, Value>> {
    context(req)?.authorizer.fields.get("claims")?.as_object()
}

/// A claim as a string (API Gateway passes every claim as a string).
pub fn claim<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    claims(req)?.get(name)?.as_str()
}

/// `cognito:groups` as API Gateway passes it: a JSON array, or a string such as
/// `Admin,Doctor` or `[Admin Doctor]`. Names that are not user types are ignored.
pub fn parse_groups(value: Option<&Value>) -> BTreeSet<UserType> {
    let names: Vec<String> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(text)) => text
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split([',', ' '])
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    names
        .iter()
        .filter_map(|n| UserType::parse(n.trim()).ok())
        .collect()
}

/// The caller, from the authorizer's claims only: nothing else in the request
/// (headers, body, query) can claim an identity.
pub fn caller(req: &Request) -> Result<Caller, ApiError> {
    let claims = claims(req).ok_or(ApiError::Unauthenticated)?;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(ApiError::Unauthenticated)?;
    let user_id = UserId::parse(sub).map_err(|_| ApiError::Unauthenticated)?;
    Ok(Caller {
        user_id,
        groups: parse_groups(claims.get("cognito:groups")),
    })
}

/// The profile `{id}` names: a user id, or `me` for the caller.
pub fn target(req: &Request, caller: &Caller) -> Result<UserId, ApiError> {
    let raw = req
        .path_parameters_ref()
        .and_then(|p| p.first("id"))
        .unwrap_or_default();
    if raw == "me" {
        return Ok(caller.user_id.clone());
    }
    UserId::parse(raw).map_err(|e| {
        ApiError::bad_request("invalid_user_id", format!("{{id}} must be `me` or {e}"))
    })
}

/// The caller and the profile `{id}` names, once the access policy allows `action` on it.
pub fn authorized_target(req: &Request, action: Action) -> Result<(Caller, UserId), ApiError> {
    let caller = caller(req)?;
    let target = target(req, &caller)?;
    authorize(&caller, action, Some(&target))?;
    Ok((caller, target))
}

/// As `authorized_target`, noting the attempt (`logged_as`) in the request's audit before
/// the policy decides, so a refusal is recorded too.
pub fn audited_target(
    req: &Request,
    action: Action,
    audit: &Audit,
    logged_as: AccessAction,
) -> Result<(Caller, UserId), ApiError> {
    let caller = caller(req)?;
    let target = target(req, &caller)?;
    audit.attempt(&caller, logged_as, Some(&target));
    authorize(&caller, action, Some(&target))?;
    Ok((caller, target))
}

/// The JSON object a PUT or POST carries.
pub fn json_object(req: &Request) -> Result<Map<String, Value>, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    if let Some(content_type) = req.headers().get("content-type") {
        let media_type = content_type
            .to_str()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::UnsupportedMediaType);
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the request body must be a JSON object",
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "invalid_json",
            "the request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::bad_request(
            "invalid_json",
            format!(
                "the request body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        )),
    }
}

/// The versions an `If-Match` header accepts: `None` when absent or `*`. If-Match
/// compares strongly, so a weak tag (`W/"3"`) matches no version.
pub fn if_match(req: &Request) -> Result<Option<Vec<u64>>, ApiError> {
    let Some(header) = req.headers().get("if-match") else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::bad_request(
            "invalid_if_match",
            "If-Match must be an ETag returned by this API, such as \"3\"",
        )
    };
    let text = header.to_str().map_err(|_| invalid())?.trim();
    if text == "*" {
        return Ok(None);
    }
    let mut versions = Vec::new();
    for tag in text.split(',').map(str::trim) {
        // A weak tag must still be well formed; it just matches no version.
        let (weak, tag) = match tag.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let digits = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(tag);
        if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let version = digits.parse::<u64>().map_err(|_| invalid())?;
        if !weak {
            versions.push(version);
        }
    }
    Ok(Some(versions))
}

/// A query string parameter; any parameter not in `allowed` is refused.
pub fn query(req: &Request, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let params = req.query_string_parameters_ref();
    let mut out = Vec::new();
    if let Some(params) = params {
        for (name, _) in params.iter() {
            if !allowed.contains(&name) {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("unknown query parameter; allowed: {}", allowed.join(", ")),
                ));
            }
            let values = params.all(name).unwrap_or_default();
            if values.len() > 1 {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("{name} may be given once"),
                ));
            }
            if let Some(v) = values.first() {
                out.push((name.to_owned(), (*v).to_owned()));
            }
        }
    }
    Ok(out)
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn groups_in_every_form_api_gateway_uses() {
        let both: BTreeSet<_> = [UserType::Admin, UserType::Doctor].into();
        assert_eq!(parse_groups(Some(&json!("Admin,Doctor"))), both);
        assert_eq!(parse_groups(Some(&json!("[Admin Doctor]"))), both);
        assert_eq!(parse_groups(Some(&json!(["Admin", "Doctor"]))), both);
        assert_eq!(
            parse_groups(Some(&json!("Patient"))),
            [UserType::Patient].into()
        );
        assert!(parse_groups(Some(&json!("admin,Admins,eu-west-1_x_Google"))).is_empty());
        assert!(parse_groups(None).is_empty());
        assert!(parse_groups(Some(&json!(7))).is_empty());
    }
}
