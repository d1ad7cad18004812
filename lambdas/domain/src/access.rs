//! Who may do what: the single place the API asks. Identity is the caller's token
//! (its `sub` and `cognito:groups`), never a profile attribute.

use std::collections::BTreeSet;

use crate::{UserId, UserType};

/// The authenticated caller, as the authorizer's claims describe them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub groups: BTreeSet<UserType>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.groups.contains(&UserType::Admin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadProfile,
    UpdateProfile,
    /// Setting `user_type`, which moves the user between Cognito groups.
    ChangeUserType,
    CreatePictureUploadUrl,
    /// Deleting the account and all its data.
    DeleteAccount,
    ListProfiles,
    ReadMetrics,
    /// Reading who accessed a profile (its access log).
    ReadAccessLog,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("only the profile's owner or an Admin may do this")]
    NotOwnerOrAdmin,
    #[error("only an Admin may do this")]
    AdminOnly,
}

/// `target` is the profile the action is about, for actions on one profile.
pub fn authorize(caller: &Caller, action: Action, target: Option<&UserId>) -> Result<(), Denied> {
    match action {
        Action::ReadProfile
        | Action::UpdateProfile
        | Action::CreatePictureUploadUrl
        | Action::DeleteAccount
        | Action::ReadAccessLog => {
            if caller.is_admin() || target == Some(&caller.user_id) {
                Ok(())
            } else {
                Err(Denied::NotOwnerOrAdmin)
            }
        }
        Action::ChangeUserType | Action::ListProfiles | Action::ReadMetrics => {
            if caller.is_admin() {
                Ok(())
            } else {
                Err(Denied::AdminOnly)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const ME: &str = "0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22";
    const OTHER: &str = "7d1e0c4a-2b3f-4e5d-8c6b-9a0f1e2d3c4b";

    fn caller(groups: &[UserType]) -> Caller {
        Caller {
            user_id: UserId::parse(ME).unwrap(),
            groups: groups.iter().copied().collect(),
        }
    }

    /// Every role x action x ownership case, with the expected outcome.
    #[test]
    fn policy_matrix() {
        use Action::*;
        let me = UserId::parse(ME).unwrap();
        let other = UserId::parse(OTHER).unwrap();
        let roles: [(&str, &[UserType]); 5] = [
            ("no group (pending)", &[]),
            ("patient", &[UserType::Patient]),
            ("doctor", &[UserType::Doctor]),
            ("admin", &[UserType::Admin]),
            ("doctor+admin", &[UserType::Doctor, UserType::Admin]),
        ];
        for (role, groups) in roles {
            let c = caller(groups);
            let admin = groups.contains(&UserType::Admin);
            for action in [
                ReadProfile,
                UpdateProfile,
                CreatePictureUploadUrl,
                DeleteAccount,
                ReadAccessLog,
            ] {
                assert_eq!(
                    authorize(&c, action, Some(&me)),
                    Ok(()),
                    "{role} {action:?} own"
                );
                let expected = if admin {
                    Ok(())
                } else {
                    Err(Denied::NotOwnerOrAdmin)
                };
                assert_eq!(
                    authorize(&c, action, Some(&other)),
                    expected,
                    "{role} {action:?} other"
                );
                assert_eq!(
                    authorize(&c, action, None),
                    expected,
                    "{role} {action:?} no target"
                );
            }
            for action in [ChangeUserType, ListProfiles, ReadMetrics] {
                let expected = if admin {
                    Ok(())
                } else {
                    Err(Denied::AdminOnly)
                };
                assert_eq!(
                    authorize(&c, action, Some(&me)),
                    expected,
                    "{role} {action:?} own"
                );
                assert_eq!(
                    authorize(&c, action, Some(&other)),
                    expected,
                    "{role} {action:?} other"
                );
            }
        }
    }
}
