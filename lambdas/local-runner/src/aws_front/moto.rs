//! The emulator behind the front: requests forwarded as they came, and the few Cognito
//! calls the front makes itself.

use super::control::{self, ControlSecret};
use crate::http::{self, HttpClient, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::http::request::Parts;

/// Hop-by-hop headers a proxy must not pass on (and `expect`: the body is already read).
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "proxy-connection",
    "te",
    "expect",
];

/// Tells moto's wrapper (`local/moto_server.py`) which local issuer the tokens it signs
/// for this request name: the front's own URL, so each runner's tokens verify at that
/// runner, however many share one moto.
const ISSUER_BASE_HEADER: &str = "x-local-issuer-base";

#[derive(Clone)]
pub struct Moto {
    endpoint: String,
    region: String,
    issuer_base: Option<String>,
    /// Opens the wrapper's control endpoints (`control`); only the runner's own calls carry it.
    control_secret: ControlSecret,
    client: HttpClient,
}

/// A user as moto holds them.
#[derive(Debug)]
pub struct StoredUser {
    pub username: String,
    pub password: Option<String>,
    /// UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED...
    pub status: String,
    pub enabled: bool,
}

#[derive(Debug)]
pub struct MotoReply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Moto {
    pub fn new(endpoint: &str, region: &str, control_secret: ControlSecret) -> Self {
        Moto {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region: region.to_string(),
            issuer_base: None,
            control_secret,
            client: http::client(),
        }
    }

    /// Tokens moto signs through this handle name the issuer `{issuer_base}/{pool id}`.
    pub fn issuing_as(mut self, issuer_base: &str) -> Self {
        self.issuer_base = Some(issuer_base.trim_end_matches('/').to_string());
        self
    }

    /// Sends the request on unchanged (Host included: signatures cover it) and returns moto's
    /// reply. A client's control secret header is dropped: forwarded calls never open the
    /// wrapper's control endpoints, whatever their path.
    pub async fn send(&self, parts: &Parts, body: Bytes) -> Result<MotoReply, String> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = hyper::Request::builder()
            .method(parts.method.clone())
            .uri(format!("{}{path}", self.endpoint));
        for (name, value) in &parts.headers {
            if !HOP_BY_HOP.contains(&name.as_str())
                && name != hyper::header::CONTENT_LENGTH
                && name != ISSUER_BASE_HEADER
                && name != control::SECRET_HEADER
            {
                request = request.header(name, value);
            }
        }
        self.exchange(request, body).await
    }

    pub async fn forward(&self, parts: &Parts, body: Bytes) -> Response {
        match self.send(parts, body).await {
            Ok(reply) => reply.into_response(),
            Err(message) => http::json(502, &serde_json::json!({"message": message})),
        }
    }

    /// A Cognito JSON call made by the front itself, with moto's whole reply.
    pub async fn cognito_reply(
        &self,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<MotoReply, String> {
        let request = self
            .own_call("POST", "/", "cognito-idp")
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{operation}"),
            );
        self.exchange(request, Bytes::from(input.to_string())).await
    }

    /// A Cognito JSON call made by the front itself (e.g. AdminGetUser for trigger attributes).
    pub async fn cognito(
        &self,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let reply = self.cognito_reply(operation, input).await?;
        let value: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
        if reply.is_success() {
            Ok(value)
        } else {
            Err(format!(
                "{operation} answered {}: {}",
                reply.status,
                value["__type"].as_str().unwrap_or("unknown error")
            ))
        }
    }

    /// The user as moto holds them (`local/moto_server.py`): internal username, current
    /// password, status; None when there is no such user. For the front's own password
    /// checks (USER_SRP_AUTH, the Hosted UI's login).
    pub async fn stored_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Option<StoredUser>, String> {
        let input = serde_json::json!({"UserPoolId": pool_id, "Username": username});
        let Some(found) = self.local_cognito("password", &input).await? else {
            return Ok(None);
        };
        Ok(Some(StoredUser {
            username: found["Username"].as_str().unwrap_or(username).to_string(),
            password: found["Password"].as_str().map(str::to_string),
            status: found["UserStatus"].as_str().unwrap_or_default().to_string(),
            enabled: found["Enabled"].as_bool().unwrap_or(true),
        }))
    }

    /// One of the wrapper's own Cognito calls (`POST /_local/cognito/{call}`: password,
    /// oauth-tokens, oauth-refresh, revoke); None when it found nothing.
    pub async fn local_cognito(
        &self,
        call: &str,
        input: &serde_json::Value,
    ) -> Result<Option<serde_json::Value>, String> {
        let request = hyper::Request::builder()
            .method("POST")
            .uri(format!("{}/_local/cognito/{call}", self.endpoint))
            .header("content-type", "application/json")
            .header(control::SECRET_HEADER, self.control_secret.header_value());
        let reply = self
            .exchange(request, Bytes::from(input.to_string()))
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        if !reply.is_success() {
            return Err(format!("moto's {call} answered {}", reply.status));
        }
        serde_json::from_slice(&reply.body)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// The credential scope moto picks its region's backend by, for a request that came
    /// unsigned (Cognito's public operations need no signature; moto would fall back to
    /// us-east-1 and not find the pool's tokens there).
    pub fn scope_header(&self, service: &str) -> hyper::header::HeaderValue {
        let scope = format!(
            "AWS4-HMAC-SHA256 Credential=local/20240101/{}/{service}/aws4_request, SignedHeaders=host, Signature=0",
            self.region
        );
        hyper::header::HeaderValue::from_str(&scope)
            .unwrap_or_else(|_| hyper::header::HeaderValue::from_static("AWS4-HMAC-SHA256"))
    }

    /// GET of a JSON document moto serves itself (e.g. a pool's JWKS).
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, String> {
        let request = hyper::Request::builder().uri(format!("{}{path}", self.endpoint));
        let reply = self.exchange(request, Bytes::new()).await?;
        if !reply.is_success() {
            return Err(format!("GET {path} answered {}", reply.status));
        }
        serde_json::from_slice(&reply.body).map_err(|e| e.to_string())
    }

    /// A path-style S3 call the runner makes itself (bucket policy adjustments).
    pub async fn s3(&self, method: &str, path: &str, body: String) -> Result<(), String> {
        let reply = self
            .exchange(self.own_call(method, path, "s3"), Bytes::from(body))
            .await?;
        if reply.is_success() {
            Ok(())
        } else {
            Err(format!("{method} {path} answered {}", reply.status))
        }
    }

    /// A request the runner makes itself; moto picks the region's backend from the
    /// credential scope and checks no signature.
    fn own_call(&self, method: &str, path: &str, service: &str) -> hyper::http::request::Builder {
        hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.endpoint))
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=test/20240101/{}/{service}/aws4_request, SignedHeaders=host, Signature=0",
                    self.region
                ),
            )
    }

    async fn exchange(
        &self,
        request: hyper::http::request::Builder,
        body: Bytes,
    ) -> Result<MotoReply, String> {
        let request = match &self.issuer_base {
            Some(base) => request.header(ISSUER_BASE_HEADER, base),
            None => request,
        };
        let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
        let reply = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("moto unreachable: {e}"))?;
        let (parts, body) = reply.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(MotoReply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }
}

impl MotoReply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn into_response(self) -> Response {
        let mut response = http::response(self.status, "application/octet-stream", self.body);
        let headers = response.headers_mut();
        headers.remove(hyper::header::CONTENT_TYPE);
        // Content-Length is kept: for HEAD it is the object's size, not the (empty) body's.
        for (name, value) in &self.headers {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                headers.append(name, value.clone());
            }
        }
        response
    }
}
