//! The profile rules that span stores, in one place for the trigger and the API: a first
//! profile and the group it grants, a change and the group and pictures that follow it,
//! and the deletion of an account. Handlers map their input in, call the service and map
//! the result out; the service works only through the ports.
//!
//! The profile is the source of truth. It is written first (conditionally), and Cognito
//! and S3 are then brought in line with what was *stored*, idempotently, so a retry or the
//! next touch repairs a half-done change.
//!
//! A lost race is the same everywhere: a conditional write that another writer overtook is
//! retried from a fresh read a few times, and when the store keeps changing underneath the
//! service answers `ServiceError::Conflict`, nothing half-written. Both callers map it to
//! "retry" (the API a 409, the trigger an error Cognito shows as "please retry"): nothing is
//! wrong with the request, and the next attempt reads what the other writer stored.

use std::collections::BTreeSet;
use std::future::Future;

use chrono::{DateTime, Utc};

use crate::fields::PictureKey;
use crate::membership::{align_groups, grant_group};
use crate::patch::{Change, ProfilePatch};
use crate::ports::{
    Created, PictureStore, PortError, ProfileStore, Stored, UpdateError, UserDirectory,
};
use crate::signup::{SelfServicePolicy, new_profile};
use crate::{Profile, UserId, UserType};

/// Conflicting writers are retried this many times before the service answers `Conflict`.
pub const MAX_ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no profile with that id")]
    NotFound,
    /// The stored version is not one the caller expected (`If-Match`).
    #[error("the profile changed since the expected version")]
    PreconditionFailed,
    /// The profile kept changing under this call (see the module's comment).
    #[error("the profile kept changing; retry")]
    Conflict,
    /// A well-formed picture key under another user's prefix.
    #[error("the picture is an upload under another user's prefix")]
    PictureOfAnotherUser,
    /// A picture key whose upload is missing or not an allowed picture.
    #[error("picture_key {0}")]
    UnusablePicture(String),
    /// The journal refused the entry a write needs first; nothing was written.
    #[error("the change could not be recorded: {0}")]
    Unrecorded(PortError),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Notified once before a change writes anything: the API records its access-log entry
/// here, so no write is ever stored without it.
pub trait Journal: Sync {
    fn before_write(&self) -> impl Future<Output = Result<(), PortError>> + Send;
}

/// A person as their confirmed sign-up (or their ID token) describes them: what a first
/// profile is made of.
pub struct Person<'a, A> {
    pub user_id: &'a UserId,
    /// Cognito's user name, which group changes and deletion address.
    pub username: &'a str,
    /// The platform groups they hold now: an operator's (none at confirmation).
    pub groups: &'a BTreeSet<UserType>,
    /// Their user attributes (claims), by name.
    pub attributes: A,
}

/// A profile made sure of, and whether the group its stored profile grants is in place.
#[derive(Debug)]
pub struct Ensured {
    pub profile: Profile,
    /// This call stored it (else it was there already: a retry or a concurrent request).
    pub created: bool,
    /// `Ok(true)` when the group was added now. The trigger fails on an error here so
    /// Cognito retries; a read answers regardless.
    pub group: Result<bool, PortError>,
}

/// A change as stored: the profile before and after it.
#[derive(Debug)]
pub struct Updated {
    pub previous: Profile,
    pub updated: Profile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// Every step done now; the number of picture objects deleted.
    Deleted { pictures: u64 },
    /// A tombstone was there already.
    AlreadyDeleted,
}

/// The ports the rules work through, and the settings they need. `pictures` is `()` for
/// the trigger, which never touches pictures.
pub struct Service<'a, S, P, G> {
    pub store: &'a S,
    pub pictures: &'a P,
    pub groups: &'a G,
    pub user_pool_id: &'a str,
    pub policy: &'a SelfServicePolicy,
    /// The largest picture a profile may point at.
    pub max_picture_bytes: u64,
}

impl<'a, S: ProfileStore, P, G: UserDirectory> Service<'a, S, P, G> {
    /// The profile of `person`: created from their attributes unless one is stored (a
    /// retry, or a concurrent request), then the group that what is *stored* grants, unless
    /// they hold it. A platform group they hold decides a first profile's type: only an
    /// operator can have given it.
    pub async fn ensure<'p, A>(
        &self,
        person: &Person<'p, A>,
        now: DateTime<Utc>,
    ) -> Result<Ensured, ServiceError>
    where
        A: Fn(&str) -> Option<&'p str> + Sync,
    {
        let operator_granted = [UserType::Admin, UserType::Doctor, UserType::Patient]
            .into_iter()
            .find(|t| person.groups.contains(t));
        let new = new_profile(
            self.policy,
            person.user_id.clone(),
            person.username.to_owned(),
            &person.attributes,
            operator_granted,
            now,
        );
        for attribute in &new.left_out {
            tracing::warn!(
                attribute,
                "attribute left out of the profile: it does not pass validation"
            );
        }
        for _ in 0..MAX_ATTEMPTS {
            let (profile, created) = match self.store.create(&new.profile).await? {
                Created::Created => (new.profile.clone(), true),
                Created::AlreadyExists => match self.store.get(person.user_id).await? {
                    Some(stored) => (stored, false),
                    // Gone between the two calls: the create is tried again.
                    None => continue,
                },
            };
            let group = self.grant(&profile, person.groups, !created).await;
            return Ok(Ensured {
                profile,
                created,
                group,
            });
        }
        Err(ServiceError::Conflict)
    }

    /// Gives `stored`'s group to its user unless `held` shows they have it, taking nothing
    /// away. When `stored` came from a read, an Admin's change may have landed since and
    /// aligned membership to itself: the profile is read again after the grant, so a grant
    /// from the older read does not outlive it (a demoted user must not keep the group). A
    /// profile this call has just created is not read again: the trigger has no time for a
    /// third call inside Cognito's 5 s.
    async fn grant(
        &self,
        stored: &Profile,
        held: &BTreeSet<UserType>,
        from_a_read: bool,
    ) -> Result<bool, PortError> {
        if stored.granted_group().is_none_or(|g| held.contains(&g)) {
            return Ok(false);
        }
        grant_group(self.groups, self.user_pool_id, stored).await?;
        if from_a_read
            && let Some(now) = self.store.get(&stored.user_id).await?
            && now.granted_group() != stored.granted_group()
        {
            align_groups(self.groups, self.user_pool_id, &now).await?;
        }
        Ok(true)
    }

    /// The profile `target` names, for reading or changing it. For the caller's own
    /// (`own`), this is also where a confirmation that did not finish is completed: a
    /// missing profile is made by `ensure`, and a group the stored profile grants but the
    /// caller lacks is granted. A group that cannot be granted now does not fail the read:
    /// the next one tries again.
    pub async fn load<'p, A>(
        &self,
        target: &UserId,
        own: Option<&Person<'p, A>>,
        now: DateTime<Utc>,
    ) -> Result<Profile, ServiceError>
    where
        A: Fn(&str) -> Option<&'p str> + Sync,
    {
        let (profile, group) = match (self.store.get(target).await?, own) {
            (Some(profile), None) => return Ok(profile),
            (Some(profile), Some(person)) => {
                let group = self.grant(&profile, person.groups, true).await;
                (profile, group)
            }
            (None, None) => return Err(ServiceError::NotFound),
            (None, Some(person)) => {
                let ensured = self.ensure(person, now).await?;
                if ensured.created {
                    tracing::info!(sub = %target, "profile created from token claims");
                }
                (ensured.profile, ensured.group)
            }
        };
        match group {
            Ok(false) => {}
            Ok(true) => {
                tracing::info!(sub = %target, "group granted: a half-finished confirmation completed")
            }
            Err(e) => {
                tracing::warn!(sub = %target, error = %e, "group not granted yet; the next request tries again")
            }
        }
        Ok(profile)
    }
}

impl<'a, S: ProfileStore, P: PictureStore, G: UserDirectory> Service<'a, S, P, G> {
    /// Applies `patch` to `target`'s profile (see `load` for `own`), only at a version in
    /// `expected` when given, retrying lost races otherwise. Membership follows what was
    /// stored whenever the patch names `user_type`, so a retry repairs an alignment that
    /// failed after the write. A picture it attaches stops expiring before the profile
    /// points at it; one no profile points at any more expires again.
    pub async fn update<'p, A, J: Journal>(
        &self,
        target: &UserId,
        own: Option<&Person<'p, A>>,
        patch: &ProfilePatch,
        expected: Option<&[u64]>,
        now: DateTime<Utc>,
        journal: &J,
    ) -> Result<Updated, ServiceError>
    where
        A: Fn(&str) -> Option<&'p str> + Sync,
    {
        self.check_picture(patch, target).await?;
        let attaching = match &patch.picture_key {
            Some(Change::Set(key)) => {
                self.pictures.claim(key).await?;
                Some(key)
            }
            _ => None,
        };
        let written = self.write(target, own, patch, expected, now, journal).await;
        match (&written, attaching) {
            // An upload no profile points at expires again.
            (Err(_), Some(key)) => self.release(key).await,
            (Ok(Updated { previous, updated }), _) => {
                if let Some(old) = previous
                    .picture_key
                    .as_ref()
                    .filter(|old| updated.picture_key.as_ref() != Some(*old))
                {
                    self.release(old).await;
                }
            }
            _ => {}
        }
        written
    }

    async fn write<'p, A, J: Journal>(
        &self,
        target: &UserId,
        own: Option<&Person<'p, A>>,
        patch: &ProfilePatch,
        expected: Option<&[u64]>,
        now: DateTime<Utc>,
        journal: &J,
    ) -> Result<Updated, ServiceError>
    where
        A: Fn(&str) -> Option<&'p str> + Sync,
    {
        for _ in 0..MAX_ATTEMPTS {
            let current = self.load(target, own, now).await?;
            if let Some(versions) = expected
                && !versions.contains(&current.version)
            {
                return Err(ServiceError::PreconditionFailed);
            }
            let updated = current.patched(patch, now);
            journal
                .before_write()
                .await
                .map_err(ServiceError::Unrecorded)?;
            match self.store.update(&current, &updated).await {
                Ok(()) => {
                    if patch.user_type.is_some() {
                        align_groups(self.groups, self.user_pool_id, &updated).await?;
                    }
                    return Ok(Updated {
                        previous: current,
                        updated,
                    });
                }
                Err(UpdateError::Conflict) if expected.is_some() => {
                    return Err(ServiceError::PreconditionFailed);
                }
                Err(UpdateError::Conflict) => continue,
                Err(UpdateError::Port(e)) => return Err(e.into()),
            }
        }
        Err(ServiceError::Conflict)
    }

    /// A picture may be attached only if it was uploaded under the profile owner's prefix
    /// and S3 holds an allowed type within the size limit.
    async fn check_picture(
        &self,
        patch: &ProfilePatch,
        owner: &UserId,
    ) -> Result<(), ServiceError> {
        let Some(Change::Set(key)) = &patch.picture_key else {
            return Ok(());
        };
        if key.owner() != owner {
            return Err(ServiceError::PictureOfAnotherUser);
        }
        let unusable = |why: &str| ServiceError::UnusablePicture(why.to_owned());
        let stored = self
            .pictures
            .describe(key)
            .await?
            .ok_or_else(|| unusable("does not refer to an uploaded picture"))?;
        if stored.content_type.as_deref() != Some(key.image_type().content_type()) {
            return Err(unusable(
                "refers to an object whose Content-Type does not match its extension",
            ));
        }
        if stored.size == 0 || stored.size > self.max_picture_bytes {
            return Err(unusable(&format!(
                "refers to an object that is empty or over {} bytes",
                self.max_picture_bytes
            )));
        }
        Ok(())
    }

    /// Best effort: a picture that cannot be released now stays until the account is deleted.
    async fn release(&self, key: &PictureKey) {
        if let Err(e) = self.pictures.release(key).await {
            tracing::warn!(error = %e, "a picture no profile uses could not be marked to expire");
        }
    }

    /// Deletes `target`'s account and all its data. Deletion spans three services, so it
    /// is a sequence of idempotent steps, with the state recorded on the profile item:
    ///
    /// 1. the profile is marked as being deleted and leaves the counters and listings, in
    ///    one transaction; from here on it reads as deleted everywhere;
    /// 2. every version of every picture under the owner's prefix is deleted;
    /// 3. the Cognito user is deleted;
    /// 4. a tombstone without personal data replaces the profile item.
    ///
    /// A failure at any step leaves the account marked, never alive-looking; the same call
    /// again resumes where the last one stopped. `own_username` is the caller's Cognito
    /// user name when they delete their own account: a person whose profile was never
    /// written still has a Cognito user to delete.
    pub async fn delete_account<J: Journal>(
        &self,
        target: &UserId,
        own_username: Option<&str>,
        journal: &J,
    ) -> Result<Deletion, ServiceError> {
        // No deletion step without its entry.
        journal
            .before_write()
            .await
            .map_err(ServiceError::Unrecorded)?;
        let mut username = None;
        for _ in 0..MAX_ATTEMPTS {
            match self.store.find(target).await? {
                Some(Stored::Deleted) => return Ok(Deletion::AlreadyDeleted),
                Some(Stored::Deleting { username: name }) => username = Some(name),
                Some(Stored::Profile(profile)) => match self.store.begin_deletion(&profile).await {
                    Ok(()) => username = Some(profile.username),
                    Err(UpdateError::Conflict) => continue,
                    Err(UpdateError::Port(e)) => return Err(e.into()),
                },
                None => match own_username {
                    Some(name) => username = Some(name.to_owned()),
                    None => return Err(ServiceError::NotFound),
                },
            }
            break;
        }
        let username = username.ok_or(ServiceError::Conflict)?;
        let pictures = self.pictures.delete_all(target).await?;
        self.groups
            .delete_user(self.user_pool_id, &username)
            .await?;
        self.store.finish_deletion(target).await?;
        Ok(Deletion::Deleted { pictures })
    }
}

#[cfg(test)]
mod tests;
