//! The profile table: one item per profile (`USER#<sub>` / `PROFILE`) and one
//! counter item per user type (`METRICS` / `USER_TYPE#<type>`), kept in step with
//! profile writes by transactions. The `by_user_type` index serves listings.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, SecondsFormat, Utc};
use domain::fields::{
    BloodGroup, DateOfBirth, DisplayName, Email, Gender, PhoneNumber, PictureKey,
};
use domain::ports::{Created, Page, PageCursor, PortError, ProfileStore, UpdateError};
use domain::{Profile, ProfileStatus, UserId, UserType};

use crate::aws::port_error;

const STORE: &str = "profile store";
pub const USER_TYPE_INDEX: &str = "by_user_type";
const METRICS_PK: &str = "METRICS";

type Item = HashMap<String, AttributeValue>;

#[derive(Clone)]
pub struct DynamoProfiles {
    client: Client,
    table: String,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn profile_pk(id: &UserId) -> String {
    format!("USER#{id}")
}

/// Timestamps are written in one fixed format, so the index sorts them by time.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn counter_key(user_type: UserType) -> Item {
    HashMap::from([
        ("PK".to_owned(), s(METRICS_PK)),
        ("SK".to_owned(), s(format!("USER_TYPE#{user_type}"))),
    ])
}

fn profile_key(id: &UserId) -> Item {
    HashMap::from([
        ("PK".to_owned(), s(profile_pk(id))),
        ("SK".to_owned(), s("PROFILE")),
    ])
}

fn to_item(p: &Profile) -> Item {
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
fn user_id_of_key(item: &Item) -> Result<UserId, PortError> {
    item.get("PK")
        .and_then(|v| v.as_s().ok())
        .and_then(|pk| pk.strip_prefix("USER#"))
        .and_then(|sub| UserId::parse(sub).ok())
        .ok_or_else(|| PortError::Failed(STORE, "an item's key is not a profile's".to_owned()))
}

fn from_item(item: &Item) -> Result<Profile, PortError> {
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

async fn send_transaction(
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
fn lost_to_a_conflict(err: &SdkError<TransactWriteItemsError, HttpResponse>) -> bool {
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
fn condition_failed(err: &SdkError<TransactWriteItemsError, HttpResponse>) -> bool {
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
    pub fn new(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self {
            client: Client::new(sdk),
            table: table.into(),
        }
    }

    fn counter_change(
        &self,
        user_type: UserType,
        delta: i64,
    ) -> Result<TransactWriteItem, PortError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(counter_key(user_type)))
            .update_expression("ADD #count :delta")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
            .build()
            .map_err(|_| {
                PortError::Failed(STORE, "counter update could not be built".to_owned())
            })?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn conditional_put(
        &self,
        profile: &Profile,
        condition: &str,
        expected: Option<u64>,
    ) -> Result<TransactWriteItem, PortError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(profile)))
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
}

impl DynamoProfiles {
    /// An update that leaves the counters alone: one conditional PutItem, because a
    /// transaction costs twice the write capacity.
    async fn put_if_version(&self, expected: u64, updated: &Profile) -> Result<(), UpdateError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(updated)))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(UpdateError::Conflict)
            }
            Err(e) => Err(UpdateError::Port(port_error(STORE, &e))),
        }
    }
}

impl ProfileStore for DynamoProfiles {
    async fn create(&self, profile: &Profile) -> Result<Created, PortError> {
        let request = self
            .client
            .transact_write_items()
            .transact_items(self.conditional_put(profile, "attribute_not_exists(PK)", None)?)
            .transact_items(self.counter_change(profile.user_type, 1)?);
        match send_transaction(request).await {
            Ok(()) => Ok(Created::Created),
            Err(e) if condition_failed(&e) => Ok(Created::AlreadyExists),
            Err(e) if lost_to_a_conflict(&e) => Err(conflict_outage()),
            Err(e) => Err(port_error(STORE, &e)),
        }
    }

    async fn get(&self, id: &UserId) -> Result<Option<Profile>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(profile_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(STORE, &e))?;
        output.item().map(from_item).transpose()
    }

    async fn update(&self, previous: &Profile, updated: &Profile) -> Result<(), UpdateError> {
        if previous.user_type == updated.user_type {
            return self.put_if_version(previous.version, updated).await;
        }
        let request = self
            .client
            .transact_write_items()
            .transact_items(self.conditional_put(
                updated,
                "version = :expected",
                Some(previous.version),
            )?)
            .transact_items(self.counter_change(previous.user_type, -1)?)
            .transact_items(self.counter_change(updated.user_type, 1)?);
        match send_transaction(request).await {
            Ok(()) => Ok(()),
            Err(e) if condition_failed(&e) => Err(UpdateError::Conflict),
            Err(e) if lost_to_a_conflict(&e) => Err(UpdateError::Port(conflict_outage())),
            Err(e) => Err(UpdateError::Port(port_error(STORE, &e))),
        }
    }

    async fn list(
        &self,
        user_type: UserType,
        limit: u32,
        after: Option<&PageCursor>,
    ) -> Result<Page, PortError> {
        let start = after.map(|c| {
            let mut key = profile_key(&c.user_id);
            key.insert("user_type".to_owned(), s(c.user_type.as_str()));
            key.insert("created_at".to_owned(), s(&c.created_at));
            key
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(USER_TYPE_INDEX)
            .key_condition_expression("user_type = :t")
            .expression_attribute_values(":t", s(user_type.as_str()))
            .set_exclusive_start_key(start)
            .limit(limit.try_into().unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| port_error(STORE, &e))?;
        // One unreadable item is reported by id; the rest of the page still answers.
        let mut page = Page {
            profiles: Vec::new(),
            unreadable: Vec::new(),
            next: None,
        };
        for item in output.items() {
            match from_item(item) {
                Ok(profile) => page.profiles.push(profile),
                Err(PortError::Unreadable(_)) => page.unreadable.push(user_id_of_key(item)?),
                Err(e) => return Err(e),
            }
        }
        // Resume after the last item evaluated, readable or not.
        page.next = match output.last_evaluated_key() {
            Some(key) => Some(PageCursor {
                user_type,
                created_at: key
                    .get("created_at")
                    .and_then(|v| v.as_s().ok())
                    .ok_or_else(|| corrupt("created_at"))?
                    .clone(),
                user_id: user_id_of_key(key)?,
            }),
            None => None,
        };
        Ok(page)
    }

    async fn count_by_type(&self) -> Result<BTreeMap<UserType, u64>, PortError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(METRICS_PK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(STORE, &e))?;
        let mut counts: BTreeMap<UserType, u64> =
            UserType::ALL.into_iter().map(|t| (t, 0)).collect();
        for item in output.items() {
            let user_type = item
                .get("SK")
                .and_then(|v| v.as_s().ok())
                .and_then(|sk| sk.strip_prefix("USER_TYPE#"))
                .and_then(|t| UserType::parse(t).ok());
            let count = item
                .get("count")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok());
            if let (Some(user_type), Some(count)) = (user_type, count) {
                counts.insert(user_type, count.max(0).unsigned_abs());
            }
        }
        Ok(counts)
    }
}
