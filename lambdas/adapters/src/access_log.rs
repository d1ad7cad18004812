//! The PHI access log table: append-only, written with PutItem only.
//!
//! - an entry about a profile: `PK = TARGET#<sub>`, `SK = <at>#<request id>`;
//! - an entry about no one profile (a refused listing): `PK = ACTOR#<sub>` (the caller),
//!   so that no partition key is shared by every such entry;
//! - `expires_at` (epoch seconds) is the table's TTL attribute: the retention period after
//!   `at`.
//!
//! Every put is conditional on the key being new, so a retry never overwrites an entry.
//! Items hold ids, action and field names, and outcomes: never a profile's values.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use domain::access_log::{
    AccessAction, AccessCursor, AccessEntry, AccessOutcome, AccessPage, RequestId, field_name,
};
use domain::ports::{AccessLog, PortError};
use domain::{UserId, UserType};

use crate::aws::port_error;
use crate::dynamo::timestamp;

const LOG: &str = "access log";

type Item = HashMap<String, AttributeValue>;

/// Every key the table uses.
pub mod keys {
    use domain::UserId;

    pub fn target_pk(target: &UserId) -> String {
        format!("TARGET#{target}")
    }

    pub fn actor_pk(actor: &UserId) -> String {
        format!("ACTOR#{actor}")
    }

    /// Ordered by time; the request id makes it unique.
    pub fn entry_sk(at: &str, request_id: &str) -> String {
        format!("{at}#{request_id}")
    }
}

#[derive(Clone)]
pub struct DynamoAccessLog {
    client: Client,
    table: String,
    retention: chrono::Duration,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn names(values: impl IntoIterator<Item = impl Into<String>>) -> AttributeValue {
    AttributeValue::L(values.into_iter().map(s).collect())
}

fn unreadable() -> PortError {
    PortError::Failed(LOG, "a stored entry is unreadable".to_owned())
}

impl DynamoAccessLog {
    pub fn new(sdk: &aws_config::SdkConfig, table: impl Into<String>, retention_days: u32) -> Self {
        Self {
            client: Client::new(sdk),
            table: table.into(),
            retention: chrono::Duration::days(retention_days.into()),
        }
    }

    fn to_item(&self, entry: &AccessEntry) -> Item {
        let at = timestamp(entry.at);
        let pk = match &entry.target {
            Some(target) => keys::target_pk(target),
            None => keys::actor_pk(&entry.actor),
        };
        let mut item = HashMap::from([
            ("PK".to_owned(), s(pk)),
            (
                "SK".to_owned(),
                s(keys::entry_sk(&at, entry.request_id.as_str())),
            ),
            ("at".to_owned(), s(at)),
            ("request_id".to_owned(), s(entry.request_id.as_str())),
            ("actor_sub".to_owned(), s(entry.actor.as_str())),
            (
                "actor_groups".to_owned(),
                names(entry.actor_groups.iter().map(|g| g.as_str())),
            ),
            ("action".to_owned(), s(entry.action.as_str())),
            ("outcome".to_owned(), s(entry.outcome.as_str())),
            ("fields".to_owned(), names(entry.fields.iter().copied())),
            (
                "expires_at".to_owned(),
                AttributeValue::N((entry.at + self.retention).timestamp().to_string()),
            ),
        ]);
        if let Some(target) = &entry.target {
            item.insert("target_sub".to_owned(), s(target.as_str()));
        }
        item
    }
}

fn from_item(item: &Item) -> Result<AccessEntry, PortError> {
    let text = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    };
    let required = |name: &str| text(name).ok_or_else(unreadable);
    let list = |name: &str| -> Result<Vec<&str>, PortError> {
        item.get(name)
            .and_then(|v| v.as_l().ok())
            .ok_or_else(unreadable)?
            .iter()
            .map(|v| v.as_s().map(String::as_str).map_err(|_| unreadable()))
            .collect()
    };
    let actor_groups = list("actor_groups")?
        .into_iter()
        .map(|g| UserType::parse(g).map_err(|_| unreadable()))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let fields = list("fields")?
        .into_iter()
        .map(|f| field_name(f).ok_or_else(unreadable))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AccessEntry {
        at: DateTime::parse_from_rfc3339(required("at")?)
            .map_err(|_| unreadable())?
            .with_timezone(&Utc),
        request_id: RequestId::parse(required("request_id")?).map_err(|_| unreadable())?,
        actor: UserId::parse(required("actor_sub")?).map_err(|_| unreadable())?,
        actor_groups,
        action: AccessAction::parse(required("action")?).ok_or_else(unreadable)?,
        target: text("target_sub")
            .map(|t| UserId::parse(t).map_err(|_| unreadable()))
            .transpose()?,
        fields,
        outcome: AccessOutcome::parse(required("outcome")?).ok_or_else(unreadable)?,
    })
}

impl AccessLog for DynamoAccessLog {
    async fn record(&self, entry: &AccessEntry) -> Result<(), PortError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.to_item(entry)))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Stored by an earlier attempt of this same put (the SDK retried it): recorded.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(port_error(LOG, &e)),
        }
    }

    async fn list(
        &self,
        target: &UserId,
        limit: u32,
        after: Option<&AccessCursor>,
    ) -> Result<AccessPage, PortError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .scan_index_forward(false)
            .expression_attribute_values(":pk", s(keys::target_pk(target)))
            // One more than asked for tells whether another page exists.
            .limit(limit.saturating_add(1).try_into().unwrap_or(i32::MAX));
        query = match after {
            Some(after) => query
                .key_condition_expression("PK = :pk AND SK < :after")
                .expression_attribute_values(
                    ":after",
                    s(keys::entry_sk(
                        &timestamp(after.at),
                        after.request_id.as_str(),
                    )),
                ),
            None => query.key_condition_expression("PK = :pk"),
        };
        let output = query.send().await.map_err(|e| port_error(LOG, &e))?;
        let mut entries = output
            .items()
            .iter()
            .map(from_item)
            .collect::<Result<Vec<_>, _>>()?;
        let more = entries.len() > limit as usize || output.last_evaluated_key().is_some();
        entries.truncate(limit as usize);
        let next = entries.last().filter(|_| more).map(AccessCursor::after);
        Ok(AccessPage { entries, next })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_subject_then_time_and_request() {
        let id = UserId::parse("0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22").unwrap();
        assert_eq!(
            keys::target_pk(&id),
            "TARGET#0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22"
        );
        assert_eq!(
            keys::actor_pk(&id),
            "ACTOR#0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22"
        );
        assert_eq!(
            keys::entry_sk("2026-11-22T09:30:00.000Z", "abc-1"),
            "2026-11-22T09:30:00.000Z#abc-1"
        );
    }
}
