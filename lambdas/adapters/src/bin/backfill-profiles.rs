//! Migrates a profile table to the sharded layout (`adapters::backfill`), resumably:
//!
//!     backfill-profiles --table NAME --shards N [--state FILE]
//!
//! `--shards` must be the `profile_shards` the functions run with (`terraform output
//! profile_shards`). AWS credentials, region and endpoint come from the environment.
//! After each page the scan position is saved to the state file, so a stopped run
//! resumes there; rerunning from the start is also safe, only slower.

use std::path::PathBuf;
use std::process::ExitCode;

use adapters::aws::{Timeouts, sdk_config};
use adapters::backfill::{Backfill, ScanPosition, Tally};
use adapters::dynamo::Shards;

struct Args {
    table: String,
    shards: Shards,
    state: PathBuf,
}

/// Items examined per scan page: small enough that progress is saved often.
const PAGE_SIZE: i32 = 100;

const USAGE: &str = "usage: backfill-profiles --table NAME --shards N [--state FILE]";

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut table, mut shards, mut state) = (None, None, None);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or(format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--table" => table = Some(value),
            "--shards" => {
                shards = Some(value.parse().ok().and_then(Shards::new).ok_or(format!(
                    "--shards must be a whole number from 1 to {}",
                    Shards::MAX
                ))?)
            }
            "--state" => state = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    let table = table.ok_or(format!("--table is required\n{USAGE}"))?;
    Ok(Args {
        state: state.unwrap_or_else(|| PathBuf::from(format!("backfill-{table}.state"))),
        table,
        shards: shards.ok_or(format!("--shards is required\n{USAGE}"))?,
    })
}

/// The saved scan position: the two key strings, one per line.
fn load_position(state: &PathBuf) -> Result<Option<ScanPosition>, String> {
    match std::fs::read_to_string(state) {
        Ok(text) => match text.lines().collect::<Vec<_>>()[..] {
            [pk, sk] => Ok(Some(ScanPosition {
                pk: pk.to_owned(),
                sk: sk.to_owned(),
            })),
            _ => Err(format!("{} is not a backfill state file", state.display())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", state.display())),
    }
}

fn save_position(state: &PathBuf, position: &ScanPosition) -> Result<(), String> {
    let partial = state.with_extension("partial");
    std::fs::write(&partial, format!("{}\n{}\n", position.pk, position.sk))
        .and_then(|()| std::fs::rename(&partial, state))
        .map_err(|e| format!("{}: {e}", state.display()))
}

async fn run(args: Args) -> Result<(), String> {
    let sdk = sdk_config(Timeouts::API).await;
    let backfill = Backfill::new(&sdk, &args.table, args.shards);
    let mut position = load_position(&args.state)?;
    if let Some(p) = &position {
        println!("resuming after {} / {}", p.pk, p.sk);
    }
    let mut total = Tally::default();
    loop {
        let (page, next) = backfill
            .migrate_page(position.as_ref(), PAGE_SIZE)
            .await
            .map_err(|e| format!("{e} (rerun to resume)"))?;
        total.add(page);
        match &next {
            Some(p) => save_position(&args.state, p)?,
            None => {
                let _ = std::fs::remove_file(&args.state);
            }
        }
        println!(
            "found {} in the old layout: {} migrated, {} overtaken by other writes, {} unmigratable",
            total.found,
            total.migrated,
            total.overtaken,
            total.unmigratable.len()
        );
        position = next;
        if position.is_none() {
            break;
        }
    }
    for id in &total.unmigratable {
        println!("unmigratable (type, status or created_at does not parse): {id}");
    }
    match backfill.retire_legacy_counters().await {
        Ok(deleted) => {
            println!(
                "done: every profile is in the sharded layout; {deleted} old counter items deleted"
            );
            Ok(())
        }
        Err(e) => Err(format!("not done: {e}")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let result = match parse_args() {
        Ok(args) => run(args).await,
        Err(usage) => Err(usage),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backfill-profiles: {e}");
            ExitCode::FAILURE
        }
    }
}
