//! Issue 29, sign-in played as an attacker would: guessing a password on every path that
//! checks one (Cognito's lockout), flows the app client does not allow, and SRP through an
//! app client Terraform did not apply.

use super::cognito::{PASSWORD, Users, error_of};
use super::stack::StackInfo;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType,
};
use base64::Engine;
use std::time::{Duration, Instant};

const INCORRECT: &str = "Incorrect username or password.";
const EXCEEDED: &str = "Password attempts exceeded";
const WRONG: &str = "Correct-Horse-8!";

type Refusal = (String, String);

/// ADMIN_USER_PASSWORD_AUTH through `client_id`: Ok(true) when it yields tokens.
async fn admin_auth(
    users: &Users,
    client_id: &str,
    email: &str,
    password: &str,
) -> Result<bool, Refusal> {
    users.secrets.remember(password);
    users
        .client
        .admin_initiate_auth()
        .user_pool_id(&users.pool_id)
        .client_id(client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|r| r.authentication_result().is_some())
        .map_err(|e| error_of(&e.into_service_error()))
}

/// USER_SRP_AUTH through `client_id`, answered with a claim no password signed: the
/// refusal of the challenge, or of the answer.
async fn forged_srp_sign_in(users: &Users, client_id: &str, email: &str) -> Refusal {
    let challenge = users
        .client
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("SRP_A", "5".repeat(700))
        .send()
        .await
        .map_err(|e| error_of(&e.into_service_error()));
    let challenge = match challenge {
        Ok(challenge) => challenge,
        Err(refusal) => return refusal,
    };
    let parameters = challenge
        .challenge_parameters()
        .cloned()
        .unwrap_or_default();
    let field = |name: &str| parameters.get(name).cloned().unwrap_or_default();
    users
        .client
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", field("USER_ID_FOR_SRP"))
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", field("SECRET_BLOCK"))
        .challenge_responses("TIMESTAMP", "Wed Dec 2 17:05:00 UTC 2026")
        .challenge_responses(
            "PASSWORD_CLAIM_SIGNATURE",
            base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
        )
        .send()
        .await
        .map(|_| {
            (
                "signed in".to_string(),
                "a forged claim got tokens".to_string(),
            )
        })
        .unwrap_or_else(|e| error_of(&e.into_service_error()))
}

/// The Hosted UI's login form posted as a browser posts it (its CSRF cookie and field):
/// the status and the page.
async fn hosted_ui_login(stack: &StackInfo, email: &str, password: &str) -> (u16, String) {
    let query = serde_urlencoded::to_string([
        ("client_id", stack.user_pool_client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", super::hosted_ui::CALLBACK),
    ])
    .unwrap();
    let form =
        serde_urlencoded::to_string([("_csrf", "t"), ("username", email), ("password", password)])
            .unwrap();
    test_support::http::send(
        "POST",
        &format!("{}/login?{query}", stack.hosted_ui_url),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", "XSRF-TOKEN=t"),
        ],
        form.as_bytes(),
    )
    .await
}

async fn change_password(
    users: &Users,
    access_token: &str,
    previous: &str,
    proposed: &str,
) -> Result<(), Refusal> {
    users
        .client
        .change_password()
        .access_token(access_token)
        .previous_password(previous)
        .proposed_password(proposed)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error_of(&e.into_service_error()))
}

/// USER_PASSWORD_AUTH through the test harnesses' client: Ok, or the refusal (never a
/// token, so that a failed assertion prints none).
async fn password_sign_in(users: &Users, email: &str, password: &str) -> Result<(), Refusal> {
    users.password_auth(email, password).await.map(|_| ())
}

fn refusal(message: &str) -> Refusal {
    ("NotAuthorizedException".to_string(), message.to_string())
}

/// Cognito's lockout (README, "How it differs from AWS": 5 free failures, then 1 s doubling
/// up to 15 min): one count per user whatever the path, and while locked out every path
/// refuses even the right password with "Password attempts exceeded".
pub async fn repeated_wrong_passwords_lock_the_user_out_on_every_path(
    users: &Users,
    stack: &StackInfo,
) {
    let person = users
        .signed_up_and_confirmed("guessed", &[("custom:user_type", "Patient")])
        .await;
    let email = person.email.as_str();
    let bystander = users
        .signed_up_and_confirmed("bystander", &[("custom:user_type", "Patient")])
        .await;
    let (access, _) = users.password_auth(email, PASSWORD).await.unwrap();
    let test_client = users.test_client_id.as_str();
    let app_client = users.app_client_id.as_str();
    users.secrets.remember(WRONG);

    // Five wrong passwords, one on each path: each is an ordinary refusal and all count.
    assert_eq!(
        password_sign_in(users, email, WRONG).await,
        Err(refusal(INCORRECT)),
        "USER_PASSWORD_AUTH"
    );
    assert_eq!(
        admin_auth(users, test_client, email, WRONG).await,
        Err(refusal(INCORRECT)),
        "ADMIN_USER_PASSWORD_AUTH"
    );
    assert_eq!(
        forged_srp_sign_in(users, app_client, email).await,
        refusal(INCORRECT),
        "USER_SRP_AUTH"
    );
    let (status, page) = hosted_ui_login(stack, email, WRONG).await;
    assert!(
        status == 400 && page.contains(INCORRECT),
        "Hosted UI: {status}"
    );
    assert_eq!(
        change_password(users, &access, WRONG, "Changed-Horse-6!").await,
        Err(refusal(INCORRECT)),
        "ChangePassword's previous password"
    );

    // The fifth failure locks the user out for 1 s: the right password is refused too.
    assert_eq!(
        password_sign_in(users, email, PASSWORD).await,
        Err(refusal(EXCEEDED)),
        "locked out after five failures"
    );
    users.sign_in(&bystander.email, PASSWORD).await;

    // Each further failure doubles the lockout: 2 s after the sixth, 4 s after the seventh.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        password_sign_in(users, email, WRONG).await,
        Err(refusal(INCORRECT))
    );
    let sixth = Instant::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        password_sign_in(users, email, PASSWORD).await,
        Err(refusal(EXCEEDED)),
        "1.1 s after the sixth failure: the lockout is 2 s now"
    );
    tokio::time::sleep(
        Duration::from_secs(2).saturating_sub(sixth.elapsed()) + Duration::from_millis(100),
    )
    .await;
    assert_eq!(
        password_sign_in(users, email, WRONG).await,
        Err(refusal(INCORRECT))
    );
    let seventh = Instant::now();

    // Every path refuses the right password while the 4 s last.
    assert_eq!(
        admin_auth(users, test_client, email, PASSWORD).await,
        Err(refusal(EXCEEDED)),
        "ADMIN_USER_PASSWORD_AUTH"
    );
    assert_eq!(
        forged_srp_sign_in(users, app_client, email).await,
        refusal(EXCEEDED),
        "USER_SRP_AUTH"
    );
    let (status, page) = hosted_ui_login(stack, email, PASSWORD).await;
    assert!(
        status == 400 && page.contains(EXCEEDED),
        "Hosted UI: {status}"
    );
    assert_eq!(
        change_password(users, &access, PASSWORD, "Changed-Horse-6!").await,
        Err(refusal(EXCEEDED)),
        "ChangePassword"
    );
    assert_eq!(
        password_sign_in(users, email, PASSWORD).await,
        Err(refusal(EXCEEDED)),
        "USER_PASSWORD_AUTH"
    );
    assert!(
        seventh.elapsed() < Duration::from_secs(4),
        "the checks above ran inside the 4 s lockout ({:?}): too slow a machine to tell",
        seventh.elapsed()
    );

    // After the lockout the right password signs in, and the count starts again.
    tokio::time::sleep(
        Duration::from_secs(4).saturating_sub(seventh.elapsed()) + Duration::from_millis(100),
    )
    .await;
    password_sign_in(users, email, PASSWORD).await.unwrap();
    for _ in 0..4 {
        assert_eq!(
            password_sign_in(users, email, WRONG).await,
            Err(refusal(INCORRECT))
        );
    }
    password_sign_in(users, email, PASSWORD).await.unwrap();
    let (status, _) = hosted_ui_login(stack, email, PASSWORD).await;
    assert_eq!(status, 302, "the Hosted UI signs in");
}

/// The app client has exactly production's flows (SRP and refresh): the password flows a
/// test harness uses are refused on it with Cognito's error, before any password is judged.
pub async fn the_app_client_allows_only_the_flows_production_enables(users: &Users) {
    let person = users
        .signed_up_and_confirmed("flows", &[("custom:user_type", "Patient")])
        .await;
    let email = person.email.as_str();
    let app_client = users.app_client_id.as_str();
    let not_enabled =
        |message: &str| ("InvalidParameterException".to_string(), message.to_string());

    let initiate = |client_id: &str, flow: AuthFlowType| {
        users
            .client
            .initiate_auth()
            .client_id(client_id)
            .auth_flow(flow)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
    };
    let refused = initiate(app_client, AuthFlowType::UserPasswordAuth)
        .await
        .expect_err("USER_PASSWORD_AUTH is not one of the app client's flows");
    assert_eq!(
        error_of(&refused.into_service_error()),
        not_enabled("USER_PASSWORD_AUTH flow not enabled for this client")
    );
    assert_eq!(
        admin_auth(users, app_client, email, PASSWORD).await,
        Err(not_enabled("Auth flow not enabled for this client")),
        "ADMIN_USER_PASSWORD_AUTH"
    );
    for client in [app_client, users.test_client_id.as_str()] {
        let refused = initiate(client, AuthFlowType::CustomAuth)
            .await
            .expect_err("no client enables CUSTOM_AUTH");
        assert_eq!(
            error_of(&refused.into_service_error()),
            not_enabled("Auth flow not enabled for this client")
        );
    }

    // What the app client does allow still works: SRP's challenge, a refresh (this one
    // refused for its token, not its flow).
    let challenge = users
        .client
        .initiate_auth()
        .client_id(app_client)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("SRP_A", "5".repeat(700))
        .send()
        .await
        .unwrap_or_else(|e| panic!("SRP: {:?}", error_of(&e.into_service_error())));
    assert_eq!(
        challenge.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let refresh = users
        .client
        .initiate_auth()
        .client_id(app_client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", "not-a-refresh-token")
        .send()
        .await
        .expect_err("a made-up refresh token");
    assert_eq!(
        error_of(&refresh.into_service_error()).0,
        "NotAuthorizedException"
    );
    // The test harnesses' client takes the password flows (the suite signs in through it).
    assert_eq!(
        admin_auth(users, &users.test_client_id, email, PASSWORD).await,
        Ok(true)
    );
}

/// moto accepts any SRP answer; the front verifies claims for the app clients Terraform
/// applied only, so SRP through any other client must be refused, or it is a password
/// bypass.
pub async fn srp_is_refused_through_a_client_terraform_did_not_apply(users: &Users) {
    let person = users
        .signed_up_and_confirmed("srp.bypass", &[("custom:user_type", "Patient")])
        .await;
    let created = users
        .client
        .create_user_pool_client()
        .user_pool_id(&users.pool_id)
        .client_name("made-at-run-time")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "CreateUserPoolClient: {:?}",
                error_of(&e.into_service_error())
            )
        });
    let client_id = created
        .user_pool_client()
        .and_then(|c| c.client_id())
        .unwrap()
        .to_string();

    let challenge = users
        .client
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", &person.email)
        .auth_parameters("SRP_A", "5".repeat(700))
        .send()
        .await
        .expect_err("no SRP challenge through the client");
    assert_eq!(
        error_of(&challenge.into_service_error()).0,
        "NotAuthorizedException"
    );
    // Nor is an answer taken through it (moto would take any).
    let answer = users
        .client
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", &person.email)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", "c2VjcmV0")
        .challenge_responses("TIMESTAMP", "Wed Dec 2 17:05:00 UTC 2026")
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", "c2lnbmF0dXJl")
        .send()
        .await
        .expect_err("a PASSWORD_VERIFIER answer through the client");
    assert_eq!(
        error_of(&answer.into_service_error()).0,
        "NotAuthorizedException"
    );

    users
        .client
        .delete_user_pool_client()
        .user_pool_id(&users.pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap();
}
