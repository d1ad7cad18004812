use std::fmt;

/// A Cognito `sub`: a lower-case hyphenated UUID. Any other spelling (upper case,
/// braces, surrounding text) is refused so one user has exactly one id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a user id is a Cognito sub: a lower-case UUID such as 0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22"
)]
pub struct InvalidUserId;

impl UserId {
    pub fn parse(value: &str) -> Result<Self, InvalidUserId> {
        let well_formed = value.len() == 36
            && value.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            });
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidUserId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_a_lower_case_uuid() {
        let id = UserId::parse("0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22").unwrap();
        assert_eq!(id.as_str(), "0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22");
    }

    #[test]
    fn refuses_other_spellings() {
        for bad in [
            "",
            "me",
            "0B5C2C3E-8F3A-4D7E-9A51-3C0E6D7B1A22",
            "{0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22}",
            "0b5c2c3e8f3a4d7e9a513c0e6d7b1a22",
            "0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22 ",
            "../0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a2",
            "0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a2g",
        ] {
            assert_eq!(UserId::parse(bad), Err(InvalidUserId), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(s in "\\PC{0,40}") {
            if let Ok(id) = UserId::parse(&s) {
                prop_assert_eq!(id.as_str(), s.as_str());
            }
        }

        #[test]
        fn every_lower_case_uuid_parses(s in "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}") {
            prop_assert!(UserId::parse(&s).is_ok());
        }
    }
}
