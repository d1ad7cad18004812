//! The few HTTP pieces every listener of the runner shares: a loopback server loop,
//! whole-body reads, JSON responses, and a client for moto.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

pub type Request = hyper::Request<Incoming>;
pub type Response = hyper::Response<Full<Bytes>>;
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Largest body any listener reads (S3 picture uploads are the big ones).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Serves `handler` (given the peer's address) on every connection `listener` accepts,
/// until the task is aborted. A request for another host is refused (`is_loopback_host`).
pub async fn serve<H, F>(listener: TcpListener, handler: H)
where
    H: Fn(SocketAddr, Request) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request| {
                let handler = handler.clone();
                async move {
                    if !is_loopback_host(request.headers()) {
                        return Ok::<_, Infallible>(foreign_host());
                    }
                    Ok::<_, Infallible>(handler(peer, request).await)
                }
            });
            // A client hanging up mid-request is its business, not the runner's.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// True when the request names a loopback host: `localhost`, an address in 127.0.0.0/8
/// or `[::1]`, with any port. Every listener of the runner binds 127.0.0.1, but a web page
/// whose own name an attacker re-points at 127.0.0.1 (DNS rebinding) reaches it too, as a
/// same-origin request carrying the attacker's name; refusing that name closes the door.
pub fn is_loopback_host(headers: &hyper::HeaderMap) -> bool {
    let Some(host) = headers
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((address, rest)) if rest.is_empty() || is_port(rest) => address,
            _ => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) if is_port(&format!(":{port}")) => name,
            Some(_) => return false,
            None => host,
        },
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

fn is_port(text: &str) -> bool {
    text.strip_prefix(':')
        .is_some_and(|port| !port.is_empty() && port.parse::<u16>().is_ok())
}

/// The answer to a request for a host that is not this machine's loopback.
pub fn foreign_host() -> Response {
    json(
        421,
        &serde_json::json!({"message": "Misdirected Request: the local stack answers only for localhost, 127.0.0.0/8 and [::1]"}),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("reading the body failed: {0}")]
    Read(#[from] hyper::Error),
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
}

pub async fn read_body(body: Incoming) -> Result<Bytes, BodyError> {
    let bytes = body.collect().await?.to_bytes();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(BodyError::TooLarge);
    }
    Ok(bytes)
}

pub fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response {
    let mut response = hyper::Response::new(Full::new(body.into()));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

pub fn json(status: u16, value: &serde_json::Value) -> Response {
    response(status, "application/json", value.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn host(value: &str) -> hyper::HeaderMap {
        let mut headers = hyper::HeaderMap::new();
        headers.insert(hyper::header::HOST, value.parse().unwrap());
        headers
    }

    #[test]
    fn only_loopback_names_and_addresses_are_this_hosts() {
        for ours in [
            "localhost",
            "LOCALHOST:8976",
            "127.0.0.1",
            "127.0.0.1:4566",
            "127.8.9.10:80",
            "[::1]",
            "[::1]:8977",
        ] {
            assert!(is_loopback_host(&host(ours)), "{ours}");
        }
        for foreign in [
            "evil.example",
            "evil.example:8976",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1:4566",
            "0.0.0.0",
            "[::2]:80",
            "localhost:abc",
            "localhost:",
            "[::1]x",
            "",
        ] {
            assert!(!is_loopback_host(&host(foreign)), "{foreign}");
        }
        assert!(!is_loopback_host(&hyper::HeaderMap::new()), "no Host");
    }
}
