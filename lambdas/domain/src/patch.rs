//! A partial profile update, parsed from a JSON object. Every problem with the body
//! is collected, so one 400 names all offending fields.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use crate::fields::{
    BloodGroup, DateOfBirth, DisplayName, Gender, InvalidField, PhoneNumber, PictureKey,
};
use crate::profile::{Profile, ProfileStatus};
use crate::user_type::UserType;

/// Fields a client may set.
pub const WRITABLE_FIELDS: [&str; 7] = [
    "name",
    "phone_number",
    "dob",
    "gender",
    "blood_group",
    "picture_key",
    "user_type",
];

/// Fields the API returns but no client may set.
pub const READ_ONLY_FIELDS: [&str; 7] = [
    "user_id",
    "email",
    "status",
    "created_at",
    "updated_at",
    "version",
    "picture_url",
];

/// A field set to a new value, or cleared with JSON `null`.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<T> {
    Set(T),
    Clear,
}

impl<T: Clone> Change<T> {
    fn into_option(self) -> Option<T> {
        match self {
            Change::Set(value) => Some(value),
            Change::Clear => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfilePatch {
    pub name: Option<Change<DisplayName>>,
    pub phone_number: Option<Change<PhoneNumber>>,
    pub dob: Option<Change<DateOfBirth>>,
    pub gender: Option<Change<Gender>>,
    pub blood_group: Option<Change<BloodGroup>>,
    pub picture_key: Option<Change<PictureKey>>,
    /// Only for callers allowed to change user types; setting it also approves a pending type.
    pub user_type: Option<UserType>,
}

/// Everything wrong with a patch body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchRejected {
    pub unknown: Vec<String>,
    pub read_only: Vec<String>,
    pub invalid: Vec<(String, &'static str)>,
    pub empty: bool,
}

impl std::error::Error for PatchRejected {}

impl fmt::Display for PatchRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.empty {
            parts.push(format!(
                "the body must set at least one of: {}",
                WRITABLE_FIELDS.join(", ")
            ));
        }
        if !self.unknown.is_empty() {
            parts.push(format!("unknown fields: {}", self.unknown.join(", ")));
        }
        if !self.read_only.is_empty() {
            parts.push(format!("read-only fields: {}", self.read_only.join(", ")));
        }
        for (field, reason) in &self.invalid {
            parts.push(format!("{field} {reason}"));
        }
        f.write_str(&parts.join("; "))
    }
}

impl PatchRejected {
    fn is_empty(&self) -> bool {
        !self.empty
            && self.unknown.is_empty()
            && self.read_only.is_empty()
            && self.invalid.is_empty()
    }
}

/// Field names from the request are echoed back in the error; keep that bounded.
fn shown(name: &str) -> String {
    const MAX: usize = 64;
    let mut shown: String = name.chars().filter(|c| !c.is_control()).take(MAX).collect();
    if name.chars().count() > MAX {
        shown.push('…');
    }
    shown
}

fn field<T>(
    value: &Value,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, InvalidField>,
    rejected: &mut PatchRejected,
) -> Option<Change<T>> {
    match value {
        Value::Null => Some(Change::Clear),
        Value::String(text) => match parse(text) {
            Ok(parsed) => Some(Change::Set(parsed)),
            Err(e) => {
                rejected.invalid.push((name.to_owned(), e.reason()));
                None
            }
        },
        _ => {
            rejected
                .invalid
                .push((name.to_owned(), "must be a string or null"));
            None
        }
    }
}

impl ProfilePatch {
    /// Who may set what is the access policy's business: a parsed `user_type` is only
    /// applied for an Admin.
    pub fn parse(body: &Map<String, Value>, today: NaiveDate) -> Result<Self, PatchRejected> {
        let mut patch = ProfilePatch::default();
        let mut rejected = PatchRejected {
            empty: body.is_empty(),
            ..PatchRejected::default()
        };
        for (name, value) in body {
            let r = &mut rejected;
            match name.as_str() {
                "name" => patch.name = field(value, name, DisplayName::parse, r),
                "phone_number" => patch.phone_number = field(value, name, PhoneNumber::parse, r),
                "dob" => patch.dob = field(value, name, |s| DateOfBirth::parse(s, today), r),
                "gender" => patch.gender = field(value, name, Gender::parse, r),
                "blood_group" => patch.blood_group = field(value, name, BloodGroup::parse, r),
                "picture_key" => patch.picture_key = field(value, name, PictureKey::parse, r),
                "user_type" => match value.as_str().map(UserType::parse) {
                    Some(Ok(user_type)) => patch.user_type = Some(user_type),
                    _ => r.invalid.push((
                        name.clone(),
                        "must be exactly one of Patient, Doctor, Admin",
                    )),
                },
                other if READ_ONLY_FIELDS.contains(&other) => r.read_only.push(name.clone()),
                other => r.unknown.push(shown(other)),
            }
        }
        if rejected.is_empty() {
            Ok(patch)
        } else {
            Err(rejected)
        }
    }
}

impl Profile {
    /// The profile after `patch`: one version later, stamped `now`. Setting a user type
    /// is an Admin's decision, so it also makes that type active.
    pub fn patched(&self, patch: &ProfilePatch, now: DateTime<Utc>) -> Profile {
        fn apply<T: Clone>(current: &Option<T>, change: &Option<Change<T>>) -> Option<T> {
            match change {
                Some(c) => c.clone().into_option(),
                None => current.clone(),
            }
        }
        let mut next = self.clone();
        next.name = apply(&self.name, &patch.name);
        next.phone_number = apply(&self.phone_number, &patch.phone_number);
        next.dob = apply(&self.dob, &patch.dob);
        next.gender = apply(&self.gender, &patch.gender);
        next.blood_group = apply(&self.blood_group, &patch.blood_group);
        next.picture_key = apply(&self.picture_key, &patch.picture_key);
        if let Some(user_type) = patch.user_type {
            next.user_type = user_type;
            next.status = ProfileStatus::Active;
        }
        next.version = self.version + 1;
        next.updated_at = now;
        next
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn parse(body: Value) -> Result<ProfilePatch, PatchRejected> {
        ProfilePatch::parse(body.as_object().unwrap(), today())
    }

    #[test]
    fn parses_every_writable_field() {
        let patch = parse(
            json!({"name": "Ada", "phone_number": "+14155550123", "dob": "1990-02-03",
                   "gender": "female", "blood_group": "O-", "picture_key": null}),
        )
        .unwrap();
        assert_eq!(
            patch.name,
            Some(Change::Set(DisplayName::parse("Ada").unwrap()))
        );
        assert_eq!(patch.blood_group, Some(Change::Set(BloodGroup::ONeg)));
        assert_eq!(patch.picture_key, Some(Change::Clear));
        assert_eq!(patch.user_type, None);
    }

    #[test]
    fn names_every_offending_field_at_once() {
        let err = parse(
            json!({"email": "x@example.com", "version": 9, "isAdmin": true, "user_type": "root",
                   "dob": "2030-01-01", "blood_group": 5, "name": "ok"}),
        )
        .unwrap_err();
        assert_eq!(err.unknown, ["isAdmin"]);
        let mut read_only = err.read_only.clone();
        read_only.sort();
        assert_eq!(read_only, ["email", "version"]);
        let invalid: Vec<_> = err.invalid.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(invalid, ["blood_group", "dob", "user_type"]);
        let message = err.to_string();
        for name in [
            "isAdmin",
            "email",
            "user_type",
            "version",
            "dob",
            "blood_group",
        ] {
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn admins_may_set_user_type_but_only_exact_names() {
        assert_eq!(
            parse(json!({"user_type": "Doctor"})).unwrap().user_type,
            Some(UserType::Doctor)
        );
        for bad in [json!("doctor"), json!(null), json!(1)] {
            let err = parse(json!({ "user_type": bad })).unwrap_err();
            let invalid: Vec<_> = err
                .invalid
                .iter()
                .map(|(field, _)| field.as_str())
                .collect();
            assert_eq!(invalid, ["user_type"]);
        }
    }

    #[test]
    fn an_empty_body_is_rejected() {
        assert!(parse(json!({})).unwrap_err().empty);
    }

    #[test]
    fn echoed_field_names_are_bounded() {
        let long = "k".repeat(10_000);
        let err = parse(json!({ long.clone(): 1 })).unwrap_err();
        assert!(err.to_string().len() < 200);
    }

    proptest! {
        #[test]
        fn arbitrary_objects_never_panic(keys in proptest::collection::vec("\\PC{0,12}", 0..6), value in "\\PC{0,20}") {
            let body: Map<String, Value> = keys.into_iter().map(|k| (k, Value::String(value.clone()))).collect();
            let _ = ProfilePatch::parse(&body, today());
        }

        #[test]
        fn only_exact_user_type_names_parse(value in "\\PC{0,10}|Admin|Doctor") {
            let body: Map<String, Value> = [("user_type".to_owned(), Value::String(value.clone()))].into_iter().collect();
            let parsed = ProfilePatch::parse(&body, today()).map(|p| p.user_type);
            prop_assert_eq!(parsed.ok().flatten(), UserType::parse(&value).ok());
        }
    }
}
