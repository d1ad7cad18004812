//! Browsers at the front, as AWS answers them. The JSON endpoint (`/`: cognito-idp,
//! dynamodb) takes calls from any origin, since what protects each call is its signature
//! or token, not its origin (the SDKs for JavaScript call these services from any page):
//! a preflight there is answered for any origin, and every answer to a page carries
//! `Access-Control-Allow-Origin: *`. S3 answers by the bucket's own CORS configuration
//! (moto's, from what Terraform applied; moto's global "any origin" is off, see
//! `local/moto_server.py`). A preflight is never signed, so it comes before SigV4.

use super::Front;
use crate::http::{self, Response};
use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper::http::request::Parts;

/// What a page may read of an answer from the JSON endpoint.
const EXPOSED: &str = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

/// The answer to a browser's preflight, if this is one.
pub async fn preflight(front: &Front, parts: &Parts, body: Bytes) -> Option<Response> {
    let asked = parts.headers.get("access-control-request-method")?;
    if parts.method != hyper::Method::OPTIONS {
        return None;
    }
    if parts.uri.path() != "/" {
        return Some(front.moto.forward(parts, body).await);
    }
    let mut response = http::response(200, "text/plain", "");
    let headers = response.headers_mut();
    if asked == "POST" {
        headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        headers.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("POST"),
        );
        if let Some(names) = parts.headers.get("access-control-request-headers") {
            headers.insert("access-control-allow-headers", names.clone());
        }
        headers.insert("access-control-max-age", HeaderValue::from_static("172800"));
    }
    Some(response)
}

/// True for a page's call to the JSON endpoint (a request with an `Origin`).
pub fn from_page(parts: &Parts) -> bool {
    parts.uri.path() == "/" && parts.headers.contains_key(hyper::header::ORIGIN)
}

/// The answer to a page's call to the JSON endpoint, readable there.
pub fn readable_by_pages(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static(EXPOSED),
    );
    response
}
