//! The Cognito user-pool authorizer: an ID token in the Authorization header (with or
//! without `Bearer `), RS256 against the pool's JWKS, issuer, expiry, token use and audience.

use crate::applied::Applied;
use crate::aws_front::Moto;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde_json::{Map, Value};
use std::collections::HashMap;
use tokio::sync::Mutex;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Rejection {
    #[error("no token")]
    NoToken,
    #[error("malformed token")]
    Malformed,
    #[error("unsupported algorithm")]
    Algorithm,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
    #[error("issuer is not an authorizer pool")]
    Issuer,
    #[error("expired")]
    Expired,
    #[error("not an id token")]
    TokenUse,
    #[error("audience is not an app client of the pool")]
    Audience,
}

/// Verified claims of an ID token.
pub type Claims = Map<String, Value>;

pub struct Authorizer {
    moto: Moto,
    /// The pools' local issuer is `{aws_endpoint_url}/{pool id}` (see `aws_front::issuer`).
    aws_endpoint_url: String,
    jwks: Mutex<HashMap<String, Value>>,
}

impl Authorizer {
    pub fn new(moto: Moto, aws_endpoint_url: &str) -> Self {
        Authorizer {
            moto,
            aws_endpoint_url: aws_endpoint_url.to_string(),
            jwks: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies `header` against the pools the method's authorizer names.
    pub async fn verify(
        &self,
        applied: &Applied,
        pool_arns: &[String],
        header: Option<&str>,
    ) -> Result<Claims, Rejection> {
        let token = header
            .map(strip_bearer)
            .filter(|t| !t.is_empty())
            .ok_or(Rejection::NoToken)?;
        let mut parts = token.split('.');
        let (Some(head_part), Some(payload_part), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Rejection::Malformed);
        };
        let head: Value = decode_json(head_part)?;
        let claims: Claims = decode_json(payload_part)?;
        if head["alg"].as_str() != Some("RS256") {
            return Err(Rejection::Algorithm);
        }

        let issuer = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(Rejection::Issuer)?;
        let pool = applied
            .user_pools
            .iter()
            .filter(|p| pool_arns.contains(&p.arn))
            .find(|p| issuer == format!("{}/{}", self.aws_endpoint_url, p.id))
            .ok_or(Rejection::Issuer)?;

        let key = self
            .signing_key(&pool.id, head["kid"].as_str().unwrap_or_default())
            .await?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Rejection::Malformed)?;
        let signed = format!("{head_part}.{payload_part}");
        verify_rs256(&key, signed.as_bytes(), &signature)?;

        let expires = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(Rejection::Expired)?;
        if expires <= chrono::Utc::now().timestamp() {
            return Err(Rejection::Expired);
        }
        if claims.get("token_use").and_then(Value::as_str) != Some("id") {
            return Err(Rejection::TokenUse);
        }
        let audience = claims
            .get("aud")
            .and_then(Value::as_str)
            .ok_or(Rejection::Audience)?;
        if !applied
            .app_clients
            .iter()
            .any(|c| c.user_pool_id == pool.id && c.id == audience)
        {
            return Err(Rejection::Audience);
        }
        Ok(claims)
    }

    /// The JWK `kid` of the pool, fetched from moto's `/<pool>/.well-known/jwks.json` once.
    async fn signing_key(&self, pool_id: &str, kid: &str) -> Result<Value, Rejection> {
        let mut cache = self.jwks.lock().await;
        if !cache.contains_key(pool_id) {
            let jwks = self
                .moto
                .get_json(&format!("/{pool_id}/.well-known/jwks.json"))
                .await
                .map_err(|_| Rejection::UnknownKey)?;
            cache.insert(pool_id.to_string(), jwks);
        }
        cache
            .get(pool_id)
            .and_then(|jwks| jwks["keys"].as_array())
            .and_then(|keys| keys.iter().find(|k| k["kid"].as_str() == Some(kid)))
            .cloned()
            .ok_or(Rejection::UnknownKey)
    }
}

fn strip_bearer(header: &str) -> &str {
    let header = header.trim();
    match header.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => header[7..].trim(),
        _ => header,
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, Rejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Rejection::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)
}

fn verify_rs256(jwk: &Value, message: &[u8], signature: &[u8]) -> Result<(), Rejection> {
    let component = |name: &str| {
        jwk[name]
            .as_str()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .ok_or(Rejection::UnknownKey)
    };
    let key = RsaPublicKeyComponents {
        n: component("n")?,
        e: component("e")?,
    };
    key.verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
        .map_err(|_| Rejection::Signature)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn bearer_prefix_is_optional() {
        assert_eq!(strip_bearer("Bearer abc"), "abc");
        assert_eq!(strip_bearer("bearer abc"), "abc");
        assert_eq!(strip_bearer("abc"), "abc");
    }
}
