//! The pools' local issuer, `{aws_endpoint_url}/{pool id}`: its OpenID discovery document
//! and its JWKS, at the paths where client libraries pointed at a local endpoint look
//! (pycognito, amazon-cognito-identity-js, LocalStack's convention). On AWS the issuer is
//! `https://cognito-idp.{region}.amazonaws.com/{pool id}`, which cannot be fetched offline.

use super::Front;
use crate::http::{self, Response};
use serde_json::json;

/// The issuer every token of `pool_id` names, API path and Hosted UI alike.
pub fn issuer(front: &Front, pool_id: &str) -> String {
    format!("{}/{pool_id}", front.urls.aws_endpoint_url)
}

/// The document at `path`, when it is one of an applied pool's; None for any other path.
pub async fn serve(front: &Front, path: &str) -> Option<Response> {
    let (pool_id, document) = path.strip_prefix('/')?.split_once("/.well-known/")?;
    front.applied.pool(pool_id)?;
    match document {
        "openid-configuration" => Some(http::json(200, &configuration(front, pool_id))),
        // moto signs the tokens and serves its key; the front only names where.
        "jwks.json" => Some(
            match front
                .moto
                .get_json(&format!("/{pool_id}/.well-known/jwks.json"))
                .await
            {
                Ok(keys) => http::json(200, &keys),
                Err(message) => http::json(502, &json!({"message": message})),
            },
        ),
        _ => None,
    }
}

fn configuration(front: &Front, pool_id: &str) -> serde_json::Value {
    let issuer = issuer(front, pool_id);
    let hosted = &front.urls.hosted_ui_url;
    let scopes: std::collections::BTreeSet<&str> = front
        .applied
        .app_clients
        .iter()
        .filter(|c| c.user_pool_id == pool_id)
        .flat_map(|c| c.oauth_scopes.iter().map(String::as_str))
        .collect();
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "authorization_endpoint": format!("{hosted}/oauth2/authorize"),
        "token_endpoint": format!("{hosted}/oauth2/token"),
        "userinfo_endpoint": format!("{hosted}/oauth2/userInfo"),
        "revocation_endpoint": format!("{hosted}/oauth2/revoke"),
        "end_session_endpoint": format!("{hosted}/logout"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes,
    })
}
