//! What sign-up may grant. `custom:user_type` is chosen by the person signing up,
//! so it is a request, never a privilege.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::fields::{BloodGroup, DateOfBirth, DisplayName, Email, Gender, PhoneNumber};
use crate::profile::{Profile, ProfileStatus};
use crate::user_id::UserId;
use crate::user_type::{UnknownUserType, UserType};

/// Why a self sign-up is refused before the user exists. Messages are shown to the
/// person signing up (Cognito returns them), so they say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignUpRefused {
    #[error("Admin accounts cannot be requested at sign-up; an administrator creates them.")]
    AdminRequested,
    #[error("custom:user_type must be exactly Patient or Doctor, or left out for Patient.")]
    UnknownUserType,
    #[error("{attribute} {reason}.")]
    InvalidAttribute {
        attribute: &'static str,
        reason: &'static str,
    },
}

/// Checks the user type a person asks for at self sign-up: absent means Patient,
/// Admin is never self-service, anything but the exact names is refused.
pub fn check_requested_type(requested: Option<&str>) -> Result<UserType, SignUpRefused> {
    match requested {
        None => Ok(UserType::Patient),
        Some(value) => match UserType::parse(value) {
            Ok(UserType::Admin) => Err(SignUpRefused::AdminRequested),
            Ok(user_type) => Ok(user_type),
            Err(UnknownUserType) => Err(SignUpRefused::UnknownUserType),
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSelfServiceList {
    #[error("SELF_SERVICE_USER_TYPES lists an unknown user type; use Patient and/or Doctor")]
    Unknown,
    #[error("SELF_SERVICE_USER_TYPES may not include Admin: admins are never self-service")]
    Admin,
}

/// The user types sign-up grants without review (Terraform variable, default Patient).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfServicePolicy {
    granted: BTreeSet<UserType>,
}

/// What confirmation records for a new user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignUpDecision {
    pub user_type: UserType,
    pub status: ProfileStatus,
}

impl SelfServicePolicy {
    /// Parses a comma-separated list such as `Patient` or `Patient,Doctor`.
    pub fn parse(list: &str) -> Result<Self, InvalidSelfServiceList> {
        let mut granted = BTreeSet::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match UserType::parse(item) {
                Ok(UserType::Admin) => return Err(InvalidSelfServiceList::Admin),
                Ok(user_type) => granted.insert(user_type),
                Err(_) => return Err(InvalidSelfServiceList::Unknown),
            };
        }
        Ok(Self { granted })
    }

    /// Decides at confirmation. PreSignUp has already refused bad requests, but this
    /// must hold even when it did not run (operator-created users, a missing trigger):
    /// an unknown or absent request means Patient, and only listed types are granted.
    pub fn decide(&self, requested: Option<&str>) -> SignUpDecision {
        let user_type = requested
            .and_then(|value| UserType::parse(value).ok())
            .unwrap_or(UserType::Patient);
        let status = if self.granted.contains(&user_type) {
            ProfileStatus::Active
        } else {
            ProfileStatus::PendingReview
        };
        SignUpDecision { user_type, status }
    }
}

/// A new user's first profile, and the names (never values) of the sign-up attributes
/// left out because they no longer pass validation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProfile {
    pub profile: Profile,
    pub left_out: Vec<&'static str>,
}

/// The one rule for a user's first profile, wherever the user is first seen: at
/// confirmation (PostConfirmation, from the event's attributes) or, when that did not
/// finish, at the person's first request (the API, from the ID token's claims).
///
/// `operator_granted` is a platform group an operator already put the user in (trusted,
/// unlike `custom:user_type`, which the person chose): it decides the type. Otherwise
/// the self-service policy decides from `custom:user_type`. An optional attribute that
/// does not parse is left out rather than blocking the account.
pub fn new_profile<'a>(
    policy: &SelfServicePolicy,
    user_id: UserId,
    username: String,
    attribute: impl Fn(&str) -> Option<&'a str>,
    operator_granted: Option<UserType>,
    now: DateTime<Utc>,
) -> NewProfile {
    let decision = match operator_granted {
        Some(user_type) => SignUpDecision {
            user_type,
            status: ProfileStatus::Active,
        },
        None => policy.decide(attribute("custom:user_type")),
    };
    let today = now.date_naive();
    let mut left_out = Vec::new();
    let mut left_out_if_invalid = |name: &'static str, valid: bool| {
        if !valid {
            left_out.push(name);
        }
    };
    let given = |name: &'static str| attribute(name).map(|value| (name, value));
    let email = parsed(given("email"), Email::parse, &mut left_out_if_invalid);
    let name = parsed(given("name"), DisplayName::parse, &mut left_out_if_invalid);
    let phone_number = parsed(
        given("phone_number"),
        PhoneNumber::parse,
        &mut left_out_if_invalid,
    );
    let dob = parsed(
        given("custom:dob"),
        |v| DateOfBirth::parse(v, today),
        &mut left_out_if_invalid,
    );
    let gender = parsed(
        given("custom:gender"),
        Gender::parse,
        &mut left_out_if_invalid,
    );
    let blood_group = parsed(
        given("custom:blood_group"),
        BloodGroup::parse,
        &mut left_out_if_invalid,
    );
    NewProfile {
        profile: Profile {
            user_id,
            username,
            email,
            name,
            phone_number,
            dob,
            gender,
            blood_group,
            user_type: decision.user_type,
            status: decision.status,
            picture_key: None,
            created_at: now,
            updated_at: now,
            version: 1,
        },
        left_out,
    }
}

/// The attribute's value parsed, or None (noted) when present but invalid.
fn parsed<T, E>(
    attribute: Option<(&'static str, &str)>,
    parse: impl FnOnce(&str) -> Result<T, E>,
    note: &mut impl FnMut(&'static str, bool),
) -> Option<T> {
    let (name, value) = attribute?;
    let parsed = parse(value).ok();
    note(name, parsed.is_some());
    parsed
}

impl Default for SelfServicePolicy {
    fn default() -> Self {
        Self {
            granted: BTreeSet::from([UserType::Patient]),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The group a decision grants: its type, once active.
    fn granted(d: SignUpDecision) -> Option<UserType> {
        (d.status == ProfileStatus::Active).then_some(d.user_type)
    }

    fn first_profile(
        attributes: &[(&str, &str)],
        operator_granted: Option<UserType>,
    ) -> NewProfile {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 2, 10, 0, 0).unwrap();
        new_profile(
            &SelfServicePolicy::default(),
            UserId::parse("0f8fad5b-d9cb-469f-a165-70867728950e").unwrap(),
            "person".to_string(),
            |name| attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| *v),
            operator_granted,
            now,
        )
    }

    #[test]
    fn a_first_profile_keeps_the_valid_sign_up_attributes_and_names_the_rest() {
        let new = first_profile(
            &[
                ("email", "ada@example.org"),
                ("name", "Ada"),
                ("phone_number", "not a phone"),
                ("custom:dob", "1990-01-31"),
                ("custom:gender", "female"),
                ("custom:blood_group", "Z+"),
            ],
            None,
        );
        assert_eq!(new.profile.name.as_ref().map(|n| n.as_str()), Some("Ada"));
        assert_eq!(
            new.profile.dob.as_ref().map(|d| d.to_string()).as_deref(),
            Some("1990-01-31")
        );
        assert!(new.profile.gender.is_some() && new.profile.email.is_some());
        assert_eq!(
            (new.profile.phone_number, new.profile.blood_group),
            (None, None)
        );
        assert_eq!(new.left_out, ["phone_number", "custom:blood_group"]);
        assert_eq!(new.profile.version, 1);
    }

    #[test]
    fn the_type_comes_from_an_operators_group_else_from_the_self_service_policy() {
        let requested = |value: &'static str| [("custom:user_type", value)];
        let decided = |new: NewProfile| (new.profile.user_type, new.profile.status);
        assert_eq!(
            decided(first_profile(&[], None)),
            (UserType::Patient, ProfileStatus::Active)
        );
        assert_eq!(
            decided(first_profile(&requested("Doctor"), None)),
            (UserType::Doctor, ProfileStatus::PendingReview)
        );
        // The person's own request never grants Admin; an operator's group does.
        assert_eq!(
            decided(first_profile(&requested("Admin"), None)).1,
            ProfileStatus::PendingReview
        );
        assert_eq!(
            decided(first_profile(&requested("Patient"), Some(UserType::Admin))),
            (UserType::Admin, ProfileStatus::Active)
        );
        assert_eq!(
            decided(first_profile(&requested("Doctor"), Some(UserType::Doctor))),
            (UserType::Doctor, ProfileStatus::Active)
        );
    }

    #[test]
    fn requested_types_at_sign_up() {
        assert_eq!(check_requested_type(None), Ok(UserType::Patient));
        assert_eq!(check_requested_type(Some("Patient")), Ok(UserType::Patient));
        assert_eq!(check_requested_type(Some("Doctor")), Ok(UserType::Doctor));
        assert_eq!(
            check_requested_type(Some("Admin")),
            Err(SignUpRefused::AdminRequested)
        );
        for bad in ["admin", " Admin", "ADMIN", "Admin\u{200b}", "", "Nurse"] {
            assert_eq!(
                check_requested_type(Some(bad)),
                Err(SignUpRefused::UnknownUserType),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn default_policy_grants_patient_only() {
        let policy = SelfServicePolicy::default();
        assert_eq!(policy, SelfServicePolicy::parse("Patient").unwrap());
        let patient = policy.decide(Some("Patient"));
        assert_eq!(
            (patient.user_type, granted(patient)),
            (UserType::Patient, Some(UserType::Patient))
        );
        let doctor = policy.decide(Some("Doctor"));
        assert_eq!(
            doctor,
            SignUpDecision {
                user_type: UserType::Doctor,
                status: ProfileStatus::PendingReview
            }
        );
        assert_eq!(granted(doctor), None);
        assert_eq!(granted(policy.decide(None)), Some(UserType::Patient));
    }

    #[test]
    fn admin_is_never_granted() {
        let policy = SelfServicePolicy::parse("Patient,Doctor").unwrap();
        let admin = policy.decide(Some("Admin"));
        assert_eq!(admin.status, ProfileStatus::PendingReview);
        assert_eq!(granted(admin), None);
        assert_eq!(
            SelfServicePolicy::parse("Patient,Admin"),
            Err(InvalidSelfServiceList::Admin)
        );
        assert_eq!(
            SelfServicePolicy::parse("Patient,admin"),
            Err(InvalidSelfServiceList::Unknown)
        );
    }

    #[test]
    fn an_empty_list_grants_nothing() {
        let policy = SelfServicePolicy::parse("").unwrap();
        assert_eq!(granted(policy.decide(None)), None);
    }

    proptest! {
        /// Whatever the request and whatever the configured list, sign-up never grants
        /// Admin, and only grants a type the list contains.
        #[test]
        fn never_grants_admin_or_unlisted(requested in proptest::option::of("\\PC{0,10}|Patient|Doctor|Admin"), list in "((Patient|Doctor),){0,3}") {
            let policy = SelfServicePolicy::parse(&list).unwrap();
            let decision = policy.decide(requested.as_deref());
            if let Some(group) = granted(decision) {
                prop_assert_ne!(group, UserType::Admin);
                prop_assert!(list.contains(group.as_str()));
            }
        }
    }
}
