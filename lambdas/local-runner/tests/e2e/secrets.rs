//! Issue 12 §3, "real secrets, checked": passwords on every sign-in path (SRP through a
//! real client library), random single-use codes and temporary passwords read from the
//! outbox, the pool's password policy, and no error that carries a token.

use super::api::Api;
use super::cognito::{PASSWORD, Users, error_of, unique_email};
use super::journeys::another_code;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, DeliveryMediumType};
use base64::Engine;
use serde_json::Value;

const INCORRECT: &str = "Incorrect username or password.";

pub async fn sign_up_codes_are_random_single_use_and_from_the_outbox(users: &Users) {
    let email = unique_email("code.patient");
    users
        .sign_up(&email, &[("custom:user_type", "Patient")])
        .await
        .unwrap();
    let sent = users.latest_message(&email);
    assert_eq!(sent["kind"], "sign_up");
    assert_eq!(sent["destination"]["medium"], "EMAIL");
    let first = sent["code"].as_str().unwrap().to_string();
    assert!(
        first.len() == 6 && first.bytes().all(|b| b.is_ascii_digit()),
        "{sent}"
    );

    let (code, _) = users
        .confirm_with(&email, &another_code(&first))
        .await
        .expect_err("a wrong code is refused");
    assert_eq!(code, "CodeMismatchException");
    let (code, _) = users.password_auth(&email, PASSWORD).await.unwrap_err();
    assert_eq!(code, "UserNotConfirmedException", "still unconfirmed");

    // A new code replaces the old one. One random code in a million equals the old one:
    // then it is asked for again, so the old code is always tried and refused.
    let mut second = first.clone();
    for _ in 0..3 {
        if second != first {
            break;
        }
        let resent = users
            .client
            .resend_confirmation_code()
            .client_id(&users.app_client_id)
            .username(&email)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "ResendConfirmationCode: {:?}",
                    error_of(&e.into_service_error())
                )
            });
        let details = resent.code_delivery_details().unwrap();
        assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
        assert!(
            !details.destination().unwrap_or_default().contains(&email),
            "the address is masked"
        );
        second = users.latest_code(&email, "resend");
    }
    assert_ne!(second, first, "three resent codes all equal to the first");
    let (code, _) = users.confirm_with(&email, &first).await.unwrap_err();
    assert_eq!(code, "CodeMismatchException", "the replaced code is dead");

    users
        .confirm_with(&email, &second)
        .await
        .unwrap_or_else(|e| panic!("the outbox code confirms: {e:?}"));
    let (code, _) = users
        .confirm_with(&email, &second)
        .await
        .expect_err("a code is used once");
    assert_eq!(code, "NotAuthorizedException");
    users.sign_in(&email, PASSWORD).await;
    // The end of the suite scans every log for every code the outbox holds, these two too.
}

pub async fn wrong_passwords_are_refused_on_every_sign_in_path(users: &Users) {
    let person = users
        .signed_up_and_confirmed("wrong.password", &[("custom:user_type", "Patient")])
        .await;
    let email = person.email.as_str();
    let wrong = "Correct-Horse-8!";

    let refused = users.password_auth(email, wrong).await.unwrap_err();
    assert_eq!(
        refused,
        ("NotAuthorizedException".into(), INCORRECT.into()),
        "USER_PASSWORD_AUTH"
    );
    let unknown = users
        .password_auth(&unique_email("nobody"), PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(
        unknown,
        ("NotAuthorizedException".into(), INCORRECT.into()),
        "prevent_user_existence_errors: an unknown user looks like a wrong password"
    );

    let admin_auth = |password: &'static str| async move {
        users
            .client
            .admin_initiate_auth()
            .user_pool_id(&users.pool_id)
            .client_id(&users.test_client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map(|r| r.authentication_result().is_some())
            .map_err(|e| error_of(&e.into_service_error()))
    };
    assert_eq!(
        admin_auth(wrong).await,
        Err(("NotAuthorizedException".into(), INCORRECT.into())),
        "ADMIN_USER_PASSWORD_AUTH (no username in the message)"
    );
    assert_eq!(admin_auth(PASSWORD).await, Ok(true));

    srp_claims_without_the_password_are_refused(users, email).await;

    // ChangePassword needs the previous password, and the new one meets the policy.
    let (access, _) = users.password_auth(email, PASSWORD).await.unwrap();
    let change = |previous: &'static str, proposed: &'static str| {
        let access = access.clone();
        async move {
            users
                .client
                .change_password()
                .access_token(access)
                .previous_password(previous)
                .proposed_password(proposed)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error_of(&e.into_service_error()))
        }
    };
    let changed = "Changed-Horse-6!";
    users.secrets.remember(changed);
    let (code, message) = change(wrong, changed).await.unwrap_err();
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", INCORRECT)
    );
    let (code, _) = change(PASSWORD, "weak").await.unwrap_err();
    assert_eq!(code, "InvalidPasswordException");
    change(PASSWORD, changed).await.unwrap();
    assert!(users.password_auth(email, PASSWORD).await.is_err());
    users.password_auth(email, changed).await.unwrap();

    let (code, message) = users
        .client
        .sign_up()
        .client_id(&users.app_client_id)
        .username(unique_email("weak"))
        .password("alllowercase")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error_of(&e.into_service_error()))
        .unwrap_err();
    assert_eq!(code, "InvalidPasswordException", "{message}");
}

/// USER_SRP_AUTH answered without knowing the password: a claim signed with a key the
/// password did not derive is refused, and a challenge cannot be answered twice.
async fn srp_claims_without_the_password_are_refused(users: &Users, email: &str) {
    let challenge = users
        .client
        .initiate_auth()
        .client_id(&users.app_client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("SRP_A", "5".repeat(700))
        .send()
        .await
        .unwrap_or_else(|e| panic!("SRP challenge: {:?}", error_of(&e.into_service_error())));
    assert_eq!(
        challenge.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let parameters = challenge.challenge_parameters().unwrap();
    let hex = |name: &str| {
        let value = parameters.get(name).unwrap();
        assert!(
            value.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name} = {value}"
        );
        value.len()
    };
    assert!(hex("SRP_B") > 700, "a 3072-bit B");
    hex("SALT");
    let secret_block = parameters.get("SECRET_BLOCK").unwrap().clone();
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(&secret_block)
            .is_ok()
    );
    let user_id = parameters.get("USER_ID_FOR_SRP").unwrap().clone();
    let answer = || {
        users
            .client
            .respond_to_auth_challenge()
            .client_id(&users.app_client_id)
            .challenge_name(ChallengeNameType::PasswordVerifier)
            .challenge_responses("USERNAME", &user_id)
            .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &secret_block)
            .challenge_responses("TIMESTAMP", "Wed Dec 2 17:05:00 UTC 2026")
            .challenge_responses(
                "PASSWORD_CLAIM_SIGNATURE",
                base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
            )
            .send()
    };
    let forged = answer().await.expect_err("a forged claim is refused");
    assert_eq!(
        error_of(&forged.into_service_error()),
        ("NotAuthorizedException".into(), INCORRECT.into())
    );
    let replayed = answer().await.expect_err("a challenge is answered once");
    assert_eq!(
        error_of(&replayed.into_service_error()).0,
        "NotAuthorizedException"
    );
}

pub async fn an_operator_created_user_gets_a_random_temporary_password(users: &Users) {
    let email = unique_email("invited.patient");
    users.secrets.remember(&email);
    users
        .client
        .admin_create_user()
        .user_pool_id(&users.pool_id)
        .username(&email)
        .user_attributes(super::cognito::attribute("email", &email))
        .user_attributes(super::cognito::attribute("email_verified", "true"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminCreateUser: {:?}", error_of(&e.into_service_error())));
    let invitation = users.latest_message(&email);
    assert_eq!(invitation["kind"], "admin_create_user");
    let temporary = invitation["temporary_password"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(temporary.len() >= 12, "{}", temporary.len());

    let started = users
        .client
        .initiate_auth()
        .client_id(&users.test_client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", &email)
        .auth_parameters("PASSWORD", &temporary)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "temporary password: {:?}",
                error_of(&e.into_service_error())
            )
        });
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let session = started.session().unwrap().to_string();
    let respond = |password: &'static str| {
        users
            .client
            .respond_to_auth_challenge()
            .client_id(&users.test_client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", &email)
            .challenge_responses("NEW_PASSWORD", password)
            .send()
    };
    let weak = respond("weak").await.expect_err("the policy applies");
    assert_eq!(
        error_of(&weak.into_service_error()).0,
        "InvalidPasswordException"
    );
    let done = respond(PASSWORD).await.unwrap_or_else(|e| {
        panic!(
            "NEW_PASSWORD_REQUIRED: {:?}",
            error_of(&e.into_service_error())
        )
    });
    assert!(done.authentication_result().is_some());

    let weak_temporary = users
        .client
        .admin_create_user()
        .user_pool_id(&users.pool_id)
        .username(unique_email("weak.invite"))
        .temporary_password("short")
        .send()
        .await
        .expect_err("a given temporary password meets the policy too");
    assert_eq!(
        error_of(&weak_temporary.into_service_error()).0,
        "InvalidPasswordException"
    );
}

/// A real Cognito client library, run as a person's app would run it.
#[derive(Clone, Copy)]
pub enum SrpClient {
    /// amazon-cognito-identity-js under node (tools/srp-client/sign_in.cjs, installed by
    /// `just setup-test-tools`).
    CognitoIdentityJs,
    /// pycognito in .venv (tools/srp-client/sign_in.py), which also verifies both tokens
    /// against the issuer a custom endpoint implies and the JWKS served there.
    Pycognito,
}

/// `client` signs in with USER_SRP_AUTH with a wrong then the right password, reads the
/// user, refreshes, signs out everywhere; then the old tokens are refused.
pub async fn a_real_client_library_signs_in_with_srp(
    users: &Users,
    api: &Api,
    endpoint: &str,
    client: SrpClient,
) {
    let root = super::stack::workspace_root();
    let (program, script, who) = match client {
        SrpClient::CognitoIdentityJs => (
            "node".into(),
            root.join("tools/srp-client/sign_in.cjs"),
            "srp.patient",
        ),
        SrpClient::Pycognito => (
            root.join(".venv/bin/python"),
            root.join("tools/srp-client/sign_in.py"),
            "pycognito.patient",
        ),
    };
    let person = users
        .signed_up_and_confirmed(who, &[("custom:user_type", "Patient")])
        .await;
    let mut child = std::process::Command::new(&program)
        .arg(&script)
        .args([
            endpoint,
            &users.pool_id,
            &users.app_client_id,
            &person.email,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{} (see `just setup` and `just setup-test-tools`): {e}",
                program.display()
            )
        });
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PASSWORD}\nCorrect-Horse-8!").unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    let tokens: Vec<String> = ["right_password", "refreshed"]
        .iter()
        .flat_map(|step| {
            ["id_token", "access_token", "refresh_token"]
                .map(|t| report[step][t].as_str().unwrap_or_default().to_string())
        })
        .filter(|t| !t.is_empty())
        .collect();
    for token in &tokens {
        users.secrets.remember(token);
    }

    assert_eq!(
        report["wrong_password"]["code"], "NotAuthorizedException",
        "{report}"
    );
    assert_eq!(report["wrong_password"]["message"], INCORRECT);
    let id_token = report["right_password"]["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("the right password signs in: {report}"));
    assert_eq!(api.get("/users/me", id_token).await.status, 200);
    assert!(
        report["get_user"]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n == "email")),
        "{report}"
    );
    let refreshed = report["refreshed"]["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("refresh works: {report}"));
    assert_eq!(api.get("/users/me", refreshed).await.status, 200);
    assert_eq!(report["global_sign_out"], "ok", "{report}");
    assert_eq!(
        report["get_user_after_sign_out"]["code"], "NotAuthorizedException",
        "{report}"
    );
    assert_eq!(
        report["refresh_after_sign_out"]["code"], "NotAuthorizedException",
        "{report}"
    );
    for step in [
        "wrong_password",
        "get_user_after_sign_out",
        "refresh_after_sign_out",
    ] {
        let message = report[step]["message"].as_str().unwrap_or_default();
        assert!(
            tokens.iter().all(|t| !message.contains(t.as_str())) && !message.contains("eyJ"),
            "{step}: no error message carries a token: {message}"
        );
    }
}
