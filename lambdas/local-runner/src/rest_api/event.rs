//! The REST v1 proxy event API Gateway hands a Lambda integration, and the mapping of the
//! function's proxy response back to HTTP.

use super::authorizer::Claims;
use crate::http::{self, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hyper::http::request::Parts;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub struct EventContext<'a> {
    pub api_id: &'a str,
    pub account_id: &'a str,
    pub stage: &'a str,
    pub request_id: &'a str,
    pub resource_id: &'a str,
    pub resource_path: &'a str,
    /// The path below the stage, e.g. `/users/me`.
    pub path: &'a str,
    pub path_parameters: &'a BTreeMap<String, String>,
    pub claims: Option<&'a Claims>,
    pub source_ip: String,
}

pub fn proxy_event(parts: &Parts, body: &Bytes, context: &EventContext<'_>) -> Value {
    let (headers, multi_headers) = headers(parts);
    let (query, multi_query) = query(parts.uri.query());
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let user_agent = parts
        .headers
        .get(hyper::header::USER_AGENT)
        .and_then(|h| h.to_str().ok());
    let now = chrono::Utc::now();
    let (body, is_base64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_string()), false),
        Err(_) => (Value::String(STANDARD.encode(body)), true),
    };
    let mut request_context = json!({
        "resourceId": context.resource_id,
        "resourcePath": context.resource_path,
        "httpMethod": parts.method.as_str(),
        "extendedRequestId": context.request_id,
        "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        "path": format!("/{}{}", context.stage, context.path),
        "accountId": context.account_id,
        "protocol": "HTTP/1.1",
        "stage": context.stage,
        "domainPrefix": context.api_id,
        "requestTimeEpoch": now.timestamp_millis(),
        "requestId": context.request_id,
        "identity": {
            "cognitoIdentityPoolId": null, "accountId": null, "cognitoIdentityId": null, "caller": null,
            "sourceIp": context.source_ip, "principalOrgId": null, "accessKey": null,
            "cognitoAuthenticationType": null, "cognitoAuthenticationProvider": null,
            "userArn": null, "userAgent": user_agent, "user": null
        },
        "domainName": host,
        "apiId": context.api_id,
    });
    if let Some(claims) = context.claims {
        request_context["authorizer"] =
            json!({"claims": claims_as_api_gateway_passes_them(claims)});
    }
    let path_parameters = if context.path_parameters.is_empty() {
        Value::Null
    } else {
        json!(context.path_parameters)
    };
    json!({
        "resource": context.resource_path,
        "path": context.path,
        "httpMethod": parts.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters,
        "stageVariables": null,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// Every claim as a string: numbers as text, `exp`/`iat` as dates, lists comma-joined.
pub fn claims_as_api_gateway_passes_them(claims: &Claims) -> Map<String, Value> {
    claims
        .iter()
        .map(|(name, value)| {
            let text = match (name.as_str(), value) {
                ("exp" | "iat", Value::Number(n)) => n
                    .as_i64()
                    .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
                    .map_or_else(
                        || n.to_string(),
                        |t| t.format("%a %b %d %H:%M:%S UTC %Y").to_string(),
                    ),
                (_, Value::String(s)) => s.clone(),
                (_, Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(","),
                (_, other) => other.to_string(),
            };
            (name.clone(), Value::String(text))
        })
        .collect()
}

/// (last value per name, all values per name), or nulls when there are none.
fn headers(parts: &Parts) -> (Value, Value) {
    single_and_multi(parts.headers.iter().filter_map(|(name, value)| {
        let value = value.to_str().ok()?;
        Some((canonical_header_name(name.as_str()), value.to_string()))
    }))
}

/// API Gateway's pair of maps: the last value of each name, and all of them in order
/// (both null when there is nothing).
fn single_and_multi(pairs: impl Iterator<Item = (String, String)>) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in pairs {
        single.insert(name.clone(), Value::String(value.clone()));
        if let Some(Value::Array(values)) = multi.get_mut(&name) {
            values.push(Value::String(value));
        } else {
            multi.insert(name, json!([value]));
        }
    }
    if single.is_empty() {
        (Value::Null, Value::Null)
    } else {
        (Value::Object(single), Value::Object(multi))
    }
}

/// `content-type` -> `Content-Type`, as clients usually send them.
fn canonical_header_name(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn query(raw: Option<&str>) -> (Value, Value) {
    let pairs = raw.unwrap_or_default().split('&').filter(|p| !p.is_empty());
    single_and_multi(pairs.map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(name), percent_decode(value))
    }))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text
                    .get(index + 1..index + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    index += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The function's `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}`; None when malformed.
pub fn map_proxy_response(payload: &[u8], request_id: &str) -> Option<Response> {
    let answer: Value = serde_json::from_slice(payload).ok()?;
    let status = u16::try_from(answer["statusCode"].as_u64()?).ok()?;
    let body = match answer["body"].as_str() {
        Some(text) if answer["isBase64Encoded"].as_bool() == Some(true) => {
            Bytes::from(STANDARD.decode(text).ok()?)
        }
        Some(text) => Bytes::from(text.to_string()),
        None => Bytes::new(),
    };
    let mut response = http::response(status, "application/json", body);
    let headers = response.headers_mut();
    let mut set = |name: &str, value: &str, append: bool| {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(value),
        ) {
            if append {
                headers.append(name, value)
            } else {
                headers.insert(name, value).is_some()
            };
        }
    };
    for (name, value) in answer["headers"].as_object().into_iter().flatten() {
        if let Some(value) = value.as_str() {
            set(name, value, false);
        }
    }
    for (name, values) in answer["multiValueHeaders"]
        .as_object()
        .into_iter()
        .flatten()
    {
        for (index, value) in values
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .enumerate()
        {
            set(name, value, index > 0);
        }
    }
    set("x-amzn-RequestId", request_id, false);
    Some(response)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn claims_become_strings_and_groups_a_comma_list() {
        let claims: Claims = serde_json::from_value(json!({
            "sub": "abc", "cognito:groups": ["Admin", "Doctor"], "auth_time": 1700000000, "exp": 1700000000
        }))
        .unwrap();
        let passed = claims_as_api_gateway_passes_them(&claims);
        assert_eq!(passed["cognito:groups"], "Admin,Doctor");
        assert_eq!(passed["auth_time"], "1700000000");
        assert_eq!(passed["exp"], "Tue Nov 14 22:13:20 UTC 2023");
    }

    #[test]
    fn query_strings_keep_the_last_and_all_values() {
        let (single, multi) = query(Some("a=1&a=2&b=x%20y"));
        assert_eq!(single, json!({"a": "2", "b": "x y"}));
        assert_eq!(multi, json!({"a": ["1", "2"], "b": ["x y"]}));
    }

    #[test]
    fn a_response_without_status_is_malformed() {
        assert!(map_proxy_response(br#"{"body":"x"}"#, "r").is_none());
        let response = map_proxy_response(
            br#"{"statusCode":201,"headers":{"ETag":"\"1\""},"body":"{}"}"#,
            "r",
        )
        .unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.headers()["etag"], "\"1\"");
    }
}
