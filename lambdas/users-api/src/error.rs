use domain::access::Denied;
use domain::ports::PortError;
use domain::service::ServiceError;

use crate::reply::Reply;
use crate::route::NoRoute;

/// Everything the API can answer instead of success, mapped to a status and a
/// stable code in one place. `message` is for people; it never quotes stored data.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("the request carries no valid identity")]
    Unauthenticated,
    #[error(transparent)]
    Forbidden(#[from] Denied),
    /// A well-formed `picture_key` under another user's prefix: not the caller's to attach.
    #[error("picture_key must be an upload under this profile's own prefix")]
    PictureOfAnotherUser,
    /// A well-formed `picture_key` whose upload is missing or not an allowed picture:
    /// the request is fine, the bucket's state is not (so not a 400).
    #[error("picture_key {0}")]
    UnusablePicture(String),
    #[error("{0}")]
    NotFound(&'static str),
    /// The account was deleted (or its deletion has begun): a token issued before still
    /// passes the authorizer and gets this.
    #[error("this account was deleted")]
    AccountDeleted,
    #[error("this resource does not support that method")]
    MethodNotAllowed,
    #[error("the profile was changed by someone else; fetch it again and retry with its new ETag")]
    PreconditionFailed,
    #[error("the profile kept changing while this update was applied; retry")]
    Conflict,
    /// Stored before today's rules, a field no longer passes them: the data, not the
    /// request, is at fault, and retrying will not help (so neither a 400 nor a 5xx).
    #[error(
        "the stored profile's {0} no longer passes validation, so the profile cannot be served; an operator must correct it"
    )]
    UnreadableProfile(&'static str),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("request bodies must be application/json")]
    UnsupportedMediaType,
    #[error("a dependency is unavailable; retry shortly")]
    Unavailable(PortError),
    #[error("the request could not be completed")]
    Internal(PortError),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            ApiError::BadRequest { code, .. } => (400, code),
            ApiError::Unauthenticated => (401, "unauthenticated"),
            ApiError::Forbidden(_) | ApiError::PictureOfAnotherUser => (403, "forbidden"),
            ApiError::NotFound(_) => (404, "not_found"),
            ApiError::MethodNotAllowed => (405, "method_not_allowed"),
            ApiError::AccountDeleted => (410, "account_deleted"),
            ApiError::Conflict => (409, "conflict"),
            ApiError::UnreadableProfile(_) => (409, "profile_unreadable"),
            ApiError::UnusablePicture(_) => (409, "unusable_picture"),
            ApiError::PreconditionFailed => (412, "precondition_failed"),
            ApiError::PayloadTooLarge(_) => (413, "payload_too_large"),
            ApiError::UnsupportedMediaType => (415, "unsupported_media_type"),
            ApiError::Unavailable(_) => (503, "service_unavailable"),
            ApiError::Internal(_) => (500, "internal_error"),
        }
    }

    pub fn into_reply(self) -> Reply {
        let (status, code) = self.status_and_code();
        let body = serde_json::json!({"error": {"code": code, "message": self.to_string()}});
        let mut reply = Reply::json(status, body);
        reply.error_code = Some(code);
        if let ApiError::Unavailable(cause) | ApiError::Internal(cause) = &self {
            reply.cause = Some(cause.to_string());
        }
        if let ApiError::UnreadableProfile(field) = &self {
            reply.cause = Some(PortError::Unreadable(field).to_string());
        }
        if matches!(self, ApiError::Unavailable(_)) {
            reply.headers.push(("Retry-After", "2".to_owned()));
        }
        reply
    }
}

impl From<PortError> for ApiError {
    fn from(e: PortError) -> Self {
        match e {
            PortError::Unavailable(..) => ApiError::Unavailable(e),
            PortError::Failed(..) => ApiError::Internal(e),
            PortError::Unreadable(field) => ApiError::UnreadableProfile(field),
            PortError::Deleted => ApiError::AccountDeleted,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => ApiError::NotFound("no profile with that id"),
            ServiceError::PreconditionFailed => ApiError::PreconditionFailed,
            ServiceError::Conflict => ApiError::Conflict,
            ServiceError::PictureOfAnotherUser => ApiError::PictureOfAnotherUser,
            ServiceError::UnusablePicture(why) => ApiError::UnusablePicture(why),
            // No change goes out unrecorded: the access log's refusal is a 503.
            ServiceError::Unrecorded(e) => ApiError::Unavailable(e),
            ServiceError::Port(e) => e.into(),
        }
    }
}

impl From<NoRoute> for ApiError {
    fn from(e: NoRoute) -> Self {
        match e {
            NoRoute::NotFound => ApiError::NotFound("no such route"),
            NoRoute::MethodNotAllowed => ApiError::MethodNotAllowed,
        }
    }
}
