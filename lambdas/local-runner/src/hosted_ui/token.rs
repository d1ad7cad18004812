//! `/oauth2/token` (authorization_code with PKCE S256, refresh_token), `/oauth2/userInfo`
//! and `/oauth2/revoke`. Errors are Cognito's JSON 400s; tokens are moto's, signed with
//! the pool's key and naming the local issuer, so GetUser, GlobalSignOut, RevokeToken and
//! the REST stage's authorizer know them as they know the API path's.

use super::HostedUi;
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
    if grant.client_id != client.id {
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
        let verifier = form.code_verifier.as_deref().unwrap_or_default();
        if !super::grants::same(&s256(verifier), challenge) {
            return Err(oauth_error(
                "invalid_grant",
                "code_verifier does not match the code_challenge",
            ));
        }
    }
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
        .ok_or_else(|| oauth_error("invalid_grant", "the user no longer exists"))
}

/// The claims of a token, unverified: for reading, never for trusting.
pub fn claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// `/oauth2/userInfo`: the user's attributes for a live access token (moto's GetUser
/// knows whether it is live: signed out and revoked tokens are not).
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
    let is_access = claims(token).is_some_and(|c| c.get("token_use") == Some(&json!("access")));
    if !is_access {
        return refuse("invalid_token", "not an access token");
    }
    let user = match cognito_call(&ui.front, "GetUser", &json!({"AccessToken": token})).await {
        Ok(user) => user,
        Err(_) => return refuse("invalid_token", "the access token is not valid"),
    };
    let mut info = Map::new();
    for attribute in user["UserAttributes"].as_array().into_iter().flatten() {
        if let (Some(name), Some(value)) = (attribute["Name"].as_str(), attribute["Value"].as_str())
        {
            info.insert(name.to_string(), json!(value));
        }
    }
    info.insert("username".into(), user["Username"].clone());
    (StatusCode::OK, axum::Json(Value::Object(info))).into_response()
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

    #[test]
    fn s256_is_base64url_of_sha256_unpadded() {
        // Python: base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFrR3RT0"),
            "VCvcsm7T59GNRgRSD96mjEVfhv0pdy85zsmUXWnwpkU"
        );
    }
}
