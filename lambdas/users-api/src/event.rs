//! The function's Lambda boundary: API Gateway's REST proxy event, as the runtime hands its
//! bytes over, into the one typed `ApiRequest` the handlers read; the response back into
//! the proxy integration's JSON.
//!
//! lambda_http does the same for every event source it knows: it reads the event twice (once
//! to find the source, once into `aws_lambda_events`' type, every header through an untagged
//! enum) and converts all of it into an `http::Request`. This reads only what the REST API
//! sends and the handlers use, with lambda_http's meaning (a test compares the two), and
//! writes the same response JSON.

use std::borrow::Cow;
use std::collections::HashMap;

use base64::Engine;
use lambda_http::http::HeaderMap;
use lambda_http::{Body, Response};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::request::{ApiRequest, caller_of};
use crate::route::route;

/// The event as the runtime hands it over: its JSON text, kept whole. lambda_runtime reads
/// every event through serde_path_to_error, which tracks the path of each value it reads
/// and doubled the cost of reading the event; this takes the text in one piece, and
/// `into_request` reads it with serde_json alone, borrowing its strings where it can.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct RawEvent(Box<RawValue>);

impl RawEvent {
    /// The request the event carries (see `RestEvent`).
    pub fn into_request(self) -> Result<ApiRequest, InvalidEvent> {
        serde_json::from_str::<RestEvent<'_>>(self.0.get())
            .map_err(|_| InvalidEvent("a field of the wrong type"))?
            .into_request()
    }
}

/// The parts of a REST proxy event the function uses; everything else is skipped unread.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestEvent<'a> {
    #[serde(borrow)]
    http_method: Text<'a>,
    #[serde(default, borrow)]
    headers: Pairs<'a, Text<'a>>,
    #[serde(default, borrow)]
    multi_value_headers: Pairs<'a, Vec<Text<'a>>>,
    #[serde(default)]
    query_string_parameters: Option<HashMap<String, String>>,
    #[serde(default)]
    multi_value_query_string_parameters: Option<HashMap<String, Vec<String>>>,
    #[serde(default)]
    path_parameters: Option<PathParameters>,
    request_context: RestContext,
    #[serde(default, borrow)]
    body: Option<Text<'a>>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

#[derive(Deserialize)]
struct PathParameters {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestContext {
    #[serde(default)]
    resource_path: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    authorizer: Option<Authorizer>,
}

/// The Cognito user-pool authorizer puts the token's claims here.
#[derive(Deserialize)]
struct Authorizer {
    #[serde(default)]
    claims: Option<Value>,
}

/// A JSON string, borrowed from the event's text unless it holds escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Text<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }

        deserializer.deserialize_str(Visitor(std::marker::PhantomData))
    }
}

/// A JSON object's entries in their order (`null` is none): a header given in two spellings
/// ends as the event lists it, as it does through lambda_http.
struct Pairs<'a, T>(Vec<(Text<'a>, T)>);

impl<T> Default for Pairs<'_, T> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Pairs<'a, T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<'a, T>(std::marker::PhantomData<(&'a (), T)>);

        impl<'de: 'a, 'a, T: Deserialize<'de>> serde::de::Visitor<'de> for Entries<'a, T> {
            type Value = Pairs<'a, T>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object or null")
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Pairs::default())
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Pairs(entries))
            }
        }

        deserializer.deserialize_any(Entries(std::marker::PhantomData))
    }
}

/// An event that is not a well-formed REST proxy event; the runtime reports it as the
/// invocation's error, as it does an event that does not deserialize.
#[derive(Debug, thiserror::Error)]
#[error("not an API Gateway REST proxy event: {0}")]
pub struct InvalidEvent(&'static str);

impl RestEvent<'_> {
    /// A header's value with lambda_http's meaning: `headers` over `multiValueHeaders`
    /// (API Gateway lists every header under both), names compared case-insensitively, the
    /// last of `headers` and else the first of `multiValueHeaders`.
    fn header(&self, name: &str) -> Option<String> {
        let single = self
            .headers
            .0
            .iter()
            .rev()
            .find(|(n, _)| n.0.eq_ignore_ascii_case(name))
            .map(|(_, value)| value);
        let multi = || {
            self.multi_value_headers
                .0
                .iter()
                .filter(|(n, _)| n.0.eq_ignore_ascii_case(name))
                .find_map(|(_, values)| values.first())
        };
        single
            .or_else(multi)
            .map(|value| value.0.clone().into_owned())
    }

    /// Every header must be one `http` accepts, as it must through lambda_http.
    fn check_headers(&self) -> Result<(), InvalidEvent> {
        let singles = self
            .headers
            .0
            .iter()
            .map(|(n, v)| (n, std::slice::from_ref(v)));
        let multis = self
            .multi_value_headers
            .0
            .iter()
            .map(|(n, v)| (n, v.as_slice()));
        for (name, values) in singles.chain(multis) {
            if name.0.is_empty() || !name.0.bytes().all(is_token) {
                return Err(InvalidEvent("a header name"));
            }
            // `HeaderValue::from_str`: no control characters but tab.
            if values
                .iter()
                .any(|v| v.0.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f))
            {
                return Err(InvalidEvent("a header value"));
            }
        }
        Ok(())
    }

    fn into_request(self) -> Result<ApiRequest, InvalidEvent> {
        let method = self.http_method.0.as_ref();
        if method.is_empty() || !method.bytes().all(is_token) {
            return Err(InvalidEvent("httpMethod"));
        }
        self.check_headers()?;
        let (content_type, if_match, origin) = (
            self.header("content-type"),
            self.header("if-match"),
            self.header("origin"),
        );
        let body = match self.body {
            None => Vec::new(),
            Some(body) if self.is_base64_encoded == Some(true) => {
                base64::engine::general_purpose::STANDARD
                    .decode(body.0.as_bytes())
                    .map_err(|_| InvalidEvent("body"))?
            }
            Some(body) => body.0.into_owned().into_bytes(),
        };
        // Multi-value parameters when present, else single ones, as lambda_http reads them;
        // by name, so that the first refused one is always the same.
        let mut query: Vec<(String, Vec<String>)> = match self.multi_value_query_string_parameters {
            Some(multi) if !multi.is_empty() => multi.into_iter().collect(),
            _ => self
                .query_string_parameters
                .unwrap_or_default()
                .into_iter()
                .map(|(name, value)| (name, vec![value]))
                .collect(),
        };
        query.sort_unstable();
        let context = self.request_context;
        let resource = context.resource_path.unwrap_or_default();
        let claims = match context.authorizer.and_then(|a| a.claims) {
            Some(Value::Object(claims)) => claims,
            _ => serde_json::Map::new(),
        };
        Ok(ApiRequest {
            route: route(method, &resource),
            method: method.to_owned(),
            resource,
            request_id: context.request_id,
            caller: caller_of(&claims),
            claims,
            id: self.path_parameters.and_then(|p| p.id),
            body,
            content_type,
            if_match,
            origin,
            query,
        })
    }
}

/// A character of an HTTP token (RFC 9110 `tchar`): what a method or header name is made of.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The proxy integration's response, as lambda_http writes it for a REST API: every header
/// under `multiValueHeaders` (API Gateway would repeat any also under `headers`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestResponse {
    status_code: u16,
    headers: NoHeaders,
    #[serde(serialize_with = "multi_value_headers")]
    multi_value_headers: HeaderMap,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    is_base64_encoded: bool,
}

/// `{}`.
struct NoHeaders;

impl Serialize for NoHeaders {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_map(Some(0))?.end()
    }
}

fn multi_value_headers<S: Serializer>(
    headers: &HeaderMap,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(headers.keys_len()))?;
    for name in headers.keys() {
        let values = headers
            .get_all(name)
            .iter()
            .map(|v| std::str::from_utf8(v.as_bytes()).map_err(serde::ser::Error::custom))
            .collect::<Result<Vec<_>, _>>()?;
        map.serialize_entry(name.as_str(), &values)?;
    }
    map.end()
}

impl From<Response<Body>> for RestResponse {
    fn from(response: Response<Body>) -> Self {
        let (parts, body) = response.into_parts();
        let (body, is_base64_encoded) = match body {
            Body::Text(text) => (Some(text), false),
            // lambda_http sends an empty body as `""`.
            Body::Empty => (Some(String::new()), false),
            Body::Binary(bytes) => (
                Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
                true,
            ),
            _ => (None, false),
        };
        RestResponse {
            status_code: parts.status.as_u16(),
            headers: NoHeaders,
            multi_value_headers: parts.headers,
            body,
            is_base64_encoded,
        }
    }
}

/// The request the deployed function hands the handlers for these event bytes (as the
/// runtime deserializes them).
pub fn request_from_slice(event: &[u8]) -> Result<ApiRequest, lambda_http::Error> {
    Ok(serde_json::from_slice::<RawEvent>(event)?.into_request()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext;
    use lambda_http::http::HeaderValue;
    use lambda_http::lambda_runtime::{Context, LambdaEvent};
    use lambda_http::request::LambdaRequest;
    use lambda_http::request::RequestContext;
    use lambda_http::tower::Service;
    use lambda_http::{Adapter, Request, RequestExt, service_fn};
    use serde_json::json;

    const FIXTURE: &str = include_str!("../tests/fixtures/rest_request.json");

    /// Events of every shape the edge reads: headers in one or both forms, repeated and
    /// spelled twice, query parameters single and multi-valued, text and base64 bodies.
    fn events() -> Vec<Value> {
        let base: Value = serde_json::from_str(FIXTURE).unwrap();
        let mut events = vec![base.clone()];
        let mut put = base.clone();
        put["httpMethod"] = json!("PUT");
        put["body"] = json!(r#"{"name":"Ada"}"#);
        put["headers"]["Content-Type"] = json!("application/json");
        put["headers"]["If-Match"] = json!("\"3\"");
        put["multiValueHeaders"]["If-Match"] = json!(["\"2\"", "\"3\""]);
        put["multiValueHeaders"]["X-Only-Multi"] = json!(["a", "b"]);
        put["headers"]["x-only-multi"] = json!("c");
        events.push(put);
        let mut query = base.clone();
        query["resource"] = json!("/users");
        query["requestContext"]["resourcePath"] = json!("/users");
        query["pathParameters"] = json!(null);
        query["queryStringParameters"] = json!({"limit": "5", "user_type": "Doctor"});
        query["multiValueQueryStringParameters"] =
            json!({"limit": ["4", "5"], "user_type": ["Doctor"]});
        events.push(query);
        let mut single_query = base.clone();
        single_query["queryStringParameters"] = json!({"limit": "5"});
        single_query["headers"] = json!(null);
        single_query["multiValueHeaders"] = json!(null);
        events.push(single_query);
        let mut origins = base.clone();
        origins["multiValueHeaders"]["Origin"] = json!(["https://a.example", "https://b.example"]);
        origins["headers"]["content-type"] = json!("text/plain");
        origins["headers"]["Content-Type"] = json!("application/json; charset=utf-8");
        events.push(origins);
        let mut binary = base.clone();
        binary["body"] = json!("eyJuYW1lIjoiQWRhIn0=");
        binary["isBase64Encoded"] = json!(true);
        events.push(binary);
        let mut anonymous = base;
        anonymous["requestContext"]
            .as_object_mut()
            .unwrap()
            .remove("authorizer");
        events.push(anonymous);
        events
    }

    fn context(req: &Request) -> &ApiGatewayProxyRequestContext {
        match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(ctx)) => ctx,
            _ => panic!("no REST request context"),
        }
    }

    /// A header as the handlers read it through lambda_http: its first value.
    fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
        req.headers()
            .get(name)
            .map(|v| std::str::from_utf8(v.as_bytes()).unwrap())
    }

    #[test]
    fn the_request_means_what_lambda_http_builds_from_the_same_event() {
        for event in events() {
            let text = event.to_string();
            let ours = request_from_slice(text.as_bytes()).unwrap();
            let theirs = lambda_http::request::from_str(&text).unwrap();
            assert_eq!(ours.method, theirs.method().as_str(), "{event}");
            for (name, value) in [
                ("content-type", &ours.content_type),
                ("if-match", &ours.if_match),
                ("origin", &ours.origin),
            ] {
                assert_eq!(value.as_deref(), header(&theirs, name), "{name}: {event}");
            }
            assert_eq!(ours.body, theirs.body().as_ref(), "{event}");
            assert_eq!(
                ours.id.as_deref(),
                theirs.path_parameters_ref().and_then(|p| p.first("id")),
                "{event}"
            );
            let their_query = theirs.query_string_parameters();
            let mut names: Vec<&str> = their_query.iter().map(|(name, _)| name).collect();
            names.dedup();
            assert_eq!(ours.query.len(), names.len(), "{event}");
            for (name, values) in &ours.query {
                assert_eq!(
                    Some(values.iter().map(String::as_str).collect::<Vec<_>>()),
                    their_query.all(name),
                    "{event}"
                );
            }
            let context = context(&theirs);
            assert_eq!(Some(&ours.resource), context.resource_path.as_ref());
            assert_eq!(ours.request_id, context.request_id);
            let their_claims = context.authorizer.fields.get("claims");
            assert_eq!(
                Some(&ours.claims),
                their_claims.map_or(Some(&serde_json::Map::new()), Value::as_object)
            );
        }
    }

    #[test]
    fn the_runtime_s_path_tracking_reader_hands_the_event_over_whole() {
        for event in events() {
            let text = event.to_string();
            // As lambda_runtime deserializes every event.
            let jd = &mut serde_json::Deserializer::from_str(&text);
            let raw: RawEvent = serde_path_to_error::deserialize(jd).unwrap();
            let (ours, direct) = (
                raw.into_request().unwrap(),
                request_from_slice(text.as_bytes()).unwrap(),
            );
            assert_eq!(format!("{ours:?}"), format!("{direct:?}"), "{event}");
        }
    }

    #[test]
    fn malformed_events_are_errors_not_panics() {
        let base: Value = serde_json::from_str(FIXTURE).unwrap();
        for (field, value) in [
            ("httpMethod", json!("GE T")),
            ("body", json!("not base64!")),
            ("headers", json!({"Bad Name": "x"})),
            ("headers", json!({"X": "line\nbreak"})),
            ("headers", json!({"X": null})),
        ] {
            let mut event = base.clone();
            event[field] = value;
            if field == "body" {
                event["isBase64Encoded"] = json!(true);
            }
            assert!(
                request_from_slice(event.to_string().as_bytes()).is_err(),
                "{field}"
            );
        }
        assert!(request_from_slice(b"[]").is_err());
    }

    #[tokio::test]
    async fn the_response_json_is_what_lambda_http_writes() {
        fn response(body: Body) -> Response<Body> {
            // lambda_http turns a binary body of a text type into text; ours are all text.
            let content_type = match body {
                Body::Binary(_) => "application/octet-stream",
                _ => "application/json",
            };
            let mut response = Response::new(body);
            *response.status_mut() = lambda_http::http::StatusCode::PRECONDITION_FAILED;
            let headers = response.headers_mut();
            headers.insert("content-type", HeaderValue::from_static(content_type));
            headers.insert("etag", HeaderValue::from_static("\"3\""));
            headers.append("vary", HeaderValue::from_static("Origin"));
            headers.append("vary", HeaderValue::from_static("Accept"));
            response
        }
        let bodies: [fn() -> Body; 3] = [
            || Body::Text(r#"{"error":{"code":"x","message":"a \"quoted\" é"}}"#.to_owned()),
            || Body::Empty,
            || Body::Binary(vec![0, 159, 146, 150]),
        ];
        for body in bodies {
            let mut adapter = Adapter::from(service_fn(move |_req: Request| async move {
                Ok::<_, lambda_http::Error>(response(body()))
            }));
            let payload: LambdaRequest = serde_json::from_str(FIXTURE).unwrap();
            let theirs = adapter
                .call(LambdaEvent::new(payload, Context::default()))
                .await
                .unwrap();
            assert_eq!(
                serde_json::to_string(&RestResponse::from(response(body()))).unwrap(),
                serde_json::to_string(&theirs).unwrap()
            );
        }
    }
}
