//! The emulator behind the front: requests forwarded as they came, and the few Cognito
//! calls the front makes itself.

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

#[derive(Clone)]
pub struct Moto {
    endpoint: String,
    region: String,
    client: HttpClient,
}

#[derive(Debug)]
pub struct MotoReply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Moto {
    pub fn new(endpoint: &str, region: &str) -> Self {
        Moto {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region: region.to_string(),
            client: http::client(),
        }
    }

    /// Sends the request on unchanged (Host included: signatures cover it) and returns moto's reply.
    pub async fn send(&self, parts: &Parts, body: Bytes) -> Result<MotoReply, String> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = hyper::Request::builder()
            .method(parts.method.clone())
            .uri(format!("{}{path}", self.endpoint));
        for (name, value) in &parts.headers {
            if !HOP_BY_HOP.contains(&name.as_str()) && name != hyper::header::CONTENT_LENGTH {
                request = request.header(name, value);
            }
        }
        let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
        let reply = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("moto unreachable: {e}"))?;
        let (reply_parts, reply_body) = reply.into_parts();
        let body = reply_body
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(MotoReply {
            status: reply_parts.status.as_u16(),
            headers: reply_parts.headers,
            body,
        })
    }

    pub async fn forward(&self, parts: Parts, body: Bytes) -> Response {
        match self.send(&parts, body).await {
            Ok(reply) => reply.into_response(),
            Err(message) => http::json(502, &serde_json::json!({"message": message})),
        }
    }

    /// A Cognito JSON call made by the front itself (e.g. AdminGetUser for trigger attributes).
    pub async fn cognito(
        &self,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let request = hyper::Request::builder()
            .method("POST")
            .uri(format!("{}/", self.endpoint))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{operation}"))
            // moto picks the region's backend from the credential scope.
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=test/20240101/{}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0", self.region),
            )
            .body(Full::new(Bytes::from(input.to_string())))
            .map_err(|e| e.to_string())?;
        let reply = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("moto unreachable: {e}"))?;
        let status = reply.status();
        let body = reply
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if status.is_success() {
            Ok(value)
        } else {
            Err(format!(
                "{operation} answered {status}: {}",
                value["__type"].as_str().unwrap_or("unknown error")
            ))
        }
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

impl Moto {
    /// GET of a JSON document moto serves itself (e.g. a pool's JWKS).
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, String> {
        let request = hyper::Request::builder()
            .uri(format!("{}{path}", self.endpoint))
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        let reply = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("moto unreachable: {e}"))?;
        if !reply.status().is_success() {
            return Err(format!("GET {path} answered {}", reply.status()));
        }
        let body = reply
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}

impl Moto {
    /// A path-style S3 call the runner makes itself (bucket policy adjustments).
    pub async fn s3(&self, method: &str, path: &str, body: String) -> Result<(), String> {
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.endpoint))
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=test/20240101/{}/s3/aws4_request, SignedHeaders=host, Signature=0", self.region),
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let reply = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("moto unreachable: {e}"))?;
        if reply.status().is_success() {
            Ok(())
        } else {
            Err(format!("{method} {path} answered {}", reply.status()))
        }
    }
}
