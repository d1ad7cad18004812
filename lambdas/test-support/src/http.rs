//! A minimal HTTP/1.1 client for sending exactly the bytes and headers a test
//! chooses to a presigned URL (no header is added behind the test's back).
//! Every exchange has a time limit, so a hung server fails its test instead of
//! hanging the whole run.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What came back: the status, the headers in order, the body.
pub struct Exchange {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Exchange {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `method` to an `http://host:port/path?query` URL; returns the status code and body.
pub async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let reply = exchange(method, url, headers, body).await;
    (reply.status, reply.body)
}

/// How long one exchange may take: far above any answer the stack gives under load
/// (the API's own deadline for a dependency is 4 s, Cognito's for a trigger 5 s).
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// As `send`, with the response headers.
pub async fn exchange(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Exchange {
    tokio::time::timeout(TIME_LIMIT, exchange_unbounded(method, url, headers, body))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{method} to {} got no answer within {TIME_LIMIT:?}",
                without_query(url)
            )
        })
}

/// The URL without its query string, which may be a credential (a presigned URL's).
fn without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

async fn exchange_unbounded(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Exchange {
    let rest = url
        .strip_prefix("http://")
        .expect("only http:// URLs on loopback");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".to_owned()));
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    // A body's length, unless the caller states it (or deliberately sends none).
    if !body.is_empty()
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut stream = TcpStream::connect(host).await.expect("connect");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Exchange {
        status,
        headers,
        body: body.to_owned(),
    }
}
