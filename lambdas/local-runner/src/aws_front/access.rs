//! IAM at the front: which role signed a request, what IAM authorizes it as (actions on
//! resources, with condition keys), and the service's own reply when the role may not.
//!
//! Only requests signed with a function's credentials are judged; anything else is the
//! account admin's (see `crate::iam`).

use super::Front;
use crate::http::{self, Response};
use crate::iam::{Context, Decision, Identity};
use bytes::Bytes;
use hyper::Method;
use hyper::http::request::Parts;

/// One thing IAM authorizes: an action on a resource ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub action: String,
    pub resource: String,
}

/// A refused request, as the service answers it.
pub struct Denied {
    service: String,
    head: bool,
    message: String,
}

/// The function identity a request is signed with, if any. Err: the reply to a request its
/// role may not make.
pub fn authorize<'a>(
    front: &'a Front,
    parts: &Parts,
    body: &Bytes,
) -> Result<Option<&'a Identity>, Denied> {
    let Some((access_key, service)) = signer(parts) else {
        return Ok(None);
    };
    let Some(identity) = front.identities.by_access_key(&access_key) else {
        return Ok(None);
    };
    let scope = Scope {
        region: &front.applied.region,
        account: &front.applied.account_id,
    };
    let context = context(parts, &scope);
    for check in checks(&service, parts, body, &scope) {
        let decision = identity.decide(&check.action, &check.resource, &context);
        if decision != Decision::Allow {
            return Err(deny(identity, &service, parts, &check, decision));
        }
    }
    Ok(Some(identity))
}

/// S3 answers a read of a missing key with 404 only to a caller that may list the bucket;
/// anyone else gets 403, so that keys cannot be probed.
pub fn hide_missing_object(identity: &Identity, parts: &Parts, response: Response) -> Response {
    let from_s3 = signer(parts).is_some_and(|(_, service)| service == "s3");
    if !from_s3 || response.status() != hyper::StatusCode::NOT_FOUND {
        return response;
    }
    let Some((bucket, key)) = s3_target(parts) else {
        return response;
    };
    let reads_object = matches!(parts.method, Method::GET | Method::HEAD) && !key.is_empty();
    if !reads_object {
        return response;
    }
    let list = Check {
        action: "s3:ListBucket".to_string(),
        resource: format!("arn:aws:s3:::{bucket}"),
    };
    let context = Context::default().with("aws:SecureTransport", "true");
    match identity.decide(&list.action, &list.resource, &context) {
        Decision::Allow => response,
        decision => {
            let read = Check {
                action: "s3:GetObject".to_string(),
                resource: format!("arn:aws:s3:::{bucket}/{key}"),
            };
            deny(identity, "s3", parts, &read, decision).into_response()
        }
    }
}

fn deny(
    identity: &Identity,
    service: &str,
    parts: &Parts,
    check: &Check,
    decision: Decision,
) -> Denied {
    println!(
        "local-runner: IAM denied {}: {} on {}",
        identity.function, check.action, check.resource
    );
    let why = if decision == Decision::ExplicitDeny {
        "with an explicit deny in an identity-based policy".to_string()
    } else {
        format!(
            "because no identity-based policy allows the {} action",
            check.action
        )
    };
    Denied {
        service: service.to_string(),
        head: parts.method == Method::HEAD,
        message: format!(
            "User: {} is not authorized to perform: {} on resource: {} {why}",
            identity.principal(),
            check.action,
            check.resource
        ),
    }
}

impl Denied {
    pub fn into_response(self) -> Response {
        let (status, content_type, body) = match self.service.as_str() {
            "s3" => (
                403,
                "application/xml",
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>{}</Message></Error>",
                    xml_escape(&self.message)
                ),
            ),
            "dynamodb" => (
                400,
                "application/x-amz-json-1.0",
                serde_json::json!({"__type": "com.amazon.coral.service#AccessDeniedException", "Message": self.message}).to_string(),
            ),
            "cognito-idp" => (
                400,
                "application/x-amz-json-1.1",
                serde_json::json!({"__type": "AccessDeniedException", "message": self.message}).to_string(),
            ),
            _ => (
                403,
                "application/json",
                serde_json::json!({"__type": "AccessDeniedException", "message": self.message}).to_string(),
            ),
        };
        let mut response = http::response(
            status,
            content_type,
            if self.head { String::new() } else { body },
        );
        response.headers_mut().insert(
            "x-amzn-errortype",
            hyper::header::HeaderValue::from_static("AccessDeniedException"),
        );
        response
    }
}

/// (access key id, service) from a SigV4 Authorization header or a presigned URL's query.
fn signer(parts: &Parts) -> Option<(String, String)> {
    let credential = match parts.headers.get(hyper::header::AUTHORIZATION) {
        Some(header) => {
            let header = header.to_str().ok()?;
            let (_, rest) = header.split_once("Credential=")?;
            rest.split([',', ' ']).next()?.to_string()
        }
        None => {
            query(parts)
                .into_iter()
                .find(|(name, _)| name == "X-Amz-Credential")?
                .1
        }
    };
    // AKID/date/region/service/aws4_request
    let mut fields = credential.split('/');
    let access_key = fields.next()?.to_string();
    let service = fields.nth(2)?.to_string();
    Some((access_key, service))
}

struct Scope<'a> {
    region: &'a str,
    account: &'a str,
}

impl Scope<'_> {
    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account
        )
    }
}

fn context(parts: &Parts, scope: &Scope<'_>) -> Context {
    // The front stands in for AWS's TLS endpoints.
    let mut context = Context::default()
        .with("aws:SecureTransport", "true")
        .with("aws:RequestedRegion", scope.region)
        .with("aws:PrincipalAccount", scope.account);
    for (name, value) in query(parts) {
        if let Some(key) = ["prefix", "delimiter", "max-keys"]
            .iter()
            .find(|k| **k == name)
        {
            context = context.with(&format!("s3:{key}"), value);
        }
    }
    for header in ["x-amz-acl", "x-amz-server-side-encryption"] {
        if let Some(value) = parts.headers.get(header).and_then(|v| v.to_str().ok()) {
            context = context.with(&format!("s3:{header}"), value);
        }
    }
    context
}

/// What IAM authorizes for this request; an operation it cannot place asks for
/// `<service>:<operation>` on `*`, which only a broad grant allows.
fn checks(service: &str, parts: &Parts, body: &Bytes, scope: &Scope<'_>) -> Vec<Check> {
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split_once('.'))
        .map(|(_, operation)| operation.to_string());
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match (service, target) {
        ("dynamodb", Some(operation)) => dynamodb(&operation, &json, scope),
        ("cognito-idp", Some(operation)) => vec![Check {
            action: format!("cognito-idp:{operation}"),
            resource: json["UserPoolId"].as_str().map_or_else(
                || "*".to_string(),
                |id| scope.arn("cognito-idp", &format!("userpool/{id}")),
            ),
        }],
        ("s3", _) => s3(parts, body),
        ("lambda", _) => vec![Check {
            action: "lambda:InvokeFunction".to_string(),
            resource: super::lambda::invoked_function(parts.uri.path()).map_or_else(
                || "*".to_string(),
                |f| {
                    if f.starts_with("arn:") {
                        f
                    } else {
                        scope.arn("lambda", &format!("function:{f}"))
                    }
                },
            ),
        }],
        (service, Some(operation)) => vec![Check {
            action: format!("{service}:{operation}"),
            resource: "*".to_string(),
        }],
        (service, None) => {
            let form = String::from_utf8_lossy(body);
            let operation = form
                .split('&')
                .find_map(|pair| pair.strip_prefix("Action="))
                .unwrap_or("*");
            vec![Check {
                action: format!("{service}:{operation}"),
                resource: "*".to_string(),
            }]
        }
    }
}

/// DynamoDB authorizes a transaction or batch per item action and table.
fn dynamodb(operation: &str, body: &serde_json::Value, scope: &Scope<'_>) -> Vec<Check> {
    let table = |name: &str| {
        if name.starts_with("arn:") {
            name.to_string()
        } else {
            scope.arn("dynamodb", &format!("table/{name}"))
        }
    };
    let check = |action: &str, resource: String| Check {
        action: format!("dynamodb:{action}"),
        resource,
    };
    match operation {
        "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|item| {
                [
                    ("Put", "PutItem"),
                    ("Update", "UpdateItem"),
                    ("Delete", "DeleteItem"),
                    ("ConditionCheck", "ConditionCheckItem"),
                    ("Get", "GetItem"),
                ]
                .into_iter()
                .filter_map(|(kind, action)| {
                    let name = item[kind]["TableName"].as_str()?;
                    Some(check(action, table(name)))
                })
            })
            .collect(),
        "BatchGetItem" | "BatchWriteItem" => body["RequestItems"]
            .as_object()
            .into_iter()
            .flat_map(|tables| tables.keys())
            .map(|name| check(operation, table(name)))
            .collect(),
        _ => {
            let resource = match (body["TableName"].as_str(), body["IndexName"].as_str()) {
                (Some(name), Some(index)) => format!("{}/index/{index}", table(name)),
                (Some(name), None) => table(name),
                (None, _) => "*".to_string(),
            };
            vec![check(operation, resource)]
        }
    }
}

/// S3's actions by method, path (path-style: /bucket/key) and sub-resource.
fn s3(parts: &Parts, body: &Bytes) -> Vec<Check> {
    let check = |action: &str, resource: String| Check {
        action: format!("s3:{action}"),
        resource,
    };
    let Some((bucket, key)) = s3_target(parts) else {
        return vec![check("ListAllMyBuckets", "*".to_string())];
    };
    let query = query(parts);
    let has = |name: &str| query.iter().any(|(n, _)| n == name);
    let version = has("versionId");
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let object_arn = format!("{bucket_arn}/{key}");
    let method = &parts.method;
    if key.is_empty() {
        let action = if *method == Method::POST && has("delete") {
            return deleted_objects(body)
                .into_iter()
                .map(|(key, versioned)| {
                    let action = if versioned {
                        "DeleteObjectVersion"
                    } else {
                        "DeleteObject"
                    };
                    check(action, format!("{bucket_arn}/{key}"))
                })
                .collect();
        } else if has("versions") {
            "ListBucketVersions"
        } else if has("uploads") {
            "ListBucketMultipartUploads"
        } else if let Some(sub) = BUCKET_SUBRESOURCES.iter().find(|(name, _, _)| has(name)) {
            match *method {
                Method::GET => sub.1,
                Method::DELETE if sub.0 == "policy" => "DeleteBucketPolicy",
                _ => sub.2,
            }
        } else {
            match *method {
                Method::GET | Method::HEAD => "ListBucket",
                Method::PUT => "CreateBucket",
                Method::DELETE => "DeleteBucket",
                _ => "UnknownBucketOperation",
            }
        };
        return vec![check(action, bucket_arn)];
    }
    let action = match *method {
        _ if has("tagging") => {
            if *method == Method::GET {
                "GetObjectTagging"
            } else {
                "PutObjectTagging"
            }
        }
        _ if has("acl") => {
            if *method == Method::GET {
                "GetObjectAcl"
            } else {
                "PutObjectAcl"
            }
        }
        Method::GET | Method::HEAD if has("uploadId") => "ListMultipartUploadParts",
        Method::GET | Method::HEAD if version => "GetObjectVersion",
        Method::GET | Method::HEAD => "GetObject",
        Method::DELETE if has("uploadId") => "AbortMultipartUpload",
        Method::DELETE if version => "DeleteObjectVersion",
        Method::DELETE => "DeleteObject",
        Method::PUT | Method::POST => "PutObject",
        _ => "UnknownObjectOperation",
    };
    // An upload that tags the object needs the tagging action too.
    let tags_on_upload = *method == Method::PUT
        && (parts.headers.contains_key("x-amz-tagging") || has("x-amz-tagging"));
    let mut checks = vec![check(action, object_arn.clone())];
    if tags_on_upload && action == "PutObject" {
        checks.push(check("PutObjectTagging", object_arn));
    }
    // A copy also reads its source.
    if let Some(source) = parts
        .headers
        .get("x-amz-copy-source")
        .and_then(|v| v.to_str().ok())
    {
        let source = percent_decode(source.trim_start_matches('/'));
        let source = source.split("?versionId=").next().unwrap_or_default();
        checks.push(check("GetObject", format!("arn:aws:s3:::{source}")));
    }
    checks
}

/// Bucket sub-resources: (query name, GET action, PUT action).
const BUCKET_SUBRESOURCES: [(&str, &str, &str); 8] = [
    ("policy", "GetBucketPolicy", "PutBucketPolicy"),
    ("versioning", "GetBucketVersioning", "PutBucketVersioning"),
    (
        "lifecycle",
        "GetLifecycleConfiguration",
        "PutLifecycleConfiguration",
    ),
    ("cors", "GetBucketCORS", "PutBucketCORS"),
    (
        "encryption",
        "GetEncryptionConfiguration",
        "PutEncryptionConfiguration",
    ),
    (
        "publicAccessBlock",
        "GetBucketPublicAccessBlock",
        "PutBucketPublicAccessBlock",
    ),
    ("location", "GetBucketLocation", "GetBucketLocation"),
    ("tagging", "GetBucketTagging", "PutBucketTagging"),
];

/// (bucket, key) of a path-style S3 request; the key is empty for a bucket request.
fn s3_target(parts: &Parts) -> Option<(String, String)> {
    let path = parts.uri.path().trim_start_matches('/');
    if path.is_empty() {
        return None;
    }
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    Some((percent_decode(bucket), percent_decode(key)))
}

/// The keys of a DeleteObjects body, each with whether it names a version.
fn deleted_objects(body: &Bytes) -> Vec<(String, bool)> {
    let text = String::from_utf8_lossy(body);
    text.split("<Object>")
        .skip(1)
        .filter_map(|object| {
            let key = object.split_once("<Key>")?.1.split_once("</Key>")?.0;
            Some((xml_unescape(key), object.contains("<VersionId>")))
        })
        .collect()
}

fn query(parts: &Parts) -> Vec<(String, String)> {
    parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
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

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const SCOPE: Scope<'static> = Scope {
        region: "us-east-1",
        account: "123456789012",
    };
    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/profiles";

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut request = hyper::Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    fn check(action: &str, resource: &str) -> Check {
        Check {
            action: action.to_string(),
            resource: resource.to_string(),
        }
    }

    fn dynamo(operation: &str, body: serde_json::Value) -> Vec<Check> {
        let parts = parts(
            "POST",
            "/",
            &[("x-amz-target", &format!("DynamoDB_20120810.{operation}"))],
        );
        checks("dynamodb", &parts, &Bytes::from(body.to_string()), &SCOPE)
    }

    #[test]
    fn the_signer_comes_from_the_header_or_a_presigned_query() {
        let signed = parts(
            "GET",
            "/",
            &[(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=ASIAKEY/20261202/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
            )],
        );
        assert_eq!(signer(&signed), Some(("ASIAKEY".into(), "dynamodb".into())));
        let presigned = parts(
            "PUT",
            "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAKEY%2F20261202%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x",
            &[],
        );
        assert_eq!(signer(&presigned), Some(("ASIAKEY".into(), "s3".into())));
        assert_eq!(signer(&parts("GET", "/b/k", &[])), None);
    }

    #[test]
    fn dynamodb_is_authorized_per_table_index_and_transaction_item() {
        assert_eq!(
            dynamo("GetItem", serde_json::json!({"TableName": "profiles"})),
            [check("dynamodb:GetItem", TABLE)]
        );
        assert_eq!(
            dynamo(
                "Query",
                serde_json::json!({"TableName": "profiles", "IndexName": "by-type"})
            ),
            [check("dynamodb:Query", &format!("{TABLE}/index/by-type"))]
        );
        assert_eq!(
            dynamo(
                "TransactWriteItems",
                serde_json::json!({"TransactItems": [
                    {"Put": {"TableName": "profiles"}},
                    {"Update": {"TableName": "counters"}},
                    {"ConditionCheck": {"TableName": TABLE}},
                    {"Delete": {"TableName": "profiles"}},
                ]})
            ),
            [
                check("dynamodb:PutItem", TABLE),
                check(
                    "dynamodb:UpdateItem",
                    "arn:aws:dynamodb:us-east-1:123456789012:table/counters"
                ),
                check("dynamodb:ConditionCheckItem", TABLE),
                check("dynamodb:DeleteItem", TABLE),
            ]
        );
        assert_eq!(
            dynamo(
                "BatchWriteItem",
                serde_json::json!({"RequestItems": {"profiles": []}})
            ),
            [check("dynamodb:BatchWriteItem", TABLE)]
        );
        assert_eq!(
            dynamo("ListTables", serde_json::json!({})),
            [check("dynamodb:ListTables", "*")]
        );
    }

    /// The access log's calls: a PutItem and a Query on its table (no index), each
    /// authorized on that table's ARN, so a grant on another table does not cover them.
    #[test]
    fn access_log_puts_and_queries_are_authorized_on_its_table() {
        let log = "arn:aws:dynamodb:us-east-1:123456789012:table/healthtech-dev-access-log";
        let table = serde_json::json!({"TableName": "healthtech-dev-access-log"});
        assert_eq!(
            dynamo("PutItem", table.clone()),
            [check("dynamodb:PutItem", log)]
        );
        assert_eq!(dynamo("Query", table), [check("dynamodb:Query", log)]);
    }

    #[test]
    fn cognito_is_authorized_on_the_pool() {
        let parts = parts(
            "POST",
            "/",
            &[(
                "x-amz-target",
                "AWSCognitoIdentityProviderService.AdminDeleteUser",
            )],
        );
        let body = Bytes::from(r#"{"UserPoolId": "us-east-1_abc", "Username": "u"}"#);
        assert_eq!(
            checks("cognito-idp", &parts, &body, &SCOPE),
            [check(
                "cognito-idp:AdminDeleteUser",
                "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"
            )]
        );
    }

    #[test]
    fn s3_actions_follow_method_path_and_sub_resource() {
        let s3 = |method: &str, uri: &str, body: &str| {
            checks(
                "s3",
                &parts(method, uri, &[]),
                &Bytes::from(body.to_string()),
                &SCOPE,
            )
        };
        let object = "arn:aws:s3:::pics/users/a b/p.jpg";
        assert_eq!(
            s3("HEAD", "/pics/users/a%20b/p.jpg", ""),
            [check("s3:GetObject", object)]
        );
        assert_eq!(
            s3("GET", "/pics/users/a%20b/p.jpg?versionId=3", ""),
            [check("s3:GetObjectVersion", object)]
        );
        assert_eq!(
            s3("PUT", "/pics/users/a%20b/p.jpg?X-Amz-Signature=x", ""),
            [check("s3:PutObject", object)]
        );
        assert_eq!(
            s3("DELETE", "/pics/users/a%20b/p.jpg?versionId=3", ""),
            [check("s3:DeleteObjectVersion", object)]
        );
        let tagged_upload = checks(
            "s3",
            &parts(
                "PUT",
                "/pics/users/a%20b/p.jpg",
                &[("x-amz-tagging", "picture=unattached")],
            ),
            &Bytes::new(),
            &SCOPE,
        );
        assert_eq!(
            tagged_upload,
            [
                check("s3:PutObject", object),
                check("s3:PutObjectTagging", object)
            ]
        );
        assert_eq!(
            s3("PUT", "/pics/users/a%20b/p.jpg?tagging", ""),
            [check("s3:PutObjectTagging", object)]
        );
        assert_eq!(
            s3("GET", "/pics?list-type=2&prefix=users%2F", ""),
            [check("s3:ListBucket", "arn:aws:s3:::pics")]
        );
        assert_eq!(
            s3("GET", "/pics?versions&prefix=users%2F", ""),
            [check("s3:ListBucketVersions", "arn:aws:s3:::pics")]
        );
        assert_eq!(
            s3("PUT", "/pics?lifecycle", ""),
            [check("s3:PutLifecycleConfiguration", "arn:aws:s3:::pics")]
        );
        assert_eq!(s3("GET", "/", ""), [check("s3:ListAllMyBuckets", "*")]);
        assert_eq!(
            s3(
                "POST",
                "/pics?delete",
                "<Delete><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key><VersionId>1</VersionId></Object></Delete>"
            ),
            [
                check("s3:DeleteObject", "arn:aws:s3:::pics/a&b"),
                check("s3:DeleteObjectVersion", "arn:aws:s3:::pics/c")
            ]
        );
    }

    #[test]
    fn list_parameters_and_upload_headers_are_condition_keys() {
        let context = context(
            &parts(
                "GET",
                "/pics?list-type=2&prefix=users%2Fa%2F",
                &[("x-amz-acl", "private")],
            ),
            &SCOPE,
        );
        let policy = serde_json::json!({"Statement": [{
            "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": "users/*"}, "StringEquals": {"s3:x-amz-acl": "private"}, "Bool": {"aws:SecureTransport": "true"}},
        }]});
        assert_eq!(
            crate::iam::policy::evaluate(&[policy], "s3:ListBucket", "arn:aws:s3:::pics", &context),
            Decision::Allow
        );
    }
}
