//! GET /users/{id}/access-log: who read, changed, listed or deleted a profile, newest
//! first. The owner sees the role of each actor; only an Admin sees other users' ids.
//! Reading the log is not itself recorded: it holds no health data, only ids and names.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::UserId;
use domain::access::Action;
use domain::access_log::{AccessCursor, AccessEntry, RequestId};
use domain::ports::AccessLog;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::deps::Deps;
use crate::error::ApiError;
use crate::reply::Reply;
use crate::request::ApiRequest;

/// Where the next page starts, bound to the profile whose log it pages through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    /// The profile.
    t: String,
    /// The last entry's time and request id.
    a: String,
    r: String,
}

fn encode(target: &UserId, after: &AccessCursor) -> String {
    let cursor = Cursor {
        t: target.to_string(),
        a: after.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        r: after.request_id.to_string(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

fn decode(text: &str, target: &UserId) -> Result<AccessCursor, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            "invalid_cursor",
            "cursor must be a next_cursor value returned by this profile's access log",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if cursor.t != target.as_str() {
        return Err(invalid());
    }
    Ok(AccessCursor {
        at: DateTime::parse_from_rfc3339(&cursor.a)
            .map_err(|_| invalid())?
            .with_timezone(&Utc),
        request_id: RequestId::parse(&cursor.r).map_err(|_| invalid())?,
    })
}

/// An entry as the API shows it: `actor_id` only when `show_actor` (an Admin reads).
fn view(entry: &AccessEntry, show_actor: bool) -> Value {
    let mut body = json!({
        "at": entry.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "action": entry.action.as_str(),
        "outcome": entry.outcome.as_str(),
        "fields": entry.fields,
        "actor_role": entry.actor_role().as_str(),
        "request_id": entry.request_id.as_str(),
    });
    if let (true, Some(map)) = (show_actor, body.as_object_mut()) {
        map.insert("actor_id".to_owned(), json!(entry.actor.as_str()));
    }
    body
}

pub async fn list<S, P, G, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
) -> Result<Reply, ApiError> {
    let (caller, target) = req.authorized_target(Action::ReadAccessLog)?;
    let page = req.query(&[])?.page()?;
    let after = page.cursor.map(|c| decode(c, &target)).transpose()?;
    let page = deps
        .access_log
        .list(&target, page.limit, after.as_ref())
        .await?;
    let show_actor = caller.is_admin();
    let items: Vec<Value> = page.entries.iter().map(|e| view(e, show_actor)).collect();
    Ok(Reply::json(
        200,
        json!({
            "items": items,
            "next_cursor": page.next.as_ref().map(|next| encode(&target, next)),
        }),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const ADA: &str = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";
    const BO: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

    fn after() -> AccessCursor {
        AccessCursor {
            at: Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap(),
            request_id: RequestId::parse("3f1d7c52-8e0b-4a6d-9c2e-51b0a7f4d9e3").unwrap(),
        }
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_profile() {
        let ada = UserId::parse(ADA).unwrap();
        let text = encode(&ada, &after());
        assert_eq!(decode(&text, &ada).unwrap(), after());
        let bo = UserId::parse(BO).unwrap();
        assert!(decode(&text, &bo).is_err(), "replayed for another profile");
    }

    #[test]
    fn garbage_and_edited_cursors_are_refused() {
        let forged = |json: &str| URL_SAFE_NO_PAD.encode(json);
        let ada = UserId::parse(ADA).unwrap();
        for bad in [
            "".to_owned(),
            "%%%".to_owned(),
            forged("[]"),
            forged(&format!(r#"{{"t":"{ADA}","a":"yesterday","r":"x"}}"#)),
            forged(&format!(
                r#"{{"t":"{ADA}","a":"2026-11-22T09:30:00.000Z","r":"a#b"}}"#
            )),
            forged(&format!(
                r#"{{"t":"{ADA}","a":"2026-11-22T09:30:00.000Z"}}"#
            )),
            forged(&format!(
                r#"{{"t":"{ADA}","a":"2026-11-22T09:30:00.000Z","r":"x","x":1}}"#
            )),
            forged(&format!(
                r#"{{"t":"TARGET#{ADA}","a":"2026-11-22T09:30:00.000Z","r":"x"}}"#
            )),
        ] {
            assert!(decode(&bad, &ada).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Whatever a client sends as a cursor, decoding answers a cursor or a 400.
        #[test]
        fn any_cursor_text_is_a_cursor_or_a_400(raw in "\\PC{0,80}") {
            let ada = UserId::parse(ADA).unwrap();
            if let Err(e) = decode(&raw, &ada) {
                prop_assert!(matches!(e, ApiError::BadRequest { code: "invalid_cursor", .. }), "{e:?}");
            }
        }
    }
}
