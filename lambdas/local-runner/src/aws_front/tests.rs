//! The front with a real moto and a script trigger: Cognito's error mapping and 5 s limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::applied::{AppClient, FunctionSpec, Qualifier, UserPool};
use crate::functions::Sandbox;
use crate::test_runtime::{script_zip, temp_dir};
use adapters::aws::Timeouts;
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use std::time::{Duration, Instant};
use test_support::emulator;
use tokio::net::TcpListener;

const TRIGGER_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-signup";
/// What Terraform wires into the pool: the function's `live` alias.
const TRIGGER_ALIAS_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:pre-signup:live";

/// A PreSignUp that crashes for "crash-…" users, hangs for "slow-…", accepts the rest.
const CASES: &str = r#"    *'"userName":"crash-'*) exit 3 ;;
*'"userName":"slow-'*) exec sleep 30 ;;
*) respond "$event" ;;"#;

/// The front before a fresh moto pool whose PreSignUp is the script above, through its
/// applied `live` alias; returns (front endpoint, pool id, app client id).
async fn front_with_script_trigger() -> (String, String, String) {
    front_with_trigger_wired_to(TRIGGER_ALIAS_ARN).await
}

/// A fresh moto pool with one app client: (pool id, client id).
async fn pool_with_client() -> (String, String) {
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
    (pool_id, client_id)
}

/// The same, with the pool's PreSignUp set to `trigger_arn` (the function has only the
/// `live` alias and version 1).
async fn front_with_trigger_wired_to(trigger_arn: &str) -> (String, String, String) {
    let (pool_id, client_id) = pool_with_client().await;

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
            role_arn: None,
        }],
        qualifiers: ["live", "1"]
            .map(|q| Qualifier {
                function_name: "pre-signup".into(),
                qualifier: q.into(),
            })
            .into(),
        user_pools: vec![UserPool {
            id: pool_id.clone(),
            arn: format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"),
            pre_sign_up: Some(trigger_arn.into()),
            post_confirmation: None,
            ..Default::default()
        }],
        app_clients: vec![AppClient {
            id: client_id.clone(),
            user_pool_id: pool_id.clone(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let (endpoint, _) = serve_front(applied, &emulator::moto().endpoint(), dir).await;
    (endpoint, pool_id, client_id)
}

/// The secret the tests' moto was started with, which the front's own control calls send.
fn control_secret() -> ControlSecret {
    ControlSecret::new(emulator::moto_control_secret()).unwrap()
}

/// The front for `applied`, before `moto`, with functions working under `dir`; returns its
/// endpoint and the front (whose identities hold each function's credentials).
async fn serve_front(
    applied: Applied,
    moto: &str,
    dir: std::path::PathBuf,
) -> (String, Arc<Front>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = Sandbox {
        aws_endpoint_url: endpoint.clone(),
        region: applied.region.clone(),
        work_dir: dir.clone(),
        logs_dir: dir.clone(),
        concurrency: 2,
    };
    let identities = Arc::new(crate::iam::Identities::mint(&applied));
    let functions = Arc::new(Functions::new(&applied, &sandbox, &identities));
    let front = Arc::new(Front {
        transactions: InFlight::new(applied.table_keys.clone()),
        applied: Arc::new(applied),
        functions,
        identities,
        moto: Moto::new(moto, emulator::REGION, control_secret()).issuing_as(&endpoint),
        control_secret: control_secret(),
        credentials: StackCredentials {
            access_key_id: emulator::ACCESS_KEY_ID.into(),
            secret_access_key: emulator::SECRET_ACCESS_KEY.into(),
        },
        throttles: Throttles::default(),
        cognito: CognitoState::new(&dir.join("outbox")),
        urls: crate::aws_front::LocalUrls {
            aws_endpoint_url: endpoint.clone(),
            hosted_ui_url: "http://localhost:1".into(),
        },
    });
    let serving = front.clone();
    tokio::spawn(http::serve(listener, move |_, request| {
        handle(serving.clone(), request)
    }));
    (endpoint, front)
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
        initial_backoff: Duration::from_secs(1),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_wired_to_an_alias_that_was_not_applied_fails_the_sign_up() {
    let (endpoint, pool_id, client_id) =
        front_with_trigger_wired_to(&format!("{TRIGGER_ARN}:staging")).await;
    let idp = cognito::Client::new(&emulator::sdk_config(&endpoint, emulator::SETUP).await);

    let (code, message) = sign_up(&idp, &client_id, "fine-3").await.unwrap_err();
    assert_eq!(code, "UnexpectedLambdaException", "{message}");
    let created = idp
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username("fine-3")
        .send()
        .await;
    assert!(created.is_err(), "no user without a PreSignUp answer");
}

/// (status, X-Amz-Function-Error, body) of Lambda's Invoke through the front; `function`
/// is the path's name or ARN, optionally followed by `?Qualifier=...`.
async fn invoke(endpoint: &str, function: &str, payload: &str) -> (u16, Option<String>, String) {
    use http_body_util::BodyExt;
    let (function, query) = function.split_once('?').unwrap_or((function, ""));
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let mut request = hyper::Request::post(format!(
        "{endpoint}/2015-03-31/functions/{function}/invocations{query}"
    ))
    .body(http_body_util::Full::new(bytes::Bytes::from(
        payload.to_owned(),
    )))
    .unwrap();
    emulator::signer().sign("lambda", &mut request, payload.as_bytes());
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

/// Roles of two functions: `reader` may get items and objects; `lister` may also list the
/// bucket, but a Deny takes GetItem away from it.
fn roles(table_arn: &str, bucket: &str) -> Vec<crate::applied::Role> {
    let reader = serde_json::json!({"Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": [table_arn]},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [format!("arn:aws:s3:::{bucket}/*")]},
    ]});
    let lister = serde_json::json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{bucket}")},
        {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"},
    ]});
    [
        ("reader", vec![reader.clone()]),
        ("lister", vec![reader, lister]),
    ]
    .into_iter()
    .map(|(name, policies)| crate::applied::Role {
        name: format!("{name}-role"),
        arn: format!("arn:aws:iam::123456789012:role/{name}-role"),
        policies,
    })
    .collect()
}

struct RoleFront {
    endpoint: String,
    identities: Arc<crate::iam::Identities>,
    table: String,
    bucket: String,
}

impl RoleFront {
    /// The SDK as the named function's process configures it: the front, its credentials.
    async fn sdk_of(&self, function: &str) -> aws_config::SdkConfig {
        let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{function}");
        let c = &self.identities.of_function(&arn).unwrap().credentials;
        emulator::sdk_config(&self.endpoint, emulator::SETUP)
            .await
            .into_builder()
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(
                aws_sdk_s3::config::Credentials::new(
                    &c.access_key_id,
                    &c.secret_access_key,
                    Some(c.session_token.clone()),
                    None,
                    "lambda",
                ),
            ))
            .build()
    }
}

async fn front_with_roles() -> RoleFront {
    let moto_sdk = emulator::setup_sdk().await;
    let table = emulator::create_profile_table(&moto_sdk).await;
    let bucket = emulator::create_bucket(&moto_sdk).await;
    let table_arn = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}");
    let dir = temp_dir("roles");
    let function = |name: &str| FunctionSpec {
        name: name.into(),
        arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        zip_path: dir.join("never-run.zip"),
        handler: "bootstrap".into(),
        environment: Default::default(),
        timeout: Duration::from_secs(3),
        memory_mb: 128,
        log_level: None,
        role_arn: Some(format!("arn:aws:iam::123456789012:role/{name}-role")),
    };
    let applied = Applied {
        region: emulator::REGION.to_string(),
        account_id: "123456789012".into(),
        functions: vec![function("reader"), function("lister")],
        roles: roles(&table_arn, &bucket),
        ..Default::default()
    };
    let (endpoint, front) = serve_front(applied, &emulator::moto().endpoint(), dir).await;
    RoleFront {
        endpoint,
        identities: front.identities.clone(),
        table,
        bucket,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_functions_dynamodb_calls_are_judged_against_its_roles_policies() {
    use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
    let front = front_with_roles().await;
    let key = |id: &str| {
        [
            ("PK".to_string(), AttributeValue::S(id.into())),
            ("SK".to_string(), AttributeValue::S("PROFILE".into())),
        ]
        .into_iter()
        .collect::<std::collections::HashMap<_, _>>()
    };
    let reader = aws_sdk_dynamodb::Client::new(&front.sdk_of("reader").await);
    let lister = aws_sdk_dynamodb::Client::new(&front.sdk_of("lister").await);
    let admin = aws_sdk_dynamodb::Client::new(
        &emulator::sdk_config(&front.endpoint, emulator::SETUP).await,
    );
    let denied = |e: &dyn ProvideErrorMetadata| {
        (
            e.code().unwrap_or_default().to_string(),
            e.message().unwrap_or_default().to_string(),
        )
    };

    // Allowed: the action on the table the role names.
    let got = reader
        .get_item()
        .table_name(&front.table)
        .set_key(Some(key("u1")))
        .send()
        .await;
    assert!(got.is_ok(), "{got:?}");

    // Not granted: AWS's AccessDenied, naming principal, action and resource, and no item data.
    let mut item = key("u1");
    item.insert("name".into(), AttributeValue::S("Ada Secret".into()));
    let put = reader
        .put_item()
        .table_name(&front.table)
        .set_item(Some(item.clone()))
        .send()
        .await;
    let (code, message) = denied(&put.unwrap_err().into_service_error());
    assert_eq!(code, "AccessDeniedException");
    let arn = format!(
        "arn:aws:dynamodb:us-east-1:123456789012:table/{}",
        front.table
    );
    assert!(
        message.contains("assumed-role/reader-role/reader")
            && message.contains(&format!(
                "dynamodb:PutItem on resource: {arn} because no identity-based policy allows"
            )),
        "{message}"
    );
    assert!(!message.contains("Ada Secret"), "{message}");

    // A transaction is authorized per item action: its Put needs PutItem.
    let transaction = reader
        .transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&front.table)
                        .set_item(Some(item.clone()))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await;
    assert_eq!(
        denied(&transaction.unwrap_err().into_service_error()).0,
        "AccessDeniedException"
    );

    // An explicit Deny beats the Allow.
    let got = lister
        .get_item()
        .table_name(&front.table)
        .set_key(Some(key("u1")))
        .send()
        .await;
    let (code, message) = denied(&got.unwrap_err().into_service_error());
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("with an explicit deny"), "{message}");

    // Nothing reached moto: the admin's plain credentials see no item, then may write one.
    let stored = admin
        .get_item()
        .table_name(&front.table)
        .set_key(Some(key("u1")))
        .send()
        .await
        .unwrap();
    assert!(stored.item().is_none(), "a denied write must not land");
    admin
        .put_item()
        .table_name(&front.table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_answers_a_missing_key_with_404_only_to_a_role_that_may_list_the_bucket() {
    let front = front_with_roles().await;
    let s3 = |sdk: &aws_config::SdkConfig| {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(sdk)
                .force_path_style(true)
                .build(),
        )
    };
    let reader = s3(&front.sdk_of("reader").await);
    let lister = s3(&front.sdk_of("lister").await);
    let admin = s3(&emulator::sdk_config(&front.endpoint, emulator::SETUP).await);
    admin
        .put_object()
        .bucket(&front.bucket)
        .key("users/u1/there.jpg")
        .body(bytes::Bytes::from_static(b"jpeg").into())
        .send()
        .await
        .unwrap();
    let head_status = |client: aws_sdk_s3::Client, key: &'static str| {
        let bucket = front.bucket.clone();
        async move {
            match client.head_object().bucket(bucket).key(key).send().await {
                Ok(_) => 200,
                Err(e) => e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0),
            }
        }
    };
    assert_eq!(head_status(reader.clone(), "users/u1/there.jpg").await, 200);
    assert_eq!(head_status(lister.clone(), "users/u1/there.jpg").await, 200);
    assert_eq!(
        head_status(reader.clone(), "users/u1/missing.jpg").await,
        403,
        "without s3:ListBucket"
    );
    assert_eq!(
        head_status(lister.clone(), "users/u1/missing.jpg").await,
        404,
        "with s3:ListBucket"
    );
    assert_eq!(
        head_status(admin.clone(), "users/u1/missing.jpg").await,
        404
    );

    let get = reader
        .get_object()
        .bucket(&front.bucket)
        .key("users/u1/missing.jpg")
        .send()
        .await;
    assert_eq!(
        get.unwrap_err().into_service_error().code(),
        Some("AccessDenied")
    );
    let put = reader
        .put_object()
        .bucket(&front.bucket)
        .key("users/u1/new.jpg")
        .body(bytes::Bytes::from_static(b"jpeg").into())
        .send()
        .await;
    let error = put.unwrap_err().into_service_error();
    assert_eq!(error.code(), Some("AccessDenied"));
    assert!(
        error.message().unwrap_or_default().contains("s3:PutObject"),
        "{error:?}"
    );
    assert_eq!(
        head_status(admin, "users/u1/new.jpg").await,
        404,
        "a denied upload must not land"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_overlapping_one_in_flight_is_cancelled_with_transaction_conflict() {
    use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
    // moto that never answers keeps the first transaction in flight for as long as needed.
    let (_silent, silent_url) = emulator::silent_endpoint();
    let applied = Applied {
        region: emulator::REGION.to_string(),
        account_id: "123456789012".into(),
        ..Default::default()
    };
    let (endpoint, front) = serve_front(applied, &silent_url, temp_dir("conflict")).await;
    let one_attempt = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_secs(30),
        operation: Duration::from_secs(30),
        max_attempts: 1,
        initial_backoff: Duration::from_secs(1),
    };
    let client = aws_sdk_dynamodb::Client::new(&emulator::sdk_config(&endpoint, one_attempt).await);
    let counter = |pk: &str| {
        TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name("profiles")
                    .key("PK", AttributeValue::S(pk.into()))
                    .key("SK", AttributeValue::S("COUNT".into()))
                    .update_expression("ADD #c :one")
                    .expression_attribute_names("#c", "count")
                    .expression_attribute_values(":one", AttributeValue::N("1".into()))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let first = tokio::spawn(
        client
            .transact_write_items()
            .transact_items(counter("METRICS"))
            .send(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while front.transactions.held() == 0 {
        assert!(
            Instant::now() < deadline,
            "the first transaction never reached the front"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let overlapping = client
        .transact_write_items()
        .transact_items(counter("OTHER"))
        .transact_items(counter("METRICS"))
        .send()
        .await;
    let error = overlapping.unwrap_err().into_service_error();
    let aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled) = error else {
        panic!("expected TransactionCanceledException, got {error:?}");
    };
    let codes: Vec<_> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["None", "TransactionConflict"]);
    first.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_invoke_takes_an_applied_alias_or_version_in_the_name_arn_or_qualifier() {
    let (endpoint, _, _) = front_with_script_trigger().await;
    let event = r#"{"userName":"fine-4"}"#;
    let ran = (200, None, event.to_string());

    for function in [
        "pre-signup:live".to_string(),
        "pre-signup:1".to_string(),
        TRIGGER_ALIAS_ARN.replace(':', "%3A"),
        "pre-signup?Qualifier=live".to_string(),
        "pre-signup?Qualifier=%24LATEST".to_string(),
        "pre-signup:live?Qualifier=live".to_string(),
    ] {
        assert_eq!(invoke(&endpoint, &function, event).await, ran, "{function}");
    }

    for function in [
        "pre-signup:staging",
        "pre-signup:2",
        "pre-signup?Qualifier=staging",
    ] {
        let (status, _, body) = invoke(&endpoint, function, event).await;
        assert_eq!(status, 404, "{function}: {body}");
        assert!(body.contains("ResourceNotFoundException"), "{body}");
    }

    let (status, _, body) = invoke(&endpoint, "pre-signup:live?Qualifier=1", event).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("InvalidParameterValueException"), "{body}");
}

/// A front before moto whose applied state names nothing: every call goes to moto.
async fn plain_front(name: &str) -> String {
    let applied = Applied {
        region: emulator::REGION.to_string(),
        account_id: "123456789012".into(),
        ..Default::default()
    };
    serve_front(applied, &emulator::moto().endpoint(), temp_dir(name))
        .await
        .0
}

/// Sets the front's one throttle through its control endpoint, as a developer would with
/// curl (earlier rules are removed first).
async fn throttle(endpoint: &str, setting: serde_json::Value) {
    let url = format!("{endpoint}/_local/throttle");
    let secret = [(control::SECRET_HEADER, emulator::moto_control_secret())];
    let (status, body) = test_support::http::send("DELETE", &url, &secret, b"").await;
    assert_eq!(status, 200, "{body}");
    let body = setting.to_string();
    let length = body.len().to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", length.as_str()),
        secret[0],
    ];
    let (status, body) = test_support::http::send("POST", &url, &headers, body.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
}

/// (remaining, seen) of the front's one throttle rule.
async fn throttle_counts(endpoint: &str) -> (u64, u64) {
    let url = format!("{endpoint}/_local/throttle");
    let secret = [(control::SECRET_HEADER, emulator::moto_control_secret())];
    let (status, body) = test_support::http::send("GET", &url, &secret, b"").await;
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let rule = &listed["rules"][0];
    (
        rule["remaining"].as_u64().unwrap(),
        rule["seen"].as_u64().unwrap(),
    )
}

/// The configurations the functions run with: the API's and the trigger's.
const FUNCTION_TIMEOUTS: [(&str, Timeouts); 2] = [
    ("API", Timeouts::API),
    ("COGNITO_TRIGGER", Timeouts::COGNITO_TRIGGER),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_dynamodb_reads_are_retried_then_surface_as_unavailable() {
    use domain::ports::{PortError, ProfileStore};
    let endpoint = plain_front("throttle-dynamodb").await;
    let table = emulator::create_profile_table(&emulator::setup_sdk().await).await;
    let id = domain::UserId::parse("0b7c5e0a-55f6-4e8f-9a35-3a4f2b1c9d01").unwrap();

    for (name, timeouts) in FUNCTION_TIMEOUTS {
        let store = adapters::DynamoProfiles::new(
            &emulator::sdk_config(&endpoint, timeouts).await,
            table.clone(),
            adapters::dynamo::Shards::new(4).unwrap(),
        );
        let retries = timeouts.max_attempts - 1;

        // Fewer throttles than attempts: the SDK's retries get through.
        throttle(
            &endpoint,
            serde_json::json!({"service": "dynamodb", "operation": "GetItem", "times": retries}),
        )
        .await;
        assert_eq!(store.get(&id).await, Ok(None), "{name}");
        assert_eq!(
            throttle_counts(&endpoint).await,
            (0, u64::from(retries) + 1),
            "{name}: every throttle retried, then one attempt answered"
        );

        // As many as attempts, with either code: a retriable outage, inside the call's time.
        for error in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
        ] {
            throttle(
                &endpoint,
                serde_json::json!({"service": "dynamodb", "operation": "*", "times": timeouts.max_attempts, "error": error}),
            )
            .await;
            let started = Instant::now();
            let got = store.get(&id).await;
            let took = started.elapsed();
            assert_eq!(
                got,
                Err(PortError::Unavailable("profile store", error.to_string())),
                "{name}"
            );
            assert!(took < timeouts.operation, "{name}: {took:?}");
            assert_eq!(
                throttle_counts(&endpoint).await,
                (0, u64::from(timeouts.max_attempts)),
                "{name}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_cognito_group_grants_are_retried_then_surface_as_unavailable() {
    use domain::ports::{PortError, UserDirectory};
    let endpoint = plain_front("throttle-cognito").await;
    let setup = emulator::setup_sdk().await;
    let pool = emulator::create_user_pool(&setup, &["Patient"]).await;

    for (name, timeouts) in FUNCTION_TIMEOUTS {
        let groups = adapters::CognitoGroups::new(&emulator::sdk_config(&endpoint, timeouts).await);
        let retries = timeouts.max_attempts - 1;
        let granted = format!("granted-{}", name.to_lowercase());
        let refused = format!("refused-{}", name.to_lowercase());
        emulator::create_user(&setup, &pool, &granted).await;
        emulator::create_user(&setup, &pool, &refused).await;

        throttle(
            &endpoint,
            serde_json::json!({"service": "cognito-idp", "operation": "AdminAddUserToGroup", "times": retries}),
        )
        .await;
        let added = groups
            .add_to_group(&pool, &granted, domain::UserType::Patient)
            .await;
        assert_eq!(added, Ok(()), "{name}");
        assert_eq!(
            throttle_counts(&endpoint).await,
            (0, u64::from(retries) + 1),
            "{name}"
        );
        assert_eq!(
            emulator::groups_of(&setup, &pool, &granted).await,
            ["Patient"]
        );

        throttle(
            &endpoint,
            serde_json::json!({"service": "cognito-idp", "operation": "*", "times": timeouts.max_attempts}),
        )
        .await;
        let started = Instant::now();
        let added = groups
            .add_to_group(&pool, &refused, domain::UserType::Patient)
            .await;
        let took = started.elapsed();
        assert_eq!(
            added,
            Err(PortError::Unavailable(
                "user directory",
                "TooManyRequestsException".to_string()
            )),
            "{name}"
        );
        assert!(took < timeouts.operation, "{name}: {took:?}");
        assert_eq!(
            throttle_counts(&endpoint).await,
            (0, u64::from(timeouts.max_attempts)),
            "{name}"
        );
        assert!(
            emulator::groups_of(&setup, &pool, &refused)
                .await
                .is_empty()
        );
    }
}

/// A PreSignUp that auto-confirms "auto-…" users and a PostConfirmation that records each
/// event it gets in the file $RECORD (one line per event).
const AUTO_CONFIRM: &str = r#"    *'"userName":"auto-'*) respond "$(printf '%s' "$event" | sed 's/"autoConfirmUser":false/"autoConfirmUser":true/')" ;;
*) respond "$event" ;;"#;
const RECORD_EVENT: &str = r#"    *) printf '%s\n' "$event" >> "$RECORD"; respond "$event" ;;"#;

struct TriggerFront {
    endpoint: String,
    pool_id: String,
    client_id: String,
    dir: std::path::PathBuf,
}

impl TriggerFront {
    fn post_confirmation_events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.join("post-confirmation.events"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn outbox(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.join("outbox"))
            .map(|entries| entries.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
            .collect()
    }
}

async fn front_with_both_triggers() -> TriggerFront {
    let (pool_id, client_id) = pool_with_client().await;
    let dir = temp_dir("auto-confirm");
    let function = |name: &str, cases: &str| FunctionSpec {
        name: name.into(),
        arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        zip_path: script_zip(&dir, name, cases),
        handler: "bootstrap".into(),
        environment: [(
            "RECORD".to_string(),
            dir.join(format!("{name}.events")).display().to_string(),
        )]
        .into(),
        timeout: Duration::from_secs(5),
        memory_mb: 128,
        log_level: None,
        role_arn: None,
    };
    let applied = Applied {
        region: emulator::REGION.to_string(),
        account_id: "123456789012".into(),
        functions: vec![
            function("pre-signup", AUTO_CONFIRM),
            function("post-confirmation", RECORD_EVENT),
        ],
        user_pools: vec![UserPool {
            id: pool_id.clone(),
            arn: format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"),
            pre_sign_up: Some("arn:aws:lambda:us-east-1:123456789012:function:pre-signup".into()),
            post_confirmation: Some(
                "arn:aws:lambda:us-east-1:123456789012:function:post-confirmation".into(),
            ),
            ..Default::default()
        }],
        app_clients: vec![AppClient {
            id: client_id.clone(),
            user_pool_id: pool_id.clone(),
            prevent_user_existence_errors: true,
            auth_session_minutes: 3,
            auth_flows: password_and_srp_flows(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let (endpoint, _) = serve_front(applied, &emulator::moto().endpoint(), dir.clone()).await;
    TriggerFront {
        endpoint,
        pool_id,
        client_id,
        dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_confirming_pre_sign_up_fires_post_confirmation_as_cognito_does() {
    let front = front_with_both_triggers().await;
    let idp = cognito::Client::new(&emulator::sdk_config(&front.endpoint, emulator::SETUP).await);

    let signed_up = idp
        .sign_up()
        .client_id(&front.client_id)
        .username("auto-1")
        .password("Correct-Horse-9!")
        .user_attributes(
            cognito::types::AttributeType::builder()
                .name("email")
                .value("auto-1@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    assert!(signed_up.user_confirmed(), "SignUp answers UserConfirmed");
    let user = idp
        .admin_get_user()
        .user_pool_id(&front.pool_id)
        .username("auto-1")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    let events = front.post_confirmation_events();
    assert_eq!(events.len(), 1, "PostConfirmation fired once: {events:?}");
    assert_eq!(events[0]["triggerSource"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(
        events[0]["callerContext"]["clientId"],
        front.client_id.as_str()
    );
    assert_eq!(
        events[0]["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert!(
        front.outbox().is_empty(),
        "an auto-confirmed user gets no code"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_up_code_goes_to_the_outbox_and_only_it_confirms() {
    let front = front_with_both_triggers().await;
    let idp = cognito::Client::new(&emulator::sdk_config(&front.endpoint, emulator::SETUP).await);
    let signed_up = idp
        .sign_up()
        .client_id(&front.client_id)
        .username("manual-1")
        .password("Correct-Horse-9!")
        .user_attributes(
            cognito::types::AttributeType::builder()
                .name("email")
                .value("manual-1@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(!signed_up.user_confirmed());
    assert_eq!(
        signed_up
            .code_delivery_details()
            .and_then(|d| d.destination()),
        Some("m***@e***")
    );
    let sent = front.outbox();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["kind"], "sign_up");
    assert_eq!(sent[0]["destination"]["address"], "manual-1@example.com");
    let code = sent[0]["code"].as_str().unwrap().to_string();
    let confirm = |code: String| {
        idp.confirm_sign_up()
            .client_id(&front.client_id)
            .username("manual-1")
            .confirmation_code(code)
            .send()
    };

    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let refused = confirm(wrong).await.unwrap_err().into_service_error();
    assert_eq!(refused.code(), Some("CodeMismatchException"));
    assert!(front.post_confirmation_events().is_empty());

    confirm(code.clone()).await.unwrap();
    assert_eq!(front.post_confirmation_events().len(), 1);
    let again = confirm(code).await.unwrap_err().into_service_error();
    assert_eq!(again.code(), Some("NotAuthorizedException"));
    let unknown = idp
        .confirm_sign_up()
        .client_id(&front.client_id)
        .username("nobody")
        .confirmation_code("123456")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        unknown.code(),
        Some("CodeMismatchException"),
        "prevent_user_existence_errors hides the unknown user"
    );

    // Confirming with the emailed code verified the address, so a reset code can go there.
    idp.admin_reset_user_password()
        .user_pool_id(&front.pool_id)
        .username("manual-1")
        .send()
        .await
        .unwrap();
    let reset = front.outbox().pop().unwrap();
    assert_eq!(reset["kind"], "admin_reset_password");
    idp.confirm_forgot_password()
        .client_id(&front.client_id)
        .username("manual-1")
        .confirmation_code(reset["code"].as_str().unwrap())
        .password("Another-Horse-7!")
        .send()
        .await
        .unwrap();
    let events = front.post_confirmation_events();
    assert_eq!(
        events.last().unwrap()["triggerSource"],
        "PostConfirmation_ConfirmForgotPassword"
    );
}

/// USER_SRP_AUTH for `username` through the front, the challenge answered for `password`
/// by an independent client (Python, srp::tests).
async fn srp_sign_in(
    idp: &cognito::Client,
    pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<
    cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
> {
    use super::cognito::srp;
    use base64::Engine;
    use cognito::types::{AuthFlowType, ChallengeNameType};
    let pool_name = pool_id.split_once('_').unwrap().1;
    let a = "8f".repeat(40);
    let challenge = idp
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", srp::to_hex(&srp::tests::client_public(&a)))
        .send()
        .await
        .unwrap();
    let p = challenge.challenge_parameters().unwrap();
    let timestamp = "Wed Dec 2 17:05:00 UTC 2026";
    let (_, signature) = srp::tests::python_client(&[
        pool_name,
        &p["USER_ID_FOR_SRP"],
        password,
        &p["SALT"],
        &p["SRP_B"],
        &a,
        &p["SECRET_BLOCK"],
        timestamp,
    ]);
    idp.respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", &p["USER_ID_FOR_SRP"])
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("TIMESTAMP", timestamp)
        .challenge_responses(
            "PASSWORD_CLAIM_SIGNATURE",
            base64::engine::general_purpose::STANDARD.encode(signature),
        )
        .send()
        .await
        .map_err(|e| e.into_service_error())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srp_sign_in_needs_the_password_and_yields_tokens_moto_knows() {
    let front = front_with_both_triggers().await;
    let idp = cognito::Client::new(&emulator::sdk_config(&front.endpoint, emulator::SETUP).await);
    idp.sign_up()
        .client_id(&front.client_id)
        .username("srp-1")
        .password("Correct-Horse-9!")
        .send()
        .await
        .unwrap();
    idp.admin_confirm_sign_up()
        .user_pool_id(&front.pool_id)
        .username("srp-1")
        .send()
        .await
        .unwrap();
    let sign_in = |password: &'static str| {
        srp_sign_in(&idp, &front.pool_id, &front.client_id, "srp-1", password)
    };

    let refused = sign_in("Correct-Horse-8!").await.unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
    assert_eq!(refused.message(), Some("Incorrect username or password."));

    let signed_in = sign_in("Correct-Horse-9!").await.unwrap();
    let access = signed_in
        .authentication_result()
        .and_then(|r| r.access_token())
        .unwrap()
        .to_string();
    let user = idp.get_user().access_token(&access).send().await.unwrap();
    assert_eq!(user.username(), "srp-1");
    idp.global_sign_out()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    let revoked = idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(revoked.code(), Some("NotAuthorizedException"));
    assert!(!revoked.message().unwrap_or_default().contains(&access));
}

/// Every spelling of a control path a client might try, through the front; each with a
/// forged control secret too (the front strips what it does not check).
const CONTROL_SPELLINGS: [(&str, &str); 14] = [
    ("GET", "/moto-api/data.json"),
    ("GET", "//moto-api/data.json"),
    ("GET", "/%6Doto-api/data.json"),
    ("POST", "/moto-api/reset"),
    ("POST", "/_local/cognito/password"),
    ("POST", "//_local/cognito/password"),
    ("POST", "/./_local/cognito/password"),
    ("POST", "/%5Flocal/cognito/password"),
    ("POST", "/%5flocal/cognito/password"),
    ("POST", "/_local%2Fcognito/password"),
    ("POST", "/_LOCAL/cognito/password"),
    ("POST", "/_local/cognito/password?"),
    ("POST", "//_local/cognito/oauth-tokens"),
    ("POST", "/_local/save-state"),
];

#[tokio::test]
async fn moto_control_endpoints_are_not_reachable_through_the_front() {
    let endpoint = plain_front("moto-control").await;
    let moto = emulator::moto().endpoint();
    // moto itself serves its data dump to the control secret, and to nothing else.
    let dump = format!("{moto}/moto-api/data.json");
    let secret = [(control::SECRET_HEADER, emulator::moto_control_secret())];
    let (status, _) = test_support::http::send("GET", &dump, &secret, b"").await;
    assert_eq!(
        status, 200,
        "moto's own dump is the control this test needs"
    );
    for (method, path) in CONTROL_SPELLINGS {
        for headers in [
            &[][..],
            &[(control::SECRET_HEADER, "forged-forged-forged-forged-forged")],
        ] {
            let (status, body) =
                test_support::http::send(method, &format!("{endpoint}{path}"), headers, b"{}")
                    .await;
            assert!(
                status == 403 || status == 404,
                "{method} {path} through the front: {status} {body}"
            );
            assert!(!body.contains("Password"), "{method} {path}: {body}");
        }
        // Straight to moto without the secret: the wrapper refuses every spelling too.
        let (status, body) =
            test_support::http::send(method, &format!("{moto}{path}"), &[], b"{}").await;
        assert_eq!(status, 403, "{method} {path} straight to moto: {body}");
    }
}

#[tokio::test]
async fn the_throttle_switch_needs_the_control_secret() {
    let endpoint = plain_front("throttle-secret").await;
    for path in [
        "/_local/throttle",
        "//_local/throttle",
        "/%5Flocal/throttle",
    ] {
        let (status, body) =
            test_support::http::send("GET", &format!("{endpoint}{path}"), &[], b"").await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    let wrong = [(
        control::SECRET_HEADER,
        "0123456789abcdef0123456789abcdef-wrong",
    )];
    let url = format!("{endpoint}/_local/throttle");
    let (status, _) = test_support::http::send("GET", &url, &wrong, b"").await;
    assert_eq!(status, 403);
    let right = [(control::SECRET_HEADER, emulator::moto_control_secret())];
    let (status, body) = test_support::http::send("GET", &url, &right, b"").await;
    assert_eq!(status, 200, "{body}");
}

/// The flows the tests' app clients allow: passwords and SRP (the front enforces them).
fn password_and_srp_flows() -> std::collections::BTreeSet<String> {
    [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    .map(str::to_string)
    .into()
}

/// USER_PASSWORD_AUTH straight to `endpoint`, with `extra` headers; the ID token's `iss`.
async fn issuer_of_a_sign_in(
    endpoint: &str,
    client_id: &str,
    username: &str,
    extra: &[(&str, &str)],
) -> String {
    use base64::Engine;
    let body = serde_json::json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": username, "PASSWORD": "Correct-Horse-9!"},
    });
    let mut headers = vec![
        ("content-type", "application/x-amz-json-1.1"),
        (
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        ),
    ];
    headers.extend_from_slice(extra);
    let (status, reply) =
        test_support::http::send("POST", endpoint, &headers, body.to_string().as_bytes()).await;
    assert_eq!(status, 200, "{reply}");
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    let id_token = reply["AuthenticationResult"]["IdToken"].as_str().unwrap();
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id_token.split('.').nth(1).unwrap())
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&claims).unwrap()["iss"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_front_issues_tokens_in_its_own_name_whatever_a_client_says() {
    let front = front_with_both_triggers().await;
    let idp = cognito::Client::new(&emulator::sdk_config(&front.endpoint, emulator::SETUP).await);
    sign_up(&idp, &front.client_id, "auto-issuer")
        .await
        .unwrap();
    let own = format!("{}/{}", front.endpoint, front.pool_id);

    // A client cannot choose the issuer: the header is the front's to send.
    let forged = [("x-local-issuer-base", "https://evil.example")];
    assert_eq!(
        issuer_of_a_sign_in(&front.endpoint, &front.client_id, "auto-issuer", &forged).await,
        own
    );

    // A second front on the same moto names itself, and the first keeps its own name.
    let (pool_id, client_id) = (front.pool_id.clone(), front.client_id.clone());
    let applied = Applied {
        region: emulator::REGION.to_string(),
        account_id: "123456789012".into(),
        user_pools: vec![UserPool {
            id: pool_id.clone(),
            arn: format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"),
            ..Default::default()
        }],
        app_clients: vec![AppClient {
            id: client_id.clone(),
            user_pool_id: pool_id.clone(),
            auth_flows: password_and_srp_flows(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let (second, _) = serve_front(
        applied,
        &emulator::moto().endpoint(),
        temp_dir("second-front"),
    )
    .await;
    assert_eq!(
        issuer_of_a_sign_in(&second, &client_id, "auto-issuer", &[]).await,
        format!("{second}/{pool_id}")
    );
    assert_eq!(
        issuer_of_a_sign_in(&front.endpoint, &front.client_id, "auto-issuer", &[]).await,
        own
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_password_older_than_the_pools_validity_is_refused() {
    let (pool_id, client_id) = pool_with_client().await;
    let applied = Applied {
        region: emulator::REGION.to_string(),
        account_id: "123456789012".into(),
        user_pools: vec![UserPool {
            id: pool_id.clone(),
            arn: format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"),
            // Zero days: a temporary password has expired as soon as it is set.
            password_policy: crate::applied::PasswordPolicy {
                temporary_password_validity_days: 0,
                ..Default::default()
            },
            ..Default::default()
        }],
        app_clients: vec![AppClient {
            id: client_id.clone(),
            user_pool_id: pool_id.clone(),
            auth_flows: password_and_srp_flows(),
            auth_session_minutes: 3,
            ..Default::default()
        }],
        ..Default::default()
    };
    let (endpoint, _) =
        serve_front(applied, &emulator::moto().endpoint(), temp_dir("temporary")).await;
    let idp = cognito::Client::new(&emulator::sdk_config(&endpoint, emulator::SETUP).await);
    idp.admin_create_user()
        .user_pool_id(&pool_id)
        .username("invited")
        .temporary_password("Temporary-Pass-1!")
        .message_action(cognito::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let sign_in = |password: &'static str| {
        idp.initiate_auth()
            .client_id(&client_id)
            .auth_flow(cognito::types::AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "invited")
            .auth_parameters("PASSWORD", password)
            .send()
    };
    let expired = (
        Some("NotAuthorizedException"),
        Some("Temporary password has expired and must be reset by an administrator."),
    );
    let refused = sign_in("Temporary-Pass-1!").await.unwrap_err();
    let refused = refused.into_service_error();
    assert_eq!((refused.code(), refused.message()), expired);
    let srp = srp_sign_in(&idp, &pool_id, &client_id, "invited", "Temporary-Pass-1!").await;
    let refused = srp.unwrap_err();
    assert_eq!(
        (refused.code(), refused.message()),
        expired,
        "USER_SRP_AUTH"
    );
    // A wrong password is still just wrong; a permanent password signs in.
    let wrong = sign_in("Temporary-Pass-2!").await.unwrap_err();
    assert_eq!(
        wrong.into_service_error().message(),
        Some("Incorrect username or password.")
    );
    idp.admin_set_user_password()
        .user_pool_id(&pool_id)
        .username("invited")
        .password("Correct-Horse-9!")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let signed_in = sign_in("Correct-Horse-9!").await.unwrap();
    assert!(signed_in.authentication_result().is_some());
}
