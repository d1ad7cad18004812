//! Recording a request in the PHI access log is part of handling it. A handler notes what
//! it attempts (actor, action, profile, field names); `finish` records the attempt with
//! its outcome before the reply leaves, and a reply whose entry could not be written is
//! replaced by a 503: no profile data, no upload URL, no answer at all goes out unrecorded.
//! A write records itself as allowed just before it is made (`before_writes`, the service's journal), so no
//! write is ever stored without its entry.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use domain::UserId;
use domain::access::Caller;
use domain::access_log::{AccessAction, AccessEntry, AccessOutcome, RequestId};
use domain::ports::{AccessLog, PortError};
use domain::service::Journal;
use futures_util::future::try_join_all;

use crate::error::ApiError;
use crate::reply::Reply;

struct Attempt {
    actor: Caller,
    action: AccessAction,
    target: Option<UserId>,
    fields: Vec<&'static str>,
    /// For a listing: the profiles the page showed, one entry each.
    listed: Option<Vec<UserId>>,
}

/// One request's attempt, as the access log will record it.
pub struct Audit {
    at: DateTime<Utc>,
    request_id: RequestId,
    attempt: Mutex<Option<Attempt>>,
    recorded: Mutex<bool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn outcome_of(result: &Result<Reply, ApiError>) -> AccessOutcome {
    match result {
        Ok(_) => AccessOutcome::Allowed,
        Err(ApiError::Forbidden(_) | ApiError::PictureOfAnotherUser) => AccessOutcome::Denied,
        Err(ApiError::NotFound(_)) => AccessOutcome::NotFound,
        Err(ApiError::Unavailable(_) | ApiError::Internal(_)) => AccessOutcome::Failed,
        Err(_) => AccessOutcome::Rejected,
    }
}

impl Audit {
    /// `request_id` is API Gateway's; a request without a usable one gets a fresh id, so
    /// its entries still have unique keys.
    pub fn new(request_id: Option<&str>, at: DateTime<Utc>) -> Self {
        let request_id = request_id
            .and_then(|id| RequestId::parse(id).ok())
            .unwrap_or_else(|| RequestId::from_random(uuid::Uuid::new_v4().as_u128()));
        Audit {
            at,
            request_id,
            attempt: Mutex::new(None),
            recorded: Mutex::new(false),
        }
    }

    /// What the request attempts: noted before the access policy decides, so a refusal
    /// is recorded too.
    pub fn attempt(&self, actor: &Caller, action: AccessAction, target: Option<&UserId>) {
        *lock(&self.attempt) = Some(Attempt {
            actor: actor.clone(),
            action,
            target: target.cloned(),
            fields: Vec::new(),
            listed: None,
        });
    }

    /// The names of the fields a change sets or clears.
    pub fn fields(&self, names: Vec<&'static str>) {
        if let Some(attempt) = lock(&self.attempt).as_mut() {
            attempt.fields = names;
        }
    }

    /// The profiles a listing page shows: one entry each, none under a shared key.
    pub fn listed(&self, ids: Vec<UserId>) {
        if let Some(attempt) = lock(&self.attempt).as_mut() {
            attempt.listed = Some(ids);
        }
    }

    fn entries(&self, outcome: AccessOutcome) -> Vec<AccessEntry> {
        let attempt = lock(&self.attempt);
        let Some(attempt) = attempt.as_ref() else {
            return Vec::new();
        };
        let entry = |target: Option<UserId>| AccessEntry {
            at: self.at,
            request_id: self.request_id.clone(),
            actor: attempt.actor.user_id.clone(),
            actor_groups: attempt.actor.groups.clone(),
            action: attempt.action,
            target,
            fields: attempt.fields.clone(),
            outcome,
        };
        match (&attempt.listed, outcome) {
            (Some(ids), AccessOutcome::Allowed) => {
                ids.iter().map(|id| entry(Some(id.clone()))).collect()
            }
            _ => vec![entry(attempt.target.clone())],
        }
    }

    /// Writes the entries (in parallel: a listing page has one per profile), once.
    async fn record<L: AccessLog>(&self, log: &L, outcome: AccessOutcome) -> Result<(), PortError> {
        {
            let mut recorded = lock(&self.recorded);
            if *recorded {
                return Ok(());
            }
            *recorded = true;
        }
        let entries = self.entries(outcome);
        try_join_all(entries.iter().map(|e| log.record(e)))
            .await
            .map(|_| ())
            .inspect_err(|e| tracing::warn!(error = %e, "the access log could not be written"))
    }

    /// The service's journal for this request: the attempt is recorded as allowed just
    /// before the first write it makes.
    pub fn before_writes<'a, L: AccessLog>(&'a self, log: &'a L) -> BeforeWrites<'a, L> {
        BeforeWrites { audit: self, log }
    }

    /// Records the attempt with the outcome `result` shows (unless `before_writes` did),
    /// and answers 503 in place of a reply whose entry was not written.
    pub async fn finish<L: AccessLog>(
        &self,
        log: &L,
        result: Result<Reply, ApiError>,
    ) -> Result<Reply, ApiError> {
        match self.record(log, outcome_of(&result)).await {
            Ok(()) => result,
            Err(unrecorded) => Err(ApiError::Unavailable(unrecorded)),
        }
    }
}

pub struct BeforeWrites<'a, L> {
    audit: &'a Audit,
    log: &'a L,
}

impl<L: AccessLog> Journal for BeforeWrites<'_, L> {
    async fn before_write(&self) -> Result<(), PortError> {
        self.audit.record(self.log, AccessOutcome::Allowed).await
    }
}
