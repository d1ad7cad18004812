//! The front with a real moto and a script trigger: Cognito's error mapping and 5 s limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::applied::{AppClient, FunctionSpec, UserPool};
use crate::functions::Sandbox;
use crate::test_runtime::{script_zip, temp_dir};
use adapters::aws::Timeouts;
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use std::time::{Duration, Instant};
use test_support::emulator;
use tokio::net::TcpListener;

const TRIGGER_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-signup";

/// A PreSignUp that crashes for "crash-…" users, hangs for "slow-…", accepts the rest.
const CASES: &str = r#"    *'"userName":"crash-'*) exit 3 ;;
*'"userName":"slow-'*) exec sleep 30 ;;
*) respond "$event" ;;"#;

/// The front before a fresh moto pool whose PreSignUp is the script above; returns
/// (front endpoint, pool id, app client id).
async fn front_with_script_trigger() -> (String, String, String) {
    let moto_sdk = emulator::setup_sdk().await;
    let pool_id = emulator::create_user_pool(&moto_sdk, &[]).await;
    let client = cognito::Client::new(&moto_sdk)
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .send()
        .await
        .unwrap();
    let client_id = client
        .user_pool_client()
        .and_then(|c| c.client_id())
        .unwrap()
        .to_string();

    let dir = temp_dir("front");
    let applied = Applied {
        region: emulator::REGION.to_string(),
        account_id: "123456789012".into(),
        functions: vec![FunctionSpec {
            name: "pre-signup".into(),
            arn: TRIGGER_ARN.into(),
            zip_path: script_zip(&dir, "pre-signup", CASES),
            handler: "bootstrap".into(),
            environment: Default::default(),
            timeout: Duration::from_secs(30),
            memory_mb: 128,
            log_level: None,
        }],
        user_pools: vec![UserPool {
            id: pool_id.clone(),
            arn: format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"),
            pre_sign_up: Some(TRIGGER_ARN.into()),
            post_confirmation: None,
            immutable_attributes: Default::default(),
            username_is_email: false,
        }],
        app_clients: vec![AppClient {
            id: client_id.clone(),
            user_pool_id: pool_id.clone(),
            write_attributes: Default::default(),
        }],
        rest_api: None,
        bucket_policies: vec![],
    };
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = Sandbox {
        aws_endpoint_url: endpoint.clone(),
        region: applied.region.clone(),
        work_dir: dir.clone(),
        logs_dir: dir,
        concurrency: 2,
    };
    let functions = Arc::new(Functions::new(&applied, &sandbox));
    let front = Arc::new(Front {
        applied: Arc::new(applied),
        functions,
        moto: Moto::new(&emulator::moto().endpoint(), emulator::REGION),
    });
    tokio::spawn(http::serve(listener, move |_, request| {
        handle(front.clone(), request)
    }));
    (endpoint, pool_id, client_id)
}

async fn sign_up(
    idp: &cognito::Client,
    client_id: &str,
    username: &str,
) -> Result<(), (String, String)> {
    idp.sign_up()
        .client_id(client_id)
        .username(username)
        .password("Correct-Horse-9!")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let e = e.into_service_error();
            (
                e.code().unwrap_or_default().to_string(),
                e.message().unwrap_or_default().to_string(),
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_or_hung_trigger_is_cognitos_unexpected_lambda_error_and_creates_no_user() {
    let (endpoint, pool_id, client_id) = front_with_script_trigger().await;
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_secs(25),
        operation: Duration::from_secs(25),
        max_attempts: 1,
    };
    let idp = cognito::Client::new(&emulator::sdk_config(&endpoint, timeouts).await);
    let exists = |username: &'static str| {
        let idp = idp.clone();
        let pool_id = pool_id.clone();
        async move {
            idp.admin_get_user()
                .user_pool_id(pool_id)
                .username(username)
                .send()
                .await
                .is_ok()
        }
    };

    assert_eq!(sign_up(&idp, &client_id, "fine-1").await, Ok(()));
    assert!(exists("fine-1").await);

    let (code, message) = sign_up(&idp, &client_id, "crash-1").await.unwrap_err();
    assert_eq!(code, "UnexpectedLambdaException", "{message}");
    assert!(!exists("crash-1").await);

    // The trigger hangs for 30 s (its function's timeout): Cognito's 5 s limit cuts it.
    // The bounds are wide on purpose: at least the 5 s waited, and far below the 30 s
    // the function alone would have taken, however loaded the machine.
    let started = Instant::now();
    let (code, _) = sign_up(&idp, &client_id, "slow-1").await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(code, "UnexpectedLambdaException");
    assert!(
        took >= Duration::from_secs(5) && took < Duration::from_secs(20),
        "Cognito's 5 s limit, not the function's 30 s: {took:?}"
    );
    assert!(!exists("slow-1").await);
}

/// (status, X-Amz-Function-Error, body) of Lambda's Invoke through the front.
async fn invoke(endpoint: &str, function: &str, payload: &str) -> (u16, Option<String>, String) {
    use http_body_util::BodyExt;
    let request = hyper::Request::post(format!(
        "{endpoint}/2015-03-31/functions/{function}/invocations"
    ))
    .body(http_body_util::Full::new(bytes::Bytes::from(
        payload.to_owned(),
    )))
    .unwrap();
    let reply = tokio::time::timeout(
        test_support::http::TIME_LIMIT,
        http::client().request(request),
    )
    .await
    .expect("Lambda Invoke answered in time")
    .unwrap();
    let status = reply.status().as_u16();
    let function_error = reply
        .headers()
        .get("x-amz-function-error")
        .map(|v| v.to_str().unwrap().to_string());
    let body = reply.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        function_error,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_invoke_runs_the_function_by_name_or_arn_and_flags_its_failures() {
    let (endpoint, _, _) = front_with_script_trigger().await;
    let event = r#"{"userName":"fine-2"}"#;

    assert_eq!(
        invoke(&endpoint, "pre-signup", event).await,
        (200, None, event.to_string())
    );
    let encoded_arn = TRIGGER_ARN.replace(':', "%3A");
    assert_eq!(
        invoke(&endpoint, &encoded_arn, event).await,
        (200, None, event.to_string())
    );

    let (status, function_error, body) =
        invoke(&endpoint, "pre-signup", r#"{"userName":"crash-2"}"#).await;
    assert_eq!(
        (status, function_error.as_deref()),
        (200, Some("Unhandled"))
    );
    assert!(body.contains("errorType"), "{body}");

    assert_eq!(invoke(&endpoint, "nowhere", event).await.0, 404);
    assert_eq!(invoke(&endpoint, "pre-signup", "not json").await.0, 400);
}
