//! The request, parsed once: `event` turns API Gateway's REST event into this value, and
//! the handlers read everything from it (route, caller and claims, target, body, If-Match,
//! query, request id, origin) as domain values or 4xx errors.

use std::collections::BTreeSet;

use domain::access::{Action, Caller, authorize};
use domain::access_log::AccessAction;
use domain::service::Person;
use domain::{UserId, UserType};
use serde_json::{Map, Value};

use crate::audit::Audit;
use crate::error::ApiError;
use crate::route::{NoRoute, Route};

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;

/// One API Gateway request, as the handlers use it.
#[derive(Debug)]
pub struct ApiRequest {
    /// The route the method and API Gateway resource (such as `/users/{id}`) select.
    pub route: Result<Route, NoRoute>,
    pub method: String,
    pub resource: String,
    pub request_id: Option<String>,
    /// The authorizer's claims (API Gateway passes each as a string); empty without one.
    pub claims: Map<String, Value>,
    /// The caller, from the claims alone; `None` when they name no valid user.
    pub caller: Option<Caller>,
    /// The `{id}` path parameter.
    pub id: Option<String>,
    pub body: Vec<u8>,
    /// Header values as sent (they may hold bytes `visible` refuses).
    pub content_type: Option<String>,
    pub if_match: Option<String>,
    pub origin: Option<String>,
    /// Query string parameters with all their values.
    pub query: Vec<(String, Vec<String>)>,
}

/// A header value as text, as `http`'s `HeaderValue::to_str` reads it: visible ASCII and tabs.
pub fn visible(value: &str) -> Option<&str> {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then_some(value)
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
pub fn caller_of(claims: &Map<String, Value>) -> Option<Caller> {
    let sub = claims.get("sub").and_then(Value::as_str)?;
    Some(Caller {
        user_id: UserId::parse(sub).ok()?,
        groups: parse_groups(claims.get("cognito:groups")),
    })
}

/// A listing's page: how many items, and where to resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page<'r> {
    pub limit: u32,
    pub cursor: Option<&'r str>,
}

/// The query string parameters a route allows, each given at most once.
pub struct Query<'r>(Vec<(&'r str, &'r str)>);

impl<'r> Query<'r> {
    pub fn get(&self, name: &str) -> Option<&'r str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// `limit` (1 to `MAX_PAGE_SIZE`, by default `DEFAULT_PAGE_SIZE`) and `cursor`.
    pub fn page(&self) -> Result<Page<'r>, ApiError> {
        let limit = match self.get("limit") {
            None => DEFAULT_PAGE_SIZE,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_query",
                        format!("limit must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                    )
                })?,
        };
        Ok(Page {
            limit,
            cursor: self.get("cursor"),
        })
    }
}

impl ApiRequest {
    /// A claim as a string (API Gateway passes every claim as a string).
    pub fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name)?.as_str()
    }

    pub fn caller(&self) -> Result<&Caller, ApiError> {
        self.caller.as_ref().ok_or(ApiError::Unauthenticated)
    }

    /// The profile `{id}` names: a user id, or `me` for the caller.
    pub fn target(&self, caller: &Caller) -> Result<UserId, ApiError> {
        let raw = self.id.as_deref().unwrap_or_default();
        if raw == "me" {
            return Ok(caller.user_id.clone());
        }
        UserId::parse(raw).map_err(|e| {
            ApiError::bad_request("invalid_user_id", format!("{{id}} must be `me` or {e}"))
        })
    }

    /// The caller and the profile `{id}` names, once the access policy allows `action` on it.
    pub fn authorized_target(&self, action: Action) -> Result<(&Caller, UserId), ApiError> {
        let caller = self.caller()?;
        let target = self.target(caller)?;
        authorize(caller, action, Some(&target))?;
        Ok((caller, target))
    }

    /// As `authorized_target`, noting the attempt (`logged_as`) in the request's audit before
    /// the policy decides, so a refusal is recorded too.
    pub fn audited_target(
        &self,
        action: Action,
        audit: &Audit,
        logged_as: AccessAction,
    ) -> Result<(&Caller, UserId), ApiError> {
        let caller = self.caller()?;
        let target = self.target(caller)?;
        audit.attempt(caller, logged_as, Some(&target));
        authorize(caller, action, Some(&target))?;
        Ok((caller, target))
    }

    /// The caller as the profile service sees a person, when they name their own profile:
    /// a profile the confirmation did not write is made from their ID token's claims.
    pub fn own<'r>(
        &'r self,
        caller: &'r Caller,
        target: &UserId,
    ) -> Option<Person<'r, impl Fn(&str) -> Option<&'r str> + Sync + 'r>> {
        (target == &caller.user_id).then(|| Person {
            user_id: &caller.user_id,
            username: self
                .claim("cognito:username")
                .unwrap_or(caller.user_id.as_str()),
            groups: &caller.groups,
            attributes: move |name: &str| self.claim(name),
        })
    }

    /// The JSON object a PUT or POST carries.
    pub fn json_object(&self) -> Result<Map<String, Value>, ApiError> {
        let bytes: &[u8] = &self.body;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        if let Some(content_type) = &self.content_type {
            let media_type = visible(content_type)
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
    pub fn if_match(&self) -> Result<Option<Vec<u64>>, ApiError> {
        let Some(header) = &self.if_match else {
            return Ok(None);
        };
        let invalid = || {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match must be an ETag returned by this API, such as \"3\"",
            )
        };
        let text = visible(header).ok_or_else(invalid)?.trim();
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
            if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(invalid());
            }
            let version = digits.parse::<u64>().map_err(|_| invalid())?;
            if !weak {
                versions.push(version);
            }
        }
        Ok(Some(versions))
    }

    /// The query string parameters `filters`, `limit` and `cursor`; any other is refused.
    pub fn query(&self, filters: &[&str]) -> Result<Query<'_>, ApiError> {
        let allowed =
            || -> Vec<&str> { filters.iter().copied().chain(["limit", "cursor"]).collect() };
        let mut out = Vec::new();
        for (name, values) in &self.query {
            if !filters.contains(&name.as_str()) && name != "limit" && name != "cursor" {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("unknown query parameter; allowed: {}", allowed().join(", ")),
                ));
            }
            if values.len() > 1 {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("{name} may be given once"),
                ));
            }
            if let Some(v) = values.first() {
                out.push((name.as_str(), v.as_str()));
            }
        }
        Ok(Query(out))
    }
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
