//! The local stack's control endpoints: moto's own (`/moto-api/`: its dashboard, data
//! dump and reset), the wrapper's (`/_local/`: passwords, token minting, state snapshots;
//! `local/moto_server.py`) and the front's throttle switch (`/_local/throttle`). They hold
//! every secret of the stack and AWS has none of them, so no client of the public front or
//! the Hosted UI may reach them, however it spells the path.
//!
//! The gate is a secret that `just up` writes to a file only the developer can read
//! (`.local/secrets.json`, 0600) and gives to moto's wrapper and the runner. The wrapper
//! refuses every control-looking path without it, the front strips the header from every
//! request it forwards, and the front's own throttle switch asks for it too.

use hyper::HeaderMap;
use hyper::header::HeaderValue;
use std::sync::Arc;

/// The header the runner's own control calls carry the secret in.
pub const SECRET_HEADER: &str = "x-local-control-secret";

#[derive(Clone)]
pub struct ControlSecret(Arc<str>);

impl std::fmt::Debug for ControlSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ControlSecret(..)")
    }
}

impl ControlSecret {
    pub fn new(value: &str) -> Result<Self, String> {
        if value.len() < 32 || HeaderValue::from_str(value).is_err() {
            return Err("the control secret must be at least 32 printable characters".into());
        }
        Ok(ControlSecret(Arc::from(value)))
    }

    pub fn header_value(&self) -> HeaderValue {
        // Checked printable in `new`.
        HeaderValue::from_str(&self.0).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// True when the request carries this secret (compared in constant time).
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        headers
            .get(SECRET_HEADER)
            .is_some_and(|given| same_bytes(given.as_bytes(), self.0.as_bytes()))
    }
}

/// `.local/secrets.json` as `just up` writes it: the control secret and the stack's own
/// access key pair.
pub fn read_secrets(
    path: &std::path::Path,
) -> Result<(ControlSecret, super::sigv4::StackCredentials), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let field = |name: &str| {
        json[name]
            .as_str()
            .filter(|value| !value.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("{}: no {name}", path.display()))
    };
    Ok((
        ControlSecret::new(&field("control_secret")?)?,
        super::sigv4::StackCredentials {
            access_key_id: field("aws_access_key_id")?,
            secret_access_key: field("aws_secret_access_key")?,
        },
    ))
}

/// Constant-time equality, through ring's HMAC verification (which is): an attacker timing
/// the answers learns nothing about how much of a guess was right.
pub fn same_bytes(given: &[u8], expected: &[u8]) -> bool {
    let Ok(key) =
        ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &ring::rand::SystemRandom::new())
    else {
        return false;
    };
    let tag = ring::hmac::sign(&key, expected);
    ring::hmac::verify(&key, given, tag.as_ref()).is_ok()
}

/// True for a path that names a control endpoint in any spelling a server on the way might
/// undo: percent-encoding (repeated), `//`, `/./`, `/../`, backslashes and letter case. moto's
/// server decodes `%5F` and collapses `//` before it routes, so a raw compare is no gate.
pub fn is_control_path(raw: &str) -> bool {
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    let mut decoded = path.to_string();
    for _ in 0..4 {
        let next = percent_decode(&decoded);
        if next == decoded {
            break;
        }
        decoded = next;
    }
    let mut segments: Vec<String> = Vec::new();
    for segment in decoded.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other.trim().to_ascii_lowercase()),
        }
    }
    matches!(
        segments.first().map(String::as_str),
        Some("_local" | "moto-api")
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Every spelling of a control path the issue names, and a few more.
    const SPELLINGS: [&str; 16] = [
        "/_local/cognito/password",
        "//_local/cognito/password",
        "/./_local/cognito/password",
        "/x/../_local/cognito/password",
        "/%5Flocal/cognito/password",
        "/%5flocal/cognito/password",
        "/%255Flocal/cognito/password",
        "/_local%2Fcognito/password",
        "/_LOCAL/cognito/password",
        "/_local/cognito/password?",
        "\\_local/cognito/password",
        "/_local/throttle",
        "/moto-api/",
        "//moto-api/data.json",
        "/%6Doto-api/reset",
        "/MOTO-API",
    ];

    #[test]
    fn every_spelling_of_a_control_path_is_one() {
        for spelling in SPELLINGS {
            assert!(is_control_path(spelling), "{spelling}");
        }
    }

    #[test]
    fn aws_paths_are_not_control_paths() {
        for path in [
            "/",
            "/bucket/users/_local/x.jpg",
            "/bucket/moto-api",
            "/2015-03-31/functions/f/invocations",
            "/us-east-1_abc/.well-known/jwks.json",
            "/local",
        ] {
            assert!(!is_control_path(path), "{path}");
        }
    }

    #[test]
    fn only_the_exact_secret_is_admitted() {
        let secret = ControlSecret::new(&"s".repeat(40)).unwrap();
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(SECRET_HEADER, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(secret.admits(&with(&"s".repeat(40))));
        assert!(!secret.admits(&with(&"s".repeat(39))));
        assert!(!secret.admits(&with(&format!("{}t", "s".repeat(39)))));
        assert!(!secret.admits(&HeaderMap::new()));
        assert!(ControlSecret::new("short").is_err());
    }
}
