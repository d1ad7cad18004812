//! The Cognito user-pool authorizer: an ID token in the Authorization header (with or
//! without `Bearer `), RS256 against the pool's JWKS, issuer, expiry, token use and audience.
//! The signature and the registered claims are jsonwebtoken's to check; the pool (from the
//! issuer) and the token use are Cognito's own rules.

use crate::applied::Applied;
use crate::aws_front::Moto;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
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
        let head = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        if head.alg != Algorithm::RS256 {
            return Err(Rejection::Algorithm);
        }
        // The issuer names the pool whose key and app clients apply; read before the
        // signature is checked, it only chooses what to check against.
        let unverified: Claims = token
            .split('.')
            .nth(1)
            .map(decode_json)
            .ok_or(Rejection::Malformed)??;
        let issuer = unverified
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
            .signing_key(&pool.id, head.kid.as_deref().unwrap_or_default())
            .await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[issuer]);
        let clients: Vec<&str> = applied
            .app_clients
            .iter()
            .filter(|c| c.user_pool_id == pool.id)
            .map(|c| c.id.as_str())
            .collect();
        validation.set_audience(&clients);
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => Rejection::Signature,
                ErrorKind::ExpiredSignature => Rejection::Expired,
                ErrorKind::InvalidIssuer => Rejection::Issuer,
                ErrorKind::InvalidAudience => Rejection::Audience,
                ErrorKind::MissingRequiredClaim(claim) if claim == "exp" => Rejection::Expired,
                ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => Rejection::Audience,
                ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => Rejection::UnknownKey,
                _ => Rejection::Malformed,
            })?
            .claims;
        if claims.get("token_use").and_then(Value::as_str) != Some("id") {
            return Err(Rejection::TokenUse);
        }
        Ok(claims)
    }

    /// The JWK `kid` of the pool, fetched from moto's `/<pool>/.well-known/jwks.json` once.
    async fn signing_key(&self, pool_id: &str, kid: &str) -> Result<DecodingKey, Rejection> {
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
            .and_then(|jwk| {
                DecodingKey::from_rsa_components(jwk["n"].as_str()?, jwk["e"].as_str()?).ok()
            })
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
