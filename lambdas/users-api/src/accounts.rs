//! DELETE /users/{id}: the account and all its data, by the service's `delete_account`
//! (its steps are documented there). A failure at any step answers 503 and leaves the
//! account marked, never alive-looking; the same request again resumes where the last one
//! stopped.

use domain::access::Action;
use domain::access_log::AccessAction;
use domain::ports::{AccessLog, PictureStore, ProfileStore, UserDirectory};
use domain::service::Deletion;

use crate::audit::Audit;
use crate::deps::Deps;
use crate::error::ApiError;
use crate::reply::Reply;
use crate::request::ApiRequest;

pub async fn delete<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let (caller, target) =
        req.audited_target(Action::DeleteAccount, audit, AccessAction::Delete)?;
    let own_username = (target == caller.user_id)
        .then(|| req.claim("cognito:username").unwrap_or(target.as_str()));
    // The access log outlives the account.
    let deletion = deps
        .service()
        .delete_account(
            &target,
            own_username,
            &audit.before_writes(&deps.access_log),
        )
        .await?;
    if let Deletion::Deleted { pictures } = deletion {
        tracing::info!(sub = %target, by = %caller.user_id, pictures, "account deleted");
    }
    Ok(Reply::empty(204))
}
