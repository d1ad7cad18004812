use std::fmt;

/// The kinds of user, each a Cognito group of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserType {
    Patient,
    Doctor,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("user_type must be exactly one of Patient, Doctor, Admin")]
pub struct UnknownUserType;

impl UserType {
    pub const ALL: [UserType; 3] = [UserType::Patient, UserType::Doctor, UserType::Admin];

    /// Exact, case-sensitive match: `admin`, ` Admin` or `Admin\u{200b}` are unknown values,
    /// never a near miss that gets normalised into a privilege.
    pub fn parse(value: &str) -> Result<Self, UnknownUserType> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == value)
            .ok_or(UnknownUserType)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Patient => "Patient",
            UserType::Doctor => "Doctor",
            UserType::Admin => "Admin",
        }
    }

    /// The Cognito group that carries this type's privileges.
    pub fn group_name(self) -> &'static str {
        self.as_str()
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_three_exact_names() {
        for t in UserType::ALL {
            assert_eq!(UserType::parse(t.as_str()), Ok(t));
        }
    }

    #[test]
    fn near_misses_are_unknown() {
        for bad in [
            "admin",
            "ADMIN",
            " Admin",
            "Admin ",
            "Admin\u{200b}",
            "\u{feff}Admin",
            "Adm\u{0}in",
            "patient",
            "",
        ] {
            assert_eq!(UserType::parse(bad), Err(UnknownUserType), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn only_canonical_names_parse(s in "\\PC{0,12}") {
            match UserType::parse(&s) {
                Ok(t) => prop_assert_eq!(t.as_str(), s.as_str()),
                Err(_) => prop_assert!(!["Patient", "Doctor", "Admin"].contains(&s.as_str())),
            }
        }
    }
}
