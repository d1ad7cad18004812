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
/// until the task is aborted.
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
            let service = service_fn(move |request| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(handler(peer, request).await) }
            });
            // A client hanging up mid-request is its business, not the runner's.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
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
