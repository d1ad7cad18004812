//! In-memory implementations of the ports for handler tests, with switches to make
//! a dependency fail so error paths can be exercised.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{TimeZone, Utc};

use crate::access_log::{AccessCursor, AccessEntry, AccessPage, RequestId};
use crate::fields::PictureKey;
use crate::ports::{
    AccessLog, Created, Page, PageCursor, PictureStore, PortError, PresignedUpload, ProfileStore,
    Stored, StoredPicture, UpdateError, UserDirectory,
};
use crate::{Cohort, Profile, UserId, UserType};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Something that happens elsewhere at a chosen moment (another request's write).
type Interleaved = Box<dyn FnOnce() + Send>;

fn outage(dependency: &'static str) -> PortError {
    PortError::Unavailable(dependency, "injected outage".to_owned())
}

#[derive(Default)]
pub struct InMemoryProfiles {
    profiles: Mutex<HashMap<UserId, Profile>>,
    counters: Mutex<BTreeMap<Cohort, u64>>,
    /// While set, every call fails as unavailable.
    pub down: Mutex<bool>,
    /// Number of writes (create or update) that reached the store.
    pub writes: Mutex<usize>,
    /// Stored profiles that no longer parse, with the field that fails.
    unreadable: Mutex<BTreeMap<UserId, &'static str>>,
    /// Accounts whose deletion began (`Some(username)`) or finished (`None`).
    gone: Mutex<HashMap<UserId, Option<String>>>,
    /// What happens elsewhere at the start of the next call of a method, by its name.
    before_next: Mutex<HashMap<&'static str, Interleaved>>,
}

impl InMemoryProfiles {
    pub fn set_down(&self, down: bool) {
        *lock(&self.down) = down;
    }

    /// Runs `elsewhere` at the start of the next call of `method` (`create`, `find`,
    /// `update`, `begin_deletion`, `finish_deletion`): a concurrent request, or an outage,
    /// landing just before that call.
    pub fn before_next(&self, method: &'static str, elsewhere: impl FnOnce() + Send + 'static) {
        lock(&self.before_next).insert(method, Box::new(elsewhere));
    }

    fn interleave(&self, method: &'static str) {
        let elsewhere = lock(&self.before_next).remove(method);
        if let Some(elsewhere) = elsewhere {
            elsewhere();
        }
    }

    /// Takes a profile away with its count, for arranging a test.
    pub fn remove(&self, id: &UserId) {
        if let Some(profile) = lock(&self.profiles).remove(id) {
            let mut counters = lock(&self.counters);
            let count = counters.entry(profile.cohort()).or_default();
            *count = count.saturating_sub(1);
        }
    }

    fn check(&self) -> Result<(), PortError> {
        if *lock(&self.down) {
            Err(outage("profile store"))
        } else {
            Ok(())
        }
    }

    pub fn stored(&self, id: &UserId) -> Option<Profile> {
        lock(&self.profiles).get(id).cloned()
    }

    /// Every cohort's counter, zero included.
    pub fn counters(&self) -> BTreeMap<Cohort, u64> {
        let counters = lock(&self.counters);
        Cohort::all()
            .map(|c| (c, counters.get(&c).copied().unwrap_or(0)))
            .collect()
    }

    pub fn write_count(&self) -> usize {
        *lock(&self.writes)
    }

    /// Makes a stored profile read as one whose `field` no longer passes validation.
    pub fn make_unreadable(&self, id: &UserId, field: &'static str) {
        lock(&self.unreadable).insert(id.clone(), field);
    }

    /// Puts a profile in place without touching counters, for arranging a test.
    pub fn insert(&self, profile: Profile) {
        *lock(&self.counters).entry(profile.cohort()).or_default() += 1;
        lock(&self.profiles).insert(profile.user_id.clone(), profile);
    }
}

impl ProfileStore for InMemoryProfiles {
    async fn create(&self, profile: &Profile) -> Result<Created, PortError> {
        self.interleave("create");
        self.check()?;
        let mut profiles = lock(&self.profiles);
        if profiles.contains_key(&profile.user_id)
            || lock(&self.gone).contains_key(&profile.user_id)
        {
            return Ok(Created::AlreadyExists);
        }
        *lock(&self.writes) += 1;
        profiles.insert(profile.user_id.clone(), profile.clone());
        *lock(&self.counters).entry(profile.cohort()).or_default() += 1;
        Ok(Created::Created)
    }

    async fn find(&self, id: &UserId) -> Result<Option<Stored>, PortError> {
        self.interleave("find");
        self.check()?;
        match lock(&self.gone).get(id) {
            Some(Some(username)) => {
                return Ok(Some(Stored::Deleting {
                    username: username.clone(),
                }));
            }
            Some(None) => return Ok(Some(Stored::Deleted)),
            None => {}
        }
        if let Some(field) = lock(&self.unreadable).get(id) {
            return Err(PortError::Unreadable(field));
        }
        Ok(self.stored(id).map(Stored::Profile))
    }

    async fn begin_deletion(&self, profile: &Profile) -> Result<(), UpdateError> {
        self.interleave("begin_deletion");
        self.check()?;
        let mut profiles = lock(&self.profiles);
        match profiles.get(&profile.user_id) {
            Some(current) if current.version == profile.version => {}
            _ => return Err(UpdateError::Conflict),
        }
        *lock(&self.writes) += 1;
        profiles.remove(&profile.user_id);
        let mut counters = lock(&self.counters);
        let count = counters.entry(profile.cohort()).or_default();
        *count = count.saturating_sub(1);
        lock(&self.gone).insert(profile.user_id.clone(), Some(profile.username.clone()));
        Ok(())
    }

    async fn finish_deletion(&self, id: &UserId) -> Result<(), PortError> {
        self.interleave("finish_deletion");
        self.check()?;
        if lock(&self.profiles).contains_key(id) {
            return Err(PortError::Failed(
                "profile store",
                "ConditionalCheckFailed".to_owned(),
            ));
        }
        *lock(&self.writes) += 1;
        lock(&self.gone).insert(id.clone(), None);
        Ok(())
    }

    async fn update(&self, previous: &Profile, updated: &Profile) -> Result<(), UpdateError> {
        self.interleave("update");
        self.check()?;
        let mut profiles = lock(&self.profiles);
        match profiles.get(&previous.user_id) {
            Some(current) if current.version == previous.version => {}
            _ => return Err(UpdateError::Conflict),
        }
        *lock(&self.writes) += 1;
        if previous.cohort() != updated.cohort() {
            let mut counters = lock(&self.counters);
            let old = counters.entry(previous.cohort()).or_default();
            *old = old.saturating_sub(1);
            *counters.entry(updated.cohort()).or_default() += 1;
        }
        profiles.insert(updated.user_id.clone(), updated.clone());
        Ok(())
    }

    async fn list(
        &self,
        cohort: Cohort,
        limit: u32,
        after: Option<&PageCursor>,
    ) -> Result<Page, PortError> {
        self.check()?;
        let mut matching: Vec<Profile> = lock(&self.profiles)
            .values()
            .filter(|p| p.cohort() == cohort)
            .cloned()
            .collect();
        matching.sort_by_key(|p| (p.created_at.to_rfc3339(), p.user_id.clone()));
        let start = after.map_or(0, |c| {
            matching
                .iter()
                .position(|p| {
                    (p.created_at.to_rfc3339(), &p.user_id) > (c.created_at.clone(), &c.user_id)
                })
                .unwrap_or(matching.len())
        });
        let window: Vec<Profile> = matching
            .iter()
            .skip(start)
            .take(limit as usize)
            .cloned()
            .collect();
        let more = start + window.len() < matching.len();
        let next = match window.last() {
            Some(last) if more => Some(PageCursor {
                created_at: last.created_at.to_rfc3339(),
                user_id: last.user_id.clone(),
            }),
            _ => None,
        };
        let unreadable_ids = lock(&self.unreadable);
        let (unreadable, profiles): (Vec<Profile>, Vec<Profile>) = window
            .into_iter()
            .partition(|p| unreadable_ids.contains_key(&p.user_id));
        Ok(Page {
            profiles,
            unreadable: unreadable.into_iter().map(|p| p.user_id).collect(),
            next,
        })
    }

    async fn count_by_cohort(&self) -> Result<BTreeMap<Cohort, u64>, PortError> {
        self.check()?;
        Ok(self.counters())
    }
}

#[derive(Default)]
pub struct InMemoryGroups {
    members: Mutex<BTreeSet<(String, String, UserType)>>,
    /// Users deleted from their pool: (pool, username).
    deleted: Mutex<BTreeSet<(String, String)>>,
    pub down: Mutex<bool>,
    before_next_add: Mutex<Option<Interleaved>>,
}

impl InMemoryGroups {
    pub fn set_down(&self, down: bool) {
        *lock(&self.down) = down;
    }

    /// Runs `elsewhere` inside the next `add_to_group`, just before it adds: a concurrent
    /// request landing between a caller's read and its group change.
    pub fn before_next_add(&self, elsewhere: impl FnOnce() + Send + 'static) {
        *lock(&self.before_next_add) = Some(Box::new(elsewhere));
    }

    /// Makes `username`'s groups in `user_pool_id` exactly `groups`.
    pub fn set_groups(&self, user_pool_id: &str, username: &str, groups: &[UserType]) {
        let mut members = lock(&self.members);
        members.retain(|(pool, user, _)| !(pool == user_pool_id && user == username));
        for group in groups {
            members.insert((user_pool_id.to_owned(), username.to_owned(), *group));
        }
    }

    /// The groups `username` is in, across pools.
    pub fn groups_of(&self, username: &str) -> BTreeSet<UserType> {
        lock(&self.members)
            .iter()
            .filter(|(_, u, _)| u == username)
            .map(|(_, _, g)| *g)
            .collect()
    }

    /// Whether `username` was deleted from any pool.
    pub fn was_deleted(&self, username: &str) -> bool {
        lock(&self.deleted).iter().any(|(_, u)| u == username)
    }

    fn check(&self) -> Result<(), PortError> {
        if *lock(&self.down) {
            Err(outage("user directory"))
        } else {
            Ok(())
        }
    }
}

impl UserDirectory for InMemoryGroups {
    async fn add_to_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> Result<(), PortError> {
        self.check()?;
        let elsewhere = lock(&self.before_next_add).take();
        if let Some(elsewhere) = elsewhere {
            elsewhere();
        }
        lock(&self.members).insert((user_pool_id.to_owned(), username.to_owned(), group));
        Ok(())
    }

    async fn remove_from_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> Result<(), PortError> {
        self.check()?;
        lock(&self.members).remove(&(user_pool_id.to_owned(), username.to_owned(), group));
        Ok(())
    }

    async fn delete_user(&self, user_pool_id: &str, username: &str) -> Result<(), PortError> {
        self.check()?;
        lock(&self.members).retain(|(pool, user, _)| !(pool == user_pool_id && user == username));
        lock(&self.deleted).insert((user_pool_id.to_owned(), username.to_owned()));
        Ok(())
    }
}

/// Presigned URLs here are opaque strings naming the key; `objects` holds uploads.
#[derive(Default)]
pub struct InMemoryPictures {
    objects: Mutex<HashMap<String, StoredPicture>>,
    /// Keys claimed (attached to a profile): the ones that do not expire.
    claimed: Mutex<BTreeSet<String>>,
    /// While set, every call fails as unavailable.
    down: Mutex<bool>,
}

impl InMemoryPictures {
    pub fn set_down(&self, down: bool) {
        *lock(&self.down) = down;
    }

    pub fn is_claimed(&self, key: &str) -> bool {
        lock(&self.claimed).contains(key)
    }

    /// The keys stored under `prefix`.
    pub fn keys_under(&self, prefix: &str) -> Vec<String> {
        let mut keys: Vec<String> = lock(&self.objects)
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    pub fn put(&self, key: &str, content_type: &str, size: u64) {
        lock(&self.objects).insert(
            key.to_owned(),
            StoredPicture {
                content_type: Some(content_type.to_owned()),
                size,
            },
        );
    }
}

impl PictureStore for InMemoryPictures {
    async fn presign_upload(
        &self,
        key: &PictureKey,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedUpload, PortError> {
        let expires_at = Utc
            .timestamp_opt(1_900_000_000, 0)
            .single()
            .unwrap_or_default()
            + chrono::Duration::seconds(expires_in.as_secs() as i64);
        Ok(PresignedUpload {
            url: format!(
                "https://pictures.test/{}?X-Amz-Signature=fake",
                key.as_str()
            ),
            headers: vec![
                (
                    "Content-Type".to_owned(),
                    key.image_type().content_type().to_owned(),
                ),
                ("Content-Length".to_owned(), content_length.to_string()),
            ],
            expires_at,
        })
    }

    async fn presign_download(
        &self,
        key: &PictureKey,
        _expires_in: Duration,
    ) -> Result<String, PortError> {
        Ok(format!(
            "https://pictures.test/{}?X-Amz-Signature=fake-get",
            key.as_str()
        ))
    }

    async fn describe(&self, key: &PictureKey) -> Result<Option<StoredPicture>, PortError> {
        Ok(lock(&self.objects).get(key.as_str()).cloned())
    }

    async fn claim(&self, key: &PictureKey) -> Result<(), PortError> {
        if *lock(&self.down) {
            return Err(outage("picture store"));
        }
        lock(&self.claimed).insert(key.as_str().to_owned());
        Ok(())
    }

    async fn release(&self, key: &PictureKey) -> Result<(), PortError> {
        if *lock(&self.down) {
            return Err(outage("picture store"));
        }
        lock(&self.claimed).remove(key.as_str());
        Ok(())
    }

    async fn delete_all(&self, owner: &UserId) -> Result<u64, PortError> {
        if *lock(&self.down) {
            return Err(outage("picture store"));
        }
        let prefix = PictureKey::prefix_of(owner);
        let mut objects = lock(&self.objects);
        let before = objects.len();
        objects.retain(|key, _| !key.starts_with(&prefix));
        Ok((before - objects.len()) as u64)
    }
}

/// An entry's key as the table keys it: its profile (or, untargeted, its actor: `false`),
/// time and request id.
type EntryKey = (bool, UserId, chrono::DateTime<Utc>, RequestId);

/// Keeps entries by key, as DynamoDB would: a second entry under a stored key is dropped.
#[derive(Default)]
pub struct InMemoryAccessLog {
    entries: Mutex<BTreeMap<EntryKey, AccessEntry>>,
    /// While set, every call fails as unavailable.
    pub down: Mutex<bool>,
    /// Number of `record` calls, stored or not.
    pub attempts: Mutex<usize>,
}

impl InMemoryAccessLog {
    pub fn set_down(&self, down: bool) {
        *lock(&self.down) = down;
    }

    fn check(&self) -> Result<(), PortError> {
        if *lock(&self.down) {
            Err(outage("access log"))
        } else {
            Ok(())
        }
    }

    /// Every stored entry, oldest first.
    pub fn entries(&self) -> Vec<AccessEntry> {
        let mut entries: Vec<AccessEntry> = lock(&self.entries).values().cloned().collect();
        entries.sort_by(|a, b| (a.at, &a.request_id).cmp(&(b.at, &b.request_id)));
        entries
    }

    pub fn attempts(&self) -> usize {
        *lock(&self.attempts)
    }
}

fn entry_key(entry: &AccessEntry) -> EntryKey {
    let (targeted, subject) = match &entry.target {
        Some(target) => (true, target.clone()),
        None => (false, entry.actor.clone()),
    };
    (targeted, subject, entry.at, entry.request_id.clone())
}

impl AccessLog for InMemoryAccessLog {
    async fn record(&self, entry: &AccessEntry) -> Result<(), PortError> {
        *lock(&self.attempts) += 1;
        self.check()?;
        lock(&self.entries)
            .entry(entry_key(entry))
            .or_insert_with(|| entry.clone());
        Ok(())
    }

    async fn list(
        &self,
        target: &UserId,
        limit: u32,
        after: Option<&AccessCursor>,
    ) -> Result<AccessPage, PortError> {
        self.check()?;
        let mut about: Vec<AccessEntry> = lock(&self.entries)
            .values()
            .filter(|e| e.target.as_ref() == Some(target))
            .filter(|e| after.is_none_or(|c| (e.at, &e.request_id) < (c.at, &c.request_id)))
            .cloned()
            .collect();
        about.sort_by(|a, b| (b.at, &b.request_id).cmp(&(a.at, &a.request_id)));
        let more = about.len() > limit as usize;
        about.truncate(limit as usize);
        let next = about.last().filter(|_| more).map(AccessCursor::after);
        Ok(AccessPage {
            entries: about,
            next,
        })
    }
}

/// The fakes never wait, so one poll finishes a future over them (no runtime needed).
#[cfg(test)]
#[allow(clippy::panic)]
pub(crate) fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("an in-memory fake waited"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::access_log::{AccessAction, AccessOutcome};

    const ADA: &str = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";
    const BO: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

    fn entry(second: u32, request: &str, target: Option<&str>) -> AccessEntry {
        AccessEntry {
            at: Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, second).unwrap(),
            request_id: RequestId::parse(request).unwrap(),
            actor: UserId::parse(ADA).unwrap(),
            actor_groups: [UserType::Patient].into(),
            action: AccessAction::Read,
            target: target.map(|t| UserId::parse(t).unwrap()),
            fields: Vec::new(),
            outcome: AccessOutcome::Allowed,
        }
    }

    #[test]
    fn lists_a_targets_entries_newest_first_in_pages() {
        let log = InMemoryAccessLog::default();
        for (second, request) in [(1, "r1"), (3, "r3"), (2, "r2"), (2, "r2b")] {
            ready(log.record(&entry(second, request, Some(ADA)))).unwrap();
        }
        ready(log.record(&entry(4, "r4", Some(BO)))).unwrap();
        ready(log.record(&entry(5, "r5", None))).unwrap();
        let ada = UserId::parse(ADA).unwrap();

        let first = ready(log.list(&ada, 3, None)).unwrap();
        let ids = |page: &AccessPage| -> Vec<String> {
            page.entries
                .iter()
                .map(|e| e.request_id.to_string())
                .collect()
        };
        assert_eq!(ids(&first), ["r3", "r2b", "r2"]);
        let second = ready(log.list(&ada, 3, first.next.as_ref())).unwrap();
        assert_eq!(ids(&second), ["r1"]);
        assert_eq!(second.next, None);
    }

    #[test]
    fn a_stored_key_is_never_overwritten() {
        let log = InMemoryAccessLog::default();
        let first = entry(1, "r1", Some(ADA));
        let mut again = first.clone();
        again.outcome = AccessOutcome::Denied;
        ready(log.record(&first)).unwrap();
        ready(log.record(&again)).unwrap();
        assert_eq!(log.entries(), [first]);
        assert_eq!(log.attempts(), 2);
    }

    #[test]
    fn a_log_that_is_down_refuses_every_call() {
        let log = InMemoryAccessLog::default();
        log.set_down(true);
        assert!(ready(log.record(&entry(1, "r1", Some(ADA)))).is_err());
        assert!(ready(log.list(&UserId::parse(ADA).unwrap(), 1, None)).is_err());
        assert!(log.entries().is_empty());
    }
}
