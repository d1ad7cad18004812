//! Moves a profile table from the layout before sharding (counters under `METRICS`, an
//! index keyed by `user_type`) to today's (`dynamo`'s module comment). Each profile still
//! without `list_pk` gets its listing keys and is counted on its shard, in one transaction
//! conditional on it being unmigrated, so a rerun, a resumed run or a write by the API at
//! the same moment never counts a profile twice. Once none is left, the old counter items
//! are deleted.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use domain::ports::PortError;
use domain::{Cohort, ProfileStatus, UserId, UserType};

use crate::aws::port_error;
use crate::dynamo::{
    Item, STORE, Shards, condition_failed, counter_change, key, keys, listing_keys,
    lost_to_a_conflict, s, send_transaction, user_id_of_key,
};

/// Profiles of the old layout: no listing keys, and not deleted or being deleted (those
/// left the listing and counters on purpose).
const UNMIGRATED: &str = "SK = :profile AND attribute_not_exists(list_pk) \
                          AND attribute_not_exists(deleting_since) AND attribute_not_exists(deleted_at)";

/// What one page (or a whole run) did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Profiles found in the old layout.
    pub found: u64,
    pub migrated: u64,
    /// Migrated (or changed) by someone else between the scan and the write.
    pub overtaken: u64,
    /// Profiles whose type, status or creation time do not parse: left as they are.
    pub unmigratable: Vec<UserId>,
}

impl Tally {
    pub fn add(&mut self, page: Tally) {
        self.found += page.found;
        self.migrated += page.migrated;
        self.overtaken += page.overtaken;
        self.unmigratable.extend(page.unmigratable);
    }
}

pub struct Backfill {
    client: Client,
    table: String,
    shards: Shards,
}

/// Where a scan resumes: the table key of the last item examined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanPosition {
    pub pk: String,
    pub sk: String,
}

impl ScanPosition {
    fn from_item(item: &Item) -> Option<ScanPosition> {
        let text = |name: &str| item.get(name)?.as_s().ok().cloned();
        Some(ScanPosition {
            pk: text("PK")?,
            sk: text("SK")?,
        })
    }
}

/// A stored profile's cohort and creation time, as the old layout kept them.
fn cohort_and_created_at(item: &Item) -> Option<(Cohort, String)> {
    let text = |name: &str| item.get(name)?.as_s().ok();
    let cohort = Cohort {
        user_type: UserType::parse(text("user_type")?).ok()?,
        status: ProfileStatus::parse(text("status")?)?,
    };
    let created_at = text("created_at")?;
    chrono::DateTime::parse_from_rfc3339(created_at).ok()?;
    Some((cohort, created_at.clone()))
}

impl Backfill {
    pub fn new(sdk: &aws_config::SdkConfig, table: impl Into<String>, shards: Shards) -> Self {
        Self {
            client: Client::new(sdk),
            table: table.into(),
            shards,
        }
    }

    /// Migrates the old-layout profiles among the next `page_size` items of the scan.
    /// Returns where the next page starts, or `None` after the last.
    pub async fn migrate_page(
        &self,
        start: Option<&ScanPosition>,
        page_size: i32,
    ) -> Result<(Tally, Option<ScanPosition>), PortError> {
        let output = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(UNMIGRATED)
            .expression_attribute_values(":profile", s(keys::PROFILE_SK))
            .set_exclusive_start_key(start.map(|p| key(p.pk.clone(), &p.sk)))
            .limit(page_size)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(STORE, &e))?;
        let mut tally = Tally::default();
        for item in output.items() {
            tally.found += 1;
            let id = user_id_of_key(item)?;
            let Some((cohort, created_at)) = cohort_and_created_at(item) else {
                tally.unmigratable.push(id);
                continue;
            };
            if self.migrate(&id, cohort, &created_at).await? {
                tally.migrated += 1;
            } else {
                tally.overtaken += 1;
            }
        }
        let next = output
            .last_evaluated_key()
            .and_then(ScanPosition::from_item);
        Ok((tally, next))
    }

    /// Gives one profile its listing keys and counts it; false when it was no longer
    /// an unmigrated profile of that cohort.
    async fn migrate(
        &self,
        id: &UserId,
        cohort: Cohort,
        created_at: &str,
    ) -> Result<bool, PortError> {
        let [(pk_name, pk_value), (sk_name, sk_value)] =
            listing_keys(self.shards, cohort, id, created_at);
        let set_keys = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::profile_pk(id), keys::PROFILE_SK)))
            .update_expression("SET #lpk = :lpk, #lsk = :lsk")
            .condition_expression(
                "attribute_not_exists(#lpk) AND attribute_not_exists(deleting_since) \
                 AND user_type = :type AND #status = :status",
            )
            .expression_attribute_names("#lpk", pk_name)
            .expression_attribute_names("#lsk", sk_name)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":lpk", pk_value)
            .expression_attribute_values(":lsk", sk_value)
            .expression_attribute_values(":type", s(cohort.user_type.as_str()))
            .expression_attribute_values(":status", s(cohort.status.as_str()))
            .build()
            .map_err(|_| PortError::Failed(STORE, "migration could not be built".to_owned()))?;
        let request = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(set_keys).build())
            .transact_items(counter_change(
                &self.table,
                self.shards,
                id,
                &[(cohort, 1)],
            )?);
        match send_transaction(request).await {
            Ok(()) => Ok(true),
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) if lost_to_a_conflict(&e) => Err(PortError::Unavailable(
                STORE,
                "TransactionConflict".to_owned(),
            )),
            Err(e) => Err(port_error(STORE, &e)),
        }
    }

    /// How many profiles are still in the old layout (a full, paged count).
    pub async fn remaining(&self) -> Result<u64, PortError> {
        let mut remaining = 0;
        let mut start = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression(UNMIGRATED)
                .expression_attribute_values(":profile", s(keys::PROFILE_SK))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| port_error(STORE, &e))?;
            remaining += u64::try_from(output.count()).unwrap_or(0);
            match output.last_evaluated_key() {
                Some(next) => start = Some(next.clone()),
                None => return Ok(remaining),
            }
        }
    }

    /// Deletes the old layout's counter items, once no profile is left to migrate (until
    /// then they are the only count of the unmigrated ones). Returns how many it deleted.
    pub async fn retire_legacy_counters(&self) -> Result<usize, PortError> {
        if self.remaining().await? > 0 {
            return Err(PortError::Failed(
                STORE,
                "profiles remain in the old layout; the old counters stay".to_owned(),
            ));
        }
        let mut deleted = 0;
        for user_type in UserType::ALL {
            let output = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(
                    keys::legacy::COUNTER_PK.to_owned(),
                    &keys::legacy::counter_sk(user_type),
                )))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
                .send()
                .await
                .map_err(|e| port_error(STORE, &e))?;
            if output.attributes().is_some() {
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}
