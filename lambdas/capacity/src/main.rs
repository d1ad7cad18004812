//! `just capacity`: the simulation at docs/capacity.md's target, for the layout before
//! sharding and for the sharded one, as markdown.
//!
//!     capacity [SHARDS] [SECONDS]

use std::process::ExitCode;

use adapters::dynamo::Shards;
use capacity::{Layout, Workload, render, simulate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u32| -> Option<u32> {
        args.get(i).map_or(Some(default), |a| a.parse().ok())
    };
    let (Some(shards), Some(seconds)) = (number(0, 16).and_then(Shards::new), number(1, 10)) else {
        eprintln!("usage: capacity [SHARDS (1-{})] [SECONDS]", Shards::MAX);
        return ExitCode::FAILURE;
    };
    let target = Workload::TARGET;
    let before = simulate(Layout::Legacy, target, seconds);
    let after = simulate(Layout::Sharded(shards), target, seconds);
    println!("{}", render(&before, 5));
    println!("{}", render(&after, 5));
    if after.over_limit().is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("capacity: the sharded layout has partition keys over a limit at the target");
        ExitCode::FAILURE
    }
}
