//! The PHI access log: every attempt to read, change, list or delete a profile, or to get
//! a picture upload URL for it, whether it was allowed or refused. An entry says who
//! (the caller's id and groups), what (the action, the profile, the *names* of the fields
//! a change sets), when, under which request and how it ended. It never holds a value
//! from a profile: no e-mail, name, date of birth or any other field's content.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::patch::WRITABLE_FIELDS;
use crate::{UserId, UserType};

/// What was attempted on a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessAction {
    /// `GET /users/{id}`.
    Read,
    /// `PUT /users/{id}`, a change of `user_type` or `picture_key` included.
    Update,
    /// The profile appeared on a page of `GET /users` (or an attempt to list was refused).
    List,
    /// `POST /users/{id}/picture-upload-url`: a URL that writes the profile's picture.
    PictureUploadUrl,
    /// Recorded by account deletion (`DELETE /users/{id}`).
    Delete,
}

impl AccessAction {
    pub const ALL: [AccessAction; 5] = [
        AccessAction::Read,
        AccessAction::Update,
        AccessAction::List,
        AccessAction::PictureUploadUrl,
        AccessAction::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessAction::Read => "read",
            AccessAction::Update => "update",
            AccessAction::List => "list",
            AccessAction::PictureUploadUrl => "picture_upload_url",
            AccessAction::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessOutcome {
    /// Allowed and served. A write is recorded as allowed just before it is made, so an
    /// entry exists for every write, including one that then lost a race or met an outage.
    Allowed,
    /// Refused by the access policy (403).
    Denied,
    /// Allowed, but there was no such profile (404).
    NotFound,
    /// Refused for the request itself: a bad body or query, a stale `If-Match`, a conflict.
    Rejected,
    /// A dependency failed (5xx); nothing was served.
    Failed,
}

impl AccessOutcome {
    pub const ALL: [AccessOutcome; 5] = [
        AccessOutcome::Allowed,
        AccessOutcome::Denied,
        AccessOutcome::NotFound,
        AccessOutcome::Rejected,
        AccessOutcome::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessOutcome::Allowed => "allowed",
            AccessOutcome::Denied => "denied",
            AccessOutcome::NotFound => "not_found",
            AccessOutcome::Rejected => "rejected",
            AccessOutcome::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// An API Gateway request id: with the time, what makes an entry's key unique.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a request id is 1 to 128 letters, digits, '-', '_' or '.'")]
pub struct InvalidRequestId;

impl RequestId {
    pub fn parse(value: &str) -> Result<Self, InvalidRequestId> {
        let well_formed = (1..=128).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidRequestId)
        }
    }

    /// An id for a request that carries none: the random number in 32 hex digits.
    pub fn from_random(value: u128) -> Self {
        Self(format!("{value:032x}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who acted, as the profile's owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorRole {
    /// The person the profile belongs to.
    Own,
    Admin,
    Doctor,
    /// Anyone else (a Patient or a caller without a group); only ever refused.
    Other,
}

impl ActorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorRole::Own => "self",
            ActorRole::Admin => "admin",
            ActorRole::Doctor => "doctor",
            ActorRole::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub at: DateTime<Utc>,
    pub request_id: RequestId,
    pub actor: UserId,
    /// The caller's groups when it acted (from its token).
    pub actor_groups: BTreeSet<UserType>,
    pub action: AccessAction,
    /// The profile acted on; `None` for an attempt on no one profile (a refused listing).
    pub target: Option<UserId>,
    /// Names of the fields a change sets or clears: only names from `WRITABLE_FIELDS`.
    pub fields: Vec<&'static str>,
    pub outcome: AccessOutcome,
}

impl AccessEntry {
    pub fn actor_role(&self) -> ActorRole {
        if self.target.as_ref() == Some(&self.actor) {
            ActorRole::Own
        } else if self.actor_groups.contains(&UserType::Admin) {
            ActorRole::Admin
        } else if self.actor_groups.contains(&UserType::Doctor) {
            ActorRole::Doctor
        } else {
            ActorRole::Other
        }
    }
}

/// The field name as the log keeps it: only a writable field's name, so that nothing a
/// client typed (a key could carry any text) is ever stored.
pub fn field_name(name: &str) -> Option<&'static str> {
    WRITABLE_FIELDS.into_iter().find(|f| *f == name)
}

/// Where to resume a listing of one profile's entries: the last entry of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCursor {
    pub at: DateTime<Utc>,
    pub request_id: RequestId,
}

impl AccessCursor {
    pub fn after(entry: &AccessEntry) -> Self {
        AccessCursor {
            at: entry.at,
            request_id: entry.request_id.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPage {
    /// Newest first.
    pub entries: Vec<AccessEntry>,
    pub next: Option<AccessCursor>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const ME: &str = "0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22";
    const OTHER: &str = "7d1e0c4a-2b3f-4e5d-8c6b-9a0f1e2d3c4b";

    fn entry(actor: &str, groups: &[UserType], target: Option<&str>) -> AccessEntry {
        AccessEntry {
            at: Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap(),
            request_id: RequestId::parse("3f1d7c52-8e0b-4a6d-9c2e-51b0a7f4d9e3").unwrap(),
            actor: UserId::parse(actor).unwrap(),
            actor_groups: groups.iter().copied().collect(),
            action: AccessAction::Read,
            target: target.map(|t| UserId::parse(t).unwrap()),
            fields: Vec::new(),
            outcome: AccessOutcome::Allowed,
        }
    }

    #[test]
    fn the_owner_is_self_whatever_their_groups_then_admin_then_doctor() {
        let admin = [UserType::Admin, UserType::Doctor];
        assert_eq!(entry(ME, &admin, Some(ME)).actor_role(), ActorRole::Own);
        assert_eq!(
            entry(ME, &admin, Some(OTHER)).actor_role(),
            ActorRole::Admin
        );
        assert_eq!(
            entry(ME, &[UserType::Doctor], Some(OTHER)).actor_role(),
            ActorRole::Doctor
        );
        assert_eq!(
            entry(ME, &[UserType::Patient], Some(OTHER)).actor_role(),
            ActorRole::Other
        );
        assert_eq!(entry(ME, &[], None).actor_role(), ActorRole::Other);
    }

    #[test]
    fn actions_and_outcomes_round_trip_their_names() {
        for action in AccessAction::ALL {
            assert_eq!(AccessAction::parse(action.as_str()), Some(action));
        }
        for outcome in AccessOutcome::ALL {
            assert_eq!(AccessOutcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(AccessAction::parse("Read"), None);
        assert_eq!(AccessOutcome::parse(""), None);
    }

    #[test]
    fn only_writable_field_names_are_kept() {
        assert_eq!(field_name("blood_group"), Some("blood_group"));
        assert_eq!(field_name("user_type"), Some("user_type"));
        for other in ["email", "Ada Lovelace", "O+", "", "name "] {
            assert_eq!(field_name(other), None, "{other:?}");
        }
    }

    #[test]
    fn request_ids_are_plain_tokens() {
        for good in [
            "3f1d7c52-8e0b-4a6d-9c2e-51b0a7f4d9e3",
            "BvJ8mGy9DoEFQ0A.",
            "a",
        ] {
            assert!(RequestId::parse(good).is_ok(), "{good}");
        }
        let long = "a".repeat(129);
        for bad in ["", "a#b", "a b", "ä", long.as_str()] {
            assert_eq!(RequestId::parse(bad), Err(InvalidRequestId), "{bad}");
        }
    }
}
