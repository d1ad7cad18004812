//! What Cognito sends and then checks: sign-up and reset codes, and temporary
//! passwords, issued at random, delivered to the outbox (never to a log), and redeemed
//! once (`secrets::Codes`).

use super::super::Front;
use super::super::errors::CognitoError;
use super::super::moto::MotoReply;
use super::outbox::{self, Destination, Message};
use super::secrets::{self, Purpose};
use super::triggers::attribute_map;
use super::{JSON, client_and_pool, internal_error, pool_of, stored_user};
use crate::applied::UserPool;
use crate::http::Response;
use serde_json::{Value, json};
use std::time::SystemTime;

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
pub fn send_sign_up_code(
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

/// The reset code moto made is dropped (moto hands it to the caller in a header); the
/// front's own goes to the outbox, to the verified address Cognito requires.
pub async fn forgot_password(
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
pub async fn admin_reset_user_password(front: &Front, input: &Value) -> Result<(), CognitoError> {
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
pub async fn created_user(front: &Front, input: &Value) -> Result<(), CognitoError> {
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
pub async fn verify_email(front: &Front, input: &Value) {
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
pub async fn confirm_sign_up(front: &Front, input: &Value) -> Result<(), CognitoError> {
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
pub async fn confirm_forgot_password(front: &Front, input: &Value) -> Result<(), CognitoError> {
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

pub async fn resend_confirmation_code(
    front: &Front,
    input: &Value,
) -> Result<Response, CognitoError> {
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
