//! Profile field values. Each type can only be built by `parse`, so a value that
//! exists is a valid one. Error messages say what is expected and never echo the
//! input (it may be health data that ends up in a log or a Cognito error).

use std::fmt;

use chrono::{Months, NaiveDate};

use crate::UserId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidField(&'static str);

impl InvalidField {
    pub fn reason(&self) -> &'static str {
        self.0
    }
}

/// Control, soft-hyphen, zero-width, bidi (embedding, override and isolate) and
/// byte-order-mark characters: invisible in a UI, so they let two different strings
/// look identical or display in another order than they are stored.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Oldest plausible age, in years.
pub const MAX_AGE_YEARS: u32 = 130;

/// The earliest birth date accepted on `today`: the same calendar day
/// [`MAX_AGE_YEARS`] years back. From a 29 February that day never exists (130 is
/// not a multiple of 4), and chrono clamps it to 28 February: one lenient day
/// rather than a window that shifts into March.
fn oldest_birth_date(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(MAX_AGE_YEARS * 12))
        .unwrap_or(NaiveDate::MIN)
}

/// A date of birth: `YYYY-MM-DD`, a real calendar date, not in the future and
/// at most [`MAX_AGE_YEARS`] ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    pub fn parse(value: &str, today: NaiveDate) -> Result<Self, InvalidField> {
        let date = Self::from_stored(value)?.0;
        if date > today {
            return Err(InvalidField("must not be in the future"));
        }
        if date < oldest_birth_date(today) {
            return Err(InvalidField("must be within the last 130 years"));
        }
        Ok(Self(date))
    }

    /// Reads back a value written earlier: only the shape is checked, because a
    /// stored date does not become invalid as time passes.
    pub fn from_stored(value: &str) -> Result<Self, InvalidField> {
        const FORMAT: InvalidField = InvalidField("must be a real date written YYYY-MM-DD");
        let shaped = value.len() == 10
            && value.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !shaped {
            return Err(FORMAT);
        }
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(Self)
            .map_err(|_| FORMAT)
    }
}

impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// One of the eight ABO/Rh blood groups, written exactly as `A+`, `AB-`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BloodGroup {
    APos,
    ANeg,
    BPos,
    BNeg,
    AbPos,
    AbNeg,
    OPos,
    ONeg,
}

impl BloodGroup {
    pub const ALL: [BloodGroup; 8] = [
        BloodGroup::APos,
        BloodGroup::ANeg,
        BloodGroup::BPos,
        BloodGroup::BNeg,
        BloodGroup::AbPos,
        BloodGroup::AbNeg,
        BloodGroup::OPos,
        BloodGroup::ONeg,
    ];

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == value)
            .ok_or(InvalidField(
                "must be one of A+, A-, B+, B-, AB+, AB-, O+, O-",
            ))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BloodGroup::APos => "A+",
            BloodGroup::ANeg => "A-",
            BloodGroup::BPos => "B+",
            BloodGroup::BNeg => "B-",
            BloodGroup::AbPos => "AB+",
            BloodGroup::AbNeg => "AB-",
            BloodGroup::OPos => "O+",
            BloodGroup::ONeg => "O-",
        }
    }
}

/// Gender as the person chooses to state it, from a fixed list so it can be
/// filtered and displayed consistently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
    NonBinary,
    Other,
    PreferNotToSay,
}

impl Gender {
    pub const ALL: [Gender; 5] = [
        Gender::Female,
        Gender::Male,
        Gender::NonBinary,
        Gender::Other,
        Gender::PreferNotToSay,
    ];

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == value)
            .ok_or(InvalidField(
                "must be one of female, male, non_binary, other, prefer_not_to_say",
            ))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::NonBinary => "non_binary",
            Gender::Other => "other",
            Gender::PreferNotToSay => "prefer_not_to_say",
        }
    }
}

/// A phone number in E.164: `+`, a non-zero digit, then 6 to 14 more digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let digits = value.strip_prefix('+').unwrap_or("");
        let ok = (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidField("must be an E.164 number such as +14155550123"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A display name: 1 to [`MAX_NAME_CHARS`] characters once surrounding white space
/// is trimmed, with no invisible or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(InvalidField("must not be empty"));
        }
        if trimmed.chars().count() > MAX_NAME_CHARS {
            return Err(InvalidField("must be at most 100 characters"));
        }
        if trimmed.chars().any(is_invisible) {
            return Err(InvalidField(
                "must not contain control or invisible characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The e-mail address Cognito verified. It is never changed through the API;
/// this type only bounds what gets stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let ok = value.len() <= 254
            && value
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
            && !value.chars().any(|c| c.is_whitespace() || is_invisible(c));
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidField("must be an e-mail address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Picture formats accepted for upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

impl ImageType {
    pub const ALL: [ImageType; 3] = [ImageType::Jpeg, ImageType::Png, ImageType::Webp];

    pub fn from_content_type(value: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|t| t.content_type() == value)
            .ok_or(InvalidField(
                "must be one of image/jpeg, image/png, image/webp",
            ))
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Jpeg => "jpg",
            ImageType::Png => "png",
            ImageType::Webp => "webp",
        }
    }

    fn from_extension(ext: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.extension() == ext)
    }
}

/// Where every profile picture lives: the owner's prefix, so a key names its owner.
pub const PICTURE_PREFIX: &str = "profile-pictures/";

/// An object key for a profile picture: `profile-pictures/<sub>/<uuid>.<jpg|png|webp>`.
/// Keys are minted by the server; parsing one back tells whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureKey {
    key: String,
    owner: UserId,
    image_type: ImageType,
}

impl PictureKey {
    /// A fresh key under `owner`'s prefix; `unique` must be a lower-case UUID.
    pub fn mint(owner: &UserId, image_type: ImageType, unique: &str) -> Result<Self, InvalidField> {
        Self::parse(&format!(
            "{PICTURE_PREFIX}{owner}/{unique}.{}",
            image_type.extension()
        ))
    }

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        const SHAPE: InvalidField = InvalidField(
            "must be a key returned by picture-upload-url: profile-pictures/<user id>/<uuid>.<jpg|png|webp>",
        );
        let rest = value.strip_prefix(PICTURE_PREFIX).ok_or(SHAPE)?;
        let (owner, file) = rest.split_once('/').ok_or(SHAPE)?;
        let (stem, ext) = file.split_once('.').ok_or(SHAPE)?;
        let owner = UserId::parse(owner).map_err(|_| SHAPE)?;
        UserId::parse(stem).map_err(|_| SHAPE)?; // same shape as a sub: a lower-case UUID
        let image_type = ImageType::from_extension(ext).ok_or(SHAPE)?;
        Ok(Self {
            key: value.to_owned(),
            owner,
            image_type,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// Where every picture of `owner` lives: `profile-pictures/<sub>/`.
    pub fn prefix_of(owner: &UserId) -> String {
        format!("{PICTURE_PREFIX}{owner}/")
    }

    pub fn owner(&self) -> &UserId {
        &self.owner
    }

    pub fn image_type(&self) -> ImageType {
        self.image_type
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::{Datelike, Days, Duration};
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const TOO_OLD: Result<&str, &str> = Err("must be within the last 130 years");
    const FUTURE: Result<&str, &str> = Err("must not be in the future");
    const NOT_A_DATE: Result<&str, &str> = Err("must be a real date written YYYY-MM-DD");

    fn dob(value: &str, today: NaiveDate) -> Result<String, &'static str> {
        DateOfBirth::parse(value, today)
            .map(|d| d.to_string())
            .map_err(|e| e.reason())
    }

    #[test]
    fn date_of_birth_accepts_real_past_dates() {
        for ok in ["1990-01-31", "2024-02-29", "2000-02-29", "1960-12-31"] {
            assert_eq!(DateOfBirth::parse(ok, today()).unwrap().to_string(), ok);
        }
    }

    #[test]
    fn date_of_birth_refuses_impossible_future_and_implausible_dates() {
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "1990-04-31",
            "1990-13-01",
            "1990-00-10",
            "1990-1-5",
            "90-01-01",
            "1990/01/01",
            "2026-11-23",
            "3000-01-01",
            "1895-01-01",
            "1896-01-01",
            "",
            "1990-01-01T00:00:00Z",
            " 1990-01-01",
            "+990-01-01",
        ] {
            assert!(DateOfBirth::parse(bad, today()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn date_of_birth_window_ends_exactly_130_calendar_years_back() {
        // today() is 2026-11-22.
        for (value, expected) in [
            ("1896-11-22", Ok("1896-11-22")),
            ("1896-11-21", TOO_OLD),
            ("1896-11-23", Ok("1896-11-23")),
            // Same year as the boundary but earlier in it: the year-only bug let this in.
            ("1896-01-01", TOO_OLD),
            ("1895-12-31", TOO_OLD),
            ("2026-11-22", Ok("2026-11-22")),
            ("2026-11-23", FUTURE),
            ("2027-01-01", FUTURE),
        ] {
            assert_eq!(dob(value, today()), expected.map(str::to_owned), "{value}");
        }
    }

    #[test]
    fn date_of_birth_handles_leap_days() {
        let leap_today = ymd(2028, 2, 29);
        for (value, today, expected) in [
            ("2024-02-29", today(), Ok("2024-02-29")),
            ("2023-02-29", today(), NOT_A_DATE),
            ("1900-02-29", today(), NOT_A_DATE),
            // 1898 has no 29 February: the boundary clamps to the 28th.
            ("1898-02-28", leap_today, Ok("1898-02-28")),
            ("1898-02-27", leap_today, TOO_OLD),
            ("1898-03-01", leap_today, Ok("1898-03-01")),
            ("2028-02-29", leap_today, Ok("2028-02-29")),
            ("2028-03-01", leap_today, FUTURE),
            // Born on a leap day: 130 years later is 2026-02-28 or 2026-03-01.
            ("1896-02-29", ymd(2026, 2, 28), Ok("1896-02-29")),
            ("1896-02-29", ymd(2026, 3, 1), TOO_OLD),
        ] {
            assert_eq!(
                dob(value, today),
                expected.map(str::to_owned),
                "{value} on {today}"
            );
        }
    }

    #[test]
    fn blood_groups_are_the_eight_exact_spellings() {
        let all: Vec<_> = BloodGroup::ALL.iter().map(|g| g.as_str()).collect();
        assert_eq!(all, ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"]);
        for bad in ["a+", "A", "AB", "O+ ", "C+", "A+\u{200b}", ""] {
            assert!(BloodGroup::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phone_numbers_must_be_e164() {
        for ok in ["+14155550123", "+447911123456", "+1234567"] {
            assert!(PhoneNumber::parse(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "14155550123",
            "+0123456789",
            "+1 415 555 0123",
            "+123456",
            "+1234567890123456",
            "+",
            "",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_bounded_and_visible() {
        assert_eq!(
            DisplayName::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert!(DisplayName::parse("Zoë Ñúñez 李").is_ok());
        assert!(DisplayName::parse(&"é".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(MAX_NAME_CHARS + 1)).is_err());
        for bad in [
            "",
            "   ",
            "Ada\u{0}",
            "Ada\nLovelace",
            "Ada\u{202e}",
            "\u{200b}Ada",
            "A\u{ad}da",
            "\u{2066}Ada\u{2069}",
            "Ada\u{2067}",
        ] {
            assert!(DisplayName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn picture_keys_name_their_owner_and_type() {
        let owner = UserId::parse("0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22").unwrap();
        let key = PictureKey::mint(
            &owner,
            ImageType::Png,
            "11111111-2222-4333-8444-555555555555",
        )
        .unwrap();
        assert_eq!(
            key.as_str(),
            "profile-pictures/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22/11111111-2222-4333-8444-555555555555.png"
        );
        assert_eq!(key.owner(), &owner);
        assert_eq!(PictureKey::parse(key.as_str()).unwrap(), key);
        for bad in [
            "profile-pictures/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22/../x.png",
            "profile-pictures/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22/11111111-2222-4333-8444-555555555555.gif",
            "profile-pictures/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22/a/11111111-2222-4333-8444-555555555555.png",
            "other/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22/11111111-2222-4333-8444-555555555555.png",
            "/profile-pictures/0b5c2c3e-8f3a-4d7e-9a51-3c0e6d7b1a22/11111111-2222-4333-8444-555555555555.png",
        ] {
            assert!(PictureKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn image_types_map_content_types() {
        for t in ImageType::ALL {
            assert_eq!(ImageType::from_content_type(t.content_type()), Ok(t));
        }
        for bad in [
            "image/gif",
            "image/svg+xml",
            "IMAGE/PNG",
            "image/png; charset=x",
            "text/html",
        ] {
            assert!(ImageType::from_content_type(bad).is_err(), "{bad:?}");
        }
    }

    /// The date-of-birth rule by comparing (year, month, day), without date arithmetic.
    fn in_window(today: NaiveDate, date: NaiveDate) -> bool {
        let ymd_of = |d: NaiveDate| (d.year(), d.month(), d.day());
        let (y, m, d) = ymd_of(today);
        // 29 February has no counterpart 130 years back: the 28th stands in for it.
        let oldest = if (m, d) == (2, 29) {
            (y - 130, 2, 28)
        } else {
            (y - 130, m, d)
        };
        oldest <= ymd_of(date) && ymd_of(date) <= ymd_of(today)
    }

    /// A `today` (often a 29 February) and a date within three days of either edge of
    /// the window, or anywhere from today back to well beyond the window.
    fn today_and_candidate_date() -> impl Strategy<Value = (NaiveDate, NaiveDate)> {
        let any_day = (0u64..60_000).prop_map(|n| ymd(1970, 1, 1) + Days::new(n));
        let leap_day =
            (1972i32..2130).prop_filter_map("a leap year", |y| NaiveDate::from_ymd_opt(y, 2, 29));
        let today = prop_oneof![any_day, leap_day];
        (today, -3i64..=3, 0i64..50_000, 0u8..3).prop_map(|(today, near, far, edge)| {
            let oldest = NaiveDate::from_ymd_opt(today.year() - 130, today.month(), today.day())
                .unwrap_or_else(|| ymd(today.year() - 130, 2, 28));
            let date = match edge {
                0 => oldest + Duration::days(near),
                1 => today + Duration::days(near),
                _ => today - Duration::days(far),
            };
            (today, date)
        })
    }

    /// Characters mixed into generated names, and whether the rule refuses one inside
    /// a name; the white space among them is trimmed at either end. The rest of each
    /// name comes from `\PC` (no control or format characters), all of it allowed.
    const NAME_PROBES: [(char, bool); 28] = [
        ('\u{0}', true),
        ('\u{7}', true),
        ('\n', true),
        ('\t', true),
        ('\r', true),
        ('\u{7F}', true),
        ('\u{85}', true),
        ('\u{9F}', true),
        ('\u{AD}', true),
        ('\u{200B}', true),
        ('\u{200D}', true),
        ('\u{200F}', true),
        ('\u{202A}', true),
        ('\u{202E}', true),
        ('\u{2060}', true),
        ('\u{2066}', true),
        ('\u{2069}', true),
        ('\u{FEFF}', true),
        (' ', false),
        ('\u{A0}', false),
        ('\u{3000}', false),
        ('\u{2028}', false),
        ('\u{200A}', false),
        ('\u{2010}', false),
        ('\u{202F}', false),
        ('\u{205F}', false),
        ('\u{2070}', false),
        ('\u{FF21}', false),
    ];

    /// The name rule written out: trim white space, then 1 to 100 characters with no
    /// refused probe among them.
    fn expected_name(text: &str) -> Option<String> {
        let chars: Vec<char> = text.chars().collect();
        let first = chars.iter().position(|c| !c.is_whitespace())?;
        let last = chars.iter().rposition(|c| !c.is_whitespace())?;
        let kept = &chars[first..=last];
        let refused = |c: &char| NAME_PROBES.contains(&(*c, true));
        (kept.len() <= 100 && !kept.iter().any(refused)).then(|| kept.iter().collect())
    }

    fn name_candidate() -> impl Strategy<Value = String> {
        let probe = || prop::sample::select(NAME_PROBES.map(|(c, _)| c).to_vec());
        prop_oneof![
            // Clean text, and clean text either side of the length limit.
            "\\PC{0,110}",
            "\\PC{98,103}",
            // Clean text with one probe anywhere in it, including either end.
            ("\\PC{0,105}", probe(), any::<prop::sample::Index>()).prop_map(|(text, c, at)| {
                let mut chars: Vec<char> = text.chars().collect();
                chars.insert(at.index(chars.len() + 1), c);
                chars.into_iter().collect()
            }),
            // Short mixes, often nothing but probes.
            prop::collection::vec(prop_oneof![probe().prop_map(String::from), "\\PC"], 0..8)
                .prop_map(|parts| parts.concat()),
        ]
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,64}") {
            let _ = DateOfBirth::parse(&s, today());
            let _ = BloodGroup::parse(&s);
            let _ = Gender::parse(&s);
            let _ = PhoneNumber::parse(&s);
            let _ = DisplayName::parse(&s);
            let _ = Email::parse(&s);
            let _ = PictureKey::parse(&s);
        }

        #[test]
        fn dates_near_the_window_edges_are_judged_by_the_calendar(
            (today, date) in today_and_candidate_date(),
        ) {
            let text = date.format("%Y-%m-%d").to_string();
            let parsed = DateOfBirth::parse(&text, today).map(|d| d.to_string());
            prop_assert_eq!(parsed.is_ok(), in_window(today, date), "{} on {}", text, today);
            if let Ok(round_trip) = parsed {
                prop_assert_eq!(round_trip, text);
            }
        }

        #[test]
        fn e164_numbers_round_trip(n in "[1-9][0-9]{6,14}") {
            let text = format!("+{n}");
            let parsed = PhoneNumber::parse(&text).unwrap();
            prop_assert_eq!(parsed.as_str(), text.as_str());
        }

        #[test]
        fn names_are_accepted_exactly_when_the_rule_allows(text in name_candidate()) {
            let parsed = DisplayName::parse(&text).map(|n| n.as_str().to_owned());
            prop_assert_eq!(parsed.ok(), expected_name(&text), "{:?}", text);
        }
    }
}
