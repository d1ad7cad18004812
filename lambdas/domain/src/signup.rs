//! What sign-up may grant. `custom:user_type` is chosen by the person signing up,
//! so it is a request, never a privilege.

use std::collections::BTreeSet;

use crate::profile::ProfileStatus;
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
