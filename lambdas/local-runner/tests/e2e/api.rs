//! The REST API as a mobile app calls it.

use serde_json::Value;

pub struct Api {
    base: String,
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_string(),
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
        let length = body.len().to_string();
        let mut headers = vec![
            ("Content-Length", length.as_str()),
            ("Accept", "application/json"),
        ];
        if let Some(token) = authorization {
            headers.push(("Authorization", token));
        }
        if !body.is_empty() {
            headers.push(("Content-Type", "application/json"));
        }
        let (status, text) = test_support::http::send(
            method,
            &format!("{}{path}", self.base),
            &headers,
            body.as_bytes(),
        )
        .await;
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
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
