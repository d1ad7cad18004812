//! The Cognito operations the front handles itself before or after moto does the work:
//! triggers, attribute rules, passwords checked on every sign-in path (SRP included) and
//! against the pool's policy, and random, single-use codes and temporary passwords
//! delivered to the outbox.

mod attribute_rules;
mod outbox;
mod secrets;
mod sign_in;
pub(super) mod srp;
mod triggers;

use super::Front;
use super::errors::CognitoError;
use super::moto::MotoReply;
use crate::applied::{AppClient, UserPool};
use crate::http::Response;
use base64::Engine;
use bytes::Bytes;
use hyper::http::request::Parts;
use num_bigint::BigUint;
use outbox::{Destination, Message, Outbox};
use secrets::{Codes, Purpose};
use serde_json::{Value, json};
use std::time::SystemTime;
use triggers::{NO_CLIENT, TriggerCall, attribute_map, attribute_names, map_or_null};

/// What the front keeps for Cognito: challenges issued, codes outstanding, the outbox.
pub struct State {
    sessions: sign_in::Sessions,
    codes: Codes,
    outbox: Outbox,
}

impl State {
    pub fn new(outbox_dir: &std::path::Path) -> State {
        State {
            sessions: sign_in::Sessions::default(),
            codes: Codes::default(),
            outbox: Outbox::new(outbox_dir),
        }
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
        return without_secrets(front, operation, &input, reply);
    }
    let done = match (operation, after) {
        ("SignUp", after) => signed_up(front, &input, after, reply).await,
        ("InitiateAuth", After::SrpChallenge(a_public)) => {
            srp_challenge(front, &input, a_public, &reply).await
        }
        ("ForgotPassword", _) => forgot_password(front, &input, reply).await,
        ("AdminResetUserPassword", _) => admin_reset_user_password(front, &input)
            .await
            .map(|()| reply.into_response()),
        ("AdminCreateUser", After::CreatedUser) => created_user(front, &input)
            .await
            .map(|()| reply.into_response()),
        ("ConfirmSignUp", _) => async {
            verify_email(front, &input).await;
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
        "InitiateAuth" if input["AuthFlow"] == "USER_SRP_AUTH" => {
            match client_and_pool(front, input["ClientId"].as_str()) {
                Some(_) => forward(After::SrpChallenge(sign_in::srp_a(input)?)),
                None => forward(After::Nothing),
            }
        }
        "RespondToAuthChallenge" | "AdminRespondToAuthChallenge" => {
            let Some((client, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
                return forward(After::Nothing);
            };
            match input["ChallengeName"].as_str() {
                Some("PASSWORD_VERIFIER") => {
                    let reply = sign_in::verify_claim(front, pool, client, input).await?;
                    Ok(Before::Answered(without_secrets(
                        front, operation, input, reply,
                    )))
                }
                Some("NEW_PASSWORD_REQUIRED") => {
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
            if let Some((_, pool)) = client_and_pool(front, token_client(input).as_deref()) {
                let proposed = input["ProposedPassword"].as_str().unwrap_or_default();
                secrets::check_password(&pool.password_policy, proposed)?;
            }
            forward(After::Nothing)
        }
        "AdminSetUserPassword" => {
            if let Some(pool) = pool_of(front, input) {
                let password = input["Password"].as_str().unwrap_or_default();
                secrets::check_password(&pool.password_policy, password)?;
            }
            forward(After::Nothing)
        }
        "ConfirmSignUp" => {
            confirm_sign_up(front, input).await?;
            forward(After::Nothing)
        }
        "ConfirmForgotPassword" => {
            confirm_forgot_password(front, input).await?;
            forward(After::Nothing)
        }
        // moto has no ResendConfirmationCode: the front is the whole operation.
        "ResendConfirmationCode" => Ok(Before::Answered(
            resend_confirmation_code(front, input)
                .await
                .unwrap_or_else(CognitoError::into_response),
        )),
        _ => forward(After::Nothing),
    }
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

/// Puts the message in the outbox. The log line says that a message went out, never
/// to whom or what it holds.
fn deliver(
    front: &Front,
    kind: &str,
    user: &Value,
    destination: &Destination,
    secret: (&str, &str),
) -> Result<(), CognitoError> {
    let message = Message {
        kind,
        username: user["Username"].as_str().unwrap_or_default(),
        destination,
        secret,
    };
    let path = front
        .cognito
        .outbox
        .deliver(&message)
        .map_err(|e| internal_error(&e))?;
    println!("aws-front: {kind} message written to {}", path.display());
    Ok(())
}

/// A new sign-up code for the user (replacing any earlier one), sent where Cognito
/// would send it; answers the CodeDeliveryDetails, or None when the user has no address
/// (Cognito then sends nothing and an operator confirms).
fn send_sign_up_code(
    front: &Front,
    pool: &UserPool,
    user: &Value,
    kind: &str,
) -> Result<Option<Value>, CognitoError> {
    let Some(destination) = Destination::of(&attribute_map(&user["UserAttributes"])) else {
        return Ok(None);
    };
    let username = user["Username"].as_str().unwrap_or_default();
    let code = front
        .cognito
        .codes
        .issue(&pool.id, username, Purpose::SignUp, SystemTime::now());
    deliver(front, kind, user, &destination, ("code", &code))?;
    Ok(Some(destination.delivery_details()))
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
        if let Some(details) = send_sign_up_code(front, pool, &user, "sign_up")? {
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

/// The reset code moto made is dropped (moto hands it to the caller in a header); the
/// front's own goes to the outbox, to the verified address Cognito requires.
async fn forgot_password(
    front: &Front,
    input: &Value,
    mut reply: MotoReply,
) -> Result<Response, CognitoError> {
    reply
        .headers
        .remove("x-moto-forgot-password-confirmation-code");
    let Some((_, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        return Ok(reply.into_response());
    };
    let username = input["Username"].as_str().unwrap_or_default();
    // An unknown user gets moto's made-up delivery details, as Cognito answers one.
    let Some(user) = stored_user(front, &pool.id, username).await? else {
        return Ok(reply.into_response());
    };
    let destination = send_reset_code(front, pool, &user, "forgot_password")?;
    let answer = json!({"CodeDeliveryDetails": destination.delivery_details()});
    Ok(crate::http::response(200, JSON, answer.to_string()))
}

/// AdminResetUserPassword: moto only marks the user RESET_REQUIRED; Cognito also sends
/// the code ConfirmForgotPassword then needs.
async fn admin_reset_user_password(front: &Front, input: &Value) -> Result<(), CognitoError> {
    let Some(pool) = pool_of(front, input) else {
        return Ok(());
    };
    let username = input["Username"].as_str().unwrap_or_default();
    if let Some(user) = stored_user(front, &pool.id, username).await? {
        send_reset_code(front, pool, &user, "admin_reset_password")?;
    }
    Ok(())
}

/// A new reset code (replacing any earlier one) to the user's verified address.
fn send_reset_code(
    front: &Front,
    pool: &UserPool,
    user: &Value,
    kind: &str,
) -> Result<Destination, CognitoError> {
    let attributes = attribute_map(&user["UserAttributes"]);
    let verified = |name: &str| attributes.get(name).and_then(Value::as_str) == Some("true");
    let destination = Destination::of(&attributes)
        .filter(|d| verified(&format!("{}_verified", d.attribute)))
        .ok_or_else(|| {
            CognitoError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        })?;
    let internal = user["Username"].as_str().unwrap_or_default();
    let code = front.cognito.codes.issue(
        &pool.id,
        internal,
        Purpose::ResetPassword,
        SystemTime::now(),
    );
    deliver(front, kind, user, &destination, ("code", &code))?;
    Ok(destination)
}

/// The invitation with the temporary password, unless the operator suppressed it.
async fn created_user(front: &Front, input: &Value) -> Result<(), CognitoError> {
    let Some(pool) = pool_of(front, input) else {
        return Ok(());
    };
    if input["MessageAction"] == "SUPPRESS" {
        return Ok(());
    }
    let username = input["Username"].as_str().unwrap_or_default();
    let Some(user) = stored_user(front, &pool.id, username).await? else {
        return Ok(());
    };
    let Some(destination) = Destination::of(&attribute_map(&user["UserAttributes"])) else {
        return Ok(());
    };
    let password = input["TemporaryPassword"].as_str().unwrap_or_default();
    deliver(
        front,
        "admin_create_user",
        &user,
        &destination,
        ("temporary_password", password),
    )
}

/// A code sent to the email and typed back proves the address, as on Cognito.
async fn verify_email(front: &Front, input: &Value) {
    let Some((_, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        return;
    };
    let verified = json!({
        "UserPoolId": pool.id,
        "Username": input["Username"],
        "UserAttributes": [{"Name": "email_verified", "Value": "true"}],
    });
    if let Err(e) = front
        .moto
        .cognito("AdminUpdateUserAttributes", &verified)
        .await
    {
        println!("aws-front: email verification after confirmation failed: {e}");
    }
}

/// ConfirmSignUp: the user's outstanding sign-up code, used up if it is right.
async fn confirm_sign_up(front: &Front, input: &Value) -> Result<(), CognitoError> {
    let Some((client, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        return Ok(());
    };
    let username = input["Username"].as_str().unwrap_or_default();
    let Some(user) = stored_user(front, &pool.id, username).await? else {
        // moto answers UserNotFoundException, which Cognito hides when asked to.
        return match client.prevent_user_existence_errors {
            true => Err(CognitoError::code_mismatch()),
            false => Ok(()),
        };
    };
    if user["UserStatus"] == "CONFIRMED" {
        return Err(CognitoError::new(
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED",
        ));
    }
    front.cognito.codes.redeem(
        &pool.id,
        user["Username"].as_str().unwrap_or_default(),
        Purpose::SignUp,
        input["ConfirmationCode"].as_str().unwrap_or_default(),
        SystemTime::now(),
    )
}

/// ConfirmForgotPassword: the new password meets the policy (checked first, so a refused
/// password does not use up the code), then the outstanding reset code is used up.
async fn confirm_forgot_password(front: &Front, input: &Value) -> Result<(), CognitoError> {
    let Some((client, pool)) = client_and_pool(front, input["ClientId"].as_str()) else {
        return Ok(());
    };
    secrets::check_password(
        &pool.password_policy,
        input["Password"].as_str().unwrap_or_default(),
    )?;
    let username = input["Username"].as_str().unwrap_or_default();
    let Some(user) = stored_user(front, &pool.id, username).await? else {
        return match client.prevent_user_existence_errors {
            true => Err(CognitoError::code_mismatch()),
            false => Ok(()),
        };
    };
    front.cognito.codes.redeem(
        &pool.id,
        user["Username"].as_str().unwrap_or_default(),
        Purpose::ResetPassword,
        input["ConfirmationCode"].as_str().unwrap_or_default(),
        SystemTime::now(),
    )
}

async fn resend_confirmation_code(front: &Front, input: &Value) -> Result<Response, CognitoError> {
    let client_id = input["ClientId"].as_str().unwrap_or_default();
    let Some((client, pool)) = client_and_pool(front, Some(client_id)) else {
        return Err(CognitoError::new(
            "ResourceNotFoundException",
            &format!("User pool client {client_id} does not exist."),
        ));
    };
    let username = input["Username"]
        .as_str()
        .ok_or_else(|| CognitoError::invalid_parameter("Missing required parameter Username"))?;
    let Some(user) = stored_user(front, &pool.id, username).await? else {
        if !client.prevent_user_existence_errors {
            return Err(CognitoError::new(
                "UserNotFoundException",
                "Username/client id combination not found.",
            ));
        }
        // As Cognito does: an answer that looks like any other.
        let made_up = json!({"CodeDeliveryDetails": {
            "AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": outbox::mask(username)}});
        return Ok(crate::http::response(200, JSON, made_up.to_string()));
    };
    if user["UserStatus"] == "CONFIRMED" {
        return Err(CognitoError::invalid_parameter(
            "User is already confirmed.",
        ));
    }
    let details = send_sign_up_code(front, pool, &user, "resend")?.ok_or_else(|| {
        CognitoError::invalid_parameter("Cannot resend codes. Auto verification not turned on.")
    })?;
    let answer = json!({"CodeDeliveryDetails": details});
    Ok(crate::http::response(200, JSON, answer.to_string()))
}

/// Operations whose NotAuthorizedException means a wrong password (or, with
/// prevent_user_existence_errors, an unknown user).
const SIGN_IN: [&str; 5] = [
    "InitiateAuth",
    "AdminInitiateAuth",
    "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge",
    "ChangePassword",
];

/// moto's messages that are Cognito's too.
const COGNITO_MESSAGES: [&str; 4] = [
    "Incorrect username or password.",
    "User is disabled.",
    "Refresh Token has been revoked",
    "User is not confirmed.",
];

/// Request fields that are no secret and may appear in an error message.
const PLAIN_FIELDS: [&str; 4] = ["ClientId", "UserPoolId", "AuthFlow", "ChallengeName"];

/// Every string the request carried (tokens, passwords, usernames, codes), but the plain ones.
fn carried_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) if s.len() >= 4 => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| carried_strings(v, out)),
        Value::Object(fields) => fields
            .iter()
            .filter(|(name, _)| !PLAIN_FIELDS.contains(&name.as_str()))
            .for_each(|(_, v)| carried_strings(v, out)),
        _ => {}
    }
}

/// moto's refusal in Cognito's words: moto puts the username, or the access token itself,
/// in some messages; Cognito never echoes a token, password or username.
fn without_secrets(front: &Front, operation: &str, input: &Value, reply: MotoReply) -> Response {
    if reply.is_success() {
        return reply.into_response();
    }
    let answer: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let kind = answer["__type"].as_str().unwrap_or_default();
    let message = answer["message"]
        .as_str()
        .or(answer["Message"].as_str())
        .unwrap_or_default();
    let prevent = front
        .applied
        .client(input["ClientId"].as_str().unwrap_or_default())
        .is_some_and(|c| c.prevent_user_existence_errors);
    let has_token = input["AccessToken"].is_string();
    let token_refusal = || {
        CognitoError::new("NotAuthorizedException", "Access Token has been revoked").into_response()
    };
    if SIGN_IN.contains(&operation) && !COGNITO_MESSAGES.contains(&message) {
        if kind == "UserNotFoundException" && prevent {
            return CognitoError::incorrect_credentials().into_response();
        }
        if kind == "NotAuthorizedException" {
            // ChangePassword: a refused token, or a wrong previous password.
            return match has_token && message.contains(input["AccessToken"].as_str().unwrap_or("-"))
            {
                true => token_refusal(),
                false => CognitoError::incorrect_credentials().into_response(),
            };
        }
    }
    let mut carried = Vec::new();
    carried_strings(input, &mut carried);
    let leaks = carried.iter().any(|s| message.contains(s)) || message.contains("eyJ");
    // moto's "Invalid token" is its answer to a token it no longer holds: a revoked one.
    let revoked = has_token && message == "Invalid token";
    if !(leaks || revoked) {
        return reply.into_response();
    }
    if kind == "NotAuthorizedException" && has_token {
        return token_refusal();
    }
    let body = json!({"__type": kind, "message": "The request was refused."}).to_string();
    let mut response = crate::http::response(reply.status, JSON, body);
    if let Ok(kind) = hyper::header::HeaderValue::from_str(kind) {
        response.headers_mut().insert("x-amzn-errortype", kind);
    }
    response
}
