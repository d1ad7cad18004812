//! Command line: where the applied state, moto, the work and log directories are.

use std::path::PathBuf;

pub const USAGE: &str = "usage: local-runner --applied <terraform show -json file> --moto <url> \
[--aws-port N] [--api-port N] [--hosted-ui-port N] [--hosted-ui-https-port N] [--tls-dir DIR] [--work-dir DIR] [--logs-dir DIR] [--outbox-dir DIR] [--concurrency N] \
[--ready-file FILE] --secrets-file <.local/secrets.json>";

#[derive(Debug)]
pub struct Args {
    pub applied: PathBuf,
    pub moto: String,
    pub aws_port: u16,
    pub api_port: u16,
    /// The Hosted UI (sign-in pages, OAuth2 endpoints, the local callback).
    pub hosted_ui_port: u16,
    /// The same Hosted UI over HTTPS, for clients that only speak https (Amplify).
    pub hosted_ui_https_port: u16,
    /// Where its certificate and key are kept (issued there when missing).
    pub tls_dir: PathBuf,
    pub work_dir: PathBuf,
    pub logs_dir: PathBuf,
    /// Where the Cognito front writes the emails and texts it "sends" (codes, passwords).
    pub outbox_dir: PathBuf,
    pub concurrency: usize,
    pub ready_file: Option<PathBuf>,
    /// The control secret and the stack's access key pair (`local/stack_json.py new-secrets`).
    pub secrets_file: PathBuf,
}

pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut applied = None;
    let mut moto = None;
    let mut secrets_file = None;
    let mut parsed = Args {
        applied: PathBuf::new(),
        moto: String::new(),
        aws_port: 0,
        api_port: 0,
        hosted_ui_port: 0,
        hosted_ui_https_port: 0,
        tls_dir: PathBuf::from(".local/tls"),
        work_dir: PathBuf::from(".local/runner"),
        logs_dir: PathBuf::from(".local/logs"),
        outbox_dir: PathBuf::from(".local/outbox"),
        concurrency: 4,
        ready_file: None,
        secrets_file: PathBuf::new(),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} must be a number, not {v:?}"))
        };
        match flag.as_str() {
            "--applied" => applied = Some(PathBuf::from(value)),
            "--moto" => moto = Some(value),
            "--aws-port" => {
                parsed.aws_port = u16::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--api-port" => {
                parsed.api_port = u16::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--hosted-ui-port" => {
                parsed.hosted_ui_port = u16::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--hosted-ui-https-port" => {
                parsed.hosted_ui_https_port =
                    u16::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--tls-dir" => parsed.tls_dir = PathBuf::from(value),
            "--work-dir" => parsed.work_dir = PathBuf::from(value),
            "--logs-dir" => parsed.logs_dir = PathBuf::from(value),
            "--outbox-dir" => parsed.outbox_dir = PathBuf::from(value),
            "--concurrency" => {
                parsed.concurrency = usize::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--ready-file" => parsed.ready_file = Some(PathBuf::from(value)),
            "--secrets-file" => secrets_file = Some(PathBuf::from(value)),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    parsed.applied = applied.ok_or("--applied is required")?;
    parsed.secrets_file = secrets_file.ok_or("--secrets-file is required")?;
    parsed.moto = moto.ok_or("--moto is required")?;
    Ok(parsed)
}

pub const COLD_STARTS_USAGE: &str = "usage: local-runner cold-starts --bundle <zip with a bootstrap> \
--events <JSON Lines file, one event per invocation in turn> [--name NAME] [--count N] \
[--invocations N per instance] [--env NAME=VALUE]... [--memory-mb N] [--timeout-seconds N] \
[--aws-endpoint-url URL] [--region REGION] [--work-dir DIR] [--logs-dir DIR]";

/// `local-runner cold-starts ...`: start one bundle fresh `count` times (see `functions::cold_starts`).
#[derive(Debug)]
pub struct ColdStartArgs {
    pub bundle: PathBuf,
    pub events: PathBuf,
    pub name: String,
    pub count: usize,
    pub invocations: usize,
    pub environment: Vec<(String, String)>,
    pub memory_mb: u64,
    pub timeout_seconds: u64,
    pub aws_endpoint_url: String,
    pub region: String,
    pub work_dir: PathBuf,
    pub logs_dir: PathBuf,
}

pub fn parse_cold_starts(mut args: impl Iterator<Item = String>) -> Result<ColdStartArgs, String> {
    let mut bundle = None;
    let mut events = None;
    let mut parsed = ColdStartArgs {
        bundle: PathBuf::new(),
        events: PathBuf::new(),
        name: String::new(),
        count: 20,
        invocations: 1,
        environment: Vec::new(),
        memory_mb: 128,
        timeout_seconds: 10,
        aws_endpoint_url: String::new(),
        region: "us-east-1".to_string(),
        work_dir: PathBuf::from(".local/cold-starts"),
        logs_dir: PathBuf::from(".local/cold-starts/logs"),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag} must be a whole number above 0, not {v:?}"))
        };
        match flag.as_str() {
            "--bundle" => bundle = Some(PathBuf::from(value)),
            "--events" => events = Some(PathBuf::from(value)),
            "--name" => parsed.name = value,
            "--count" => {
                parsed.count = usize::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--invocations" => {
                parsed.invocations = usize::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--env" => {
                let (name, value) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--env takes NAME=VALUE, not {value:?}"))?;
                parsed
                    .environment
                    .push((name.to_string(), value.to_string()));
            }
            "--memory-mb" => parsed.memory_mb = number(&value)?,
            "--timeout-seconds" => parsed.timeout_seconds = number(&value)?,
            "--aws-endpoint-url" => parsed.aws_endpoint_url = value,
            "--region" => parsed.region = value,
            "--work-dir" => parsed.work_dir = PathBuf::from(value),
            "--logs-dir" => parsed.logs_dir = PathBuf::from(value),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    parsed.bundle = bundle.ok_or("--bundle is required")?;
    parsed.events = events.ok_or("--events is required")?;
    if parsed.name.is_empty() {
        parsed.name = parsed
            .bundle
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "function".to_string());
    }
    Ok(parsed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn args(text: &str) -> impl Iterator<Item = String> {
        text.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn cold_starts_takes_the_bundle_events_and_repeatable_environment() {
        let parsed = parse_cold_starts(args(
            "--bundle deployment/users-api.zip --events get.jsonl --count 5 --invocations 3 \
             --env PROFILE_TABLE_NAME=profiles --env A=b=c --memory-mb 256",
        ))
        .unwrap();

        assert_eq!(parsed.name, "users-api", "named after the zip by default");
        assert_eq!((parsed.count, parsed.invocations), (5, 3));
        assert_eq!(parsed.memory_mb, 256);
        assert_eq!(
            parsed.environment,
            vec![
                ("PROFILE_TABLE_NAME".to_string(), "profiles".to_string()),
                ("A".to_string(), "b=c".to_string())
            ]
        );
    }

    #[test]
    fn cold_starts_refuses_a_missing_bundle_or_a_zero_count() {
        assert!(parse_cold_starts(args("--events e.jsonl")).is_err());
        assert!(parse_cold_starts(args("--bundle b.zip --events e.jsonl --count 0")).is_err());
        assert!(parse_cold_starts(args("--bundle b.zip --events e.jsonl --env NOVALUE")).is_err());
    }
}
