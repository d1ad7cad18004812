//! Command line: where the applied state, moto, the work and log directories are.

use std::path::PathBuf;

pub const USAGE: &str = "usage: local-runner --applied <terraform show -json file> --moto <url> \
[--aws-port N] [--api-port N] [--work-dir DIR] [--logs-dir DIR] [--concurrency N] [--ready-file FILE]";

#[derive(Debug)]
pub struct Args {
    pub applied: PathBuf,
    pub moto: String,
    pub aws_port: u16,
    pub api_port: u16,
    pub work_dir: PathBuf,
    pub logs_dir: PathBuf,
    pub concurrency: usize,
    pub ready_file: Option<PathBuf>,
}

pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut applied = None;
    let mut moto = None;
    let mut parsed = Args {
        applied: PathBuf::new(),
        moto: String::new(),
        aws_port: 0,
        api_port: 0,
        work_dir: PathBuf::from(".local/runner"),
        logs_dir: PathBuf::from(".local/logs"),
        concurrency: 4,
        ready_file: None,
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
            "--work-dir" => parsed.work_dir = PathBuf::from(value),
            "--logs-dir" => parsed.logs_dir = PathBuf::from(value),
            "--concurrency" => {
                parsed.concurrency = usize::try_from(number(&value)?).map_err(|e| e.to_string())?
            }
            "--ready-file" => parsed.ready_file = Some(PathBuf::from(value)),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    parsed.applied = applied.ok_or("--applied is required")?;
    parsed.moto = moto.ok_or("--moto is required")?;
    Ok(parsed)
}
