//! The applied REST API served with a script function: routing, authorizer refusals, events, 502.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::aws_front::Moto;
use crate::functions::Sandbox;
use crate::test_runtime::{script_zip, temp_dir};
use serde_json::Value;
use std::path::PathBuf;
use tokio::net::TcpListener;

/// The users-api stand-in: records the /health event and answers it; crashes on OPTIONS.
const CASES: &str = r#"    *'"httpMethod":"OPTIONS"'*) exit 3 ;;
*'"resource":"/health"'*) printf '%s' "$event" > "$LAMBDA_TASK_ROOT/event.json"
  respond '{"statusCode":200,"headers":{"X-Seen":"yes"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"{\"status\":\"ok\"}"}' ;;
*) respond '{"statusCode":200,"body":"unexpected"}' ;;"#;

/// The applied REST API served with every function replaced by the script above.
async fn serve_applied_api() -> (String, PathBuf, tokio::task::JoinHandle<()>) {
    serve_api_with(|_| {}).await
}

/// The same, with the applied state changed first.
async fn serve_api_with(
    change: impl FnOnce(&mut Applied),
) -> (String, PathBuf, tokio::task::JoinHandle<()>) {
    let dir = temp_dir("gateway");
    let mut applied = Applied::parse(
        &serde_json::from_str(include_str!("../../tests/fixtures/applied.json")).unwrap(),
    )
    .unwrap();
    change(&mut applied);
    let zip = script_zip(&dir, "api", CASES);
    for function in &mut applied.functions {
        function.zip_path = zip.clone();
    }
    let nowhere = "http://127.0.0.1:9";
    let sandbox = Sandbox {
        aws_endpoint_url: nowhere.into(),
        region: applied.region.clone(),
        work_dir: dir.clone(),
        logs_dir: dir.clone(),
        concurrency: 2,
    };
    let functions = Arc::new(Functions::new(
        &applied,
        &sandbox,
        &crate::iam::Identities::mint(&applied),
    ));
    let api = applied.rest_api.clone().unwrap();
    let authorizer = Authorizer::new(
        Moto::new(
            nowhere,
            &applied.region,
            crate::aws_front::ControlSecret::new(&"x".repeat(32)).unwrap(),
        ),
        nowhere,
    );
    let gateway = Arc::new(Gateway {
        applied: Arc::new(applied),
        api,
        functions,
        authorizer,
    });
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let server = tokio::spawn(http::serve(listener, move |peer, request| {
        handle(gateway.clone(), peer, request)
    }));
    (base, dir, server)
}

async fn call(method: &str, url: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, body) = test_support::http::send(method, url, headers, b"").await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stage_serves_applied_routes_with_api_gateway_semantics() {
    let (base, dir, server) = serve_applied_api().await;
    let missing = json!({"message": "Missing Authentication Token"});

    assert_eq!(
        call("GET", &format!("{base}/nowhere"), &[]).await,
        (403, missing.clone())
    );
    assert_eq!(
        call("DELETE", &format!("{base}/health"), &[]).await,
        (403, missing.clone())
    );
    let other_stage = base.replace("/v1", "/v2");
    assert_eq!(
        call("GET", &format!("{other_stage}/health"), &[]).await,
        (403, missing)
    );

    let unauthorized = json!({"message": "Unauthorized"});
    assert_eq!(
        call("GET", &format!("{base}/users/me"), &[]).await,
        (401, unauthorized.clone())
    );
    assert_eq!(
        call(
            "GET",
            &format!("{base}/users/me"),
            &[("Authorization", "Bearer a.b.c")]
        )
        .await,
        (401, unauthorized)
    );

    let (status, body) = call(
        "GET",
        &format!("{base}/health?a=1&a=2&b=x%20y"),
        &[("X-Trace", "t1")],
    )
    .await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("functions/healthtech-dev-users-api/event.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(event["resource"], "/health");
    assert_eq!(event["path"], "/health");
    assert_eq!(
        event["queryStringParameters"],
        json!({"a": "2", "b": "x y"})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"]["a"],
        json!(["1", "2"])
    );
    assert_eq!(event["headers"]["X-Trace"], "t1");
    assert_eq!(event["requestContext"]["stage"], "v1");
    assert_eq!(event["requestContext"]["path"], "/v1/health");
    assert_eq!(event["requestContext"]["resourcePath"], "/health");
    assert!(
        event["requestContext"]["authorizer"].is_null(),
        "no authorizer on /health"
    );

    let (status, body) = call("OPTIONS", &format!("{base}/users"), &[]).await;
    assert_eq!(
        (status, body),
        (502, json!({"message": "Internal server error"}))
    );

    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateways_own_answers_wear_the_applied_gateway_responses() {
    use crate::applied::GatewayResponse;
    let dressed = |headers: &[(&str, &str)], status_code: Option<u16>| GatewayResponse {
        status_code,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    };
    let (base, _dir, server) = serve_api_with(|applied| {
        let responses = &mut applied.rest_api.as_mut().unwrap().gateway_responses;
        responses.insert(
            "DEFAULT_4XX".into(),
            dressed(
                &[
                    (
                        "Access-Control-Allow-Origin",
                        "method.request.header.Origin",
                    ),
                    ("Vary", "'Origin'"),
                ],
                None,
            ),
        );
        responses.insert(
            "DEFAULT_5XX".into(),
            dressed(
                &[("Access-Control-Allow-Origin", "'https://app.example.com'")],
                None,
            ),
        );
        // A specific type replaces the default (nothing merges), status code included.
        responses.insert(
            "MISSING_AUTHENTICATION_TOKEN".into(),
            dressed(&[("X-Kind", "'no-route'")], Some(404)),
        );
    })
    .await;
    let origin = [("Origin", "https://app.example.com")];
    let send = |method: &'static str,
                path: &'static str,
                headers: &'static [(&'static str, &'static str)]| {
        let url = format!("{base}{path}");
        async move { test_support::http::exchange(method, &url, headers, b"").await }
    };

    // 401 from the authorizer: the 4XX dressing, the request's Origin echoed.
    let reply = send("GET", "/users/me", &[("Origin", "https://app.example.com")]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(origin[0].1)
    );
    assert_eq!(reply.header("vary"), Some("Origin"));
    // An unknown route: its own dressing only, with its status.
    let reply = send("GET", "/nowhere", &[("Origin", "https://app.example.com")]).await;
    assert_eq!(
        (reply.status, reply.header("x-kind")),
        (404, Some("no-route"))
    );
    assert_eq!(reply.header("access-control-allow-origin"), None);
    // No Origin in the request: nothing to echo, the static header stays.
    let reply = send("GET", "/users/me", &[]).await;
    assert_eq!(
        (reply.status, reply.header("access-control-allow-origin")),
        (401, None)
    );
    assert_eq!(reply.header("vary"), Some("Origin"));
    // A crashed function's 502: the 5XX dressing.
    let reply = send("OPTIONS", "/users", &[]).await;
    assert_eq!(reply.status, 502);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(reply.header("vary"), None);
    server.abort();
}
