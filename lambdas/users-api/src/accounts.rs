//! DELETE /users/{id}: the account and all its data.
//!
//! Deletion spans three services, so it is a sequence of steps that are each idempotent,
//! with the state recorded on the profile item:
//!
//! 1. the profile is marked as being deleted and leaves the counters and listings, in one
//!    transaction; from here on it reads as deleted (410) everywhere;
//! 2. every version of every picture under the owner's prefix is deleted;
//! 3. the Cognito user is deleted;
//! 4. a tombstone without personal data replaces the profile item.
//!
//! A failure at any step answers 503 and leaves the account marked, never alive-looking;
//! the same request again resumes where the last one stopped.

use domain::access::Action;
use domain::access_log::AccessAction;
use domain::ports::{AccessLog, PictureStore, ProfileStore, Stored, UpdateError, UserDirectory};
use lambda_http::Request;

use crate::Deps;
use crate::audit::Audit;
use crate::edge::{self, Reply};
use crate::error::ApiError;

/// A profile that keeps changing while its deletion begins is retried this many times.
const MAX_BEGIN_ATTEMPTS: usize = 5;

pub async fn delete<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &Request,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let (caller, target) =
        edge::audited_target(req, Action::DeleteAccount, audit, AccessAction::Delete)?;
    // No deletion step without its entry; the access log outlives the account.
    audit.record_allowed(&deps.access_log).await?;
    let mut username = None;
    for _ in 0..MAX_BEGIN_ATTEMPTS {
        match deps.profiles.find(&target).await? {
            Some(Stored::Deleted) => return Ok(Reply::empty(204)),
            Some(Stored::Deleting { username: name }) => username = Some(name),
            Some(Stored::Profile(profile)) => match deps.profiles.begin_deletion(&profile).await {
                Ok(()) => username = Some(profile.username),
                Err(UpdateError::Conflict) => continue,
                Err(UpdateError::Port(e)) => return Err(e.into()),
            },
            // A person whose profile was never written still has a Cognito user to delete.
            None if target == caller.user_id => {
                username = Some(
                    edge::claim(req, "cognito:username")
                        .unwrap_or(target.as_str())
                        .to_owned(),
                );
            }
            None => return Err(ApiError::NotFound("no profile with that id")),
        }
        break;
    }
    let username = username.ok_or(ApiError::Conflict)?;

    let pictures = deps.pictures.delete_all(&target).await?;
    deps.groups
        .delete_user(&deps.config.user_pool_id, &username)
        .await?;
    deps.profiles.finish_deletion(&target).await?;
    tracing::info!(sub = %target, by = %caller.user_id, pictures, "account deleted");
    Ok(Reply::empty(204))
}
