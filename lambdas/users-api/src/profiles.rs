//! GET and PUT /users/{id}.

use chrono::{DateTime, Utc};
use domain::access::{Action, Caller, authorize};
use domain::access_log::AccessAction;
use domain::fields::{DisplayName, Email, PhoneNumber, PictureKey};
use domain::membership::{align_groups, grant_group};
use domain::patch::{Change, ProfilePatch};
use domain::ports::{AccessLog, Created, PictureStore, ProfileStore, UpdateError, UserDirectory};
use domain::signup::new_profile;
use domain::{Profile, UserId, UserType};
use lambda_http::Request;
use serde::Serialize;

use crate::Deps;
use crate::audit::Audit;
use crate::edge::{self, Reply};
use crate::error::ApiError;

/// Conflicting writers retry this many times before the API answers 409.
const MAX_WRITE_ATTEMPTS: usize = 5;

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

/// Reads the target profile. The caller's own is also where a confirmation that did not
/// finish is completed: a missing profile is created from the ID token's claims by the
/// same rule PostConfirmation applies, and a group the stored profile grants but the
/// token lacks is granted (taking nothing away).
async fn load<S: ProfileStore, P, G: UserDirectory, L>(
    deps: &Deps<S, P, G, L>,
    req: &Request,
    caller: &Caller,
    target: &UserId,
    now: DateTime<Utc>,
) -> Result<Profile, ApiError> {
    if let Some(profile) = deps.profiles.get(target).await? {
        if target == &caller.user_id
            && profile
                .granted_group()
                .is_some_and(|group| !caller.groups.contains(&group))
        {
            complete_group(deps, &profile).await;
        }
        return Ok(profile);
    }
    if target != &caller.user_id {
        return Err(ApiError::NotFound("no profile with that id"));
    }
    // A platform group the caller already holds was given by an operator: it decides.
    let operator_granted = [UserType::Admin, UserType::Doctor, UserType::Patient]
        .into_iter()
        .find(|t| caller.groups.contains(t));
    let new = new_profile(
        &deps.config.self_service,
        caller.user_id.clone(),
        edge::claim(req, "cognito:username")
            .unwrap_or(caller.user_id.as_str())
            .to_owned(),
        |name| edge::claim(req, name),
        operator_granted,
        now,
    );
    for attribute in &new.left_out {
        tracing::warn!(
            attribute,
            "attribute left out of the profile: it does not pass validation"
        );
    }
    let profile = new.profile;
    match deps.profiles.create(&profile).await? {
        Created::Created => {
            tracing::info!(sub = %caller.user_id, "profile created from token claims");
            if operator_granted.is_none() {
                complete_group(deps, &profile).await;
            }
            Ok(profile)
        }
        // Created concurrently by another request or a late trigger.
        Created::AlreadyExists => deps.profiles.get(target).await?.ok_or(ApiError::Conflict),
    }
}

/// Grants the stored profile's group; on failure the read still answers and the next
/// request tries again. A change stored meanwhile (an Admin's PUT) has aligned membership
/// to itself, so the profile is read again after the grant: a grant from the older read
/// must not outlive it (a demoted user must not keep the group).
async fn complete_group<S: ProfileStore, P, G: UserDirectory, L>(
    deps: &Deps<S, P, G, L>,
    profile: &Profile,
) {
    let pool = &deps.config.user_pool_id;
    let completed = async {
        grant_group(&deps.groups, pool, profile).await?;
        match deps.profiles.get(&profile.user_id).await? {
            Some(now) if now.granted_group() != profile.granted_group() => {
                align_groups(&deps.groups, pool, &now).await
            }
            _ => Ok(()),
        }
    };
    match completed.await {
        Ok(()) => {
            tracing::info!(sub = %profile.user_id, "group granted: a half-finished confirmation completed")
        }
        Err(e) => {
            tracing::warn!(sub = %profile.user_id, error = %e, "group not granted yet; the next request tries again")
        }
    }
}

pub async fn get<S: ProfileStore, P: PictureStore, G: UserDirectory, L>(
    deps: &Deps<S, P, G, L>,
    req: &Request,
    now: DateTime<Utc>,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let (caller, target) =
        edge::audited_target(req, Action::ReadProfile, audit, AccessAction::Read)?;
    let profile = load(deps, req, &caller, &target, now).await?;
    reply_with_profile(deps, &profile).await
}

/// A picture may be attached only if it was uploaded under the profile owner's
/// prefix and S3 holds an allowed type within the size limit. The key itself was
/// already checked by the patch parser, so these are 403/409, not 400.
async fn check_picture<S, P: PictureStore, G, L>(
    deps: &Deps<S, P, G, L>,
    patch: &ProfilePatch,
    owner: &UserId,
) -> Result<(), ApiError> {
    let Some(domain::patch::Change::Set(key)) = &patch.picture_key else {
        return Ok(());
    };
    if key.owner() != owner {
        return Err(ApiError::PictureOfAnotherUser);
    }
    let unusable = |why: &str| ApiError::UnusablePicture(why.to_owned());
    let stored = deps
        .pictures
        .describe(key)
        .await?
        .ok_or_else(|| unusable("does not refer to an uploaded picture"))?;
    if stored.content_type.as_deref() != Some(key.image_type().content_type()) {
        return Err(unusable(
            "refers to an object whose Content-Type does not match its extension",
        ));
    }
    if stored.size == 0 || stored.size > deps.config.max_picture_bytes {
        return Err(unusable(&format!(
            "refers to an object that is empty or over {} bytes",
            deps.config.max_picture_bytes
        )));
    }
    Ok(())
}

pub async fn put<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &Request,
    now: DateTime<Utc>,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let (caller, target) =
        edge::audited_target(req, Action::UpdateProfile, audit, AccessAction::Update)?;
    let body = edge::json_object(req)?;
    // `user_type` is a well-formed field for everyone; setting it is a permission (403), not a 400.
    let patch = ProfilePatch::parse(&body, now.date_naive())
        .map_err(|rejected| ApiError::bad_request("invalid_fields", rejected.to_string()))?;
    audit.fields(patch.field_names());
    if patch.user_type.is_some() {
        authorize(&caller, Action::ChangeUserType, Some(&target))?;
    }
    let expected = edge::if_match(req)?;
    check_picture(deps, &patch, &target).await?;
    // The new picture stops expiring before any profile points at it.
    let attaching = match &patch.picture_key {
        Some(Change::Set(key)) => {
            deps.pictures.claim(key).await?;
            Some(key)
        }
        _ => None,
    };
    let written = write(
        deps,
        req,
        (&caller, &target),
        &patch,
        expected.as_deref(),
        now,
        audit,
    )
    .await;
    match (&written, attaching) {
        // A picture no profile points at expires again (its upload was never used).
        (Err(_), Some(key)) => release(deps, key).await,
        (Ok((previous, updated)), _) => {
            if let Some(old) = previous
                .picture_key
                .as_ref()
                .filter(|old| updated.picture_key.as_ref() != Some(*old))
            {
                release(deps, old).await;
            }
        }
        _ => {}
    }
    let (_, updated) = written?;
    reply_with_profile(deps, &updated).await
}

/// Best effort: a picture that cannot be released now stays until the account is deleted.
async fn release<S, P: PictureStore, G, L>(deps: &Deps<S, P, G, L>, key: &PictureKey) {
    if let Err(e) = deps.pictures.release(key).await {
        tracing::warn!(error = %e, "a picture no profile uses could not be marked to expire");
    }
}

/// Applies `patch` to the stored profile, retrying lost races; the profile before and after.
async fn write<S: ProfileStore, P: PictureStore, G: UserDirectory, L: AccessLog>(
    deps: &Deps<S, P, G, L>,
    req: &Request,
    (caller, target): (&Caller, &UserId),
    patch: &ProfilePatch,
    expected: Option<&[u64]>,
    now: DateTime<Utc>,
    audit: &Audit,
) -> Result<(Profile, Profile), ApiError> {
    for _ in 0..MAX_WRITE_ATTEMPTS {
        let current = load(deps, req, caller, target, now).await?;
        if let Some(versions) = expected
            && !versions.contains(&current.version)
        {
            return Err(ApiError::PreconditionFailed);
        }
        let updated = current.patched(patch, now);
        // No write without its entry: recorded (once) before the first attempt to store.
        audit.record_allowed(&deps.access_log).await?;
        match deps.profiles.update(&current, &updated).await {
            Ok(()) => {
                // Membership follows what was stored. Every request that names `user_type`
                // aligns it, so a retry repairs a run that failed after the write.
                if patch.user_type.is_some() {
                    align_groups(&deps.groups, &deps.config.user_pool_id, &updated).await?;
                }
                if current.user_type != updated.user_type || current.status != updated.status {
                    tracing::info!(sub = %target, by = %caller.user_id, user_type = %updated.user_type, "user type changed");
                }
                return Ok((current, updated));
            }
            Err(UpdateError::Conflict) if expected.is_some() => {
                return Err(ApiError::PreconditionFailed);
            }
            Err(UpdateError::Conflict) => continue,
            Err(UpdateError::Port(e)) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict)
}
