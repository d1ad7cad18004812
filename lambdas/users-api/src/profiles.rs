//! GET and PUT /users/{id}.

use chrono::{DateTime, Utc};
use domain::Profile;
use domain::access::{Action, authorize};
use domain::access_log::AccessAction;
use domain::fields::{DisplayName, Email, PhoneNumber};
use domain::patch::ProfilePatch;
use domain::ports::{AccessLog, PictureStore, ProfileStore, UserDirectory};
use domain::service::Updated;
use serde::Serialize;

use crate::audit::Audit;
use crate::deps::Deps;
use crate::error::ApiError;
use crate::reply::Reply;
use crate::request::ApiRequest;

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The fields the API returns: an allow-list, so internal attributes never leak.
/// Serialized straight to the response body; the fields are in alphabetical order, the
/// order the JSON has always had.
#[derive(Serialize)]
pub struct View<'a> {
    blood_group: Option<&'static str>,
    created_at: String,
    dob: Option<String>,
    email: Option<&'a str>,
    gender: Option<&'static str>,
    name: Option<&'a str>,
    phone_number: Option<&'a str>,
    picture_key: Option<&'a str>,
    /// Present only when a picture is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    picture_url: Option<String>,
    status: &'static str,
    updated_at: String,
    user_id: &'a str,
    user_type: &'static str,
    version: u64,
}

pub fn view(profile: &Profile, picture_url: Option<String>) -> View<'_> {
    View {
        blood_group: profile.blood_group.map(|b| b.as_str()),
        created_at: timestamp(profile.created_at),
        dob: profile.dob.map(|d| d.to_string()),
        email: profile.email.as_ref().map(Email::as_str),
        gender: profile.gender.map(|g| g.as_str()),
        name: profile.name.as_ref().map(DisplayName::as_str),
        phone_number: profile.phone_number.as_ref().map(PhoneNumber::as_str),
        picture_key: profile.picture_key.as_ref().map(|k| k.as_str()),
        picture_url,
        status: profile.status.as_str(),
        updated_at: timestamp(profile.updated_at),
        user_id: profile.user_id.as_str(),
        user_type: profile.user_type.as_str(),
        version: profile.version,
    }
}

fn etag(profile: &Profile) -> String {
    format!("\"{}\"", profile.version)
}

async fn reply_with_profile<S, P: PictureStore, G, L>(
    deps: &Deps<S, P, G, L>,
    profile: &Profile,
) -> Result<Reply, ApiError> {
    let picture_url = match &profile.picture_key {
        Some(key) => Some(
            deps.pictures
                .presign_download(key, deps.config.picture_url_ttl)
                .await?,
        ),
        None => None,
    };
    Ok(Reply::json(200, view(profile, picture_url)).with_header("etag", etag(profile)))
}

pub async fn get<S: ProfileStore, P: PictureStore, G: UserDirectory, L>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
    now: DateTime<Utc>,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let (caller, target) = req.audited_target(Action::ReadProfile, audit, AccessAction::Read)?;
    let own = req.own(caller, &target);
    let profile = deps.service().load(&target, own.as_ref(), now).await?;
    reply_with_profile(deps, &profile).await
}

pub async fn put<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
    now: DateTime<Utc>,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let (caller, target) =
        req.audited_target(Action::UpdateProfile, audit, AccessAction::Update)?;
    let body = req.json_object()?;
    // `user_type` is a well-formed field for everyone; setting it is a permission (403), not a 400.
    let patch = ProfilePatch::parse(&body, now.date_naive())
        .map_err(|rejected| ApiError::bad_request("invalid_fields", rejected.to_string()))?;
    audit.fields(patch.field_names());
    if patch.user_type.is_some() {
        authorize(caller, Action::ChangeUserType, Some(&target))?;
    }
    let expected = req.if_match()?;
    let own = req.own(caller, &target);
    let Updated { previous, updated } = deps
        .service()
        .update(
            &target,
            own.as_ref(),
            &patch,
            expected.as_deref(),
            now,
            &audit.before_writes(&deps.access_log),
        )
        .await?;
    if previous.cohort() != updated.cohort() {
        tracing::info!(sub = %target, by = %caller.user_id, user_type = %updated.user_type, "user type changed");
    }
    reply_with_profile(deps, &updated).await
}
