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
}

impl Timeouts {
    /// Cognito waits 5 s for a trigger: a first confirmation's two calls of at most
    /// 1.8 s each leave room for a cold start (a retry's third call is cut off by
    /// `post_confirmation::DEADLINE`).
    pub const COGNITO_TRIGGER: Timeouts = Timeouts {
        connect: Duration::from_millis(500),
        attempt: Duration::from_millis(700),
        operation: Duration::from_millis(1800),
        max_attempts: 3,
    };

    /// The API answers a dependency outage with 503 well inside API Gateway's 29 s.
    pub const API: Timeouts = Timeouts {
        connect: Duration::from_secs(1),
        attempt: Duration::from_millis(1500),
        operation: Duration::from_secs(4),
        max_attempts: 3,
    };
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
        .retry_config(RetryConfig::standard().with_max_attempts(timeouts.max_attempts))
}

/// Maps an SDK error to a port error carrying only its code: SDK messages may quote
/// request data, and port errors are logged.
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
            if status >= 500
                || code.contains("Throttl")
                || code == "ProvisionedThroughputExceededException"
            {
                PortError::Unavailable(dependency, code)
            } else {
                PortError::Failed(dependency, code)
            }
        }
        _ => PortError::Failed(dependency, "request could not be built".to_owned()),
    }
}
