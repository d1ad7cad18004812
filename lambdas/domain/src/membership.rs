//! Cognito group membership follows the stored profile. The profile is the source of
//! truth: it is written first (conditionally), and membership is then brought in line
//! with what was *stored*, so concurrent or retried changes converge instead of one
//! writer's stale view undoing another's (a demoted Admin must not keep `Admin`).

use crate::Profile;
use crate::UserType;
use crate::ports::{PortError, UserDirectory};

/// Gives a user first seen (at confirmation, or at the first request after a confirmation
/// that did not finish) the group their stored profile grants, taking nothing away: any
/// group they hold already is an operator's. Idempotent, so a retry completes it.
pub async fn grant_group<G: UserDirectory>(
    groups: &G,
    user_pool_id: &str,
    stored: &Profile,
) -> Result<(), PortError> {
    match stored.granted_group() {
        Some(group) => {
            groups
                .add_to_group(user_pool_id, &stored.username, group)
                .await
        }
        None => Ok(()),
    }
}

/// Makes the user's platform groups exactly the one `stored` grants (none while pending).
/// Idempotent: a retry, or the next change of the same profile, repairs a partial run.
/// Groups are taken away before the granted one is added, so a failure midway leaves
/// the user with less privilege, never more.
pub async fn align_groups<G: UserDirectory>(
    groups: &G,
    user_pool_id: &str,
    stored: &Profile,
) -> Result<(), PortError> {
    let granted = stored.granted_group();
    for other in UserType::ALL.into_iter().filter(|t| Some(*t) != granted) {
        groups
            .remove_from_group(user_pool_id, &stored.username, other)
            .await?;
    }
    if let Some(group) = granted {
        groups
            .add_to_group(user_pool_id, &stored.username, group)
            .await?;
    }
    Ok(())
}
