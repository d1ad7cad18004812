//! One place that builds the AWS SDK configuration, so every client gets the same
//! TLS stack and explicit time limits.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use domain::ports::PortError;

/// How long one function may spend on AWS calls.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
    pub max_attempts: u32,
    /// Retry `n` first sleeps a random time up to `initial_backoff * 2^(n-1)` (full jitter).
    pub initial_backoff: Duration,
}

impl Timeouts {
    /// Cognito waits 5 s for a trigger: a first confirmation's two calls of at most
    /// 1.8 s each leave room for a cold start (a retry's third call is cut off by
    /// `post_confirmation::DEADLINE`). The SDK's default first backoff (1 s, then 2 s)
    /// would spend the 1.8 s sleeping, so a throttled call would rarely see its third
    /// attempt; 200 ms, then 400 ms, at most, lets all three run.
    pub const COGNITO_TRIGGER: Timeouts = Timeouts {
        connect: Duration::from_millis(500),
        attempt: Duration::from_millis(700),
        operation: Duration::from_millis(1800),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(200),
    };

    /// The API answers a dependency outage with 503 well inside API Gateway's 29 s.
    /// The SDK's default backoff (at most 1 s, then 2 s) fits inside the 4 s.
    pub const API: Timeouts = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_millis(1500),
        operation: Duration::from_secs(4),
        max_attempts: 3,
        initial_backoff: Duration::from_secs(1),
    };

    /// The longest a call may sleep between its attempts, whatever the jitter draws.
    pub fn longest_backoff(&self) -> Duration {
        (1..self.max_attempts)
            .map(|retry| self.initial_backoff * 2u32.saturating_pow(retry - 1))
            .sum()
    }
}

/// Region, credentials and endpoint come from the environment as usual
/// (`AWS_REGION`, Lambda's credentials, `AWS_ENDPOINT_URL` for the local stack).
pub async fn sdk_config(timeouts: Timeouts) -> SdkConfig {
    config_loader(timeouts).load().await
}

/// The loader `sdk_config` uses, for callers (tests) that override the endpoint or credentials.
pub fn config_loader(timeouts: Timeouts) -> aws_config::ConfigLoader {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(timeouts.connect)
                .operation_attempt_timeout(timeouts.attempt)
                .operation_timeout(timeouts.operation)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(timeouts.max_attempts)
                .with_initial_backoff(timeouts.initial_backoff),
        )
}

/// Error codes that mean "slow down": the same call may succeed shortly, so they are
/// `PortError::Unavailable` (the API's 503 with `Retry-After`, a retriable trigger failure).
/// DynamoDB answers `ProvisionedThroughputExceededException` (a table or partition over its
/// capacity), `ThrottlingException` (request rate on control-plane or on-demand limits) and
/// `RequestLimitExceeded` (the account's throughput limit); Cognito answers
/// `TooManyRequestsException` when an operation's request-rate quota is exceeded; S3 answers
/// `SlowDown` (a 503, so the status already says so).
///
/// Deliberately absent: `LimitExceededException`. The SDK retries it like throttling, but
/// in Cognito it is a resource quota (e.g. too many attempts for one user, groups per user)
/// and in DynamoDB a limit on concurrent control-plane operations. Once the SDK's retries
/// are spent it is not an outage that clears in the two seconds `Retry-After` promises, so
/// it stays a `Failed`, which operators see as a 500.
const THROTTLING: [&str; 6] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
];

/// Maps an SDK error to a port error carrying only its code: SDK messages may quote
/// request data, and port errors are logged.
///
/// Throttling reaches this only after the SDK's own retries: the standard retry mode
/// classifies every code above as a throttling error (`aws-runtime`'s
/// `retries::classifiers::THROTTLING_ERRORS`, which also lists `LimitExceededException`
/// and a few other services' codes) and retries it up to `Timeouts::max_attempts` in all,
/// sleeping before retry `n` a uniformly random time up to `initial_backoff * 2^(n-1)`
/// (full jitter, `aws-smithy-runtime`'s `StandardRetryStrategy`), all inside
/// `Timeouts::operation`.
pub(crate) fn port_error<E: ProvideErrorMetadata>(
    dependency: &'static str,
    err: &SdkError<E, HttpResponse>,
) -> PortError {
    match err {
        SdkError::TimeoutError(_) => PortError::Unavailable(dependency, "timed out".to_owned()),
        SdkError::DispatchFailure(_) => {
            PortError::Unavailable(dependency, "unreachable".to_owned())
        }
        SdkError::ResponseError(_) => {
            PortError::Unavailable(dependency, "unreadable response".to_owned())
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("unknown").to_owned();
            let status = service.raw().status().as_u16();
            if status >= 500 || THROTTLING.contains(&code.as_str()) {
                PortError::Unavailable(dependency, code)
            } else {
                PortError::Failed(dependency, code)
            }
        }
        _ => PortError::Failed(dependency, "request could not be built".to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::operation::admin_add_user_to_group::AdminAddUserToGroupError;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn answered<E>(status: u16, error: E) -> SdkError<E, HttpResponse> {
        let raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(error, raw)
    }

    fn meta(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code(code)
            .message("a message that may quote the request")
            .build()
    }

    fn dynamodb(status: u16, code: &str) -> PortError {
        port_error(
            "store",
            &answered(status, GetItemError::generic(meta(code))),
        )
    }

    fn cognito(status: u16, code: &str) -> PortError {
        port_error(
            "directory",
            &answered(status, AdminAddUserToGroupError::generic(meta(code))),
        )
    }

    #[test]
    fn every_attempt_of_a_throttled_call_runs_inside_its_operation_time() {
        // A throttle is answered at once; 100 ms an attempt is already a slow answer.
        for timeouts in [Timeouts::API, Timeouts::COGNITO_TRIGGER] {
            let quick_attempts = Duration::from_millis(100) * timeouts.max_attempts;
            assert!(
                timeouts.longest_backoff() + quick_attempts < timeouts.operation,
                "{timeouts:?}"
            );
        }
    }

    #[test]
    fn throttling_that_outlasted_the_sdk_retries_is_unavailable_by_its_code_alone() {
        for code in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
        ] {
            assert_eq!(
                dynamodb(400, code),
                PortError::Unavailable("store", code.to_owned())
            );
        }
        assert_eq!(
            cognito(400, "TooManyRequestsException"),
            PortError::Unavailable("directory", "TooManyRequestsException".to_owned())
        );
    }

    #[test]
    fn a_quota_or_a_refusal_is_a_failure_and_a_5xx_an_outage() {
        assert_eq!(
            cognito(400, "LimitExceededException"),
            PortError::Failed("directory", "LimitExceededException".to_owned())
        );
        assert_eq!(
            dynamodb(400, "ConditionalCheckFailedException"),
            PortError::Failed("store", "ConditionalCheckFailedException".to_owned())
        );
        assert_eq!(
            dynamodb(500, "InternalServerError"),
            PortError::Unavailable("store", "InternalServerError".to_owned())
        );
    }
}
