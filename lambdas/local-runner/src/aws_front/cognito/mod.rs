//! The Cognito operations the front handles itself before or after moto does the work:
//! triggers (`triggers`), attribute rules (`attribute_rules`), passwords checked on every
//! sign-in path (`sign_in`, `srp`) and against the pool's policy (`secrets`), random,
//! single-use codes and temporary passwords delivered to the outbox (`messages`,
//! `outbox`), the app client's auth flows (`auth_flows`), the lockout after repeated wrong
//! passwords (`lockout`), and moto's refusals in Cognito's words (`refusals`).

mod attribute_rules;
mod auth_flows;
mod lockout;
mod messages;
mod outbox;
mod refusals;
mod secrets;
mod sign_in;
pub(super) mod srp;
mod triggers;

use super::Front;
use super::errors::CognitoError;
use super::moto::{MotoReply, StoredUser};
use crate::applied::{AppClient, UserPool};
use crate::http::Response;
use base64::Engine;
use bytes::Bytes;
use hyper::http::request::Parts;
use lockout::{Lockouts, Verdict};
use num_bigint::BigUint;
use outbox::Outbox;
use secrets::{Codes, TemporaryPasswords};
use serde_json::{Value, json};
use triggers::{NO_CLIENT, TriggerCall, attribute_map, attribute_names, map_or_null};

/// What the front keeps for Cognito: challenges issued, codes outstanding, the outbox.
pub struct State {
    sessions: sign_in::Sessions,
    codes: Codes,
    outbox: Outbox,
    lockouts: Lockouts,
    temporary_passwords: TemporaryPasswords,
}

impl State {
    pub fn new(outbox_dir: &std::path::Path) -> State {
        State {
            sessions: sign_in::Sessions::default(),
            codes: Codes::default(),
            outbox: Outbox::new(outbox_dir),
            lockouts: Lockouts::default(),
            temporary_passwords: TemporaryPasswords::default(),
        }
    }

    /// The lockout after repeated wrong passwords, for the paths that check a password
    /// outside this module (the Hosted UI's login form).
    pub fn lockouts(&self) -> &Lockouts {
        &self.lockouts
    }
}

const JSON: &str = "application/x-amz-json-1.1";

pub async fn handle(front: &Front, operation: &str, mut parts: Parts, body: Bytes) -> Response {
    let mut input: Value = serde_json::from_slice(&body).unwrap_or_default();
    if !parts.headers.contains_key(hyper::header::AUTHORIZATION) {
        parts.headers.insert(
            hyper::header::AUTHORIZATION,
            front.moto.scope_header("cognito-idp"),
        );
    }
    if let Err(refusal) = check_admin_scope(operation, &input) {
        return refusal.into_response();
    }
    let after = match before_moto(front, operation, &mut input).await {
        Ok(Before::Forward(after)) => after,
        Ok(Before::Answered(response)) => return response,
        Err(refusal) => return refusal.into_response(),
    };
    // The input may have gained a generated temporary password.
    let body = match after {
        After::CreatedUser => Bytes::from(input.to_string()),
        _ => body,
    };
    let reply = match front.moto.send(&parts, body).await {
        Ok(reply) => reply,
        Err(message) => return crate::http::json(502, &json!({"message": message})),
    };
    if !reply.is_success() {
        return refusals::without_secrets(front, operation, &input, reply);
    }
    let done = match (operation, after) {
        ("SignUp", after) => signed_up(front, &input, after, reply).await,
        ("InitiateAuth", After::SrpChallenge(a_public)) => {
            srp_challenge(front, &input, a_public, &reply).await
        }
        ("ForgotPassword", _) => messages::forgot_password(front, &input, reply).await,
        ("AdminResetUserPassword", _) => messages::admin_reset_user_password(front, &input)
            .await
            .map(|()| reply.into_response()),
        ("AdminCreateUser", After::CreatedUser) => {
            temporary_password_set(front, &input, &reply);
            messages::created_user(front, &input)
                .await
                .map(|()| reply.into_response())
        }
        ("ConfirmSignUp", _) => async {
            messages::verify_email(front, &input).await;
            post_confirmation(front, &input, "PostConfirmation_ConfirmSignUp").await
        }
        .await
        .map(|()| reply.into_response()),
        ("AdminConfirmSignUp", _) => {
            post_confirmation(front, &input, "PostConfirmation_ConfirmSignUp")
                .await
                .map(|()| reply.into_response())
        }
        ("ConfirmForgotPassword", _) => {
            post_confirmation(front, &input, "PostConfirmation_ConfirmForgotPassword")
                .await
                .map(|()| reply.into_response())
        }
        _ => Ok(reply.into_response()),
    };
    done.unwrap_or_else(CognitoError::into_response)
}

enum Before {
    /// On to moto, then `After`.
    Forward(After),
    /// The front answered itself.
    Answered(Response),
}

/// Work left for once moto has answered.
enum After {
    Nothing,
    /// PreSignUp asked for it.
    AutoConfirm {
        verify_email: bool,
    },
    /// moto's challenge becomes a real one for this SRP_A.
    SrpChallenge(BigUint),
    /// AdminCreateUser: the temporary password goes to the outbox (unless suppressed).
    CreatedUser,
}

/// The operations a user authorizes with their own access token. Each one's API reference
/// says "Authorize this action with a signed-in user's access token. It must include the
/// scope aws.cognito.signin.user.admin"; Cognito refuses a token without it
/// (NotAuthorizedException "Access Token does not have required scopes"), such as the
/// Hosted UI's `openid email profile` tokens. moto checks no scope.
const TOKEN_AUTHORIZED: [&str; 22] = [
    "AssociateSoftwareToken",
    "ChangePassword",
    "CompleteWebAuthnRegistration",
    "ConfirmDevice",
    "DeleteUser",
    "DeleteUserAttributes",
    "DeleteWebAuthnCredential",
    "ForgetDevice",
    "GetDevice",
    "GetUser",
    "GetUserAttributeVerificationCode",
    "GetUserAuthFactors",
    "GlobalSignOut",
    "ListDevices",
    "ListWebAuthnCredentials",
    "SetUserMFAPreference",
    "SetUserSettings",
    "StartWebAuthnRegistration",
    "UpdateDeviceStatus",
    "UpdateUserAttributes",
    "VerifySoftwareToken",
    "VerifyUserAttribute",
];

pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The scope check of a token-authorized operation. The claims are read unverified: moto
/// then accepts only a token it issued, byte for byte, so a token whose claims were edited
/// gains nothing. A token that is no JWT is left to moto to refuse.
fn check_admin_scope(operation: &str, input: &Value) -> Result<(), CognitoError> {
    if !TOKEN_AUTHORIZED.contains(&operation) {
        return Ok(());
    }
    let Some(claims) = input["AccessToken"].as_str().and_then(unverified_claims) else {
        return Ok(());
    };
    let scopes = claims["scope"].as_str().unwrap_or_default();
    if scopes.split(' ').any(|scope| scope == ADMIN_SCOPE) {
        Ok(())
    } else {
        Err(CognitoError::new(
            "NotAuthorizedException",
            "Access Token does not have required scopes",
        ))
    }
}

/// moto accepts any SRP answer; the front checks them only for the app clients Terraform
/// applied, so a client made any other way (CreateUserPoolClient by hand) may not use SRP.
fn srp_client_unknown() -> CognitoError {
    CognitoError::new(
        "NotAuthorizedException",
        "The local stack checks USER_SRP_AUTH only for the app clients Terraform applied.",
    )
}

async fn before_moto(
    front: &Front,
    operation: &str,
    input: &mut Value,
) -> Result<Before, CognitoError> {
    let forward = |after| Ok(Before::Forward(after));
    match operation {
        "SignUp" => forward(sign_up(front, input).await?),
        "AdminCreateUser" => forward(admin_create_user(front, input).await?),
        "UpdateUserAttributes" => forward(update_user_attributes(front, input)?),
        "AdminUpdateUserAttributes" => forward(admin_update_user_attributes(front, input)?),
        "InitiateAuth" | "AdminInitiateAuth" => initiate_auth(front, operation, input).await,
        "RespondToAuthChallenge" | "AdminRespondToAuthChallenge" => {
            let known = client_and_pool(front, input["ClientId"].as_str());
            match (input["ChallengeName"].as_str(), known) {
                (Some("PASSWORD_VERIFIER"), None) => Err(srp_client_unknown()),
                (Some("PASSWORD_VERIFIER"), Some((client, pool))) => {
                    let reply = sign_in::verify_claim(front, pool, client, input).await?;
                    Ok(Before::Answered(refusals::without_secrets(
                        front, operation, input, reply,
                    )))
                }
                (Some("NEW_PASSWORD_REQUIRED"), Some((_, pool))) => {
                    let new = input["ChallengeResponses"]["NEW_PASSWORD"]
                        .as_str()
                        .unwrap_or_default();
                    secrets::check_password(&pool.password_policy, new)?;
                    forward(After::Nothing)
                }
                _ => forward(After::Nothing),
            }
        }
        "ChangePassword" => {
            let Some((_, pool)) = client_and_pool(front, token_client(input).as_deref()) else {
                return forward(After::Nothing);
            };
            let proposed = input["ProposedPassword"].as_str().unwrap_or_default();
            secrets::check_password(&pool.password_policy, proposed)?;
            // The token's user, for the lockout only: moto still verifies the token.
            let claims = input["AccessToken"].as_str().and_then(unverified_claims);
            let username = claims
                .as_ref()
                .and_then(|c| c["username"].as_str())
                .unwrap_or_default();
            let previous = input["PreviousPassword"].as_str().unwrap_or_default();
            let answer =
                password_checked(front, &pool.id, username, previous, operation, input).await?;
            Ok(Before::Answered(answer))
        }
        "AdminSetUserPassword" => {
            if let Some(pool) = pool_of(front, input) {
                let password = input["Password"].as_str().unwrap_or_default();
                secrets::check_password(&pool.password_policy, password)?;
            }
            forward(After::Nothing)
        }
        "ConfirmSignUp" => {
            messages::confirm_sign_up(front, input).await?;
            forward(After::Nothing)
        }
        "ConfirmForgotPassword" => {
            messages::confirm_forgot_password(front, input).await?;
            forward(After::Nothing)
        }
        // moto has no RevokeToken: the front asks the wrapper (local/moto_server.py).
        "RevokeToken" => Ok(Before::Answered(
            revoke_token(front, input)
                .await
                .unwrap_or_else(CognitoError::into_response),
        )),
        // moto has no ResendConfirmationCode: the front is the whole operation.
        "ResendConfirmationCode" => Ok(Before::Answered(
            messages::resend_confirmation_code(front, input)
                .await
                .unwrap_or_else(CognitoError::into_response),
        )),
        _ => forward(After::Nothing),
    }
}

/// InitiateAuth and AdminInitiateAuth through an applied client: only the flows its
/// `explicit_auth_flows` allow, SRP checked by the front, passwords under the lockout.
async fn initiate_auth(
    front: &Front,
    operation: &str,
    input: &Value,
) -> Result<Before, CognitoError> {
    let flow = input["AuthFlow"].as_str().unwrap_or_default();
    let Some((client, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        // A client Terraform did not create is moto's business, but for SRP (see above).
        return match flow {
            "USER_SRP_AUTH" => Err(srp_client_unknown()),
            _ => Ok(Before::Forward(After::Nothing)),
        };
    };
    auth_flows::check(client, flow)?;
    match flow {
        "USER_SRP_AUTH" if operation == "InitiateAuth" => {
            Ok(Before::Forward(After::SrpChallenge(sign_in::srp_a(input)?)))
        }
        "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            let parameters = &input["AuthParameters"];
            let username = parameters["USERNAME"].as_str().unwrap_or_default();
            let given = parameters["PASSWORD"].as_str().unwrap_or_default();
            let answer =
                password_checked(front, &pool.id, username, given, operation, input).await?;
            Ok(Before::Answered(answer))
        }
        _ => Ok(Before::Forward(After::Nothing)),
    }
}

/// The call moto answers by checking `given` as `username`'s password (a password sign-in,
/// ChangePassword's previous password), made under the user's lockout. The verdict comes
/// from the password moto holds, not from its error messages.
async fn password_checked(
    front: &Front,
    pool_id: &str,
    username: &str,
    given: &str,
    operation: &str,
    input: &Value,
) -> Result<Response, CognitoError> {
    let stored = match username {
        "" => None,
        name => front
            .moto
            .stored_user(pool_id, name)
            .await
            .map_err(|e| internal_error(&e))?,
    };
    let call = async {
        // Only counts the attempt (moto, which answers, compares with `==` too).
        let right = stored
            .as_ref()
            .is_some_and(|user| user.password.as_deref() == Some(given));
        if right
            && stored
                .as_ref()
                .is_some_and(|user| temporary_password_expired(front, pool_id, user))
        {
            return (Err(secrets::expired_temporary_password()), Verdict::Right);
        }
        let reply = front
            .moto
            .cognito_reply(operation, input)
            .await
            .map_err(|e| internal_error(&e));
        let verdict = match &reply {
            Ok(reply) if reply.is_success() => Verdict::Right,
            Ok(_) if !right => Verdict::Wrong,
            _ => Verdict::Neither,
        };
        (reply, verdict)
    };
    let reply = match &stored {
        // No such user: nothing to lock, moto answers (as a wrong password, if asked to).
        None => call.await.0,
        Some(user) => {
            front
                .cognito
                .lockouts
                .guard(pool_id, &user.username, call)
                .await?
        }
    }?;
    Ok(refusals::without_secrets(front, operation, input, reply))
}

/// AdminCreateUser answered: its temporary password's validity starts now.
fn temporary_password_set(front: &Front, input: &Value, reply: &MotoReply) {
    let answer: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    if let (Some(pool), Some(username)) =
        (pool_of(front, input), answer["User"]["Username"].as_str())
    {
        let now = std::time::SystemTime::now();
        front
            .cognito
            .temporary_passwords
            .set(&pool.id, username, now);
    }
}

/// A user still on a temporary password set longer ago than the pool allows.
fn temporary_password_expired(front: &Front, pool_id: &str, user: &StoredUser) -> bool {
    let Some(pool) = front.applied.pool(pool_id) else {
        return false;
    };
    user.status == "FORCE_CHANGE_PASSWORD"
        && front.cognito.temporary_passwords.expired(
            pool_id,
            &user.username,
            pool.password_policy.temporary_password_validity_days,
            std::time::SystemTime::now(),
        )
}

/// RevokeToken: the refresh token stops working, and so do the access tokens issued from
/// it. An unknown or another client's token is answered the same (RFC 7009).
pub async fn revoke_token(front: &Front, input: &Value) -> Result<Response, CognitoError> {
    let (Some(token), Some(client_id)) = (input["Token"].as_str(), input["ClientId"].as_str())
    else {
        return Err(CognitoError::invalid_parameter(
            "RevokeToken needs Token and ClientId.",
        ));
    };
    let Some((client, _)) = client_and_pool(front, Some(client_id)) else {
        return Err(CognitoError::new(
            "ResourceNotFoundException",
            "User pool client does not exist.",
        ));
    };
    let asked = json!({"UserPoolId": client.user_pool_id, "ClientId": client.id, "Token": token});
    front
        .moto
        .local_cognito("revoke", &asked)
        .await
        .map_err(|e| CognitoError::new("InternalErrorException", &e))?;
    Ok(crate::http::response(200, JSON, "{}"))
}

/// A Cognito operation made in-process (the Hosted UI's pages), through everything the
/// front does for it over HTTP: triggers, rules, codes, the outbox.
pub async fn call(front: &Front, operation: &str, input: &Value) -> Result<Value, Refusal> {
    use http_body_util::BodyExt;
    let mut request = hyper::Request::new(());
    *request.method_mut() = hyper::Method::POST;
    let target = format!("AWSCognitoIdentityProviderService.{operation}");
    if let Ok(target) = hyper::header::HeaderValue::from_str(&target) {
        request.headers_mut().insert("x-amz-target", target);
    }
    request.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(JSON),
    );
    let (parts, ()) = request.into_parts();
    let response = handle(front, operation, parts, Bytes::from(input.to_string())).await;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let value: Value = serde_json::from_slice(&body).unwrap_or_default();
    if status.is_success() {
        Ok(value)
    } else {
        Err(Refusal {
            message: value["message"].as_str().unwrap_or_default().to_string(),
        })
    }
}

/// A Cognito error answer's message, as `call` returns it (pages show it).
#[derive(Debug)]
pub struct Refusal {
    pub message: String,
}

fn client_and_pool<'a>(
    front: &'a Front,
    client_id: Option<&str>,
) -> Option<(&'a AppClient, &'a UserPool)> {
    let client = front.applied.client(client_id?)?;
    Some((client, front.applied.pool(&client.user_pool_id)?))
}

async fn sign_up(front: &Front, input: &Value) -> Result<After, CognitoError> {
    // A client Terraform did not create is moto's business alone.
    let Some((client, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        return Ok(After::Nothing);
    };
    attribute_rules::check_writable(client, &attribute_names(&input["UserAttributes"]))?;
    secrets::check_password(
        &pool.password_policy,
        input["Password"].as_str().unwrap_or_default(),
    )?;
    let username = input["Username"].as_str().unwrap_or_default();
    // With email as the username, Cognito names the user with a generated id in the event.
    let event_user_name = if pool.username_is_email {
        uuid::Uuid::new_v4().to_string()
    } else {
        username.to_string()
    };
    pre_sign_up(
        front,
        pool,
        input,
        &event_user_name,
        &client.id,
        "PreSignUp_SignUp",
    )
    .await
}

/// AdminCreateUser: a given temporary password must meet the policy; without one,
/// Cognito makes one (and moto would store none, so the front puts it in the request).
async fn admin_create_user(front: &Front, input: &mut Value) -> Result<After, CognitoError> {
    let Some(pool) = pool_of(front, input) else {
        return Ok(After::Nothing);
    };
    match input["TemporaryPassword"].as_str() {
        Some(given) => secrets::check_password(&pool.password_policy, given)?,
        None => {
            input["TemporaryPassword"] =
                Value::String(secrets::temporary_password(&pool.password_policy));
        }
    }
    let username = input["Username"].as_str().unwrap_or_default().to_string();
    pre_sign_up(
        front,
        pool,
        input,
        &username,
        NO_CLIENT,
        "PreSignUp_AdminCreateUser",
    )
    .await?;
    Ok(After::CreatedUser)
}

async fn pre_sign_up(
    front: &Front,
    pool: &UserPool,
    input: &Value,
    event_user_name: &str,
    client_id: &str,
    trigger_source: &str,
) -> Result<After, CognitoError> {
    let Some(function_arn) = &pool.pre_sign_up else {
        return Ok(After::Nothing);
    };
    let mut request = json!({
        "userAttributes": attribute_map(&input["UserAttributes"]),
        "validationData": map_or_null(&input["ValidationData"]),
    });
    if input["ClientMetadata"].is_object() {
        request["clientMetadata"] = input["ClientMetadata"].clone();
    }
    let returned = triggers::fire(
        front,
        TriggerCall {
            trigger: "PreSignUp",
            trigger_source,
            function_arn,
            user_pool_id: &pool.id,
            user_name: event_user_name,
            client_id,
            request,
            response: json!({"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}),
        },
    )
    .await?;
    let answer = &returned["response"];
    if answer["autoConfirmUser"].as_bool() == Some(true) && trigger_source == "PreSignUp_SignUp" {
        return Ok(After::AutoConfirm {
            verify_email: answer["autoVerifyEmail"].as_bool() == Some(true),
        });
    }
    Ok(After::Nothing)
}

async fn auto_confirm(front: &Front, pool_id: &str, username: &str, verify_email: bool) {
    let user = json!({"UserPoolId": pool_id, "Username": username});
    if let Err(e) = front.moto.cognito("AdminConfirmSignUp", &user).await {
        println!("aws-front: auto-confirm failed: {e}");
    }
    if verify_email {
        let verified = json!({"UserPoolId": pool_id, "Username": username, "UserAttributes": [{"Name": "email_verified", "Value": "true"}]});
        if let Err(e) = front
            .moto
            .cognito("AdminUpdateUserAttributes", &verified)
            .await
        {
            println!("aws-front: auto-verify failed: {e}");
        }
    }
}

/// After moto confirmed (sign-up or forgot password): PostConfirmation with the stored attributes.
async fn post_confirmation(
    front: &Front,
    input: &Value,
    trigger_source: &str,
) -> Result<(), CognitoError> {
    let client_id = input["ClientId"].as_str();
    let pool = match input["UserPoolId"].as_str() {
        Some(pool_id) => front.applied.pool(pool_id),
        None => client_and_pool(front, client_id).map(|(_, pool)| pool),
    };
    let Some(pool) = pool else { return Ok(()) };
    let Some(function_arn) = &pool.post_confirmation else {
        return Ok(());
    };
    let username = input["Username"].as_str().unwrap_or_default();
    let user = front
        .moto
        .cognito(
            "AdminGetUser",
            &json!({"UserPoolId": pool.id, "Username": username}),
        )
        .await
        .map_err(|e| CognitoError::unexpected_lambda("PostConfirmation", &e))?;
    let mut attributes = attribute_map(&user["UserAttributes"]);
    if let Some(status) = user["UserStatus"].as_str() {
        attributes.insert(
            "cognito:user_status".to_string(),
            Value::String(status.to_string()),
        );
    }
    let mut request = json!({"userAttributes": attributes});
    if input["ClientMetadata"].is_object() {
        request["clientMetadata"] = input["ClientMetadata"].clone();
    }
    triggers::fire(
        front,
        TriggerCall {
            trigger: "PostConfirmation",
            trigger_source,
            function_arn,
            user_pool_id: &pool.id,
            user_name: user["Username"].as_str().unwrap_or(username),
            client_id: client_id.unwrap_or(NO_CLIENT),
            request,
            response: json!({}),
        },
    )
    .await
    .map(|_| ())
}

/// The app client an access token names; moto still verifies the token itself.
fn token_client(input: &Value) -> Option<String> {
    input["AccessToken"]
        .as_str()
        .and_then(unverified_claims)
        .and_then(|c| c["client_id"].as_str().map(str::to_string))
}

/// The applied pool an admin operation's UserPoolId names.
fn pool_of<'a>(front: &'a Front, input: &Value) -> Option<&'a UserPool> {
    input["UserPoolId"]
        .as_str()
        .and_then(|id| front.applied.pool(id))
}

fn update_user_attributes(front: &Front, input: &Value) -> Result<After, CognitoError> {
    let client_id = token_client(input);
    let Some((client, pool)) = client_and_pool(front, client_id.as_deref()) else {
        return Ok(After::Nothing);
    };
    let names = attribute_names(&input["UserAttributes"]);
    attribute_rules::check_writable(client, &names)?;
    attribute_rules::check_mutable(pool, &names)?;
    Ok(After::Nothing)
}

fn admin_update_user_attributes(front: &Front, input: &Value) -> Result<After, CognitoError> {
    let Some(pool) = input["UserPoolId"]
        .as_str()
        .and_then(|id| front.applied.pool(id))
    else {
        return Ok(After::Nothing);
    };
    attribute_rules::check_mutable(pool, &attribute_names(&input["UserAttributes"]))?;
    Ok(After::Nothing)
}

/// The payload of a JWT, signature unchecked: only for routing a call moto then verifies.
fn unverified_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn internal_error(cause: &str) -> CognitoError {
    println!("aws-front: Cognito front: {cause}");
    CognitoError::new("InternalErrorException", "Internal error.")
}

/// The user as moto stores it (AdminGetUser); None when there is no such user.
async fn stored_user(
    front: &Front,
    pool_id: &str,
    username: &str,
) -> Result<Option<Value>, CognitoError> {
    let reply = front
        .moto
        .cognito_reply(
            "AdminGetUser",
            &json!({"UserPoolId": pool_id, "Username": username}),
        )
        .await
        .map_err(|e| internal_error(&e))?;
    let answer: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    if reply.is_success() {
        Ok(Some(answer))
    } else if answer["__type"] == "UserNotFoundException" {
        Ok(None)
    } else {
        Err(internal_error(&format!(
            "AdminGetUser answered {}",
            reply.status
        )))
    }
}

/// After moto created the user: auto-confirmation as PreSignUp asked (PostConfirmation
/// included, as Cognito fires it), or a sign-up code to the outbox.
async fn signed_up(
    front: &Front,
    input: &Value,
    after: After,
    reply: MotoReply,
) -> Result<Response, CognitoError> {
    let Some((_, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        return Ok(reply.into_response());
    };
    let mut answer: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let username = input["Username"].as_str().unwrap_or_default();
    if let After::AutoConfirm { verify_email } = after {
        auto_confirm(front, &pool.id, username, verify_email).await;
        post_confirmation(front, input, "PostConfirmation_ConfirmSignUp").await?;
        answer["UserConfirmed"] = Value::Bool(true);
    } else {
        let user = stored_user(front, &pool.id, username)
            .await?
            .ok_or_else(|| internal_error("the user moto just created is missing"))?;
        if let Some(details) = messages::send_sign_up_code(front, pool, &user, "sign_up")? {
            answer["CodeDeliveryDetails"] = details;
        }
    }
    Ok(crate::http::response(200, JSON, answer.to_string()))
}

async fn srp_challenge(
    front: &Front,
    input: &Value,
    a_public: BigUint,
    reply: &MotoReply,
) -> Result<Response, CognitoError> {
    let Some((client, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        return Err(internal_error("SRP challenge without an applied client"));
    };
    let answer: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    sign_in::challenge(front, pool, client, a_public, &answer).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn token_with(claims: Value) -> String {
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        format!("e30.{payload}.sig")
    }

    #[test]
    fn token_authorized_operations_need_the_admin_scope() {
        let hosted_ui =
            json!({"AccessToken": token_with(json!({"scope": "openid email profile"}))});
        let api_path = json!({"AccessToken": token_with(json!({"scope": ADMIN_SCOPE}))});
        let both =
            json!({"AccessToken": token_with(json!({"scope": format!("openid {ADMIN_SCOPE}")}))});
        let unscoped = json!({"AccessToken": token_with(json!({"sub": "x"}))});
        for operation in ["GetUser", "ChangePassword", "GlobalSignOut", "ListDevices"] {
            let refused = check_admin_scope(operation, &hosted_ui).unwrap_err();
            assert_eq!(refused.kind, "NotAuthorizedException");
            assert_eq!(
                refused.message,
                "Access Token does not have required scopes"
            );
            assert!(check_admin_scope(operation, &unscoped).is_err());
            assert!(check_admin_scope(operation, &api_path).is_ok());
            assert!(check_admin_scope(operation, &both).is_ok());
        }
        // Not a token-authorized operation, or no JWT to read: left to moto.
        assert!(check_admin_scope("RevokeToken", &hosted_ui).is_ok());
        assert!(check_admin_scope("GetUser", &json!({"AccessToken": "garbage"})).is_ok());
        assert!(check_admin_scope("AssociateSoftwareToken", &json!({"Session": "s"})).is_ok());
    }
}
