//! Signature Version 4 at the front, as AWS checks it: a call must be signed with credentials
//! the stack knows (its own, from `.local/secrets.json` and stack.json, or a function's
//! minted role session), for this region and the service it calls, within 15 minutes of
//! now; the signature is recomputed with `aws-sigv4` from the request's signed headers,
//! date and payload hash and compared in constant time. Unsigned calls pass only where AWS
//! serves them unsigned (`PUBLIC_COGNITO_OPERATIONS`). Each refusal is the service's own
//! error (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html>,
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>).

use super::control::same_bytes;
use crate::http::{self, Response};
use crate::iam::Identities;
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use hyper::http::request::Parts;
use std::time::{Duration, SystemTime};

/// The access key pair of the stack itself (`aws_access_key_id`, `aws_secret_access_key`
/// in stack.json): the account admin's, as a developer's own credentials are on AWS.
#[derive(Clone)]
pub struct StackCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StackCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StackCredentials({}, ..)", self.access_key_id)
    }
}

/// Cognito user pool operations AWS serves without SigV4: the "unauthenticated" and
/// "token-authorized" operations of
/// <https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html>
/// (its Smithy model marks them `@optionalAuth`; the API reference says of each that
/// Cognito "doesn't evaluate IAM policies" for it: the caller proves itself with a token,
/// a session, a code or nothing). Every other operation needs the account's credentials.
pub const PUBLIC_COGNITO_OPERATIONS: [&str; 32] = [
    "AssociateSoftwareToken",
    "ChangePassword",
    "CompleteWebAuthnRegistration",
    "ConfirmDevice",
    "ConfirmForgotPassword",
    "ConfirmSignUp",
    "DeleteUser",
    "DeleteUserAttributes",
    "DeleteWebAuthnCredential",
    "ForgetDevice",
    "ForgotPassword",
    "GetDevice",
    "GetTokensFromRefreshToken",
    "GetUser",
    "GetUserAttributeVerificationCode",
    "GetUserAuthFactors",
    "GlobalSignOut",
    "InitiateAuth",
    "ListDevices",
    "ListWebAuthnCredentials",
    "ResendConfirmationCode",
    "RespondToAuthChallenge",
    "RevokeToken",
    "SetUserMFAPreference",
    "SetUserSettings",
    "SignUp",
    "StartWebAuthnRegistration",
    "UpdateAuthEventFeedback",
    "UpdateDeviceStatus",
    "UpdateUserAttributes",
    "VerifySoftwareToken",
    "VerifyUserAttribute",
];

/// How far a request's date may be from now (AWS: 15 minutes).
const ALLOWED_SKEW: Duration = Duration::from_secs(15 * 60);
/// The longest a presigned URL may live (S3: 7 days).
const MAX_EXPIRES: u64 = 7 * 24 * 60 * 60;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// A presigned URL's own query parameters, which the signer adds back itself.
const PRESIGN_PARAMETERS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];
const COGNITO_TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// The service a request to the front is for, by its target or path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Cognito,
    DynamoDb,
    Lambda,
    S3,
}

impl Service {
    pub fn of(parts: &Parts) -> Service {
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if target.starts_with(COGNITO_TARGET_PREFIX) {
            Service::Cognito
        } else if target.starts_with("DynamoDB_") {
            Service::DynamoDb
        } else if parts.uri.path().starts_with("/2015-03-31/functions/") {
            Service::Lambda
        } else {
            Service::S3
        }
    }

    /// The name SigV4 credential scopes use.
    fn signing_name(self) -> &'static str {
        match self {
            Service::Cognito => "cognito-idp",
            Service::DynamoDb => "dynamodb",
            Service::Lambda => "lambda",
            Service::S3 => "s3",
        }
    }
}

/// Why a request is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No signature where the operation needs one.
    Missing,
    /// A signature that cannot be read (what is wrong with it).
    Malformed(String),
    /// Signed with an access key the stack does not know.
    UnknownKey(String),
    /// Signed for another region or service.
    WrongScope(String),
    /// The recomputed signature differs.
    Mismatch,
    /// Dated too far from now (the date, now).
    Skewed(String, String),
    /// A presigned URL past its expiry.
    Expired,
    /// The body's hash is not the one signed.
    ContentMismatch,
}

/// The parts of a SigV4 signature, from the Authorization header or a presigned query.
#[derive(Debug, PartialEq, Eq)]
struct Signature {
    access_key_id: String,
    scope_date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
    date: String,
    /// Presigned: its lifetime in seconds and session token (`X-Amz-Expires`,
    /// `X-Amz-Security-Token`).
    presigned: Option<(u64, Option<String>)>,
}

/// Checks the request's signature. Ok(None): unsigned, and allowed so; Ok(Some(key)): signed
/// by that access key, correctly.
pub fn verify(
    stack: &StackCredentials,
    identities: &Identities,
    region: &str,
    parts: &Parts,
    body: &Bytes,
    now: SystemTime,
) -> Result<Option<String>, Refusal> {
    let service = Service::of(parts);
    let Some(signature) = read(parts)? else {
        return if is_public(service, parts) {
            Ok(None)
        } else {
            Err(Refusal::Missing)
        };
    };
    let (secret, session_token) = if signature.access_key_id == stack.access_key_id {
        (stack.secret_access_key.clone(), None)
    } else if let Some(identity) = identities.by_access_key(&signature.access_key_id) {
        let c = &identity.credentials;
        (c.secret_access_key.clone(), Some(c.session_token.clone()))
    } else {
        return Err(Refusal::UnknownKey(signature.access_key_id));
    };
    if signature.region != region {
        return Err(Refusal::WrongScope(format!(
            "Credential should be scoped to a valid region, not '{}'.",
            signature.region
        )));
    }
    if signature.service != service.signing_name() {
        return Err(Refusal::WrongScope(format!(
            "Credential should be scoped to correct service: '{}'.",
            service.signing_name()
        )));
    }
    let signed_at = parse_date(&signature.date)
        .ok_or_else(|| Refusal::Malformed(format!("Invalid date {}", signature.date)))?;
    if !signature.date.starts_with(&signature.scope_date) {
        return Err(Refusal::Malformed(
            "the credential scope's date is not the request's".into(),
        ));
    }
    match &signature.presigned {
        Some((expires, _)) => {
            if now > signed_at + Duration::from_secs(*expires) || signed_at > now + ALLOWED_SKEW {
                return Err(Refusal::Expired);
            }
        }
        None => {
            let skew = now
                .duration_since(signed_at)
                .or_else(|e| Ok::<_, ()>(e.duration()))
                .unwrap_or_default();
            if skew > ALLOWED_SKEW {
                return Err(Refusal::Skewed(signature.date.clone(), format_date(now)));
            }
        }
    }
    // A presigned call's session token is its own (S3 takes it from the query).
    let session_token = match &signature.presigned {
        Some((_, token)) => token.clone().or(session_token),
        None => session_token.filter(|_| {
            signature
                .signed_headers
                .iter()
                .any(|h| h == "x-amz-security-token")
        }),
    };
    let expected = expected_signature(
        &signature,
        service,
        parts,
        body,
        &secret,
        session_token,
        signed_at,
    )?;
    if same_bytes(signature.signature.as_bytes(), expected.as_bytes()) {
        Ok(Some(signature.access_key_id))
    } else {
        Err(Refusal::Mismatch)
    }
}

/// An unsigned call AWS serves: one of Cognito's public operations.
fn is_public(service: Service, parts: &Parts) -> bool {
    service == Service::Cognito
        && parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.strip_prefix(COGNITO_TARGET_PREFIX))
            .is_some_and(|operation| PUBLIC_COGNITO_OPERATIONS.contains(&operation))
}

fn read(parts: &Parts) -> Result<Option<Signature>, Refusal> {
    if let Some(header) = parts.headers.get(hyper::header::AUTHORIZATION) {
        let header = header
            .to_str()
            .map_err(|_| Refusal::Malformed("the Authorization header is not text".into()))?;
        return read_header(parts, header).map(Some);
    }
    let query = query_pairs(parts.uri.query());
    let has_presign = query.iter().any(|(name, _)| name.starts_with("X-Amz-"));
    if !has_presign
        || !query
            .iter()
            .any(|(n, _)| n == "X-Amz-Signature" || n == "X-Amz-Credential")
    {
        return Ok(None);
    }
    read_query(&query).map(Some)
}

fn read_header(parts: &Parts, header: &str) -> Result<Signature, Refusal> {
    let Some(fields) = header.strip_prefix(ALGORITHM) else {
        return Err(Refusal::Malformed(format!(
            "Authorization header requires the {ALGORITHM} algorithm."
        )));
    };
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_string)
    };
    let missing: Vec<String> = ["Credential", "SignedHeaders", "Signature"]
        .iter()
        .filter(|name| field(name).is_none())
        .map(|name| format!("Authorization header requires '{name}' parameter."))
        .collect();
    let date = parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if !missing.is_empty() || date.is_none() {
        let mut problems = missing;
        if date.is_none() {
            problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into());
        }
        return Err(Refusal::Malformed(format!(
            "{} Authorization={header}",
            problems.join(" ")
        )));
    }
    let (credential, signed, signature) = (
        field("Credential").unwrap_or_default(),
        field("SignedHeaders").unwrap_or_default(),
        field("Signature").unwrap_or_default(),
    );
    signature_of(
        &credential,
        &signed,
        signature,
        date.unwrap_or_default(),
        None,
    )
}

fn read_query(query: &[(String, String)]) -> Result<Signature, Refusal> {
    let get = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let missing: Vec<&str> = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Expires",
    ]
    .into_iter()
    .filter(|name| get(name).is_none())
    .collect();
    if !missing.is_empty() {
        return Err(Refusal::Malformed(format!(
            "Query-string authentication version 4 requires the {} parameters.",
            missing.join(", ")
        )));
    }
    if get("X-Amz-Algorithm").as_deref() != Some(ALGORITHM) {
        return Err(Refusal::Malformed(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\""
        )));
    }
    let expires = get("X-Amz-Expires")
        .and_then(|e| e.parse::<u64>().ok())
        .filter(|e| *e <= MAX_EXPIRES)
        .ok_or_else(|| {
            Refusal::Malformed(
                "X-Amz-Expires must be a number of seconds no larger than 604800 (7 days)".into(),
            )
        })?;
    signature_of(
        &get("X-Amz-Credential").unwrap_or_default(),
        &get("X-Amz-SignedHeaders").unwrap_or_default(),
        get("X-Amz-Signature").unwrap_or_default(),
        get("X-Amz-Date").unwrap_or_default(),
        Some((expires, get("X-Amz-Security-Token"))),
    )
}

fn signature_of(
    credential: &str,
    signed_headers: &str,
    signature: String,
    date: String,
    presigned: Option<(u64, Option<String>)>,
) -> Result<Signature, Refusal> {
    // AKID/yyyymmdd/region/service/aws4_request
    let fields: Vec<&str> = credential.split('/').collect();
    let [access_key_id, scope_date, region, service, "aws4_request"] = fields[..] else {
        return Err(Refusal::Malformed(format!(
            "Credential should be of the form <access key>/<date>/<region>/<service>/aws4_request, not '{credential}'."
        )));
    };
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(Refusal::Malformed(
            "The host header must be signed (SignedHeaders).".into(),
        ));
    }
    Ok(Signature {
        access_key_id: access_key_id.to_string(),
        scope_date: scope_date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers,
        signature,
        date,
        presigned,
    })
}

/// The signature these credentials give this request, as the client should have computed it.
fn expected_signature(
    signature: &Signature,
    service: Service,
    parts: &Parts,
    body: &Bytes,
    secret: &str,
    session_token: Option<String>,
    signed_at: SystemTime,
) -> Result<String, Refusal> {
    let mut headers = Vec::new();
    for name in &signature.signed_headers {
        // Several values of one header are signed joined by commas.
        let values: Vec<&str> = parts
            .headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if values.is_empty() {
            return Err(Refusal::Mismatch);
        }
        headers.push((name.as_str(), values.join(",")));
    }
    let content_sha256 = parts
        .headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok());
    let body = match (&signature.presigned, content_sha256) {
        (Some(_), _) => SignableBody::UnsignedPayload,
        (None, Some("UNSIGNED-PAYLOAD")) => SignableBody::UnsignedPayload,
        // aws-chunked uploads: the seed signature covers the literal; the chunks' own
        // signatures are not checked (see README, How it differs).
        (None, Some(streaming)) if streaming.starts_with("STREAMING-") => {
            SignableBody::Precomputed(streaming.to_string())
        }
        (None, Some(hash)) => {
            if !same_bytes(hash.as_bytes(), sha256_hex(body).as_bytes()) {
                return Err(Refusal::ContentMismatch);
            }
            SignableBody::Precomputed(hash.to_string())
        }
        (None, None) => SignableBody::Bytes(body),
    };
    // The query without the presigned parameters, which the signer adds back itself.
    let query: Vec<&str> = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            let presigning = signature.presigned.is_some() && PRESIGN_PARAMETERS.contains(&name);
            !pair.is_empty() && !presigning
        })
        .collect();
    let uri = if query.is_empty() {
        parts.uri.path().to_string()
    } else {
        format!("{}?{}", parts.uri.path(), query.join("&"))
    };
    let request = SignableRequest::new(
        parts.method.as_str(),
        uri,
        headers.iter().map(|(n, v)| (*n, v.as_str())),
        body,
    )
    .map_err(|_| Refusal::Mismatch)?;

    let mut settings = SigningSettings::default();
    // Sign exactly what the client said it signed: nothing left out.
    settings.excluded_headers = Some(Vec::new());
    if service == Service::S3 {
        // S3 signs the path as sent, neither normalized nor encoded again.
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    if let Some((expires, _)) = signature.presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires));
    }
    let identity = aws_credential_types::Credentials::new(
        &signature.access_key_id,
        secret,
        session_token,
        None,
        "local stack",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&signature.region)
        .name(&signature.service)
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|_| Refusal::Mismatch)?
        .into();
    let (_, expected) = sign(request, &params)
        .map_err(|_| Refusal::Mismatch)?
        .into_parts();
    Ok(expected)
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_date(text: &str) -> Option<SystemTime> {
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ").ok()?;
    Some(SystemTime::from(parsed.and_utc()))
}

fn format_date(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time)
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or_default())
        .unwrap_or_default()
}

impl Refusal {
    /// The refusal as the service answers it.
    pub fn into_response(self, service: Service, head: bool) -> Response {
        let message = |refusal: &Refusal| {
            match refusal {
            Refusal::Missing => "Missing Authentication Token".to_string(),
            Refusal::Malformed(why) | Refusal::WrongScope(why) => why.clone(),
            Refusal::UnknownKey(_) => "The security token included in the request is invalid.".into(),
            Refusal::Mismatch => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
            Refusal::Skewed(date, now) => format!("Signature expired: {date} is now earlier than {now} - 15 min."),
            Refusal::Expired => "Request has expired".into(),
            Refusal::ContentMismatch => "The provided 'x-amz-content-sha256' header does not match what was computed.".into(),
        }
        };
        if service == Service::S3 {
            return self.into_s3_response(head);
        }
        let code = match &self {
            Refusal::Missing => "MissingAuthenticationTokenException",
            Refusal::Malformed(_) => "IncompleteSignatureException",
            Refusal::UnknownKey(_) => "UnrecognizedClientException",
            Refusal::WrongScope(_)
            | Refusal::Mismatch
            | Refusal::Skewed(..)
            | Refusal::Expired
            | Refusal::ContentMismatch => "InvalidSignatureException",
        };
        let text = message(&self);
        let (status, content_type, body) = match service {
            // Lambda's REST-JSON protocol: 403 and the code in a header.
            Service::Lambda => (
                403,
                "application/json",
                serde_json::json!({"Type": "User", "message": text}),
            ),
            // DynamoDB's JSON 1.0 names its authentication errors by their coral type.
            Service::DynamoDb => (
                400,
                "application/x-amz-json-1.0",
                serde_json::json!({"__type": format!("com.amazon.coral.service#{code}"), "message": text}),
            ),
            _ => (
                400,
                "application/x-amz-json-1.1",
                serde_json::json!({"__type": code, "message": text}),
            ),
        };
        let mut response = http::response(status, content_type, body.to_string());
        response.headers_mut().insert(
            "x-amzn-errortype",
            hyper::header::HeaderValue::from_static(code),
        );
        response
    }

    fn into_s3_response(self, head: bool) -> Response {
        let (status, code, message, extra) = match self {
            // An anonymous request: S3 evaluates it as the anonymous principal, which no
            // policy here allows.
            Refusal::Missing => (403, "AccessDenied", "Access Denied".to_string(), String::new()),
            Refusal::Malformed(why) => (400, "AuthorizationHeaderMalformed", why, String::new()),
            Refusal::WrongScope(why) => (400, "AuthorizationHeaderMalformed", why, String::new()),
            Refusal::UnknownKey(key) => (
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.".into(),
                format!("<AWSAccessKeyId>{}</AWSAccessKeyId>", xml_text(&key)),
            ),
            Refusal::Mismatch => (403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.".into(), String::new()),
            Refusal::Skewed(date, now) => (
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.".into(),
                format!("<RequestTime>{date}</RequestTime><ServerTime>{now}</ServerTime>"),
            ),
            Refusal::Expired => (403, "AccessDenied", "Request has expired".into(), String::new()),
            Refusal::ContentMismatch => (400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.".into(), String::new()),
        };
        let body = if head {
            String::new()
        } else {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message>{extra}</Error>",
                xml_text(&message)
            )
        };
        http::response(status, "application/xml", body)
    }
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
