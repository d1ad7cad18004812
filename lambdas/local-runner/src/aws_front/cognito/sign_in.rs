//! USER_SRP_AUTH as Cognito runs it. moto issues a PASSWORD_VERIFIER challenge whose
//! numbers are random text and accepts any answer, so the front answers InitiateAuth with
//! a real challenge (salt, B, a secret block) and checks the client's claim itself. Only a
//! verified claim reaches moto, as an answer to moto's own challenge, for the tokens: the
//! client sees Cognito's exchange and moto's tokens, which GetUser, GlobalSignOut and
//! ChangePassword know.
//!
//! The password comes from moto's own state (`Moto::stored_user`): moto is where every path
//! that sets a password (SignUp, AdminCreateUser, AdminSetUserPassword, ChangePassword,
//! ConfirmForgotPassword, NEW_PASSWORD_REQUIRED) stores it, so a copy kept here could only
//! drift from it.

use super::super::Front;
use super::super::errors::CognitoError;
use super::super::moto::MotoReply;
use super::srp;
use crate::applied::{AppClient, UserPool};
use crate::http::{self, Response};
use base64::Engine;
use num_bigint::BigUint;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One challenge issued and not yet answered.
struct Pending {
    client_id: String,
    user_id: String,
    /// moto's own challenge for this sign-in, answered once the claim is verified.
    moto_secret_block: String,
    a_public: BigUint,
    b: BigUint,
    b_public: BigUint,
    verifier: BigUint,
    expires: Instant,
    /// The user signs in with a temporary password older than the pool allows.
    temporary_password_expired: bool,
}

/// The challenges issued, by SECRET_BLOCK; each may be answered once.
pub struct Sessions {
    pending: Mutex<HashMap<String, Pending>>,
    /// Salts are HMAC(salt_key, pool | user): stable per user as Cognito's are, and
    /// unguessable.
    salt_key: hmac::Key,
}

impl Default for Sessions {
    fn default() -> Self {
        let mut key = [0u8; 32];
        // A fixed key would still verify correctly; it would only make salts predictable.
        let _ = SystemRandom::new().fill(&mut key);
        Sessions {
            pending: Mutex::default(),
            salt_key: hmac::Key::new(hmac::HMAC_SHA256, &key),
        }
    }
}

/// Secret randomness (b, a verifier no password answers, SECRET_BLOCK): none rather than zeros.
fn random_bytes(length: usize) -> Result<Vec<u8>, CognitoError> {
    let mut bytes = vec![0u8; length];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| CognitoError::new("InternalErrorException", "no randomness available"))?;
    Ok(bytes)
}

/// The pool name clients hash: the part of the pool id after the underscore.
fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// SRP_A of an InitiateAuth, checked before anything else happens.
pub fn srp_a(input: &Value) -> Result<BigUint, CognitoError> {
    let a = input["AuthParameters"]["SRP_A"]
        .as_str()
        .ok_or_else(|| CognitoError::invalid_parameter("Missing required parameter SRP_A"))?;
    srp::parse_hex(a)
        .ok_or_else(|| CognitoError::invalid_parameter("SRP_A is not a hexadecimal number"))
}

/// Turns moto's (lax) PASSWORD_VERIFIER challenge into Cognito's: `moto_answer` is moto's
/// successful reply to the same InitiateAuth, which has checked the client, the user's
/// existence and status.
pub async fn challenge(
    front: &Front,
    pool: &UserPool,
    client: &AppClient,
    a_public: BigUint,
    moto_answer: &Value,
) -> Result<Response, CognitoError> {
    let parameters = &moto_answer["ChallengeParameters"];
    let (Some(user_id), Some(moto_secret_block)) = (
        parameters["USERNAME"].as_str(),
        parameters["SECRET_BLOCK"].as_str(),
    ) else {
        // moto answered something else (no challenge): pass it on untouched.
        return Ok(http::json(200, moto_answer));
    };
    let user = front
        .moto
        .stored_user(&pool.id, user_id)
        .await
        .map_err(|e| CognitoError::new("InternalErrorException", &e))?;
    let temporary_password_expired = user
        .as_ref()
        .is_some_and(|user| super::temporary_password_expired(front, &pool.id, user));
    let password = user.and_then(|user| user.password);
    let sessions = &front.cognito.sessions;
    let salt_tag = hmac::sign(
        &sessions.salt_key,
        format!("{}|{user_id}", pool.id).as_bytes(),
    );
    let salt = BigUint::from_bytes_be(&salt_tag.as_ref()[..16]);
    // A user without a password gets a challenge no password answers.
    let verifier = match &password {
        Some(password) => srp::verifier(pool_name(&pool.id), user_id, password, &salt),
        None => BigUint::from_bytes_be(&random_bytes(64)?),
    };
    let b = BigUint::from_bytes_be(&random_bytes(64)?);
    let b_public = srp::server_public(&b, &verifier);
    let secret_block = BASE64.encode(random_bytes(64)?);
    let pending = Pending {
        client_id: client.id.clone(),
        user_id: user_id.to_string(),
        moto_secret_block: moto_secret_block.to_string(),
        a_public,
        b,
        b_public: b_public.clone(),
        verifier,
        expires: Instant::now() + Duration::from_secs(60 * client.auth_session_minutes),
        temporary_password_expired,
    };
    if let Ok(mut all) = sessions.pending.lock() {
        all.retain(|_, p| p.expires > Instant::now());
        all.insert(secret_block.clone(), pending);
    }
    let body = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": srp::to_hex(&salt),
            "SRP_B": srp::to_hex(&b_public),
            "SECRET_BLOCK": secret_block,
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    });
    Ok(http::response(
        200,
        "application/x-amz-json-1.1",
        body.to_string(),
    ))
}

/// RespondToAuthChallenge with PASSWORD_VERIFIER: the claim is checked here; only a
/// verified one is passed to moto (as the answer to moto's own challenge) for the tokens.
pub async fn verify_claim(
    front: &Front,
    pool: &UserPool,
    client: &AppClient,
    input: &Value,
) -> Result<MotoReply, CognitoError> {
    let answers = &input["ChallengeResponses"];
    let field = |name: &str| {
        answers[name].as_str().ok_or_else(|| {
            CognitoError::invalid_parameter(&format!("Missing required parameter {name}"))
        })
    };
    let secret_block = field("PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = field("PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = field("TIMESTAMP")?;
    let username = field("USERNAME")?;
    if srp::parse_timestamp(timestamp).is_none() {
        return Err(CognitoError::invalid_parameter(
            "TIMESTAMP format is invalid",
        ));
    }
    // Taken out whatever the outcome: a challenge is answered once.
    let pending = front
        .cognito
        .sessions
        .pending
        .lock()
        .ok()
        .and_then(|mut all| all.remove(secret_block))
        .filter(|p| p.expires > Instant::now() && p.client_id == client.id)
        .ok_or_else(|| {
            CognitoError::new("NotAuthorizedException", "Invalid session for the user.")
        })?;
    let verified = username == pending.user_id
        && match (BASE64.decode(secret_block), BASE64.decode(signature)) {
            (Ok(block), Ok(signature)) => srp::password_key(
                &pending.a_public,
                &pending.b_public,
                &pending.b,
                &pending.verifier,
            )
            .is_some_and(|key| {
                srp::claim_holds(
                    &key,
                    pool_name(&pool.id),
                    &pending.user_id,
                    &block,
                    timestamp,
                    &signature,
                )
            }),
            _ => false,
        };
    // Counted by the lockout, which refuses a locked-out user whatever the claim.
    front
        .cognito
        .lockouts
        .verify(&pool.id, &pending.user_id, verified)
        .await?;
    if pending.temporary_password_expired {
        return Err(super::secrets::expired_temporary_password());
    }
    let answer = json!({
        "ClientId": client.id,
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": {
            "USERNAME": pending.user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": pending.moto_secret_block,
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": "verified-by-the-front",
        },
    });
    front
        .moto
        .cognito_reply("RespondToAuthChallenge", &answer)
        .await
        .map_err(|e| CognitoError::new("InternalErrorException", &e))
}
