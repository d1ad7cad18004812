//! Throttling on request, local only: AWS throttles under load, moto never does. A test or
//! a developer asks the front to answer the next N calls of a DynamoDB or Cognito
//! operation the way the service answers a throttled call, and sees the functions retry,
//! then fail retriably (503 with `Retry-After`, a failed trigger).
//!
//! The switch is `/_local/throttle` on the front, for callers that send the stack's control
//! secret in `X-Local-Control-Secret` (`control`; `.local/secrets.json`'s `control_secret`).
//! An S3 path-style bucket cannot be named `_local`, so no AWS call is taken for it:
//!
//! - `POST {"service": "dynamodb"|"cognito-idp"|"s3", "operation": "GetItem"|"*", "times": N}`
//!   (optional `"error"`: DynamoDB's `ThrottlingException` instead of
//!   `ProvisionedThroughputExceededException`; optional `"after": M`: let the first M
//!   matching calls through, to reach a later step of a request) sets the rule for that service and
//!   operation, replacing an earlier one. S3 operations are named as in its API
//!   (`DeleteObjects`, `ListObjectVersions`, `PutObjectTagging`, ...), and answered with
//!   S3's 503 `SlowDown`;
//! - `GET` lists the rules: `times`, `remaining`, and `seen`, every matching call since the
//!   rule was set, throttled or not (so a caller's retries can be counted);
//! - `DELETE` removes them all.

use crate::http::{self, Response};
use hyper::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Mutex;

pub const CONTROL_PATH: &str = "/_local/throttle";

/// The throttled answer each service gives: (service, error code, AWS's message).
const ANSWERS: [(&str, &str, &str); 4] = [
    (
        "dynamodb",
        "ProvisionedThroughputExceededException",
        // On-demand tables' wording (the profile table is on-demand).
        "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
    ),
    (
        "dynamodb",
        "ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
    (
        "cognito-idp",
        "TooManyRequestsException",
        "Too many requests",
    ),
    ("s3", "SlowDown", "Please reduce your request rate."),
];

/// The S3 API operation a path-style request is: enough to name the calls the functions
/// make (the front's IAM check maps requests to IAM actions separately).
pub fn s3_operation(method: &Method, path: &str, query: Option<&str>) -> &'static str {
    let has = |name: &str| {
        query
            .unwrap_or_default()
            .split('&')
            .any(|pair| pair.split('=').next() == Some(name))
    };
    // `/bucket`, `/bucket/` (as SDKs send bucket calls) or `/bucket/key`.
    let object = path
        .trim_start_matches('/')
        .split_once('/')
        .is_some_and(|(_, key)| !key.is_empty());
    match (method.as_str(), object) {
        ("POST", false) if has("delete") => "DeleteObjects",
        ("GET", false) if has("versions") => "ListObjectVersions",
        ("GET", false) => "ListObjects",
        ("GET", true) if has("tagging") => "GetObjectTagging",
        ("PUT", true) if has("tagging") => "PutObjectTagging",
        ("GET", true) => "GetObject",
        ("HEAD", true) => "HeadObject",
        ("PUT", true) => "PutObject",
        ("DELETE", true) => "DeleteObject",
        _ => "Other",
    }
}

/// The rules set through the control endpoint.
#[derive(Default)]
pub struct Throttles {
    rules: Mutex<Vec<Rule>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    service: &'static str,
    operation: String,
    error: &'static str,
    message: &'static str,
    times: u32,
    remaining: u32,
    /// Matching calls let through before the throttling starts.
    after: u32,
    seen: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Setting {
    service: String,
    operation: String,
    times: u32,
    error: Option<String>,
    #[serde(default)]
    after: u32,
}

/// A call answered as throttled.
#[derive(Debug, PartialEq)]
pub struct Throttled {
    service: &'static str,
    error: &'static str,
    message: &'static str,
}

impl Throttles {
    /// Answers a request to the control endpoint.
    pub fn control(&self, method: &Method, body: &[u8]) -> Response {
        match *method {
            Method::POST => match self.set(body) {
                Ok(rule) => http::json(200, &rule.to_json()),
                Err(message) => http::json(400, &json!({"message": message})),
            },
            Method::GET => {
                let rules: Vec<Value> = self.lock().iter().map(Rule::to_json).collect();
                http::json(200, &json!({"rules": rules}))
            }
            Method::DELETE => {
                self.lock().clear();
                http::json(200, &json!({"rules": []}))
            }
            _ => http::json(405, &json!({"message": "use POST, GET or DELETE"})),
        }
    }

    fn set(&self, body: &[u8]) -> Result<Rule, String> {
        let setting: Setting = serde_json::from_slice(body).map_err(|e| {
            format!(
                "expected {{\"service\": \"dynamodb\"|\"cognito-idp\", \"operation\": \"<name>\"|\"*\", \"times\": N}}: {e}"
            )
        })?;
        let (service, error, message) = ANSWERS
            .iter()
            .find(|(service, error, _)| {
                *service == setting.service
                    && setting
                        .error
                        .as_deref()
                        .is_none_or(|wanted| wanted == *error)
            })
            .copied()
            .ok_or_else(|| {
                let known: Vec<String> = ANSWERS
                    .iter()
                    .map(|(service, error, _)| format!("{service} {error}"))
                    .collect();
                format!("no such throttle; known: {}", known.join(", "))
            })?;
        if setting.operation.is_empty() {
            return Err("operation is empty: name one, or \"*\" for all".to_string());
        }
        let rule = Rule {
            service,
            operation: setting.operation,
            error,
            message,
            times: setting.times,
            remaining: setting.times,
            after: setting.after,
            seen: 0,
        };
        let mut rules = self.lock();
        rules.retain(|r| (r.service, &r.operation) != (rule.service, &rule.operation));
        rules.push(rule.clone());
        Ok(rule)
    }

    /// Counts a call to `operation` of `service` on every rule it matches, and answers it
    /// as throttled when one of them still has throttles left.
    pub fn take(&self, service: &str, operation: &str) -> Option<Throttled> {
        let mut throttled = None;
        for rule in self.lock().iter_mut() {
            if rule.service != service || (rule.operation != "*" && rule.operation != operation) {
                continue;
            }
            rule.seen += 1;
            if throttled.is_none() && rule.seen > rule.after && rule.remaining > 0 {
                rule.remaining -= 1;
                println!(
                    "local-runner: injected {} for {service} {operation} ({} more to come)",
                    rule.error, rule.remaining
                );
                throttled = Some(Throttled {
                    service: rule.service,
                    error: rule.error,
                    message: rule.message,
                });
            }
        }
        throttled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Rule {
    fn to_json(&self) -> Value {
        json!({
            "service": self.service,
            "operation": self.operation,
            "error": self.error,
            "times": self.times,
            "after": self.after,
            "remaining": self.remaining,
            "seen": self.seen,
        })
    }
}

impl Throttled {
    /// The service's own error reply: awsJson, status 400, the code in `x-amzn-errortype`
    /// and `__type` (DynamoDB qualifies it with its namespace, Cognito does not).
    pub fn into_response(self) -> Response {
        if self.service == "s3" {
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message></Error>",
                self.error, self.message
            );
            return http::response(503, "application/xml", body);
        }
        let (content_type, kind) = if self.service == "dynamodb" {
            (
                "application/x-amz-json-1.0",
                format!("com.amazonaws.dynamodb.v20120810#{}", self.error),
            )
        } else {
            ("application/x-amz-json-1.1", self.error.to_string())
        };
        let body = json!({"__type": kind, "message": self.message}).to_string();
        let mut response = http::response(400, content_type, body);
        response.headers_mut().insert(
            "x-amzn-errortype",
            hyper::header::HeaderValue::from_static(self.error),
        );
        response
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn answer(response: Response) -> (u16, Value) {
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap())
    }

    fn set(throttles: &Throttles, setting: Value) -> Response {
        throttles.control(&Method::POST, setting.to_string().as_bytes())
    }

    #[tokio::test]
    async fn after_lets_the_first_matching_calls_through() {
        let throttles = Throttles::default();
        let (status, _) = answer(set(
            &throttles,
            json!({"service": "dynamodb", "operation": "PutItem", "times": 1, "after": 2}),
        ))
        .await;
        assert_eq!(status, 200);
        let throttled: Vec<bool> = (0..4)
            .map(|_| throttles.take("dynamodb", "PutItem").is_some())
            .collect();
        assert_eq!(throttled, [false, false, true, false]);
    }

    #[tokio::test]
    async fn s3_calls_are_named_by_operation_and_throttled_with_slow_down() {
        for (method, path, query, operation) in [
            (Method::POST, "/pics", Some("delete"), "DeleteObjects"),
            (Method::POST, "/pics/", Some("delete"), "DeleteObjects"),
            (
                Method::GET,
                "/pics/",
                Some("versions"),
                "ListObjectVersions",
            ),
            (
                Method::GET,
                "/pics",
                Some("versions&prefix=a%2F"),
                "ListObjectVersions",
            ),
            (Method::GET, "/pics", Some("list-type=2"), "ListObjects"),
            (
                Method::PUT,
                "/pics/a/b.png",
                Some("tagging"),
                "PutObjectTagging",
            ),
            (
                Method::PUT,
                "/pics/a/b.png",
                Some("X-Amz-Signature=x"),
                "PutObject",
            ),
            (Method::HEAD, "/pics/a/b.png", None, "HeadObject"),
            (
                Method::DELETE,
                "/pics/a/b.png",
                Some("versionId=3"),
                "DeleteObject",
            ),
        ] {
            assert_eq!(
                s3_operation(&method, path, query),
                operation,
                "{method} {path}"
            );
        }
        let throttles = Throttles::default();
        let (status, _) = answer(set(
            &throttles,
            json!({"service": "s3", "operation": "DeleteObjects", "times": 1}),
        ))
        .await;
        assert_eq!(status, 200);
        assert!(throttles.take("s3", "PutObject").is_none());
        let response = throttles
            .take("s3", "DeleteObjects")
            .unwrap()
            .into_response();
        assert_eq!(response.status().as_u16(), 503);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(
            String::from_utf8_lossy(&body).contains("<Code>SlowDown</Code>"),
            "{body:?}"
        );
        assert!(throttles.take("s3", "DeleteObjects").is_none());
    }

    #[tokio::test]
    async fn the_next_n_matching_calls_are_throttled_and_every_match_is_counted() {
        let throttles = Throttles::default();
        let (status, rule) = answer(set(
            &throttles,
            json!({"service": "dynamodb", "operation": "GetItem", "times": 2}),
        ))
        .await;
        assert_eq!(status, 200);
        assert_eq!(rule["error"], "ProvisionedThroughputExceededException");

        assert!(throttles.take("dynamodb", "PutItem").is_none());
        assert!(throttles.take("cognito-idp", "GetItem").is_none());
        assert!(throttles.take("dynamodb", "GetItem").is_some());
        assert!(throttles.take("dynamodb", "GetItem").is_some());
        assert!(throttles.take("dynamodb", "GetItem").is_none());

        let (_, listed) = answer(throttles.control(&Method::GET, b"")).await;
        assert_eq!(
            (
                &listed["rules"][0]["remaining"],
                &listed["rules"][0]["seen"]
            ),
            (&json!(0), &json!(3))
        );
        answer(throttles.control(&Method::DELETE, b"")).await;
        let (_, listed) = answer(throttles.control(&Method::GET, b"")).await;
        assert_eq!(listed["rules"], json!([]));
    }

    #[tokio::test]
    async fn a_wildcard_matches_every_operation_and_a_new_setting_replaces_the_old() {
        let throttles = Throttles::default();
        set(
            &throttles,
            json!({"service": "cognito-idp", "operation": "*", "times": 5}),
        );
        set(
            &throttles,
            json!({"service": "cognito-idp", "operation": "*", "times": 1}),
        );
        assert!(
            throttles
                .take("cognito-idp", "AdminAddUserToGroup")
                .is_some()
        );
        assert!(
            throttles
                .take("cognito-idp", "AdminConfirmSignUp")
                .is_none()
        );
    }

    #[tokio::test]
    async fn the_answers_are_the_services_own_throttling_errors() {
        let throttles = Throttles::default();
        set(
            &throttles,
            json!({"service": "dynamodb", "operation": "*", "times": 1, "error": "ThrottlingException"}),
        );
        set(
            &throttles,
            json!({"service": "cognito-idp", "operation": "*", "times": 1}),
        );

        let dynamodb = throttles.take("dynamodb", "Query").unwrap().into_response();
        assert_eq!(
            dynamodb.headers()["x-amzn-errortype"],
            "ThrottlingException"
        );
        assert_eq!(
            answer(dynamodb).await,
            (
                400,
                json!({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate of requests exceeds the allowed throughput."})
            )
        );
        let cognito = throttles
            .take("cognito-idp", "AdminAddUserToGroup")
            .unwrap()
            .into_response();
        assert_eq!(
            cognito.headers()["x-amzn-errortype"],
            "TooManyRequestsException"
        );
        assert_eq!(
            answer(cognito).await,
            (
                400,
                json!({"__type": "TooManyRequestsException", "message": "Too many requests"})
            )
        );
    }

    #[tokio::test]
    async fn a_setting_the_front_cannot_honour_is_refused() {
        let throttles = Throttles::default();
        for setting in [
            json!({"service": "sqs", "operation": "*", "times": 1}),
            json!({"service": "cognito-idp", "operation": "*", "times": 1, "error": "ThrottlingException"}),
            json!({"service": "dynamodb", "operation": "", "times": 1}),
            json!({"service": "dynamodb", "operation": "*", "times": -1}),
            json!({"service": "dynamodb", "operation": "*", "times": 1, "tims": 2}),
        ] {
            let (status, body) = answer(set(&throttles, setting.clone())).await;
            assert_eq!(status, 400, "{setting}: {body}");
        }
        assert_eq!(throttles.control(&Method::PUT, b"").status(), 405);
        assert!(throttles.take("dynamodb", "GetItem").is_none());
    }
}
