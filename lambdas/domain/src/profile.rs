use chrono::{DateTime, Utc};

use crate::fields::{BloodGroup, DateOfBirth, DisplayName, Email, Gender, PhoneNumber, PictureKey};
use crate::{UserId, UserType};

/// Whether the profile's user type is in force. A type that sign-up may not grant
/// (a self-declared Doctor) waits for an Admin as `PendingReview`, with no group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    pub fn parse(value: &str) -> Option<Self> {
        [ProfileStatus::Active, ProfileStatus::PendingReview]
            .into_iter()
            .find(|s| s.as_str() == value)
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
}
