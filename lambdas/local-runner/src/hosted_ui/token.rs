//! `/oauth2/token` (authorization_code with PKCE S256, refresh_token), `/oauth2/userInfo`
//! and `/oauth2/revoke`. Errors are Cognito's JSON 400s; tokens are moto's, signed with
//! the pool's key and naming the local issuer, so GetUser, GlobalSignOut, RevokeToken and
//! the REST stage's authorizer know them as they know the API path's.

use super::HostedUi;
use super::grants::Grant;
use crate::applied::AppClient;
use crate::aws_front::cognito_call;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    pub(super) grant_type: Option<String>,
    pub(super) client_id: Option<String>,
    pub(super) client_secret: Option<String>,
    pub(super) code: Option<String>,
    pub(super) redirect_uri: Option<String>,
    pub(super) code_verifier: Option<String>,
    pub(super) refresh_token: Option<String>,
    pub(super) token: Option<String>,
}

/// A refusal of the token or revoke endpoint: `{"error": ...}` with status 400.
#[derive(Debug, PartialEq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

fn oauth_error(error: &'static str, description: &str) -> OAuthError {
    OAuthError {
        error,
        description: description.to_string(),
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = StatusCode::BAD_REQUEST;
        let body = json!({"error": self.error, "error_description": self.description});
        (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(body),
        )
            .into_response()
    }
}

/// The app client the request authenticates as: `client_id` (with `client_secret`) in the
/// form, or HTTP Basic; a confidential client must show its secret.
fn client<'a>(
    ui: &'a HostedUi,
    headers: &HeaderMap,
    form: &TokenRequest,
) -> Result<&'a AppClient, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| {
            v.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    let (id, secret) = match (basic, form.client_id.clone()) {
        (Some((id, secret)), _) => (id, Some(secret)),
        (None, Some(id)) => (id, form.client_secret.clone()),
        (None, None) => return Err(oauth_error("invalid_request", "client_id is missing")),
    };
    let client = ui
        .front
        .applied
        .client(&id)
        .ok_or_else(|| oauth_error("invalid_client", "client_id names no app client"))?;
    match (&client.client_secret, secret) {
        (Some(expected), Some(given)) if super::grants::same(expected, &given) => Ok(client),
        (Some(_), _) => Err(oauth_error(
            "invalid_client",
            "the client secret is missing or wrong",
        )),
        (None, _) => Ok(client),
    }
}

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, OAuthError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| oauth_error("invalid_request", &format!("{name} is missing")))
}

/// BASE64URL(SHA-256(verifier)), RFC 7636's S256.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

pub async fn token(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let answer = match form {
        Ok(Form(form)) => exchange(&ui, &headers, &form).await,
        Err(_) => Err(oauth_error(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        )),
    };
    match answer {
        Ok(tokens) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(tokens),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

pub async fn exchange(
    ui: &HostedUi,
    headers: &HeaderMap,
    form: &TokenRequest,
) -> Result<Value, OAuthError> {
    let grant_type = required(&form.grant_type, "grant_type")?;
    if !matches!(grant_type, "authorization_code" | "refresh_token") {
        return Err(oauth_error(
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ));
    }
    let client = client(ui, headers, form)?;
    if !client.oauth_flows.contains("code") {
        return Err(oauth_error(
            "unauthorized_client",
            "this app client may not use the code flow",
        ));
    }
    let moto = &ui.front.moto;
    let unreachable = |_| oauth_error("temporarily_unavailable", "the user pool is not answering");
    if grant_type == "refresh_token" {
        let asked = json!({
            "UserPoolId": client.user_pool_id,
            "ClientId": client.id,
            "RefreshToken": required(&form.refresh_token, "refresh_token")?,
        });
        return moto
            .local_cognito("oauth-refresh", &asked)
            .await
            .map_err(unreachable)?
            .ok_or_else(|| oauth_error("invalid_grant", "the refresh token is not valid"));
    }
    let code = required(&form.code, "code")?;
    let redirect_uri = required(&form.redirect_uri, "redirect_uri")?;
    let grant = ui.grants.redeem_code(code).ok_or_else(|| {
        oauth_error(
            "invalid_grant",
            "the code is not valid: unknown, expired or used",
        )
    })?;
    redeemable(
        &grant,
        &client.id,
        redirect_uri,
        form.code_verifier.as_deref(),
    )?;
    let asked = json!({
        "UserPoolId": grant.pool_id,
        "ClientId": grant.client_id,
        "Username": grant.username,
        "Scope": grant.scope,
        "Nonce": grant.nonce,
    });
    moto.local_cognito("oauth-tokens", &asked)
        .await
        .map_err(unreachable)?
        .ok_or_else(|| oauth_error("invalid_grant", "the user no longer exists or is disabled"))
}

/// A code redeems only for the client and `redirect_uri` it was issued to, and with the
/// verifier of its challenge (RFC 6749 §4.1.3, RFC 7636 §4.6; Cognito answers
/// invalid_grant to each).
fn redeemable(
    grant: &Grant,
    client_id: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> Result<(), OAuthError> {
    if grant.client_id != client_id {
        return Err(oauth_error(
            "invalid_grant",
            "the code was issued to another app client",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(oauth_error(
            "invalid_grant",
            "redirect_uri is not the one the code was issued for",
        ));
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier = verifier.unwrap_or_default();
        if !is_code_verifier(verifier) {
            return Err(oauth_error(
                "invalid_grant",
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ));
        }
        if !super::grants::same(&s256(verifier), challenge) {
            return Err(oauth_error(
                "invalid_grant",
                "code_verifier does not match the code_challenge",
            ));
        }
    }
    Ok(())
}

/// RFC 7636 §4.1: `code-verifier = 43*128unreserved`, unreserved being
/// `A-Z / a-z / 0-9 / "-" / "." / "_" / "~"`; a shorter one is guessable.
fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The claims of a token, unverified: for reading, never for trusting.
pub fn claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// `/oauth2/userInfo`: the user's attributes for a live access token with `openid` (moto's
/// GetUser knows whether it is live: signed out, revoked and disabled users' tokens are
/// not), within what its scopes allow (`claims_for_scopes`).
pub async fn user_info(State(ui): State<Arc<HostedUi>>, headers: HeaderMap) -> Response {
    let refuse = |error: &str, description: &str| {
        let challenge = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, challenge)],
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return refuse(
            "invalid_request",
            "an access token is required (Authorization: Bearer)",
        );
    };
    let Some(token_claims) = claims(token).filter(|c| c.get("token_use") == Some(&json!("access")))
    else {
        return refuse("invalid_token", "not an access token");
    };
    // Cognito's userInfo needs "a valid access token with at least an openid scope
    // claim"; InitiateAuth's tokens (aws.cognito.signin.user.admin only) are refused.
    let scopes: Vec<&str> = token_claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split(' ')
        .collect();
    if !scopes.contains(&"openid") {
        return refuse("invalid_token", "the access token has no openid scope");
    }
    // moto's own GetUser, not the front's: userInfo takes no admin scope.
    let input = json!({"AccessToken": token});
    let user = match ui.front.moto.cognito("GetUser", &input).await {
        Ok(user) => user,
        Err(_) => return refuse("invalid_token", "the access token is not valid"),
    };
    let info = claims_for_scopes(&scopes, &user);
    (StatusCode::OK, axum::Json(Value::Object(info))).into_response()
}

/// The OIDC standard claims the `profile` scope covers (OpenID Connect Core §5.4).
const PROFILE_CLAIMS: [&str; 14] = [
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];

/// What userInfo answers for a GetUser reply, by Cognito's userInfo documentation: `sub`
/// and `username` always; `openid` alone, every attribute; otherwise `email` adds email and
/// email_verified, `phone` phone_number and phone_number_verified, `profile` the profile
/// claims and the custom attributes, and nothing else is shown.
fn claims_for_scopes(scopes: &[&str], user: &Value) -> Map<String, Value> {
    let narrowed = ["email", "phone", "profile"]
        .iter()
        .any(|scope| scopes.contains(scope));
    let allowed = |name: &str| {
        !narrowed
            || name == "sub"
            || (scopes.contains(&"email") && matches!(name, "email" | "email_verified"))
            || (scopes.contains(&"phone")
                && matches!(name, "phone_number" | "phone_number_verified"))
            || (scopes.contains(&"profile")
                && (PROFILE_CLAIMS.contains(&name) || name.starts_with("custom:")))
    };
    let mut info = Map::new();
    for attribute in user["UserAttributes"].as_array().into_iter().flatten() {
        if let (Some(name), Some(value)) = (attribute["Name"].as_str(), attribute["Value"].as_str())
            && allowed(name)
        {
            info.insert(name.to_string(), json!(value));
        }
    }
    info.insert("username".into(), user["Username"].clone());
    info
}

/// `/oauth2/revoke`: the refresh token and the access tokens issued from it stop working.
pub async fn revoke(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        )
        .into_response();
    };
    let outcome = async {
        let token = required(&form.token, "token")?;
        let client = client(&ui, &headers, &form)?;
        cognito_call(
            &ui.front,
            "RevokeToken",
            &json!({"Token": token, "ClientId": client.id}),
        )
        .await
        .map_err(|refusal| oauth_error("invalid_request", &refusal.message))
    }
    .await;
    match outcome {
        Ok(_) => StatusCode::OK.into_response(),
        Err(error) => error.into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn user() -> Value {
        let attributes: Vec<Value> = [
            ("sub", "s-1"),
            ("email", "a@example.com"),
            ("email_verified", "true"),
            ("phone_number", "+15550100"),
            ("phone_number_verified", "false"),
            ("name", "Ada"),
            ("custom:user_type", "Patient"),
        ]
        .iter()
        .map(|(name, value)| json!({"Name": name, "Value": value}))
        .collect();
        json!({"Username": "s-1", "UserAttributes": attributes})
    }

    fn names(scopes: &str) -> Vec<String> {
        let scopes: Vec<&str> = scopes.split(' ').collect();
        let mut names: Vec<String> = claims_for_scopes(&scopes, &user())
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    #[test]
    fn user_info_shows_what_the_scopes_allow() {
        assert_eq!(
            names("openid email"),
            ["email", "email_verified", "sub", "username"]
        );
        assert_eq!(
            names("openid phone"),
            ["phone_number", "phone_number_verified", "sub", "username"]
        );
        assert_eq!(
            names("openid profile"),
            ["custom:user_type", "name", "sub", "username"]
        );
        // openid alone: every attribute (Cognito's documented answer).
        assert_eq!(names("openid").len(), 8);
        assert_eq!(names("openid email profile").len(), 6);
    }

    #[test]
    fn a_code_is_bound_to_its_client_redirect_uri_and_verifier() {
        let verifier = "v".repeat(43);
        let grant = Grant {
            client_id: "app".into(),
            pool_id: "pool".into(),
            username: "user".into(),
            redirect_uri: "https://app/cb".into(),
            scope: "openid".into(),
            code_challenge: Some(s256(&verifier)),
            nonce: None,
        };
        let error = |result: Result<(), OAuthError>| result.unwrap_err().error;
        assert!(redeemable(&grant, "app", "https://app/cb", Some(&verifier)).is_ok());
        for (client, uri, verifier) in [
            ("other-app", "https://app/cb", Some(verifier.as_str())),
            ("app", "https://app/cb/", Some(verifier.as_str())),
            ("app", "https://app/cb", Some(&"w".repeat(43))),
            ("app", "https://app/cb", Some("v")),
            ("app", "https://app/cb", None),
        ] {
            assert_eq!(
                error(redeemable(&grant, client, uri, verifier)),
                "invalid_grant",
                "{client} {uri} {verifier:?}"
            );
        }
    }

    #[test]
    fn code_verifiers_follow_rfc_7636() {
        assert!(is_code_verifier(&"a".repeat(43)));
        assert!(is_code_verifier(&"Az09-._~".repeat(16)));
        for bad in [
            "a".repeat(42),
            "a".repeat(129),
            "a".to_string(),
            format!("{}+", "a".repeat(42)),
            format!("{}é", "a".repeat(42)),
        ] {
            assert!(!is_code_verifier(&bad), "{bad}");
        }
    }

    #[test]
    fn s256_is_base64url_of_sha256_unpadded() {
        // Python: base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFrR3RT0"),
            "VCvcsm7T59GNRgRSD96mjEVfhv0pdy85zsmUXWnwpkU"
        );
    }
}
