//! The stack played as an attacker on the same machine would play it: the control
//! endpoints in every spelling, through the public front and the Hosted UI; unsigned,
//! wrongly signed and stale calls; another site's origin and host names (DNS rebinding);
//! and the outbox's permissions.

use super::cognito::SignedIn;
use super::hosted_ui::over_tls;
use super::stack::{CONTROL_SECRET_HEADER, StackInfo};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Every spelling of the wrapper's and moto's control paths a client might try: moto's
/// server decodes `%5F`, collapses `//` and resolves dots before it routes.
const CONTROL_SPELLINGS: [&str; 17] = [
    "/_local/cognito/password",
    "//_local/cognito/password",
    "/./_local/cognito/password",
    "/x/../_local/cognito/password",
    "/%5Flocal/cognito/password",
    "/%5flocal/cognito/password",
    "/_local%2Fcognito/password",
    "/_LOCAL/cognito/password",
    "/_local/cognito/password?",
    "//_local/cognito/oauth-tokens",
    "/%5Flocal/cognito/oauth-tokens",
    "//_local/save-state",
    "/moto-api/",
    "//moto-api/",
    "/%6Doto-api/",
    "/moto-api/data.json",
    "//moto-api/reset",
];

const COGNITO: &str = "AWSCognitoIdentityProviderService";

/// (status, body) of a raw HTTP/1.1 request to `url`'s host and port, written as given
/// (any Host, any path spelling).
async fn raw(url: &str, request: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Every listener binds 127.0.0.1 (`localhost` may resolve to ::1 first).
    let address = authority(url).replace("localhost", "127.0.0.1");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(
        test_support::http::TIME_LIMIT,
        stream.read_to_string(&mut answer),
    )
    .await;
    status_and_body(&answer)
}

fn status_and_body(answer: &str) -> (u16, String) {
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_string())
}

fn authority(url: &str) -> &str {
    url.split("://").nth(1).unwrap().split('/').next().unwrap()
}

fn post(path: &str, host: &str, extra: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// No spelling of a control path reaches moto's or the wrapper's control endpoints through
/// the AWS front or the Hosted UI (HTTP and HTTPS), with or without a forged secret; the
/// front's own throttle switch opens to the control secret alone.
pub async fn control_endpoints_are_unreachable_in_any_spelling(
    stack: &StackInfo,
    person: &SignedIn,
) {
    let asked = json!({
        "UserPoolId": stack.user_pool_id, "Username": person.email,
        "ClientId": stack.user_pool_client_id, "Scope": "openid",
    })
    .to_string();
    let forged = format!("{CONTROL_SECRET_HEADER}: {}\r\n", "f".repeat(64));
    let leaked = |body: &str| {
        ["Password", "access_token", "refresh_token", "saved "]
            .iter()
            .find(|secret| body.contains(**secret))
            .copied()
    };
    for path in CONTROL_SPELLINGS {
        for extra in ["", forged.as_str()] {
            let listeners = [
                ("AWS front", &stack.aws_endpoint_url),
                ("Hosted UI", &stack.hosted_ui_url),
            ];
            for (name, url) in listeners {
                let (status, body) = raw(url, &post(path, authority(url), extra, &asked)).await;
                assert!(
                    leaked(&body).is_none() && matches!(status, 403 | 404),
                    "POST {path} through the {name} ({}): {status} {body}",
                    if extra.is_empty() {
                        "no secret"
                    } else {
                        "a forged secret"
                    }
                );
            }
            let https = authority(&stack.hosted_ui_https_url);
            let (status, body) =
                status_and_body(&over_tls(stack, &post(path, https, extra, &asked)).await);
            assert!(
                leaked(&body).is_none() && matches!(status, 403 | 404),
                "POST {path} through the Hosted UI over HTTPS: {status} {body}"
            );
        }
    }
    // Even the control secret opens nothing of moto's through the front: it never forwards.
    let secret = format!("{CONTROL_SECRET_HEADER}: {}\r\n", stack.control_secret);
    let front = &stack.aws_endpoint_url;
    let (status, body) = raw(
        front,
        &post(
            "/_local/cognito/password",
            authority(front),
            &secret,
            &asked,
        ),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(leaked(&body).is_none(), "{body}");

    // The throttle switch: refused without the secret, in any spelling; served with it.
    for path in [
        "/_local/throttle",
        "//_local/throttle",
        "/%5Flocal/throttle",
    ] {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            authority(front)
        );
        let (status, body) = raw(front, &request).await;
        assert_eq!(status, 403, "GET {path} without the secret: {body}");
        let (status, body) = raw(
            front,
            &request.replace("\r\n\r\n", &format!("\r\n{forged}\r\n")),
        )
        .await;
        assert_eq!(status, 403, "GET {path} with a forged secret: {body}");
    }
    let request = format!(
        "GET /_local/throttle HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{secret}\r\n",
        authority(front)
    );
    let (status, body) = raw(front, &request).await;
    assert_eq!(status, 200, "the throttle switch with the secret: {body}");
}

/// A JSON call to the front: (status, `__type` or x-amzn-ErrorType, body).
async fn json_call(
    stack: &StackInfo,
    target: &str,
    body: &Value,
    sign: Option<(&test_support::sigv4::Signer, &str, SystemTime)>,
) -> (u16, String, String) {
    let url = format!("{}/", stack.aws_endpoint_url);
    let body = body.to_string();
    let content_type = if target.starts_with("DynamoDB") {
        "application/x-amz-json-1.0"
    } else {
        "application/x-amz-json-1.1"
    };
    let mut headers = vec![("Content-Type", content_type), ("X-Amz-Target", target)];
    let signature = sign.map(|(signer, service, at)| {
        signer.headers_at(service, "POST", &url, &headers, body.as_bytes(), at)
    });
    headers.extend(
        signature
            .iter()
            .flatten()
            .map(|(n, v)| (n.as_str(), v.as_str())),
    );
    let reply = test_support::http::exchange("POST", &url, &headers, body.as_bytes()).await;
    let parsed: Value = serde_json::from_str(&reply.body).unwrap_or_default();
    let code = parsed["__type"]
        .as_str()
        .or(reply.header("x-amzn-errortype"))
        .unwrap_or_default()
        .rsplit('#')
        .next()
        .unwrap_or_default()
        .to_string();
    (reply.status, code, reply.body)
}

/// AWS's SigV4 rules at the front: unsigned admin calls, unknown keys, wrong secrets,
/// malformed and stale signatures are refused with each service's own error; Cognito's
/// public operations are served unsigned; the stack's own credentials work.
pub async fn unsigned_and_badly_signed_calls_are_refused_as_aws_refuses_them(
    stack: &StackInfo,
    person: &SignedIn,
) {
    let now = SystemTime::now();
    let good = stack.signer();
    let unknown = test_support::sigv4::Signer {
        access_key_id: "AKIAUNKNOWNKEY000000".into(),
        ..good.clone()
    };
    let wrong_secret = test_support::sigv4::Signer {
        secret_access_key: "not-the-stacks-secret".into(),
        ..good.clone()
    };
    let admin_get_user = format!("{COGNITO}.AdminGetUser");
    let who = json!({"UserPoolId": stack.user_pool_id, "Username": person.email});
    let cases = [
        (None, "MissingAuthenticationTokenException"),
        (
            Some((&unknown, "cognito-idp", now)),
            "UnrecognizedClientException",
        ),
        (
            Some((&wrong_secret, "cognito-idp", now)),
            "InvalidSignatureException",
        ),
        (Some((&good, "dynamodb", now)), "InvalidSignatureException"),
        (
            Some((&good, "cognito-idp", now - Duration::from_secs(20 * 60))),
            "InvalidSignatureException",
        ),
    ];
    for (sign, expected) in cases {
        let (status, code, body) = json_call(stack, &admin_get_user, &who, sign).await;
        assert_eq!(
            (status, code.as_str()),
            (400, expected),
            "AdminGetUser: {body}"
        );
        assert!(!body.contains(&person.email), "{body}");
    }
    let (status, code, body) = json_call(
        stack,
        &admin_get_user,
        &who,
        Some((&good, "cognito-idp", now)),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (200, ""),
        "the stack's credentials: {body}"
    );

    // A malformed Authorization header.
    let url = format!("{}/", stack.aws_endpoint_url);
    let reply = test_support::http::exchange(
        "POST",
        &url,
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", &admin_get_user),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/x"),
        ],
        who.to_string().as_bytes(),
    )
    .await;
    assert_eq!(
        (reply.status, reply.header("x-amzn-errortype")),
        (400, Some("IncompleteSignatureException")),
        "{}",
        reply.body
    );

    // DynamoDB: its own shapes.
    let list = json!({});
    for (sign, expected) in [
        (None, "MissingAuthenticationTokenException"),
        (
            Some((&unknown, "dynamodb", now)),
            "UnrecognizedClientException",
        ),
        (
            Some((&wrong_secret, "dynamodb", now)),
            "InvalidSignatureException",
        ),
    ] {
        let (status, code, body) =
            json_call(stack, "DynamoDB_20120810.ListTables", &list, sign).await;
        assert_eq!(
            (status, code.as_str()),
            (400, expected),
            "ListTables: {body}"
        );
    }

    // Lambda's REST API: 403s.
    let functions = format!("{}/2015-03-31/functions/", stack.aws_endpoint_url);
    let reply = test_support::http::exchange("GET", &functions, &[], b"").await;
    assert_eq!(
        (reply.status, reply.header("x-amzn-errortype")),
        (403, Some("MissingAuthenticationTokenException")),
        "{}",
        reply.body
    );

    // S3: anonymous reads are denied; an unknown key and a wrong secret are S3's errors.
    let bucket = format!("{}/{}", stack.aws_endpoint_url, stack.bucket_name);
    let (status, body) = test_support::http::send("GET", &bucket, &[], b"").await;
    assert!(
        status == 403 && body.contains("<Code>AccessDenied</Code>"),
        "{status} {body}"
    );
    for (signer, expected) in [
        (&unknown, "InvalidAccessKeyId"),
        (&wrong_secret, "SignatureDoesNotMatch"),
    ] {
        let signature = signer.headers("s3", "GET", &bucket, &[], b"");
        let headers: Vec<(&str, &str)> = signature
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (status, body) = test_support::http::send("GET", &bucket, &headers, b"").await;
        assert!(
            status == 403 && body.contains(&format!("<Code>{expected}</Code>")),
            "{expected}: {status} {body}"
        );
    }

    // Cognito's public operations are served unsigned, as AWS serves them (a password
    // sign-in: through the test harnesses' client, the app's allows SRP only)...
    let sign_in = json!({
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": stack.test_client_id,
        "AuthParameters": {"USERNAME": person.email, "PASSWORD": "Wrong-Horse-1!"},
    });
    let initiate = format!("{COGNITO}.InitiateAuth");
    let (status, code, body) = json_call(stack, &initiate, &sign_in, None).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "NotAuthorizedException"),
        "{body}"
    );
    // ...but a signature they carry is checked.
    let (status, code, body) = json_call(
        stack,
        &initiate,
        &sign_in,
        Some((&unknown, "cognito-idp", now)),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (400, "UnrecognizedClientException"),
        "{body}"
    );
}

/// A preflight from any origin is answered for the JSON endpoint, as AWS answers it (what
/// protects a call is its signature or token); the unsigned admin call behind it is not.
/// The picture bucket answers only the origins its CORS configuration lists, as S3 does.
pub async fn another_origin_gets_no_more_than_on_aws(stack: &StackInfo, person: &SignedIn) {
    let object = format!(
        "{}/{}/users/{}/picture.jpg",
        stack.aws_endpoint_url, stack.bucket_name, person.sub
    );
    for (origin, allowed) in [
        ("http://localhost:3000", true),
        ("https://evil.example", false),
    ] {
        let preflight = test_support::http::exchange(
            "OPTIONS",
            &object,
            &[("Origin", origin), ("Access-Control-Request-Method", "PUT")],
            b"",
        )
        .await;
        assert_eq!(
            preflight.header("access-control-allow-origin") == Some(origin),
            allowed,
            "S3 preflight from {origin}: {} {:?}",
            preflight.status,
            preflight.headers
        );
    }
    let url = format!("{}/", stack.aws_endpoint_url);
    let preflight = test_support::http::exchange(
        "OPTIONS",
        &url,
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,x-amz-target",
            ),
        ],
        b"",
    )
    .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let url = format!("{}/", stack.aws_endpoint_url);
    let refused = test_support::http::exchange(
        "POST",
        &url,
        &[
            ("Origin", "https://evil.example"),
            ("Content-Type", "application/x-amz-json-1.1"),
            (
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.AdminGetUser",
            ),
        ],
        json!({"UserPoolId": stack.user_pool_id, "Username": person.email})
            .to_string()
            .as_bytes(),
    )
    .await;
    assert_eq!(
        refused.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains(&person.email), "{}", refused.body);
}

/// Every listener answers only for loopback names: a page whose own name was re-pointed
/// at 127.0.0.1 (DNS rebinding) reaches nothing.
pub async fn only_loopback_host_names_are_answered(stack: &StackInfo) {
    let api_path = format!(
        "/{}/health",
        stack.api_url.rsplit('/').next().unwrap_or_default()
    );
    let listeners = [
        (&stack.aws_endpoint_url, "/"),
        (&stack.api_url, api_path.as_str()),
        (&stack.hosted_ui_url, "/login"),
    ];
    let get = |path: &str, host: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    };
    for (url, path) in listeners {
        let port = authority(url).rsplit(':').next().unwrap();
        for foreign in [
            "evil.example".to_string(),
            format!("evil.example:{port}"),
            format!("127.0.0.1.evil.example:{port}"),
        ] {
            let (status, body) = raw(url, &get(path, &foreign)).await;
            assert_eq!(status, 421, "{url} as {foreign}: {body}");
        }
        let (status, body) = raw(url, &get(path, &format!("localhost:{port}"))).await;
        assert_ne!(status, 421, "{url} as localhost: {body}");
    }
    let https_port = authority(&stack.hosted_ui_https_url)
        .rsplit(':')
        .next()
        .unwrap();
    let answer = over_tls(stack, &get("/login", &format!("evil.example:{https_port}"))).await;
    assert_eq!(
        status_and_body(&answer).0,
        421,
        "HTTPS as evil.example: {answer}"
    );
    let answer = over_tls(stack, &get("/login", &format!("localhost:{https_port}"))).await;
    assert_ne!(
        status_and_body(&answer).0,
        421,
        "HTTPS as localhost: {answer}"
    );
}

/// The outbox (codes, temporary passwords) is readable by the developer's account alone.
pub fn the_outbox_is_its_owners_alone(stack_dir: &Path) {
    let outbox = stack_dir.join("outbox");
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&outbox), 0o700, "{}", outbox.display());
    let mut files = 0;
    for entry in std::fs::read_dir(&outbox).unwrap().flatten() {
        assert_eq!(mode(&entry.path()), 0o600, "{}", entry.path().display());
        files += 1;
    }
    assert!(files > 0, "the journeys sent messages");
    let secrets = stack_dir.join("secrets.json");
    assert_eq!(mode(&secrets), 0o600, "{}", secrets.display());
    assert_eq!(
        mode(&stack_dir.join("stack.json")),
        0o600,
        "stack.json holds a secret key"
    );
}
