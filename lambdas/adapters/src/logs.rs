//! Every function's log setup, from what Lambda puts in the environment.
//!
//! `AWS_LAMBDA_LOG_LEVEL` (Terraform's `log_level`) applies to this project's own crates
//! only. Dependencies stay capped at WARN whatever it says: at DEBUG or TRACE the Lambda
//! runtime logs whole events and the SDK whole requests and responses (tokens, bodies,
//! health attributes), and no setting may put those in a log.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

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
    let level = level_from(std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref());
    let filter = EnvFilter::builder().parse_lossy(directives(function, level));
    let subscriber = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
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
