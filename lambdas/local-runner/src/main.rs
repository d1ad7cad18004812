//! The local stack's runner: reads what Terraform applied to moto, then on 127.0.0.1
//! serves an AWS front (moto plus Cognito triggers), the REST API stage, and runs the
//! functions' real `bootstrap` binaries behind a Lambda Runtime API.

mod applied;
mod aws_front;
mod cli;
mod functions;
mod hosted_ui;
mod http;
mod iam;
mod rest_api;
#[cfg(test)]
mod test_runtime;

use applied::Applied;
use aws_front::{Front, Moto};
use functions::{Functions, Sandbox};
use rest_api::{Authorizer, Gateway};
use std::process::ExitCode;
use std::sync::Arc;
use tokio::net::TcpListener;

fn main() -> ExitCode {
    let mut raw = std::env::args().skip(1).peekable();
    let wants_cold_starts = raw.next_if(|first| first == "cold-starts").is_some();
    let parsed = if wants_cold_starts {
        cli::parse_cold_starts(raw)
            .map(Command::ColdStarts)
            .map_err(|m| format!("{m}\n{}", cli::COLD_STARTS_USAGE))
    } else {
        cli::parse(raw)
            .map(Command::Serve)
            .map_err(|m| format!("{m}\n{}", cli::USAGE))
    };
    let command = match parsed {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command {
        Command::Serve(args) => runtime.block_on(run(args)),
        Command::ColdStarts(args) => runtime.block_on(cold_starts(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("local-runner: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Command {
    Serve(cli::Args),
    ColdStarts(cli::ColdStartArgs),
}

/// Starts one bundle fresh `count` times and prints the figures as JSON on stdout.
async fn cold_starts(args: cli::ColdStartArgs) -> Result<(), String> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let events: Vec<bytes::Bytes> = read(&args.events)?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| bytes::Bytes::from(line.to_string()))
        .collect();
    if events.is_empty() {
        return Err(format!("{} holds no event", args.events.display()));
    }
    for dir in [&args.work_dir, &args.logs_dir] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let plan = functions::cold_starts::Plan {
        spec: applied::FunctionSpec {
            arn: format!(
                "arn:aws:lambda:{}:000000000000:function:{}",
                args.region, args.name
            ),
            name: args.name,
            zip_path: args.bundle,
            handler: "bootstrap".to_string(),
            environment: args.environment.into_iter().collect(),
            timeout: std::time::Duration::from_secs(args.timeout_seconds),
            memory_mb: args.memory_mb,
            log_level: None,
            role_arn: None,
        },
        sandbox: Sandbox {
            aws_endpoint_url: args.aws_endpoint_url,
            region: args.region,
            work_dir: std::fs::canonicalize(&args.work_dir).map_err(|e| e.to_string())?,
            logs_dir: args.logs_dir,
            concurrency: 1,
        },
        events,
        count: args.count,
        invocations: args.invocations,
    };
    let report = functions::cold_starts::measure(&plan).await?;
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}

async fn run(args: cli::Args) -> Result<(), String> {
    let applied = Arc::new(Applied::load(&args.applied).map_err(|e| e.to_string())?);
    let api = applied
        .rest_api
        .clone()
        .ok_or("the applied state has no REST API")?;
    std::fs::create_dir_all(&args.logs_dir)
        .map_err(|e| format!("{}: {e}", args.logs_dir.display()))?;
    std::fs::create_dir_all(&args.work_dir)
        .map_err(|e| format!("{}: {e}", args.work_dir.display()))?;
    let work_dir = std::fs::canonicalize(&args.work_dir).map_err(|e| e.to_string())?;

    let aws_listener = TcpListener::bind(("127.0.0.1", args.aws_port))
        .await
        .map_err(|e| format!("AWS front port: {e}"))?;
    let api_listener = TcpListener::bind(("127.0.0.1", args.api_port))
        .await
        .map_err(|e| format!("API port: {e}"))?;
    let hosted_ui_listener = TcpListener::bind(("127.0.0.1", args.hosted_ui_port))
        .await
        .map_err(|e| format!("Hosted UI port {}: {e}", args.hosted_ui_port))?;
    let hosted_ui_https_listener = TcpListener::bind(("127.0.0.1", args.hosted_ui_https_port))
        .await
        .map_err(|e| format!("Hosted UI HTTPS port {}: {e}", args.hosted_ui_https_port))?;
    let tls = hosted_ui::tls::server_config(&args.tls_dir)?;
    let port = |listener: &TcpListener| {
        listener
            .local_addr()
            .map(|address| address.port())
            .map_err(|e| e.to_string())
    };
    let aws_endpoint_url = format!("http://127.0.0.1:{}", port(&aws_listener)?);
    let api_url = format!(
        "http://127.0.0.1:{}/{}",
        port(&api_listener)?,
        api.stage_name
    );
    // `localhost`, as the callback URLs Terraform registers for it name it.
    let hosted_ui_url = format!("http://localhost:{}", port(&hosted_ui_listener)?);
    let hosted_ui_https_url = format!("https://localhost:{}", port(&hosted_ui_https_listener)?);
    let certificate = std::fs::canonicalize(args.tls_dir.join(hosted_ui::tls::CERTIFICATE_FILE))
        .map_err(|e| e.to_string())?;

    let (control_secret, credentials) = aws_front::read_secrets(&args.secrets_file)?;
    // Every token moto signs for this runner names its local issuer.
    let moto = Moto::new(&args.moto, &applied.region, control_secret.clone())
        .issuing_as(&aws_endpoint_url);
    aws_front::relax_transport_conditions(&moto, &applied.bucket_policies).await?;
    let identities = Arc::new(iam::Identities::mint(&applied));
    let functions = Arc::new(Functions::new(
        &applied,
        &Sandbox {
            aws_endpoint_url: aws_endpoint_url.clone(),
            region: applied.region.clone(),
            work_dir,
            logs_dir: args.logs_dir.clone(),
            concurrency: args.concurrency,
        },
        &identities,
    ));
    let front = Arc::new(Front {
        applied: applied.clone(),
        functions: functions.clone(),
        identities,
        moto: moto.clone(),
        control_secret,
        credentials,
        transactions: aws_front::InFlight::new(applied.table_keys.clone()),
        throttles: aws_front::Throttles::default(),
        cognito: aws_front::CognitoState::new(&args.outbox_dir),
        urls: aws_front::LocalUrls {
            aws_endpoint_url: aws_endpoint_url.clone(),
            hosted_ui_url: hosted_ui_url.clone(),
        },
    });
    let hosted_ui = hosted_ui::HostedUi::new(front.clone(), hosted_ui_url.clone(), api_url.clone());
    let hosted_ui_https = Arc::new(hosted_ui.over_https(hosted_ui_https_url.clone()));
    let hosted_ui = Arc::new(hosted_ui);
    let gateway = Arc::new(Gateway {
        applied: applied.clone(),
        api,
        functions,
        authorizer: Authorizer::new(moto, &aws_endpoint_url),
    });

    let aws_server = tokio::spawn(http::serve(aws_listener, move |_, request| {
        aws_front::handle(front.clone(), request)
    }));
    let api_server = tokio::spawn(http::serve(api_listener, move |peer, request| {
        rest_api::handle(gateway.clone(), peer, request)
    }));
    let hosted_ui_router = hosted_ui::router(hosted_ui);
    let hosted_ui_https_server = tokio::spawn(hosted_ui::tls::serve(
        hosted_ui_https_listener,
        tls,
        hosted_ui::router(hosted_ui_https),
    ));
    let hosted_ui_server =
        tokio::spawn(async move { axum::serve(hosted_ui_listener, hosted_ui_router).await });

    println!(
        "local-runner: AWS front on {aws_endpoint_url} (moto at {}), REST API stage at {api_url}, Hosted UI at {hosted_ui_url} and {hosted_ui_https_url}",
        args.moto
    );
    if let Some(ready_file) = &args.ready_file {
        let ready = serde_json::json!({"aws_endpoint_url": aws_endpoint_url, "api_url": api_url, "hosted_ui_url": hosted_ui_url, "hosted_ui_https_url": hosted_ui_https_url, "hosted_ui_certificate": certificate, "pid": std::process::id()});
        std::fs::write(ready_file, ready.to_string())
            .map_err(|e| format!("{}: {e}", ready_file.display()))?;
    }

    shutdown_signal().await;
    println!("local-runner: stopping");
    aws_server.abort();
    api_server.abort();
    hosted_ui_server.abort();
    hosted_ui_https_server.abort();
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
