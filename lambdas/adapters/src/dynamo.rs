//! The profile table, in one layout that spreads every hot write over `Shards`:
//!
//! - one item per profile (`USER#<sub>` / `PROFILE`), carrying its listing keys
//!   `list_pk` = `<type>#<status>#<shard>` and `list_sk` = `<created_at>#<sub>`, so the
//!   `listing` index holds each cohort in `Shards` partitions, oldest first;
//! - one counter item per shard (`METRICS#<shard>` / `COUNTS`), with one number per cohort,
//!   kept in step with profile writes by transactions.
//!
//! A profile's shard comes from its id, so its counter moves stay on one item. Profiles
//! written under the layout before this one (no `list_pk`) are migrated by `backfill`,
//! or by their next write. `docs/capacity.md` explains the figures.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, Update};
use chrono::{DateTime, SecondsFormat, Utc};
use domain::fields::{
    BloodGroup, DateOfBirth, DisplayName, Email, Gender, PhoneNumber, PictureKey,
};
use domain::ports::{Created, Page, PageCursor, PortError, ProfileStore, Stored, UpdateError};
use domain::{Cohort, Profile, ProfileStatus, UserId, UserType};

use crate::aws::port_error;
pub use keys::Shards;

pub(crate) const STORE: &str = "profile store";
pub const LISTING_INDEX: &str = "listing";

pub(crate) type Item = HashMap<String, AttributeValue>;

/// Every key the table uses, in one place: the store, the backfill and the capacity
/// simulation build keys only through these.
pub mod keys {
    use domain::{Cohort, UserId, UserType};

    /// How many partition keys each counter and each listing cohort is spread over.
    /// It may grow but never shrink: stored shard numbers must stay below it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Shards(u32);

    impl Shards {
        /// BatchGetItem reads at most 100 keys, and the metrics read is one batch.
        pub const MAX: u32 = 100;

        pub fn new(count: u32) -> Option<Shards> {
            (1..=Self::MAX).contains(&count).then_some(Shards(count))
        }

        pub fn count(self) -> u32 {
            self.0
        }

        /// A profile's shard: FNV-1a of its id, stable across builds and platforms.
        pub fn of(self, id: &UserId) -> u32 {
            let hash = id
                .to_string()
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
                });
            (hash % u64::from(self.0)) as u32
        }
    }

    pub fn profile_pk(id: &UserId) -> String {
        format!("USER#{id}")
    }

    pub const PROFILE_SK: &str = "PROFILE";

    pub fn counter_pk(shard: u32) -> String {
        format!("METRICS#{shard:02}")
    }

    pub const COUNTER_SK: &str = "COUNTS";

    /// The counter item's attribute that counts one cohort.
    pub fn counter_attribute(cohort: Cohort) -> String {
        format!("{}#{}", cohort.user_type, cohort.status.as_str())
    }

    pub fn listing_pk(cohort: Cohort, shard: u32) -> String {
        format!("{}#{}#{shard:02}", cohort.user_type, cohort.status.as_str())
    }

    /// Unique and ordered by creation time, so a page resumes strictly after it.
    pub fn listing_sk(created_at: &str, id: &UserId) -> String {
        format!("{created_at}#{id}")
    }

    /// The layout before sharding: one counter item per type under one partition key,
    /// and an index keyed by `user_type` alone. Read by the backfill (and the simulation).
    pub mod legacy {
        use super::UserType;

        pub const COUNTER_PK: &str = "METRICS";

        pub fn counter_sk(user_type: UserType) -> String {
            format!("USER_TYPE#{user_type}")
        }

        /// The old index's partition key: the `user_type` attribute.
        pub fn listing_pk(user_type: UserType) -> String {
            user_type.to_string()
        }
    }
}

/// Adds each delta to its cohort's count on the shard of profile `id`: one item, so a
/// move between cohorts is one update.
pub(crate) fn counter_change(
    table: &str,
    shards: Shards,
    id: &UserId,
    deltas: &[(Cohort, i64)],
) -> Result<TransactWriteItem, PortError> {
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::counter_pk(shards.of(id)), keys::COUNTER_SK)));
    let mut adds = Vec::new();
    for (i, (cohort, delta)) in deltas.iter().enumerate() {
        adds.push(format!("#c{i} :d{i}"));
        update = update
            .expression_attribute_names(format!("#c{i}"), keys::counter_attribute(*cohort))
            .expression_attribute_values(format!(":d{i}"), AttributeValue::N(delta.to_string()));
    }
    let update = update
        .update_expression(format!("ADD {}", adds.join(", ")))
        .build()
        .map_err(|_| PortError::Failed(STORE, "counter update could not be built".to_owned()))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

#[derive(Clone)]
pub struct DynamoProfiles {
    client: Client,
    table: String,
    shards: Shards,
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// Timestamps are written in one fixed format, so the index sorts them by time.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn profile_key(id: &UserId) -> Item {
    key(keys::profile_pk(id), keys::PROFILE_SK)
}

/// The listing keys of a stored profile of `cohort`.
pub(crate) fn listing_keys(
    shards: Shards,
    cohort: Cohort,
    id: &UserId,
    created_at: &str,
) -> [(String, AttributeValue); 2] {
    [
        (
            "list_pk".to_owned(),
            s(keys::listing_pk(cohort, shards.of(id))),
        ),
        ("list_sk".to_owned(), s(keys::listing_sk(created_at, id))),
    ]
}

fn to_item(p: &Profile, shards: Shards) -> Item {
    let mut item = profile_key(&p.user_id);
    let mut put = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            item.insert(name.to_owned(), s(v));
        }
    };
    put("user_id", Some(p.user_id.to_string()));
    put("username", Some(p.username.clone()));
    put("email", p.email.as_ref().map(|v| v.as_str().to_owned()));
    put("name", p.name.as_ref().map(|v| v.as_str().to_owned()));
    put(
        "phone_number",
        p.phone_number.as_ref().map(|v| v.as_str().to_owned()),
    );
    put("dob", p.dob.map(|v| v.to_string()));
    put("gender", p.gender.map(|v| v.as_str().to_owned()));
    put("blood_group", p.blood_group.map(|v| v.as_str().to_owned()));
    put("user_type", Some(p.user_type.as_str().to_owned()));
    put("status", Some(p.status.as_str().to_owned()));
    put(
        "picture_key",
        p.picture_key.as_ref().map(|v| v.as_str().to_owned()),
    );
    put("created_at", Some(timestamp(p.created_at)));
    put("updated_at", Some(timestamp(p.updated_at)));
    item.extend(listing_keys(
        shards,
        p.cohort(),
        &p.user_id,
        &timestamp(p.created_at),
    ));
    item.insert(
        "version".to_owned(),
        AttributeValue::N(p.version.to_string()),
    );
    item
}

fn corrupt(field: &'static str) -> PortError {
    PortError::Unreadable(field)
}

/// The user id in an item's partition key (`USER#<sub>`), which the table's key guarantees.
pub(crate) fn user_id_of_key(item: &Item) -> Result<UserId, PortError> {
    item.get("PK")
        .and_then(|v| v.as_s().ok())
        .and_then(|pk| pk.strip_prefix("USER#"))
        .and_then(|sub| UserId::parse(sub).ok())
        .ok_or_else(|| PortError::Failed(STORE, "an item's key is not a profile's".to_owned()))
}

pub(crate) fn from_item(item: &Item) -> Result<Profile, PortError> {
    let text = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    };
    let required = |name: &'static str| text(name).ok_or_else(|| corrupt(name));
    fn optional<T, E>(
        value: Option<&str>,
        parse: impl Fn(&str) -> Result<T, E>,
        name: &'static str,
    ) -> Result<Option<T>, PortError> {
        value
            .map(|v| parse(v).map_err(|_| corrupt(name)))
            .transpose()
    }
    let time = |name: &'static str| {
        DateTime::parse_from_rfc3339(required(name)?)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| corrupt(name))
    };
    Ok(Profile {
        user_id: UserId::parse(required("user_id")?).map_err(|_| corrupt("user_id"))?,
        username: required("username")?.to_owned(),
        email: optional(text("email"), Email::parse, "email")?,
        name: optional(text("name"), DisplayName::parse, "name")?,
        phone_number: optional(text("phone_number"), PhoneNumber::parse, "phone_number")?,
        dob: optional(text("dob"), DateOfBirth::from_stored, "dob")?,
        gender: optional(text("gender"), Gender::parse, "gender")?,
        blood_group: optional(text("blood_group"), BloodGroup::parse, "blood_group")?,
        user_type: UserType::parse(required("user_type")?).map_err(|_| corrupt("user_type"))?,
        status: ProfileStatus::parse(required("status")?).ok_or_else(|| corrupt("status"))?,
        picture_key: optional(text("picture_key"), PictureKey::parse, "picture_key")?,
        created_at: time("created_at")?,
        updated_at: time("updated_at")?,
        version: item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| corrupt("version"))?,
    })
}

/// DynamoDB cancels a transaction that overlaps another on one of its items
/// (`TransactionConflict`), and the SDK's retry does not cover that. Short jittered
/// retries settle a race of parallel writers on one counter (at most about 1 s of waiting
/// in all, well inside the trigger's 4 s and the API's deadline); one that keeps losing is
/// an outage to retry later (503 or a failed trigger), never a 500.
const CONFLICT_RETRIES: u32 = 6;
const FIRST_CONFLICT_BACKOFF: Duration = Duration::from_millis(20);
const MAX_CONFLICT_BACKOFF: Duration = Duration::from_millis(400);

pub(crate) async fn send_transaction(
    request: TransactWriteItemsFluentBuilder,
) -> Result<(), SdkError<TransactWriteItemsError, HttpResponse>> {
    let mut retries = 0;
    loop {
        match request.clone().send().await {
            Err(e) if retries < CONFLICT_RETRIES && lost_to_a_conflict(&e) => {
                let ceiling =
                    (FIRST_CONFLICT_BACKOFF * 2u32.pow(retries)).min(MAX_CONFLICT_BACKOFF);
                tokio::time::sleep(full_jitter(ceiling)).await;
                retries += 1;
            }
            result => return result.map(|_| ()),
        }
    }
}

/// A random wait in [0, ceiling], so racing writers do not retry in step.
fn full_jitter(ceiling: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    ceiling.mul_f64((random % 1001) as f64 / 1000.0)
}

/// True when a transaction was cancelled only because another one held an item.
pub(crate) fn lost_to_a_conflict(err: &SdkError<TransactWriteItemsError, HttpResponse>) -> bool {
    let reasons: Vec<&str> = match err {
        SdkError::ServiceError(e) => match e.err() {
            TransactWriteItemsError::TransactionCanceledException(t) => t
                .cancellation_reasons()
                .iter()
                .filter_map(|r| r.code())
                .collect(),
            _ => return false,
        },
        _ => return false,
    };
    reasons.contains(&"TransactionConflict") && !reasons.contains(&"ConditionalCheckFailed")
}

fn conflict_outage() -> PortError {
    PortError::Unavailable(STORE, "TransactionConflict".to_owned())
}

/// True when a transaction was cancelled because an item's condition failed.
pub(crate) fn condition_failed(err: &SdkError<TransactWriteItemsError, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(e) => match e.err() {
            TransactWriteItemsError::TransactionCanceledException(t) => t
                .cancellation_reasons()
                .iter()
                .any(|r| r.code() == Some("ConditionalCheckFailed")),
            _ => false,
        },
        _ => false,
    }
}

impl DynamoProfiles {
    pub fn new(sdk: &aws_config::SdkConfig, table: impl Into<String>, shards: Shards) -> Self {
        Self {
            client: Client::new(sdk),
            table: table.into(),
            shards,
        }
    }

    fn counter_change(
        &self,
        id: &UserId,
        deltas: &[(Cohort, i64)],
    ) -> Result<TransactWriteItem, PortError> {
        counter_change(&self.table, self.shards, id, deltas)
    }

    fn conditional_put(
        &self,
        profile: &Profile,
        condition: &str,
        expected: Option<u64>,
    ) -> Result<TransactWriteItem, PortError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(profile, self.shards)))
            .condition_expression(condition);
        if let Some(version) = expected {
            put = put
                .expression_attribute_values(":expected", AttributeValue::N(version.to_string()));
        }
        let put = put
            .build()
            .map_err(|_| PortError::Failed(STORE, "profile write could not be built".to_owned()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Writes `updated` in a transaction with `counter_deltas`, if the stored item still
    /// meets `condition`.
    async fn transact_update(
        &self,
        updated: &Profile,
        condition: &str,
        expected: u64,
        counter_deltas: &[(Cohort, i64)],
    ) -> Result<(), UpdateError> {
        let request = self
            .client
            .transact_write_items()
            .transact_items(self.conditional_put(updated, condition, Some(expected))?)
            .transact_items(self.counter_change(&updated.user_id, counter_deltas)?);
        match send_transaction(request).await {
            Ok(()) => Ok(()),
            Err(e) if condition_failed(&e) => Err(UpdateError::Conflict),
            Err(e) if lost_to_a_conflict(&e) => Err(UpdateError::Port(conflict_outage())),
            Err(e) => Err(UpdateError::Port(port_error(STORE, &e))),
        }
    }

    /// An update that leaves the counters alone: one conditional PutItem, because a
    /// transaction costs twice the write capacity.
    async fn put_if_version(&self, expected: u64, updated: &Profile) -> Result<(), UpdateError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(updated, self.shards)))
            .condition_expression(WRITTEN_IN_THIS_LAYOUT_AT_VERSION)
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
            .send()
            .await;
        conditional_write(result)
    }

    /// After a refused update: a profile still at `previous.version` but stored in the
    /// layout before sharding is not counted by this layout's counters yet, so this write
    /// migrates it and counts it once. Anything else was a real conflict.
    async fn migrate_on_write(
        &self,
        previous: &Profile,
        updated: &Profile,
    ) -> Result<(), UpdateError> {
        let stored = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(profile_key(&previous.user_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| UpdateError::Port(port_error(STORE, &e)))?;
        let unmigrated_at_version = stored.item().is_some_and(|item| {
            !item.contains_key("list_pk")
                && !item.contains_key(DELETING_SINCE)
                && !item.contains_key(DELETED_AT)
                && item.get("version").and_then(|v| v.as_n().ok())
                    == Some(&previous.version.to_string())
        });
        if !unmigrated_at_version {
            return Err(UpdateError::Conflict);
        }
        self.transact_update(
            updated,
            "version = :expected AND attribute_not_exists(list_pk) AND attribute_not_exists(deleting_since)",
            previous.version,
            &[(updated.cohort(), 1)],
        )
        .await
    }

    /// After a refused deletion mark: a profile still at its version but stored in the
    /// layout before sharding is not in this layout's counters, so it is marked without
    /// a counter change. Anything else was a real conflict.
    async fn begin_unmigrated_deletion(
        &self,
        profile: &Profile,
        now: AttributeValue,
    ) -> Result<(), UpdateError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(profile_key(&profile.user_id)))
            .update_expression("SET #since = :now")
            .condition_expression(
                "version = :expected AND attribute_not_exists(list_pk) AND attribute_not_exists(#since)",
            )
            .expression_attribute_names("#since", DELETING_SINCE)
            .expression_attribute_values(":now", now)
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(profile.version.to_string()),
            )
            .send()
            .await;
        conditional_write(result)
    }

    /// One shard's page of a cohort, after `after` (a `list_sk`). The `bool` says whether
    /// the shard holds more.
    async fn list_shard(
        client: Client,
        table: String,
        list_pk: String,
        after: Option<String>,
        limit: u32,
    ) -> Result<(Vec<Item>, bool), PortError> {
        let mut query = client
            .query()
            .table_name(table)
            .index_name(LISTING_INDEX)
            .expression_attribute_values(":pk", s(list_pk))
            .limit(limit.try_into().unwrap_or(i32::MAX));
        query = match after {
            Some(after) => query
                .key_condition_expression("list_pk = :pk AND list_sk > :after")
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression("list_pk = :pk"),
        };
        let output = query.send().await.map_err(|e| port_error(STORE, &e))?;
        Ok((
            output.items().to_vec(),
            output.last_evaluated_key().is_some(),
        ))
    }
}

/// What a listing has read of one shard of a cohort, in `list_sk` order.
struct ShardRead {
    list_pk: String,
    items: Vec<(String, Item)>,
    /// The shard holds items after the last one read.
    more: bool,
    /// Its last read said "more" but gave no item.
    stalled: bool,
    /// How many items the next read of this shard asks for.
    next_read: u32,
}

impl ShardRead {
    /// Whether an item not yet read from this shard could sort before `boundary` (none
    /// yet: any item could be on the page).
    fn may_hold_items_before(&self, boundary: Option<&str>) -> bool {
        let last = self.items.last().map(|(sk, _)| sk.as_str());
        self.more
            && !self.stalled
            && match (boundary, last) {
                (None, _) | (Some(_), None) => true,
                (Some(boundary), Some(last)) => last < boundary,
            }
    }
}

/// The `list_sk` of the page's last item among what the shards have read so far, once they
/// have read at least a page: no unread item after it can be on the page.
fn page_boundary(reads: &[ShardRead], limit: usize) -> Option<String> {
    let mut read: Vec<&str> = reads
        .iter()
        .flat_map(|r| r.items.iter().map(|(sk, _)| sk.as_str()))
        .collect();
    if read.len() < limit {
        return None;
    }
    let (_, boundary, _) = read.select_nth_unstable(limit.saturating_sub(1));
    Some((*boundary).to_owned())
}

/// Set on a profile when its deletion begins (with the time); the profile then neither
/// counts nor lists and reads as deleted.
pub(crate) const DELETING_SINCE: &str = "deleting_since";
/// Set on the tombstone that replaces a deleted profile.
pub(crate) const DELETED_AT: &str = "deleted_at";

/// The put condition of every update: the expected version, in this layout.
const WRITTEN_IN_THIS_LAYOUT_AT_VERSION: &str = "version = :expected AND attribute_exists(list_pk)";

fn list_sk_of(item: &Item) -> Result<&str, PortError> {
    item.get("list_sk")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| corrupt("list_sk"))
}

/// A conditional single-item write's outcome: a failed condition is a conflict.
fn conditional_write<T, E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    result: Result<T, SdkError<E, HttpResponse>>,
) -> Result<(), UpdateError> {
    match result {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error().and_then(|e| e.code())
                == Some("ConditionalCheckFailedException") =>
        {
            Err(UpdateError::Conflict)
        }
        Err(e) => Err(UpdateError::Port(port_error(STORE, &e))),
    }
}

/// BatchGetItem may leave keys unprocessed under load; they are asked for again this
/// many times before the read counts as unavailable.
const BATCH_ROUNDS: u32 = 4;

impl ProfileStore for DynamoProfiles {
    async fn create(&self, profile: &Profile) -> Result<Created, PortError> {
        let request = self
            .client
            .transact_write_items()
            .transact_items(self.conditional_put(profile, "attribute_not_exists(PK)", None)?)
            .transact_items(self.counter_change(&profile.user_id, &[(profile.cohort(), 1)])?);
        match send_transaction(request).await {
            Ok(()) => Ok(Created::Created),
            Err(e) if condition_failed(&e) => Ok(Created::AlreadyExists),
            Err(e) if lost_to_a_conflict(&e) => Err(conflict_outage()),
            Err(e) => Err(port_error(STORE, &e)),
        }
    }

    async fn find(&self, id: &UserId) -> Result<Option<Stored>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(profile_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(STORE, &e))?;
        let Some(item) = output.item() else {
            return Ok(None);
        };
        if item.contains_key(DELETED_AT) {
            return Ok(Some(Stored::Deleted));
        }
        if item.contains_key(DELETING_SINCE) {
            let username = item
                .get("username")
                .and_then(|v| v.as_s().ok())
                .ok_or_else(|| corrupt("username"))?;
            return Ok(Some(Stored::Deleting {
                username: username.clone(),
            }));
        }
        from_item(item).map(|p| Some(Stored::Profile(p)))
    }

    async fn begin_deletion(&self, profile: &Profile) -> Result<(), UpdateError> {
        let now = s(timestamp(Utc::now()));
        let mark = Update::builder()
            .table_name(&self.table)
            .set_key(Some(profile_key(&profile.user_id)))
            .update_expression("SET #since = :now REMOVE list_pk, list_sk")
            .condition_expression(
                "version = :expected AND attribute_exists(list_pk) AND attribute_not_exists(#since)",
            )
            .expression_attribute_names("#since", DELETING_SINCE)
            .expression_attribute_values(":now", now.clone())
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(profile.version.to_string()),
            )
            .build()
            .map_err(|_| PortError::Failed(STORE, "deletion could not be built".to_owned()))?;
        let request = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(mark).build())
            .transact_items(self.counter_change(&profile.user_id, &[(profile.cohort(), -1)])?);
        match send_transaction(request).await {
            Ok(()) => Ok(()),
            Err(e) if condition_failed(&e) => self.begin_unmigrated_deletion(profile, now).await,
            Err(e) if lost_to_a_conflict(&e) => Err(UpdateError::Port(conflict_outage())),
            Err(e) => Err(UpdateError::Port(port_error(STORE, &e))),
        }
    }

    async fn finish_deletion(&self, id: &UserId) -> Result<(), PortError> {
        let tombstone = HashMap::from([
            ("PK".to_owned(), s(keys::profile_pk(id))),
            ("SK".to_owned(), s(keys::PROFILE_SK)),
            ("user_id".to_owned(), s(id.to_string())),
            (DELETED_AT.to_owned(), s(timestamp(Utc::now()))),
        ]);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(tombstone))
            .condition_expression(
                "attribute_not_exists(PK) OR attribute_exists(#since) OR attribute_exists(#at)",
            )
            .expression_attribute_names("#since", DELETING_SINCE)
            .expression_attribute_names("#at", DELETED_AT)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(PortError::Failed(
                    STORE,
                    "a live profile is stored: its deletion must begin first".to_owned(),
                ))
            }
            Err(e) => Err(port_error(STORE, &e)),
        }
    }

    async fn update(&self, previous: &Profile, updated: &Profile) -> Result<(), UpdateError> {
        let result = if previous.cohort() == updated.cohort() {
            self.put_if_version(previous.version, updated).await
        } else {
            self.transact_update(
                updated,
                WRITTEN_IN_THIS_LAYOUT_AT_VERSION,
                previous.version,
                &[(previous.cohort(), -1), (updated.cohort(), 1)],
            )
            .await
        };
        match result {
            Err(UpdateError::Conflict) => self.migrate_on_write(previous, updated).await,
            other => other,
        }
    }

    /// Queries the cohort's shards at once and merges them by `list_sk`: the first `limit` of
    /// the merge are the cohort's next `limit` once no shard can hold an unread item before
    /// the last of them.
    async fn list(
        &self,
        cohort: Cohort,
        limit: u32,
        after: Option<&PageCursor>,
    ) -> Result<Page, PortError> {
        if limit == 0 {
            return Ok(Page {
                profiles: Vec::new(),
                unreadable: Vec::new(),
                next: None,
            });
        }
        let after = after.map(|c| keys::listing_sk(&c.created_at, &c.user_id));
        // Each shard is read a little at a time, not `limit` items each (N × limit items for a
        // page of `limit`): first about twice its share of the page, then, in rounds, twice as
        // much again from any shard that may still hold items of this page, until none does.
        let shards = self.shards.count();
        let mut reads: Vec<ShardRead> = (0..shards)
            .map(|shard| ShardRead {
                list_pk: keys::listing_pk(cohort, shard),
                items: Vec::new(),
                more: true,
                stalled: false,
                next_read: (limit.div_ceil(shards) * 2).min(limit),
            })
            .collect();
        loop {
            let boundary = page_boundary(&reads, limit as usize);
            let wanted: Vec<usize> = (0..reads.len())
                .filter(|&i| reads[i].may_hold_items_before(boundary.as_deref()))
                .collect();
            if wanted.is_empty() {
                break;
            }
            let mut round = tokio::task::JoinSet::new();
            for i in wanted {
                let read = &reads[i];
                let from = read
                    .items
                    .last()
                    .map(|(sk, _)| sk.clone())
                    .or(after.clone());
                let (client, table, list_pk, size) = (
                    self.client.clone(),
                    self.table.clone(),
                    read.list_pk.clone(),
                    read.next_read,
                );
                round.spawn(async move {
                    (
                        i,
                        Self::list_shard(client, table, list_pk, from, size).await,
                    )
                });
            }
            while let Some(joined) = round.join_next().await {
                let (i, result) = joined
                    .map_err(|_| PortError::Failed(STORE, "a listing query stopped".to_owned()))?;
                let (items, shard_has_more) = result?;
                let read = &mut reads[i];
                // A shard that says it holds more but gave nothing is not asked again for
                // this page (the cursor still moves on).
                read.more = shard_has_more;
                read.stalled = items.is_empty();
                for item in items {
                    read.items.push((list_sk_of(&item)?.to_owned(), item));
                }
                read.next_read = read.next_read.saturating_mul(2).min(limit);
            }
        }
        let mut more = reads.iter().any(|r| r.more);
        let items: Vec<(String, Item)> = reads.into_iter().flat_map(|r| r.items).collect();
        let mut sorted = items;
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        more |= sorted.len() > limit as usize;
        sorted.truncate(limit as usize);

        // One unreadable item is reported by id; the rest of the page still answers.
        let mut page = Page {
            profiles: Vec::new(),
            unreadable: Vec::new(),
            next: None,
        };
        for (_, item) in &sorted {
            match from_item(item) {
                Ok(profile) => page.profiles.push(profile),
                Err(PortError::Unreadable(_)) => page.unreadable.push(user_id_of_key(item)?),
                Err(e) => return Err(e),
            }
        }
        // Resume after the last item of the page, readable or not.
        if let Some((list_sk, item)) = sorted.last().filter(|_| more) {
            let created_at = list_sk
                .split_once('#')
                .map(|(created_at, _)| created_at.to_owned())
                .ok_or_else(|| corrupt("list_sk"))?;
            page.next = Some(PageCursor {
                created_at,
                user_id: user_id_of_key(item)?,
            });
        }
        Ok(page)
    }

    /// One BatchGetItem of every shard's counter item, summed per cohort.
    async fn count_by_cohort(&self) -> Result<BTreeMap<Cohort, u64>, PortError> {
        let mut wanted = KeysAndAttributes::builder().consistent_read(true);
        for shard in 0..self.shards.count() {
            wanted = wanted.keys(key(keys::counter_pk(shard), keys::COUNTER_SK));
        }
        let mut request = HashMap::from([(
            self.table.clone(),
            wanted.build().map_err(|_| {
                PortError::Failed(STORE, "counter read could not be built".to_owned())
            })?,
        )]);
        let mut sums: BTreeMap<Cohort, i64> = Cohort::all().map(|c| (c, 0)).collect();
        for round in 0..BATCH_ROUNDS {
            let output = self
                .client
                .batch_get_item()
                .set_request_items(Some(request))
                .send()
                .await
                .map_err(|e| port_error(STORE, &e))?;
            for item in output
                .responses()
                .and_then(|r| r.get(&self.table))
                .into_iter()
                .flatten()
            {
                for (cohort, sum) in sums.iter_mut() {
                    let count = item
                        .get(&keys::counter_attribute(*cohort))
                        .and_then(|v| v.as_n().ok())
                        .and_then(|n| n.parse::<i64>().ok())
                        .unwrap_or(0);
                    *sum += count;
                }
            }
            match output.unprocessed_keys() {
                Some(left) if !left.is_empty() => {
                    request = left.clone();
                    tokio::time::sleep(full_jitter(FIRST_CONFLICT_BACKOFF * 2u32.pow(round))).await;
                }
                _ => {
                    return Ok(sums
                        .into_iter()
                        .map(|(cohort, sum)| (cohort, sum.max(0).unsigned_abs()))
                        .collect());
                }
            }
        }
        Err(PortError::Unavailable(
            STORE,
            "counters left unprocessed".to_owned(),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn id(n: u32) -> UserId {
        UserId::parse(&format!("00000000-0000-4000-8000-{n:012}")).unwrap()
    }

    /// Stored keys depend on these values: a changed hash would strand every profile
    /// on a shard the listing no longer expects.
    #[test]
    fn a_profiles_shard_is_pinned() {
        let sixteen = Shards::new(16).unwrap();
        let first: Vec<u32> = (0..8).map(|n| sixteen.of(&id(n))).collect();
        assert_eq!(
            first,
            [5, 2, 15, 12, 9, 6, 3, 0],
            "FNV-1a of the id, mod 16"
        );
    }

    #[test]
    fn shards_stay_in_range_and_are_all_used() {
        for count in [1, 3, 16, 100] {
            let shards = Shards::new(count).unwrap();
            let used: std::collections::BTreeSet<u32> =
                (0..5000).map(|n| shards.of(&id(n))).collect();
            assert_eq!(used, (0..count).collect(), "{count} shards");
        }
        assert_eq!(Shards::new(0), None);
        assert_eq!(Shards::new(101), None);
    }

    #[test]
    fn keys_name_the_cohort_and_shard() {
        let doctor = Cohort::pending(UserType::Doctor);
        assert_eq!(keys::listing_pk(doctor, 7), "Doctor#pending_review#07");
        assert_eq!(keys::counter_pk(7), "METRICS#07");
        assert_eq!(keys::counter_attribute(doctor), "Doctor#pending_review");
        assert_eq!(
            keys::listing_sk("2026-11-01T08:00:00.000Z", &id(1)),
            "2026-11-01T08:00:00.000Z#00000000-0000-4000-8000-000000000001"
        );
    }
}
