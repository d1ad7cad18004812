//! POST /users/{id}/picture-upload-url: a presigned PUT for one picture.

use domain::access::Action;
use domain::access_log::AccessAction;
use domain::fields::{ImageType, PictureKey};
use domain::ports::{PictureStore, PortError, ProfileStore, Stored};
use serde_json::{Value, json};

use crate::audit::Audit;
use crate::deps::Deps;
use crate::error::ApiError;
use crate::reply::Reply;
use crate::request::ApiRequest;

pub async fn create_upload_url<S: ProfileStore, P: PictureStore, G, L>(
    deps: &Deps<S, P, G, L>,
    req: &ApiRequest,
    audit: &Audit,
) -> Result<Reply, ApiError> {
    let (_, target) = req.audited_target(
        Action::CreatePictureUploadUrl,
        audit,
        AccessAction::PictureUploadUrl,
    )?;
    let body = req.json_object()?;

    let max = deps.config.max_picture_bytes;
    let mut problems = Vec::new();
    let unknown: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !["content_type", "content_length"].contains(k))
        .collect();
    if !unknown.is_empty() {
        problems.push(format!(
            "unknown fields: {}",
            unknown
                .iter()
                .map(|k| k.chars().take(64).collect::<String>())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let image_type = match body.get("content_type") {
        Some(Value::String(v)) => ImageType::from_content_type(v)
            .map_err(|e| problems.push(format!("content_type {e}")))
            .ok(),
        _ => {
            problems
                .push("content_type is required: image/jpeg, image/png or image/webp".to_owned());
            None
        }
    };
    let content_length = match body.get("content_length").and_then(Value::as_u64) {
        Some(n) if (1..=max).contains(&n) => Some(n),
        _ => {
            problems.push(format!(
                "content_length must be a whole number of bytes from 1 to {max}"
            ));
            None
        }
    };
    let (Some(image_type), Some(content_length), true) =
        (image_type, content_length, problems.is_empty())
    else {
        return Err(ApiError::bad_request("invalid_fields", problems.join("; ")));
    };

    // A deleted account's token must not place new pictures under its prefix.
    match deps.profiles.find(&target).await {
        Ok(Some(Stored::Deleting { .. } | Stored::Deleted)) => {
            return Err(ApiError::AccountDeleted);
        }
        Ok(_) | Err(PortError::Unreadable(_)) => {}
        Err(e) => return Err(e.into()),
    }

    let unique = uuid::Uuid::new_v4().to_string();
    let key = PictureKey::mint(&target, image_type, &unique).map_err(|_| {
        ApiError::Internal(domain::ports::PortError::Failed(
            "picture key",
            "minted key did not parse".to_owned(),
        ))
    })?;
    let upload = deps
        .pictures
        .presign_upload(&key, content_length, deps.config.upload_url_ttl)
        .await?;
    let headers: serde_json::Map<String, Value> = upload
        .headers
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    Ok(Reply::json(
        200,
        json!({
            "url": upload.url,
            "method": "PUT",
            "headers": headers,
            "key": key.as_str(),
            "expires_at": upload.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }),
    ))
}
