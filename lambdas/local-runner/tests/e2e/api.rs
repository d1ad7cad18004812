//! The REST API as a mobile app calls it. Every personal value it sends is remembered
//! for the log scan.

use super::cognito::Secrets;
use serde_json::Value;
use std::sync::Arc;

/// Fields of a profile that hold personal or health data.
pub const PERSONAL_FIELDS: [&str; 5] = ["name", "phone_number", "dob", "gender", "blood_group"];

pub struct Api {
    base: String,
    pub secrets: Arc<Secrets>,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as JSON, or as a string when it is not JSON.
    pub body: Value,
    pub raw: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Api {
    pub fn new(base: &str, secrets: Arc<Secrets>) -> Api {
        Api {
            base: base.trim_end_matches('/').to_string(),
            secrets,
        }
    }

    /// Sends exactly these headers (plus Host and Content-Length) and body bytes.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
            for (name, value) in &fields {
                if let (true, Some(text)) =
                    (PERSONAL_FIELDS.contains(&name.as_str()), value.as_str())
                {
                    self.secrets.remember(text);
                }
            }
        }
        let length = body.len().to_string();
        let mut all = vec![("Content-Length", length.as_str())];
        all.extend_from_slice(headers);
        let reply =
            test_support::http::exchange(method, &format!("{}{path}", self.base), &all, body).await;
        Reply {
            status: reply.status,
            body: serde_json::from_str(&reply.body).unwrap_or(Value::String(reply.body.clone())),
            headers: reply.headers,
            raw: reply.body,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut headers = vec![("Accept", "application/json")];
        if let Some(token) = authorization {
            headers.push(("Authorization", token));
        }
        if !body.is_empty() {
            headers.push(("Content-Type", "application/json"));
        }
        self.send(method, path, &headers, body.as_bytes()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(&format!("Bearer {token}")), None)
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Reply {
        // No "Bearer " prefix here: the authorizer takes the bare token as well.
        self.call("PUT", path, Some(token), Some(body)).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.call("POST", path, Some(&format!("Bearer {token}")), Some(body))
            .await
    }
}
