//! PostConfirmation: makes sure of the profile and the group the self-service policy
//! allows, by the domain service's `ensure`. Cognito may deliver the same confirmation more
//! than once; the service is idempotent, so a retry finishes what an earlier attempt left
//! undone.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPostConfirmation;
use chrono::{DateTime, Utc};
use domain::UserId;
use domain::ports::{PortError, ProfileStore, UserDirectory};
use domain::service::{Person, Service, ServiceError};
use domain::signup::SelfServicePolicy;
use lambda_runtime::Diagnostic;
use serde_json::Value;

pub struct Deps<S, G> {
    pub store: S,
    pub groups: G,
    pub policy: SelfServicePolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum PostConfirmationError {
    #[error(
        "unsupported trigger source; this function handles PostConfirmation_ConfirmSignUp and PostConfirmation_ConfirmForgotPassword"
    )]
    UnsupportedTrigger,
    #[error("malformed PostConfirmation event: {0}")]
    MalformedEvent(&'static str),
    /// Cognito reports the failure and the confirmation may be retried.
    #[error("could not finish the sign-up, please retry: {0}")]
    Dependency(#[from] PortError),
    /// Same as `Dependency`, but the calls were slow rather than failing.
    #[error("could not finish the sign-up in time, please retry")]
    DeadlineExceeded,
    /// The profile kept changing under the confirmation (a lost race, see
    /// `domain::service`): nothing is half-written, and a retry reads what was stored.
    #[error("the profile changed while the sign-up was finished, please retry")]
    Conflict,
}

impl From<ServiceError> for PostConfirmationError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Conflict => PostConfirmationError::Conflict,
            ServiceError::Port(e) | ServiceError::Unrecorded(e) => {
                PostConfirmationError::Dependency(e)
            }
            // Not answers `ensure` gives; reported rather than hidden.
            other => PostConfirmationError::Dependency(PortError::Failed(
                "profile service",
                other.to_string(),
            )),
        }
    }
}

/// Cognito abandons a trigger after 5 s. A retried confirmation makes three calls in a
/// row, each allowed up to 1.8 s, so the whole invocation gets one deadline that leaves
/// a second for a cold start and the reply.
pub const DEADLINE: Duration = Duration::from_secs(4);

impl From<PostConfirmationError> for Diagnostic {
    fn from(error: PostConfirmationError) -> Self {
        let error_type = match error {
            PostConfirmationError::UnsupportedTrigger => "UnsupportedTrigger",
            PostConfirmationError::MalformedEvent(_) => "MalformedEvent",
            PostConfirmationError::Dependency(_) => "DependencyFailure",
            PostConfirmationError::DeadlineExceeded => "DeadlineExceeded",
            PostConfirmationError::Conflict => "Conflict",
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// What the invocation did, for the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    AlreadyCreated,
    PasswordReset,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::AlreadyCreated => "already_created",
            Outcome::PasswordReset => "password_reset",
        }
    }
}

/// Handles one invocation and logs its outcome in one line: what was done, or `fault`
/// (what the faults alarm counts, see terraform/modules/alarms/fault_patterns.json), with
/// Cognito's `userName`, so on-call finds a person's sign-up by their sub.
pub async fn invoke<S: ProfileStore, G: UserDirectory>(
    deps: &Deps<S, G>,
    event: Value,
    now: DateTime<Utc>,
    request_id: &str,
) -> Result<Value, PostConfirmationError> {
    let user_name = adapters::logs::cognito_user_name(&event).to_owned();
    let result = handle(deps, event, now).await;
    match &result {
        Ok((_, outcome)) => {
            tracing::info!(request_id, %user_name, outcome = outcome.as_str(), "confirmation handled")
        }
        Err(error) => {
            tracing::error!(request_id, %user_name, outcome = "fault", %error, "confirmation failed")
        }
    }
    result.map(|(event, _)| event)
}

/// Returns the event unchanged once the profile and group membership are in place, or
/// an error within `DEADLINE`. A call cut off by the deadline may still land; a retry
/// finishes whatever it left.
pub async fn handle<S: ProfileStore, G: UserDirectory>(
    deps: &Deps<S, G>,
    event: Value,
    now: DateTime<Utc>,
) -> Result<(Value, Outcome), PostConfirmationError> {
    tokio::time::timeout(DEADLINE, confirm(deps, event, now))
        .await
        .unwrap_or(Err(PostConfirmationError::DeadlineExceeded))
}

async fn confirm<S: ProfileStore, G: UserDirectory>(
    deps: &Deps<S, G>,
    event: Value,
    now: DateTime<Utc>,
) -> Result<(Value, Outcome), PostConfirmationError> {
    match event.get("triggerSource").and_then(Value::as_str) {
        // Also what AdminConfirmSignUp sends.
        Some("PostConfirmation_ConfirmSignUp") => {}
        Some("PostConfirmation_ConfirmForgotPassword") => {
            return Ok((event, Outcome::PasswordReset));
        }
        Some(_) => return Err(PostConfirmationError::UnsupportedTrigger),
        None => {
            return Err(PostConfirmationError::MalformedEvent(
                "triggerSource is missing",
            ));
        }
    }
    let parsed: CognitoEventUserPoolsPostConfirmation = serde_json::from_value(event.clone())
        .map_err(|_| {
            PostConfirmationError::MalformedEvent(
                "request.userAttributes must map names to strings",
            )
        })?;
    let header = &parsed.cognito_event_user_pools_header;
    let attributes = &parsed.request.user_attributes;
    let user_pool_id = header
        .user_pool_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(PostConfirmationError::MalformedEvent(
            "userPoolId is missing",
        ))?;
    let username = header
        .user_name
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or(PostConfirmationError::MalformedEvent("userName is missing"))?;
    let user_id = attributes
        .get("sub")
        .and_then(|sub| UserId::parse(sub).ok())
        .ok_or(PostConfirmationError::MalformedEvent(
            "request.userAttributes.sub is missing or not a Cognito sub",
        ))?;

    let service = Service {
        store: &deps.store,
        pictures: &(),
        groups: &deps.groups,
        user_pool_id,
        policy: &deps.policy,
        max_picture_bytes: 0,
    };
    // An operator's group cannot exist before confirmation: the policy alone decides.
    let person = Person {
        user_id: &user_id,
        username: &username,
        groups: &BTreeSet::new(),
        attributes: |name: &str| attributes.get(name).map(String::as_str),
    };
    let ensured = service.ensure(&person, now).await?;
    ensured.group?;
    // On a retry the group was decided from what the first attempt stored, not afresh.
    let outcome = if ensured.created {
        Outcome::Created
    } else {
        Outcome::AlreadyCreated
    };
    Ok((event, outcome))
}
