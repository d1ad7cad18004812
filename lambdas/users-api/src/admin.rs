//! GET /users (a page of profiles) and GET /admin/metrics, for Admins.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::access::{Action, authorize};
use domain::access_log::AccessAction;
use domain::ports::{PageCursor, ProfileStore};
use domain::{Cohort, ProfileStatus, UserId, UserType};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit::Audit;
use crate::deps::Deps;
use crate::error::ApiError;
use crate::profiles::view;
use crate::reply::Reply;
use crate::request::{ApiRequest, Page};

/// Where the next page starts: a user type, and the last profile seen of it (none
/// when the page ended exactly at the end of the previous type). It is bound to the
/// filters it was issued for, so it cannot be replayed against another listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    /// The `user_type` filter of the listing, or empty for all types.
    f: String,
    /// The `status` filter of the listing.
    s: String,
    t: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<String>,
}

/// A decoded, checked cursor: the type to resume at and where within it.
struct Resume {
    user_type: UserType,
    after: Option<PageCursor>,
}

fn filter_name(filter: Option<UserType>) -> String {
    filter.map(|t| t.as_str().to_owned()).unwrap_or_default()
}

/// What a listing shows: one user type or all, of one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Filter {
    user_type: Option<UserType>,
    status: ProfileStatus,
}

fn encode(filter: Filter, user_type: UserType, after: Option<&PageCursor>) -> String {
    let cursor = Cursor {
        f: filter_name(filter.user_type),
        s: filter.status.as_str().to_owned(),
        t: user_type.as_str().to_owned(),
        c: after.map(|a| a.created_at.clone()),
        u: after.map(|a| a.user_id.to_string()),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

fn decode(text: &str, filter: Filter) -> Result<Resume, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            "invalid_cursor",
            "cursor must be a next_cursor value returned by this listing",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if cursor.f != filter_name(filter.user_type) || cursor.s != filter.status.as_str() {
        return Err(invalid());
    }
    let user_type = UserType::parse(&cursor.t).map_err(|_| invalid())?;
    if filter.user_type.is_some_and(|f| f != user_type) {
        return Err(invalid());
    }
    let after = match (cursor.c, cursor.u) {
        (Some(created_at), Some(user_id)) => {
            chrono::DateTime::parse_from_rfc3339(&created_at).map_err(|_| invalid())?;
            Some(PageCursor {
                created_at,
                user_id: UserId::parse(&user_id).map_err(|_| invalid())?,
            })
        }
        (None, None) => None,
        _ => return Err(invalid()),
    };
    Ok(Resume { user_type, after })
}

pub async fn list<S: ProfileStore, P, G, L>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let caller = req.caller()?;
    // Recorded by the caller until the page is known: then one entry per listed profile.
    audit.attempt(caller, AccessAction::List, None);
    authorize(caller, Action::ListProfiles, None)?;
    let query = req.query(&["user_type", "status"])?;
    let param = |name: &str| query.get(name);

    let filter = Filter {
        user_type: param("user_type")
            .map(|v| {
                UserType::parse(v)
                    .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))
            })
            .transpose()?,
        // Requested-but-unapproved types are listed only when asked for.
        status: match param("status") {
            None => ProfileStatus::Active,
            Some(v) => ProfileStatus::parse(v).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    "status must be exactly one of active, pending_review",
                )
            })?,
        },
    };
    let Page { limit, cursor } = query.page()?;
    let types: Vec<UserType> = match filter.user_type {
        Some(t) => vec![t],
        None => UserType::ALL.to_vec(),
    };
    let resume = cursor.map(|c| decode(c, filter)).transpose()?;
    let start = resume
        .as_ref()
        .and_then(|r| types.iter().position(|t| *t == r.user_type))
        .unwrap_or(0);
    let mut after = resume.and_then(|r| r.after);

    let mut items: Vec<Value> = Vec::new();
    let mut listed: Vec<UserId> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut next_cursor = None;
    for user_type in types.iter().skip(start) {
        let remaining = limit - (items.len() + unreadable.len()) as u32;
        if remaining == 0 {
            next_cursor = Some(encode(filter, *user_type, None));
            break;
        }
        let page = deps
            .profiles
            .list(
                Cohort {
                    user_type: *user_type,
                    status: filter.status,
                },
                remaining,
                after.take().as_ref(),
            )
            .await?;
        items.extend(page.profiles.iter().map(|p| json!(view(p, None))));
        listed.extend(page.profiles.iter().map(|p| p.user_id.clone()));
        unreadable.extend(page.unreadable.iter().map(|id| id.to_string()));
        if let Some(next) = page.next {
            next_cursor = Some(encode(filter, *user_type, Some(&next)));
            break;
        }
    }
    audit.listed(listed);
    Ok(Reply::json(
        200,
        json!({"items": items, "unreadable_ids": unreadable, "next_cursor": next_cursor}),
    ))
}

/// Not recorded in the access log: counts per user type identify no one.
pub async fn metrics<S: ProfileStore, P, G, L>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
) -> Result<Reply, ApiError> {
    let caller = req.caller()?;
    authorize(caller, Action::ReadMetrics, None)?;
    let counts = deps.profiles.count_by_cohort().await?;
    let of_status = |status: ProfileStatus| -> serde_json::Map<String, Value> {
        UserType::ALL
            .iter()
            .map(|&user_type| {
                let count = counts.get(&Cohort { user_type, status }).copied();
                (user_type.as_str().to_owned(), json!(count.unwrap_or(0)))
            })
            .collect()
    };
    let total: u64 = counts.values().sum();
    Ok(Reply::json(
        200,
        json!({
            "total": total,
            "by_user_type": of_status(ProfileStatus::Active),
            "pending_review": of_status(ProfileStatus::PendingReview),
        }),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    const ALL_ACTIVE: Filter = Filter {
        user_type: None,
        status: ProfileStatus::Active,
    };

    fn only(user_type: UserType) -> Filter {
        Filter {
            user_type: Some(user_type),
            status: ProfileStatus::Active,
        }
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_filter() {
        let after = PageCursor {
            created_at: "2026-11-22T09:30:00.000Z".to_owned(),
            user_id: UserId::parse("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d").unwrap(),
        };
        let text = encode(ALL_ACTIVE, UserType::Doctor, Some(&after));
        let resume = decode(&text, ALL_ACTIVE).unwrap();
        assert_eq!(
            (resume.user_type, resume.after),
            (UserType::Doctor, Some(after))
        );
        assert!(
            decode(&text, only(UserType::Doctor)).is_err(),
            "issued for another type filter"
        );
        let pending = Filter {
            status: ProfileStatus::PendingReview,
            ..ALL_ACTIVE
        };
        assert!(
            decode(&text, pending).is_err(),
            "issued for another status filter"
        );
    }

    #[test]
    fn garbage_and_edited_cursors_are_refused() {
        let forged = |json: &str| URL_SAFE_NO_PAD.encode(json);
        for bad in [
            "".to_owned(),
            "%%%".to_owned(),
            forged("[]"),
            forged(r#"{"f":"","s":"active","t":"Root"}"#),
            forged(
                r#"{"f":"","s":"active","t":"Doctor","c":"yesterday","u":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}"#,
            ),
            forged(r#"{"f":"","s":"active","t":"Doctor","c":"2026-11-22T09:30:00.000Z"}"#),
            forged(r#"{"f":"","s":"active","t":"Doctor","x":1}"#),
            forged(
                r#"{"f":"","s":"active","t":"Doctor","c":"2026-11-22T09:30:00.000Z","u":"USER#x"}"#,
            ),
            forged(r#"{"f":"","t":"Doctor"}"#),
            forged(r#"{"f":"","s":"Active","t":"Doctor"}"#),
        ] {
            assert!(decode(&bad, ALL_ACTIVE).is_err(), "{bad}");
        }
    }

    const CREATED: &str = "2026-11-22T09:30:00.000Z";
    const USER: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

    /// The `c` and `u` fields of a forged cursor: mostly both absent or both valid.
    fn forged_position() -> impl Strategy<Value = (Option<&'static str>, Option<&'static str>)> {
        let created = [
            Some(CREATED),
            Some("2026-11-22T11:30:00+02:00"),
            Some("yesterday"),
            Some(""),
            None,
        ];
        let user = [
            Some(USER),
            Some("9A8B7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D"),
            Some("USER#x"),
            None,
        ];
        prop_oneof![
            3 => Just((None, None)),
            3 => Just((Some(CREATED), Some(USER))),
            1 => Just((Some("2026-11-22T11:30:00+02:00"), Some(USER))),
            2 => (select(created.to_vec()), select(user.to_vec())),
        ]
    }

    proptest! {
        /// Whatever a client sends as a cursor, decoding answers a cursor or a 400.
        #[test]
        fn any_cursor_text_is_a_cursor_or_a_400(raw in "\\PC{0,60}", filtered in any::<bool>()) {
            let filter = if filtered { only(UserType::Patient) } else { ALL_ACTIVE };
            if let Err(e) = decode(&raw, filter) {
                prop_assert!(matches!(e, ApiError::BadRequest { code: "invalid_cursor", .. }), "{e:?}");
            }
        }

        /// A cursor forged from real and near-miss field values is accepted exactly when
        /// it has the documented shape and was issued for this filter, and what is
        /// accepted round-trips.
        #[test]
        fn forged_cursors_are_accepted_exactly_when_valid_for_the_filter(
            f in select(vec![Some(""), Some(""), Some("Patient"), Some("Patient"), Some("Doctor"), Some("patient"), None]),
            st in select(vec![Some("active"), Some("active"), Some("active"), Some("pending_review"), Some("Active"), None]),
            t in select(vec![Some("Patient"), Some("Patient"), Some("Patient"), Some("Doctor"), Some("Admin"), Some("admin"), Some("Root"), None]),
            (c, u) in forged_position(),
            extra in proptest::option::weighted(0.2, "x[a-z]?"),
            filtered in any::<bool>(),
        ) {
            let filter = if filtered { only(UserType::Patient) } else { ALL_ACTIVE };
            let mut fields = serde_json::Map::new();
            for (key, value) in [("f", f), ("s", st), ("t", t), ("c", c), ("u", u)] {
                if let Some(value) = value {
                    fields.insert(key.to_owned(), json!(value));
                }
            }
            let has_extra = extra.is_some();
            if let Some(key) = extra {
                fields.insert(key, json!(1));
            }
            let text = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&fields).unwrap());

            let user_type = match t {
                Some("Patient") => Some(UserType::Patient),
                Some("Doctor") => Some(UserType::Doctor),
                Some("Admin") => Some(UserType::Admin),
                _ => None,
            };
            let position = match (c, u) {
                (None, None) => Some(None),
                (Some(c @ (CREATED | "2026-11-22T11:30:00+02:00")), Some(USER)) => Some(Some(c)),
                _ => None,
            };
            let issued_for = if filtered { "Patient" } else { "" };
            let expected = match (user_type, position) {
                (Some(user_type), Some(position))
                    if !has_extra
                        && f == Some(issued_for)
                        && st == Some("active")
                        && filter.user_type.is_none_or(|f| f == user_type) =>
                {
                    Some((user_type, position))
                }
                _ => None,
            };

            match (decode(&text, filter), expected) {
                (Ok(resume), Some((user_type, position))) => {
                    prop_assert_eq!(resume.user_type, user_type);
                    let after = resume.after.as_ref().map(|a| (a.created_at.as_str(), a.user_id.as_str()));
                    prop_assert_eq!(after, position.map(|c| (c, USER)));
                    let again = decode(&encode(filter, resume.user_type, resume.after.as_ref()), filter).unwrap();
                    prop_assert_eq!((again.user_type, again.after), (resume.user_type, resume.after));
                }
                (Err(e), None) => prop_assert!(matches!(e, ApiError::BadRequest { code: "invalid_cursor", .. }), "{e:?}"),
                (got, expected) => prop_assert!(false, "{fields:?}: got {:?}, expected {expected:?}", got.map(|r| r.user_type)),
            }
        }
    }
}
