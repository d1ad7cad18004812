//! The Cognito operations the front handles itself before or after moto does the work.

mod attribute_rules;
mod triggers;

use super::Front;
use super::errors::CognitoError;
use crate::applied::{AppClient, UserPool};
use crate::http::Response;
use base64::Engine;
use bytes::Bytes;
use hyper::http::request::Parts;
use serde_json::{Value, json};
use triggers::{NO_CLIENT, TriggerCall, attribute_map, attribute_names, map_or_null};

pub async fn handle(front: &Front, operation: &str, parts: Parts, body: Bytes) -> Response {
    let input: Value = serde_json::from_slice(&body).unwrap_or_default();
    let handled = match operation {
        "SignUp" => sign_up(front, &input).await,
        "AdminCreateUser" => admin_create_user(front, &input).await,
        "UpdateUserAttributes" => update_user_attributes(front, &input),
        "AdminUpdateUserAttributes" => admin_update_user_attributes(front, &input),
        _ => Ok(After::Nothing),
    };
    let after = match handled {
        Ok(after) => after,
        Err(refusal) => return refusal.into_response(),
    };
    let reply = match front.moto.send(&parts, body).await {
        Ok(reply) => reply,
        Err(message) => return crate::http::json(502, &json!({"message": message})),
    };
    if !reply.is_success() {
        return reply.into_response();
    }
    let confirmed = match operation {
        "ConfirmSignUp" | "AdminConfirmSignUp" => {
            post_confirmation(front, &input, "PostConfirmation_ConfirmSignUp").await
        }
        "ConfirmForgotPassword" => {
            post_confirmation(front, &input, "PostConfirmation_ConfirmForgotPassword").await
        }
        _ => Ok(()),
    };
    if let Err(refusal) = confirmed {
        return refusal.into_response();
    }
    if let After::AutoConfirm {
        pool_id,
        username,
        verify_email,
    } = after
    {
        auto_confirm(front, &pool_id, &username, verify_email).await;
    }
    reply.into_response()
}

/// Work a PreSignUp answer asks for once moto has created the user.
enum After {
    Nothing,
    AutoConfirm {
        pool_id: String,
        username: String,
        verify_email: bool,
    },
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
        username,
    )
    .await
}

async fn admin_create_user(front: &Front, input: &Value) -> Result<After, CognitoError> {
    let Some(pool) = input["UserPoolId"]
        .as_str()
        .and_then(|id| front.applied.pool(id))
    else {
        return Ok(After::Nothing);
    };
    let username = input["Username"].as_str().unwrap_or_default();
    pre_sign_up(
        front,
        pool,
        input,
        username,
        NO_CLIENT,
        "PreSignUp_AdminCreateUser",
        username,
    )
    .await
}

async fn pre_sign_up(
    front: &Front,
    pool: &UserPool,
    input: &Value,
    event_user_name: &str,
    client_id: &str,
    trigger_source: &str,
    username: &str,
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
            pool_id: pool.id.clone(),
            username: username.to_string(),
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

fn update_user_attributes(front: &Front, input: &Value) -> Result<After, CognitoError> {
    // The access token names the client; moto still verifies the token itself.
    let client_id = input["AccessToken"]
        .as_str()
        .and_then(unverified_claims)
        .and_then(|c| c["client_id"].as_str().map(str::to_string));
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
