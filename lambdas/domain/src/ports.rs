//! What the handlers need from the outside world. Adapters implement these against
//! AWS; `fakes` implements them in memory for tests.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::access_log::{AccessCursor, AccessEntry, AccessPage};
use crate::fields::PictureKey;
use crate::{Cohort, Profile, UserId, UserType};

/// A dependency that did not do what was asked. Messages carry error codes only,
/// never request data, because they are logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Timed out, throttled or unreachable: the same call may succeed later.
    #[error("{0} unavailable: {1}")]
    Unavailable(&'static str, String),
    /// Refused or failed in a way a retry will not fix.
    #[error("{0} failed: {1}")]
    Failed(&'static str, String),
    /// A stored profile whose field (named) no longer passes today's validation.
    #[error("the stored profile has an unreadable {0}")]
    Unreadable(&'static str),
    /// The account was deleted, or its deletion has begun: nothing of it is served.
    #[error("the account was deleted")]
    Deleted,
}

/// What the store holds under a user id.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Profile(Profile),
    /// Deletion has begun: the profile no longer counts or lists, and reads as deleted.
    /// `username` addresses the Cognito user the deletion must still remove.
    Deleting {
        username: String,
    },
    /// A tombstone: the account is gone. It holds no personal data, and it keeps a token
    /// issued before the deletion from recreating the profile.
    Deleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Created,
    /// A profile with that id was already there; nothing was written.
    AlreadyExists,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// The stored version is no longer the expected one (or the profile is gone); nothing was written.
    #[error("the profile changed since it was read")]
    Conflict,
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Where to resume a listing of one cohort: the last profile of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCursor {
    pub created_at: String,
    pub user_id: UserId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub profiles: Vec<Profile>,
    /// Profiles of this page that are stored but unreadable (see `PortError::Unreadable`).
    pub unreadable: Vec<UserId>,
    pub next: Option<PageCursor>,
}

pub trait ProfileStore: Send + Sync {
    /// Writes `profile` and adds one to its cohort's counter in one transaction,
    /// unless a profile with its id exists: then nothing is written.
    fn create(&self, profile: &Profile) -> impl Future<Output = Result<Created, PortError>> + Send;

    /// What is stored under `id`; `PortError::Unreadable` when a profile no longer parses.
    fn find(&self, id: &UserId) -> impl Future<Output = Result<Option<Stored>, PortError>> + Send;

    /// The live profile: `PortError::Deleted` once its deletion has begun,
    /// `PortError::Unreadable` when it no longer parses.
    fn get(&self, id: &UserId) -> impl Future<Output = Result<Option<Profile>, PortError>> + Send {
        async move {
            match self.find(id).await? {
                None => Ok(None),
                Some(Stored::Profile(profile)) => Ok(Some(profile)),
                Some(Stored::Deleting { .. } | Stored::Deleted) => Err(PortError::Deleted),
            }
        }
    }

    /// A deletion's first step: marks `profile` as being deleted and takes it out of the
    /// counters and listings in one transaction, if it is still at its version.
    fn begin_deletion(
        &self,
        profile: &Profile,
    ) -> impl Future<Output = Result<(), UpdateError>> + Send;

    /// A deletion's last step: replaces what is stored under `id` (a profile being
    /// deleted, or nothing) with a tombstone. Fails, changing nothing, on a live profile.
    fn finish_deletion(&self, id: &UserId) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Replaces `previous` with `updated` only if the stored version is still
    /// `previous.version`; when the cohort (type or status) differs, moves one count from
    /// the old cohort's counter to the new one in the same transaction.
    fn update(
        &self,
        previous: &Profile,
        updated: &Profile,
    ) -> impl Future<Output = Result<(), UpdateError>> + Send;

    /// Profiles of one cohort, oldest first, at most `limit` (the unreadable ones counted,
    /// and reported by id), after `after` if given.
    fn list(
        &self,
        cohort: Cohort,
        limit: u32,
        after: Option<&PageCursor>,
    ) -> impl Future<Output = Result<Page, PortError>> + Send;

    /// The per-cohort counters, as kept by `create` and `update`; every cohort is present.
    fn count_by_cohort(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<Cohort, u64>, PortError>> + Send;
}

/// The Cognito user pool: group membership and user deletion. Every call is idempotent:
/// adding a member, removing a non-member or deleting a missing user succeeds.
pub trait UserDirectory: Send + Sync {
    fn add_to_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    fn remove_from_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    fn delete_user(
        &self,
        user_pool_id: &str,
        username: &str,
    ) -> impl Future<Output = Result<(), PortError>> + Send;
}

/// A presigned S3 PUT: the client must send exactly `headers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedUpload {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

/// What S3 knows of an uploaded object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPicture {
    pub content_type: Option<String>,
    pub size: u64,
}

pub trait PictureStore: Send + Sync {
    /// A URL that uploads exactly `content_length` bytes of the key's image type to `key`,
    /// as a picture that expires unless it is claimed.
    fn presign_upload(
        &self,
        key: &PictureKey,
        content_length: u64,
        expires_in: Duration,
    ) -> impl Future<Output = Result<PresignedUpload, PortError>> + Send;

    fn presign_download(
        &self,
        key: &PictureKey,
        expires_in: Duration,
    ) -> impl Future<Output = Result<String, PortError>> + Send;

    /// `None` when no object exists at `key`.
    fn describe(
        &self,
        key: &PictureKey,
    ) -> impl Future<Output = Result<Option<StoredPicture>, PortError>> + Send;

    /// The picture at `key` is attached to a profile: it must not expire.
    fn claim(&self, key: &PictureKey) -> impl Future<Output = Result<(), PortError>> + Send;

    /// No profile uses the picture at `key` any more: it expires like an upload that was
    /// never attached.
    fn release(&self, key: &PictureKey) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Deletes every object version and delete marker under `owner`'s prefix, a page at a
    /// time; returns how many it deleted.
    fn delete_all(&self, owner: &UserId) -> impl Future<Output = Result<u64, PortError>> + Send;
}

/// The PHI access log: append-only. An entry is keyed by its profile (or, with no
/// profile, by its actor), its time and its request id.
pub trait AccessLog: Send + Sync {
    /// Appends `entry`, never overwriting: an entry already stored under its key (a retry
    /// of this same write) counts as recorded and is left as it was. An error means the
    /// entry may not be stored, so the request must not be answered with what it asked for.
    fn record(&self, entry: &AccessEntry) -> impl Future<Output = Result<(), PortError>> + Send;

    /// The entries about `target`, newest first, at most `limit`, strictly older than
    /// `after` if given.
    fn list(
        &self,
        target: &UserId,
        limit: u32,
        after: Option<&AccessCursor>,
    ) -> impl Future<Output = Result<AccessPage, PortError>> + Send;
}
