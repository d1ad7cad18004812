use chrono::{DateTime, Utc};

use crate::fields::{BloodGroup, DateOfBirth, DisplayName, Email, Gender, PhoneNumber, PictureKey};
use crate::{UserId, UserType};

/// Whether the profile's user type is in force. A type that sign-up may not grant
/// (a self-declared Doctor) waits for an Admin as `PendingReview`, with no group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProfileStatus {
    Active,
    PendingReview,
}

impl ProfileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileStatus::Active => "active",
            ProfileStatus::PendingReview => "pending_review",
        }
    }

    pub const ALL: [ProfileStatus; 2] = [ProfileStatus::Active, ProfileStatus::PendingReview];

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// What counters and listings group profiles by: a user type and whether it is in
/// force, so a requested-but-unapproved Doctor is never counted or listed as a Doctor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cohort {
    pub user_type: UserType,
    pub status: ProfileStatus,
}

impl Cohort {
    pub const fn active(user_type: UserType) -> Self {
        Cohort {
            user_type,
            status: ProfileStatus::Active,
        }
    }

    pub const fn pending(user_type: UserType) -> Self {
        Cohort {
            user_type,
            status: ProfileStatus::PendingReview,
        }
    }

    /// Every cohort, in listing order: by type, then active before pending.
    pub fn all() -> impl Iterator<Item = Cohort> {
        UserType::ALL.into_iter().flat_map(|user_type| {
            ProfileStatus::ALL
                .into_iter()
                .map(move |status| Cohort { user_type, status })
        })
    }
}

/// A user's profile as stored. `username` is Cognito's internal user name, kept so
/// group changes can address the user; it is never returned by the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub user_id: UserId,
    pub username: String,
    pub email: Option<Email>,
    pub name: Option<DisplayName>,
    pub phone_number: Option<PhoneNumber>,
    pub dob: Option<DateOfBirth>,
    pub gender: Option<Gender>,
    pub blood_group: Option<BloodGroup>,
    pub user_type: UserType,
    pub status: ProfileStatus,
    pub picture_key: Option<PictureKey>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl Profile {
    /// The Cognito group this profile's type grants right now, if any.
    pub fn granted_group(&self) -> Option<UserType> {
        (self.status == ProfileStatus::Active).then_some(self.user_type)
    }

    pub fn cohort(&self) -> Cohort {
        Cohort {
            user_type: self.user_type,
            status: self.status,
        }
    }
}
