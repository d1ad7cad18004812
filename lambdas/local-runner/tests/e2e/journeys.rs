//! The journeys of issue 5, each arranged, acted and asserted against the running stack.

use super::api::Api;
use super::cognito::{
    PASSWORD, SignedIn, Users, attribute, base64_url, claims, error_of, groups, sign_with_moto_key,
    unique_email,
};
use super::stack::{Stack, StackInfo};
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn unknown_routes_and_missing_tokens(api: &Api) {
    let health = api.call("GET", "/health", None, None).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (200, json!({"status": "ok"}))
    );

    let unknown = api.call("GET", "/nowhere", None, None).await;
    assert_eq!(
        (unknown.status, unknown.body),
        (403, json!({"message": "Missing Authentication Token"}))
    );
    let wrong_method = api.call("PATCH", "/users/me", None, None).await;
    assert_eq!(wrong_method.status, 403);

    let no_token = api.call("GET", "/users/me", None, None).await;
    assert_eq!(
        (no_token.status, no_token.body),
        (401, json!({"message": "Unauthorized"}))
    );
}

pub async fn patient(users: &Users, api: &Api) -> SignedIn {
    // Arrange: a patient signs up with the app's custom fields.
    let patient = users
        .signed_up_and_confirmed(
            "ada.patient",
            &[
                ("name", "Ada Patient"),
                ("custom:user_type", "Patient"),
                ("custom:dob", "1990-04-01"),
                ("custom:gender", "female"),
                ("custom:blood_group", "O+"),
            ],
        )
        .await;
    assert_eq!(
        groups(&patient.id_token),
        ["Patient"],
        "PostConfirmation put the patient in the Patient group"
    );

    // Act + Assert: the profile PostConfirmation created.
    let profile = api.get("/users/me", &patient.id_token).await;
    assert_eq!(profile.status, 200, "{:?}", profile.body);
    assert_eq!(profile.body["user_id"], patient.sub.as_str());
    assert_eq!(profile.body["user_type"], "Patient");
    assert_eq!(profile.body["status"], "active");
    assert_eq!(profile.body["blood_group"], "O+");
    assert_eq!(profile.body["dob"], "1990-04-01");

    let updated = api
        .put(
            "/users/me",
            &patient.id_token,
            &json!({"name": "Ada L. Patient", "phone_number": "+441234567890"}),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["name"], "Ada L. Patient");
    assert_eq!(updated.body["version"], 2);

    upload_and_fetch_picture(api, &patient).await;
    patient
}

pub(super) async fn upload_and_fetch_picture(api: &Api, patient: &SignedIn) {
    let picture: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 120]].concat();
    let grant = api
        .post(
            "/users/me/picture-upload-url",
            &patient.id_token,
            &json!({"content_type": "image/png", "content_length": picture.len()}),
        )
        .await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    let url = grant.body["url"].as_str().unwrap();
    remember_query(api, url);
    let signed_headers: Vec<(String, String)> = grant.body["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let headers: Vec<(&str, &str)> = signed_headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, body) = test_support::http::send("PUT", url, &headers, &picture).await;
    assert_eq!(
        status, 200,
        "presigned upload through the AWS front: {body}"
    );

    let set = api
        .put(
            "/users/me",
            &patient.id_token,
            &json!({"picture_key": grant.body["key"]}),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let profile = api.get("/users/me", &patient.id_token).await;
    let picture_url = profile.body["picture_url"]
        .as_str()
        .expect("a presigned picture_url");
    remember_query(api, picture_url);
    let (status, _) = test_support::http::send("GET", picture_url, &[], b"").await;
    assert_eq!(status, 200, "the picture is fetched with its presigned URL");
}

/// A presigned URL's query string is a credential: the log scan looks for it.
fn remember_query(api: &Api, url: &str) {
    if let Some((_, query)) = url.split_once('?') {
        api.secrets.remember(query);
    }
}

pub async fn doctor_request(users: &Users, api: &Api) -> SignedIn {
    // This one confirms the way the app does (ConfirmSignUp with the code), not as an operator.
    let email = unique_email("bo.doctor");
    users
        .sign_up(
            &email,
            &[("name", "Bo Doctor"), ("custom:user_type", "Doctor")],
        )
        .await
        .unwrap();
    users
        .confirm_with_code(&email)
        .await
        .unwrap_or_else(|e| panic!("ConfirmSignUp failed: {e:?}"));
    let doctor = users.sign_in(&email, PASSWORD).await;
    assert!(
        groups(&doctor.id_token).is_empty(),
        "a requested Doctor gets no group before review"
    );
    let profile = api.get("/users/me", &doctor.id_token).await;
    assert_eq!(profile.status, 200, "{:?}", profile.body);
    assert_eq!(profile.body["user_type"], "Doctor");
    assert_eq!(profile.body["status"], "pending_review");
    doctor
}

pub async fn operator_created_admin(users: &Users, api: &Api) -> SignedIn {
    let admin = users.operator_creates_admin().await;
    assert_eq!(groups(&admin.id_token), ["Admin"]);
    let profile = api.get("/users/me", &admin.id_token).await;
    assert_eq!(
        profile.status, 200,
        "the Admin's profile comes from the token: {:?}",
        profile.body
    );
    admin
}

pub async fn admin_approves_doctor(users: &Users, api: &Api, admin: &SignedIn, doctor: &SignedIn) {
    let approved = api
        .put(
            &format!("/users/{}", doctor.sub),
            &admin.id_token,
            &json!({"user_type": "Doctor"}),
        )
        .await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    assert_eq!(approved.body["status"], "active");
    let doctor_again = users.sign_in(&doctor.email, PASSWORD).await;
    assert_eq!(
        groups(&doctor_again.id_token),
        ["Doctor"],
        "the approval moved the Doctor into the Doctor group"
    );
}

pub async fn other_users_profile_is_forbidden(api: &Api, patient: &SignedIn, doctor: &SignedIn) {
    let peek = api
        .get(&format!("/users/{}", doctor.sub), &patient.id_token)
        .await;
    assert_eq!(peek.status, 403, "{:?}", peek.body);
}

pub async fn forged_and_expired_tokens(api: &Api, patient: &SignedIn) {
    // Forged: the claims say Admin, the signature is the patient's.
    let mut parts: Vec<String> = patient.id_token.split('.').map(str::to_string).collect();
    let mut forged_claims = claims(&patient.id_token);
    forged_claims["cognito:groups"] = json!(["Admin"]);
    parts[1] = base64_url(forged_claims.to_string().as_bytes());
    let forged = api.get("/users", &parts.join(".")).await;
    assert_eq!(
        (forged.status, forged.body),
        (401, json!({"message": "Unauthorized"}))
    );

    // Expired: signed with the emulator's own key, so only the expiry is wrong.
    let mut expired_claims = claims(&patient.id_token);
    expired_claims["exp"] = json!(chrono::Utc::now().timestamp() - 60);
    let expired = api
        .get("/users/me", &sign_with_moto_key(&expired_claims))
        .await;
    assert_eq!(
        (expired.status, expired.body),
        (401, json!({"message": "Unauthorized"}))
    );

    // Validly signed, unexpired, but not an ID token of this pool's app client. Only the
    // issuer changes in the last three: another pool's on this stack (moto signs every
    // pool's tokens with this one key), AWS's own for this very pool, a trailing slash.
    let issuer = claims(&patient.id_token)["iss"]
        .as_str()
        .unwrap()
        .to_string();
    let (base, pool_id) = issuer.rsplit_once('/').unwrap();
    let region = pool_id.split('_').next().unwrap();
    for (claim, value) in [
        ("token_use", "access".to_string()),
        ("aud", "another-app-client".to_string()),
        ("iss", format!("{base}/{region}_AnotherPool")),
        (
            "iss",
            format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        ),
        ("iss", format!("{issuer}/")),
    ] {
        let mut wrong = claims(&patient.id_token);
        wrong[claim] = json!(value);
        let refused = api.get("/users/me", &sign_with_moto_key(&wrong)).await;
        assert_eq!(refused.status, 401, "{claim} = {value}");
    }

    // The same re-signing with a valid expiry passes: the expiry alone made the difference.
    let fresh = api
        .get("/users/me", &sign_with_moto_key(&claims(&patient.id_token)))
        .await;
    assert_eq!(fresh.status, 200);
}

pub async fn admin_self_sign_up_is_refused(users: &Users) {
    let email = unique_email("mallory");
    let refused = users
        .sign_up(&email, &[("custom:user_type", "Admin")])
        .await;
    let (code, message) = refused.expect_err("Admin self sign-up must be refused");
    // PreSignUp's own refusal, not any failure: its message reaches the person, with
    // the period Cognito appends.
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "UserLambdaValidationException",
            "PreSignUp failed with error Admin accounts cannot be requested at sign-up; an administrator creates them.."
        )
    );
    assert!(
        !users.user_exists(&email).await,
        "a PreSignUp refusal creates no user"
    );
}

pub async fn attribute_rules_hold(users: &Users, patient: &SignedIn) {
    // SignUp: the app client's write attributes apply (email_verified is not one of them).
    let email = unique_email("eve");
    let (code, _) = users
        .sign_up(&email, &[("email_verified", "true")])
        .await
        .expect_err("email_verified is not writable");
    assert_eq!(code, "NotAuthorizedException");
    assert!(!users.user_exists(&email).await);

    let access_token = users
        .client
        .initiate_auth()
        .client_id(&users.test_client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", &patient.email)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap()
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_string();
    let rewrite = users
        .client
        .update_user_attributes()
        .access_token(&access_token)
        .user_attributes(attribute("custom:user_type", "Admin"))
        .send()
        .await
        .expect_err("custom:user_type is immutable");
    assert_eq!(
        error_of(&rewrite.into_service_error()).0,
        "InvalidParameterException"
    );

    let unwritable = users
        .client
        .update_user_attributes()
        .access_token(&access_token)
        .user_attributes(attribute("email_verified", "true"))
        .send()
        .await
        .expect_err("email_verified is not a write attribute of the app client");
    assert_eq!(
        error_of(&unwritable.into_service_error()).0,
        "NotAuthorizedException"
    );

    let admin_rewrite = users
        .client
        .admin_update_user_attributes()
        .user_pool_id(&users.pool_id)
        .username(&patient.email)
        .user_attributes(attribute("custom:user_type", "Doctor"))
        .send()
        .await
        .expect_err("immutable for admins too");
    assert_eq!(
        error_of(&admin_rewrite.into_service_error()).0,
        "InvalidParameterException"
    );
}

pub async fn forgot_password_leaves_profile_untouched(
    users: &Users,
    api: &Api,
    patient: &SignedIn,
) {
    // Cognito sends a reset code only to a verified address, and an operator's
    // AdminConfirmSignUp verifies none.
    let unverified = users
        .client
        .forgot_password()
        .client_id(&users.app_client_id)
        .username(&patient.email)
        .send()
        .await
        .expect_err("no verified address to send a code to");
    assert_eq!(
        error_of(&unverified.into_service_error()).0,
        "InvalidParameterException"
    );

    // Confirming with the emailed code verifies the address.
    let email = unique_email("reset.patient");
    users
        .sign_up(&email, &[("custom:user_type", "Patient")])
        .await
        .unwrap();
    users.confirm_with_code(&email).await.unwrap();
    let person = users.sign_in(&email, PASSWORD).await;
    let before = api.get("/users/me", &person.id_token).await.body;
    users.secrets.remember(NEW_PASSWORD);
    users
        .client
        .forgot_password()
        .client_id(&users.app_client_id)
        .username(&email)
        .send()
        .await
        .unwrap();
    let code = users.latest_code(&email, "forgot_password");
    let who = email.as_str();
    let reset = |code: String, password: &'static str| async move {
        users
            .client
            .confirm_forgot_password()
            .client_id(&users.app_client_id)
            .username(who)
            .confirmation_code(code)
            .password(password)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error_of(&e.into_service_error()).0)
    };
    assert_eq!(
        reset(another_code(&code), NEW_PASSWORD).await,
        Err("CodeMismatchException".to_string()),
        "a wrong code is refused"
    );
    assert_eq!(
        reset(code.clone(), "short").await,
        Err("InvalidPasswordException".to_string()),
        "the pool's password policy applies to a reset"
    );
    reset(code.clone(), NEW_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("ConfirmForgotPassword with the emailed code: {e}"));
    assert!(
        reset(code, "Yet-Another-Horse-5!").await.is_err(),
        "a reset code is used once"
    );
    let (old_refused, _) = users.password_auth(&email, PASSWORD).await.unwrap_err();
    assert_eq!(
        old_refused, "NotAuthorizedException",
        "the old password is gone"
    );

    let signed_in = users.sign_in(&email, NEW_PASSWORD).await;
    let after = api.get("/users/me", &signed_in.id_token).await.body;
    let without_url = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("picture_url");
        v
    };
    assert_eq!(
        without_url(&after),
        without_url(&before),
        "PostConfirmation_ConfirmForgotPassword changes nothing"
    );
}

const NEW_PASSWORD: &str = "Another-Horse-7!";

/// A six-digit code other than `code`.
pub fn another_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

pub async fn broken_trigger_surfaces_as_cognito_error(users: &Users, stack: &StackInfo) {
    // The profile table goes away: PostConfirmation fails, and Cognito says so.
    let email = unique_email("late.patient");
    users
        .sign_up(&email, &[("custom:user_type", "Patient")])
        .await
        .unwrap();
    delete_table(stack).await;
    let (code, message) = users
        .admin_confirm(&email)
        .await
        .expect_err("PostConfirmation cannot create the profile");
    assert_eq!(code, "UserLambdaValidationException");
    assert!(
        message.starts_with("PostConfirmation failed with error "),
        "{message}"
    );
}

async fn delete_table(stack: &StackInfo) {
    let body = json!({"TableName": stack.table_name}).to_string();
    let length = body.len().to_string();
    let url = format!("{}/", stack.aws_endpoint_url);
    let mut headers = vec![
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", "DynamoDB_20120810.DeleteTable"),
        ("Content-Length", length.as_str()),
    ];
    let signature = stack
        .signer()
        .headers("dynamodb", "POST", &url, &headers, body.as_bytes());
    headers.extend(signature.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let (status, reply) = test_support::http::send("POST", &url, &headers, body.as_bytes()).await;
    assert_eq!(status, 200, "DeleteTable through the AWS front: {reply}");
}

/// On a stack whose functions log at TRACE (the most verbose level Terraform permits):
/// sign-up with every personal attribute, confirmation by code and by a redelivered
/// trigger event, reads, an update of every personal field, a picture, an Admin's
/// listing; then no log of that stack holds any of it.
pub async fn verbose_logs_hold_no_personal_data(stack: &Stack) {
    let secrets = Arc::new(super::cognito::Secrets::default());
    let users = Users::new(&stack.info, &stack.dir, secrets.clone()).await;
    let api = Api::new(&stack.info.api_url, secrets.clone());
    let lambda = super::lambda::Lambda::new(&stack.info);

    let email = unique_email("verbose.patient");
    users
        .sign_up(
            &email,
            &[
                ("name", "Verbose Patient"),
                ("phone_number", "+15550100199"),
                ("custom:user_type", "Patient"),
                ("custom:dob", "1961-07-23"),
                ("custom:gender", "non_binary"),
                ("custom:blood_group", "AB-"),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("sign-up refused: {e:?}"));
    users
        .confirm_with_code(&email)
        .await
        .unwrap_or_else(|e| panic!("ConfirmSignUp failed: {e:?}"));
    let patient = users.sign_in(&email, PASSWORD).await;
    let event = super::lambda::confirmation_event(&users, &stack.info.region, &email).await;
    let function = lambda.function_named("post-confirmation").await;
    let redelivered = lambda.invoke(&function, &event).await;
    assert_eq!(redelivered.function_error, None, "{}", redelivered.payload);

    assert_eq!(api.get("/users/me", &patient.id_token).await.status, 200);
    let updated = api
        .put(
            "/users/me",
            &patient.id_token,
            &json!({"name": "Verbose Renamed", "phone_number": "+15550100188",
                    "dob": "1962-08-24", "gender": "female", "blood_group": "B+"}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.raw);
    upload_and_fetch_picture(&api, &patient).await;
    let admin = users.operator_creates_admin().await;
    let listing = api.get("/users?limit=50", &admin.id_token).await;
    assert_eq!(listing.status, 200, "{}", listing.raw);
    let read = api
        .get(&format!("/users/{}", patient.sub), &admin.id_token)
        .await;
    assert_eq!(read.status, 200, "{}", read.raw);

    let applied = std::fs::read_to_string(stack.dir.join("stack/applied.json")).unwrap();
    assert_eq!(
        applied
            .matches(r#""application_log_level":"TRACE""#)
            .count(),
        3,
        "Terraform applied TRACE to the three functions"
    );
    super::hygiene::no_log_holds_what_was_used(&stack.dir, secrets.all(), false);
}

/// The stack is applied with two local web app origins (`just prepare-terraform-emulator`).
pub async fn cors_answers_listed_origins_gateway_errors_included(api: &Api, patient: &SignedIn) {
    const APP: &str = "http://localhost:3000";
    const OTHER_APP: &str = "http://127.0.0.1:3000";
    let bearer = format!("Bearer {}", patient.id_token);
    fn with<'a>(origin: &'a str, token: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
        let mut headers = vec![("Origin", origin)];
        if let Some(token) = token {
            headers.push(("Authorization", token));
        }
        headers
    }

    // The function's answers: each listed origin gets itself back.
    for origin in [APP, OTHER_APP] {
        let reply = api
            .send("GET", "/users/me", &with(origin, Some(&bearer)), b"")
            .await;
        assert_eq!(reply.status, 200, "{}", reply.raw);
        assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
        assert_eq!(reply.header("vary"), Some("Origin"));
    }
    let reply = api
        .send(
            "GET",
            "/users/me",
            &with("https://evil.example", Some(&bearer)),
            b"",
        )
        .await;
    assert_eq!(
        (reply.status, reply.header("access-control-allow-origin")),
        (200, None)
    );
    let preflight = api
        .send("OPTIONS", "/users/me", &with(APP, None), b"")
        .await;
    assert_eq!(preflight.status, 204);
    assert!(
        preflight
            .header("access-control-allow-methods")
            .unwrap_or_default()
            .contains("PUT")
    );

    // API Gateway's own answers (no function runs): the gateway responses Terraform applied.
    for (path, token, status) in [("/users/me", None, 401), ("/nowhere", None, 403)] {
        let reply = api.send("GET", path, &with(OTHER_APP, token), b"").await;
        assert_eq!(reply.status, status, "{path}: {}", reply.raw);
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some(OTHER_APP),
            "{path}"
        );
        assert_eq!(reply.header("vary"), Some("Origin"), "{path}");
    }
}
