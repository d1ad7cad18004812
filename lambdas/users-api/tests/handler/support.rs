//! Builds API Gateway REST requests from the fixture and runs them through the handler.

use std::sync::Arc;

use adapters::config::UsersApiConfig;
use chrono::{DateTime, TimeZone, Utc};
use domain::fakes::{InMemoryAccessLog, InMemoryGroups, InMemoryPictures, InMemoryProfiles};
use domain::fields::{BloodGroup, DateOfBirth, DisplayName, Email, PhoneNumber};
use domain::{Profile, ProfileStatus, UserId, UserType};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use users_api::{Deps, handle};

pub const FIXTURE: &str = include_str!("../fixtures/rest_request.json");
pub const ADA: &str = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";
pub const BO: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const CY: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
pub const ROOT: &str = "0f0e0d0c-0b0a-4909-8807-060504030201";
pub const POOL: &str = "eu-west-1_Ab12Cd34E";

pub type TestDeps = Deps<InMemoryProfiles, InMemoryPictures, InMemoryGroups, InMemoryAccessLog>;

pub fn deps() -> Arc<TestDeps> {
    let config = UsersApiConfig::from_lookup(|name| {
        match name {
            "PROFILE_TABLE_NAME" => Some("profiles"),
            "PROFILE_SHARDS" => Some("16"),
            "PICTURE_BUCKET_NAME" => Some("pictures"),
            "USER_POOL_ID" => Some(POOL),
            "MAX_PICTURE_BYTES" => Some("1048576"),
            "CORS_ALLOWED_ORIGINS" => Some("https://app.example.com, https://admin.example.com"),
            "SELF_SERVICE_USER_TYPES" => Some("Patient"),
            "ACCESS_LOG_TABLE_NAME" => Some("access-log"),
            _ => None,
        }
        .map(str::to_owned)
    })
    .unwrap();
    Arc::new(Deps {
        profiles: InMemoryProfiles::default(),
        pictures: InMemoryPictures::default(),
        groups: InMemoryGroups::default(),
        access_log: InMemoryAccessLog::default(),
        config,
    })
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap()
}

pub fn id(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

/// A stored profile with every field set.
pub fn profile(user: &str, user_type: UserType, status: ProfileStatus) -> Profile {
    Profile {
        user_id: id(user),
        username: format!("{user}-username"),
        email: Some(Email::parse(&format!("{}@example.com", &user[..8])).unwrap()),
        name: Some(DisplayName::parse("Stored Name").unwrap()),
        phone_number: Some(PhoneNumber::parse("+14155550100").unwrap()),
        dob: Some(DateOfBirth::parse("1980-06-15", now().date_naive()).unwrap()),
        gender: None,
        blood_group: Some(BloodGroup::APos),
        user_type,
        status,
        picture_key: None,
        created_at: now() - chrono::Duration::days(30),
        updated_at: now() - chrono::Duration::days(30),
        version: 1,
    }
}

/// One request: who calls (`None` = no claims), method, resource, `{id}`, body, headers.
#[derive(Clone)]
pub struct Call {
    event: Value,
}

impl Call {
    pub fn new(method: &str, resource: &str) -> Self {
        let mut event: Value = serde_json::from_str(FIXTURE).unwrap();
        event["httpMethod"] = json!(method);
        event["resource"] = json!(resource);
        event["requestContext"]["httpMethod"] = json!(method);
        event["requestContext"]["resourcePath"] = json!(resource);
        event["pathParameters"] = json!(null);
        event["path"] = json!(resource);
        // Each call its own request id, as API Gateway gives: access log entries are keyed by it.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        event["requestContext"]["requestId"] = json!(format!("test-request-{n:06}"));
        Call { event }
    }

    pub fn request_id(&self) -> &str {
        self.event["requestContext"]["requestId"].as_str().unwrap()
    }

    pub fn id(mut self, id: &str) -> Self {
        self.event["pathParameters"] = json!({ "id": id });
        let path = self.event["resource"].as_str().unwrap().replace("{id}", id);
        self.event["path"] = json!(path);
        self
    }

    /// Claims of `sub` in `groups` (as API Gateway passes them: a comma list).
    pub fn by(mut self, sub: &str, groups: &[&str]) -> Self {
        let claims = &mut self.event["requestContext"]["authorizer"]["claims"];
        claims["sub"] = json!(sub);
        claims["cognito:username"] = json!(format!("{sub}-username"));
        if groups.is_empty() {
            claims.as_object_mut().unwrap().remove("cognito:groups");
        } else {
            claims["cognito:groups"] = json!(groups.join(","));
        }
        self
    }

    pub fn claim(mut self, name: &str, value: &str) -> Self {
        self.event["requestContext"]["authorizer"]["claims"][name] = json!(value);
        self
    }

    pub fn anonymous(mut self) -> Self {
        self.event["requestContext"]
            .as_object_mut()
            .unwrap()
            .remove("authorizer");
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.event["body"] = json!(body);
        self.header("Content-Type", "application/json")
    }

    pub fn json(self, body: Value) -> Self {
        self.body(&body.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.event["headers"][name] = json!(value);
        self.event["multiValueHeaders"][name] = json!([value]);
        self
    }

    pub fn query(mut self, params: &[(&str, &str)]) -> Self {
        let single: serde_json::Map<String, Value> = params
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let multi: serde_json::Map<String, Value> = params
            .iter()
            .map(|(k, v)| (k.to_string(), json!([v])))
            .collect();
        self.event["queryStringParameters"] = Value::Object(single);
        self.event["multiValueQueryStringParameters"] = Value::Object(multi);
        self
    }

    pub fn raw_event(&self) -> &Value {
        &self.event
    }

    pub async fn send(self, deps: &TestDeps) -> Reply {
        self.send_at(deps, now()).await
    }

    /// Sends the request as handled at `at`.
    pub async fn send_at(self, deps: &TestDeps, at: DateTime<Utc>) -> Reply {
        // As the deployed function reads the event (users_api::event).
        let request =
            users_api::event::request_from_slice(self.event.to_string().as_bytes()).unwrap();
        Reply::from(handle(deps, request, at).await)
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub body: Value,
}

impl Reply {
    fn from(response: Response<Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.body() {
            Body::Empty => Value::Null,
            other => serde_json::from_slice(other.as_ref()).expect("every response body is JSON"),
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
}
