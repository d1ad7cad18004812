//! Every function's log setup, from what Lambda puts in the environment.
//!
//! `AWS_LAMBDA_LOG_LEVEL` (Terraform's `log_level`) applies to this project's own crates
//! only. Dependencies stay capped at WARN whatever it says: at DEBUG or TRACE the Lambda
//! runtime logs whole events and the SDK whole requests and responses (tokens, bodies,
//! health attributes), and no setting may put those in a log.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// The most a dependency may log.
const DEPENDENCY_CAP: LevelFilter = LevelFilter::WARN;

/// Installs the JSON (or, outside Lambda's JSON format, plain) subscriber for `function`
/// (its crate name) and the shared crates.
pub fn init(function: &str) {
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    install(function, json, std::io::stdout);
}

/// As `init` in Lambda's JSON format, writing to `writer`: the benchmark measures the
/// same log line without the write to stdout.
pub fn init_json_to<W>(function: &str, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    install(function, true, writer);
}

fn install<W>(function: &str, json: bool, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    if json {
        json_subscriber(function, writer).init();
    } else {
        builder(function, writer).init();
    }
}

/// The subscriber Lambda's JSON format gets, writing to `writer` without being installed:
/// tests capture the very lines a deployed function writes (the alarms' metric filters
/// match on them).
pub fn json_subscriber<W>(function: &str, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    builder(function, writer).json().finish()
}

fn builder<W>(
    function: &str,
    writer: W,
) -> tracing_subscriber::fmt::SubscriberBuilder<
    tracing_subscriber::fmt::format::DefaultFields,
    tracing_subscriber::fmt::format::Format<tracing_subscriber::fmt::format::Full, ()>,
    EnvFilter,
    W,
>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let level = level_from(std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref());
    let filter = EnvFilter::builder().parse_lossy(directives(function, level));
    tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter)
        .with_writer(writer)
}

/// What a trigger's outcome line names the person by: Cognito's `userName` when it is a
/// sub (the pool signs people in by e-mail, so Cognito names each user by a generated
/// sub: an id, not personal data). Anything else might be an address and is never logged.
pub fn cognito_user_name(event: &serde_json::Value) -> &str {
    event
        .get("userName")
        .and_then(serde_json::Value::as_str)
        .filter(|name| domain::UserId::parse(name).is_ok())
        .unwrap_or("-")
}

/// Lambda's level names (FATAL included) as a filter; INFO when absent or unknown.
fn level_from(value: Option<&str>) -> LevelFilter {
    match value.map(str::to_ascii_uppercase).as_deref() {
        Some("TRACE") => LevelFilter::TRACE,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some("WARN") => LevelFilter::WARN,
        Some("ERROR" | "FATAL") => LevelFilter::ERROR,
        _ => LevelFilter::INFO,
    }
}

fn directives(function: &str, level: LevelFilter) -> String {
    [function, "adapters", "domain"]
        .iter()
        .fold(DEPENDENCY_CAP.to_string(), |all, krate| {
            format!("{all},{krate}={level}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sub_is_logged_as_the_user_name() {
        let sub = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";
        assert_eq!(
            cognito_user_name(&serde_json::json!({ "userName": sub })),
            sub
        );
        assert_eq!(
            cognito_user_name(&serde_json::json!({ "userName": "ada@example.com" })),
            "-"
        );
        assert_eq!(cognito_user_name(&serde_json::json!({})), "-");
    }

    #[test]
    fn the_level_reaches_own_crates_and_dependencies_stay_capped() {
        assert_eq!(
            directives("users_api", level_from(Some("TRACE"))),
            "warn,users_api=trace,adapters=trace,domain=trace"
        );
        assert_eq!(level_from(Some("fatal")), LevelFilter::ERROR);
        assert_eq!(level_from(None), LevelFilter::INFO);
        assert_eq!(level_from(Some("verbose")), LevelFilter::INFO);
    }
}
