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

    /// The names of the fields this patch sets or clears, in `WRITABLE_FIELDS` order:
    /// what the access log records of a change (never the values).
    pub fn field_names(&self) -> Vec<&'static str> {
        let named = [
            self.name.is_some(),
            self.phone_number.is_some(),
            self.dob.is_some(),
            self.gender.is_some(),
            self.blood_group.is_some(),
            self.picture_key.is_some(),
            self.user_type.is_some(),
        ];
        WRITABLE_FIELDS
            .into_iter()
            .zip(named)
            .filter_map(|(name, named)| named.then_some(name))
            .collect()
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
    fn field_names_are_the_names_set_or_cleared_never_values() {
        let patch = parse(json!({"user_type": "Doctor", "dob": null, "name": "Ada"})).unwrap();
        assert_eq!(patch.field_names(), ["name", "dob", "user_type"]);
        let every: Map<String, Value> = WRITABLE_FIELDS
            .iter()
            .map(|f| (f.to_string(), Value::Null))
            .filter(|(f, _)| f != "user_type")
            .collect();
        let patch = ProfilePatch::parse(&every, today()).unwrap();
        assert_eq!(patch.field_names(), WRITABLE_FIELDS[..6]);
    }

    const KEY: &str = "profile-pictures/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22/11111111-2222-4333-8444-555555555555.png";

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Kind {
        Writable,
        ReadOnly,
        Unknown,
    }

    /// What the API documents for each body key, with a value the field accepts and
    /// one it refuses. Written out by hand so the parser is checked against it.
    fn key_table() -> Vec<(&'static str, Kind, Value, Value)> {
        use Kind::*;
        vec![
            ("name", Writable, json!(" Ada "), json!("")),
            (
                "phone_number",
                Writable,
                json!("+14155550123"),
                json!("555-0123"),
            ),
            ("dob", Writable, json!("1990-02-03"), json!("1896-01-01")),
            ("gender", Writable, json!("female"), json!("Female")),
            ("blood_group", Writable, json!("AB-"), json!("AB")),
            ("picture_key", Writable, json!(KEY), json!("../etc/passwd")),
            ("user_type", Writable, json!("Doctor"), json!(null)),
            ("user_id", ReadOnly, json!("x"), json!(1)),
            ("email", ReadOnly, json!("a@b.c"), json!(null)),
            ("status", ReadOnly, json!("active"), json!(true)),
            (
                "created_at",
                ReadOnly,
                json!("2026-01-01T00:00:00Z"),
                json!(1),
            ),
            (
                "updated_at",
                ReadOnly,
                json!("2026-01-01T00:00:00Z"),
                json!(1),
            ),
            ("version", ReadOnly, json!(9), json!("9")),
            ("picture_url", ReadOnly, json!("https://x"), json!(null)),
            ("Name", Unknown, json!("Ada"), json!(1)),
            ("username", Unknown, json!("ada"), json!(1)),
            ("isAdmin", Unknown, json!(true), json!(1)),
            ("cognito:groups", Unknown, json!("Admin"), json!(1)),
            ("user_type ", Unknown, json!("Admin"), json!(1)),
            ("dob\u{200b}", Unknown, json!("1990-02-03"), json!(1)),
            ("", Unknown, json!(""), json!(1)),
        ]
    }

    /// The writable fields a parsed patch sets or clears, by name.
    fn fields_present(patch: &ProfilePatch) -> Vec<&'static str> {
        [
            ("blood_group", patch.blood_group.is_some()),
            ("dob", patch.dob.is_some()),
            ("gender", patch.gender.is_some()),
            ("name", patch.name.is_some()),
            ("phone_number", patch.phone_number.is_some()),
            ("picture_key", patch.picture_key.is_some()),
            ("user_type", patch.user_type.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect()
    }

    #[test]
    fn parses_every_writable_field() {
        let patch = parse(json!({"name": " Ada ", "phone_number": "+14155550123", "dob": "1990-02-03",
                   "gender": "female", "blood_group": "O-", "picture_key": KEY, "user_type": "Admin"}))
        .unwrap();
        let Some(Change::Set(name)) = &patch.name else {
            panic!("{patch:?}")
        };
        assert_eq!(name.as_str(), "Ada");
        let Some(Change::Set(phone)) = &patch.phone_number else {
            panic!("{patch:?}")
        };
        assert_eq!(phone.as_str(), "+14155550123");
        let Some(Change::Set(dob)) = &patch.dob else {
            panic!("{patch:?}")
        };
        assert_eq!(dob.to_string(), "1990-02-03");
        assert_eq!(patch.gender, Some(Change::Set(Gender::Female)));
        assert_eq!(patch.blood_group, Some(Change::Set(BloodGroup::ONeg)));
        let Some(Change::Set(key)) = &patch.picture_key else {
            panic!("{patch:?}")
        };
        assert_eq!(key.as_str(), KEY);
        assert_eq!(patch.user_type, Some(UserType::Admin));
    }

    #[test]
    fn null_clears_every_writable_field_but_user_type() {
        let patch = parse(json!({"name": null, "phone_number": null, "dob": null,
                   "gender": null, "blood_group": null, "picture_key": null}))
        .unwrap();
        assert_eq!(patch.name, Some(Change::Clear));
        assert_eq!(patch.phone_number, Some(Change::Clear));
        assert_eq!(patch.dob, Some(Change::Clear));
        assert_eq!(patch.gender, Some(Change::Clear));
        assert_eq!(patch.blood_group, Some(Change::Clear));
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

    /// A body key from the table (or a random one) with the table's good or bad value.
    fn body_entry() -> impl Strategy<Value = (String, Value)> {
        let table = key_table();
        let known = (prop::sample::select(table), any::<bool>())
            .prop_map(|((key, _, good, bad), ok)| (key.to_owned(), if ok { good } else { bad }));
        prop_oneof![
            4 => known,
            // No table key starts with `x_`, so these are always unknown.
            1 => ("x_[a-z_]{0,10}", "\\PC{0,10}").prop_map(|(k, v)| (k, json!(v))),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_objects_never_panic(keys in proptest::collection::vec("\\PC{0,12}", 0..6), value in "\\PC{0,20}") {
            let body: Map<String, Value> = keys.into_iter().map(|k| (k, Value::String(value.clone()))).collect();
            let _ = ProfilePatch::parse(&body, today());
        }

        #[test]
        fn every_key_is_sorted_as_the_table_says(entries in proptest::collection::vec(body_entry(), 0..6)) {
            let body: Map<String, Value> = entries.into_iter().collect();
            let table = key_table();
            let (mut unknown, mut read_only, mut invalid, mut set) = (vec![], vec![], vec![], vec![]);
            for (key, value) in &body {
                let row = table.iter().find(|(name, ..)| name == key);
                match row.map_or((Kind::Unknown, None), |(_, kind, good, _)| (*kind, Some(good))) {
                    (Kind::Unknown, _) => unknown.push(key.clone()),
                    (Kind::ReadOnly, _) => read_only.push(key.clone()),
                    (Kind::Writable, good) if good == Some(value) => set.push(key.clone()),
                    (Kind::Writable, _) => invalid.push(key.clone()),
                }
            }

            set.sort();
            match ProfilePatch::parse(&body, today()) {
                Ok(patch) => {
                    prop_assert!(!body.is_empty() && unknown.is_empty() && read_only.is_empty() && invalid.is_empty());
                    prop_assert_eq!(fields_present(&patch), set);
                }
                Err(rejected) => {
                    let mut got_invalid: Vec<_> = rejected.invalid.iter().map(|(f, _)| f.clone()).collect();
                    let mut got_unknown = rejected.unknown.clone();
                    let mut got_read_only = rejected.read_only.clone();
                    got_invalid.sort();
                    got_unknown.sort();
                    got_read_only.sort();
                    unknown.sort();
                    read_only.sort();
                    invalid.sort();
                    prop_assert_eq!(rejected.empty, body.is_empty());
                    prop_assert_eq!(got_unknown, unknown);
                    prop_assert_eq!(got_read_only, read_only);
                    prop_assert_eq!(got_invalid, invalid);
                }
            }
        }

        #[test]
        fn only_exact_user_type_names_parse(
            value in "\\PC{0,10}|Admin|Doctor|Patient|admin|ADMIN| Admin|Admin |Admin\u{200b}|\u{feff}Doctor",
        ) {
            let expected = match value.as_str() {
                "Patient" => Some(UserType::Patient),
                "Doctor" => Some(UserType::Doctor),
                "Admin" => Some(UserType::Admin),
                _ => None,
            };
            let body: Map<String, Value> = [("user_type".to_owned(), json!(value))].into_iter().collect();
            match ProfilePatch::parse(&body, today()) {
                Ok(patch) => prop_assert_eq!(patch.user_type, expected),
                Err(rejected) => {
                    prop_assert_eq!(expected, None);
                    let invalid: Vec<_> = rejected.invalid.iter().map(|(f, _)| f.as_str()).collect();
                    prop_assert_eq!(invalid, ["user_type"]);
                }
            }
        }
    }
}
