//! The simulation at the target: the layout before sharding hits its ceiling, the
//! sharded one has headroom.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use adapters::dynamo::Shards;
use capacity::{Layout, Space, Workload, simulate};

#[test]
fn the_old_layout_tops_out_on_its_counter_and_index_keys() {
    let report = simulate(Layout::Legacy, Workload::TARGET, 5);
    let over: Vec<String> = report
        .over_limit()
        .iter()
        .map(|p| p.partition.to_string())
        .collect();
    assert!(over.contains(&"table METRICS".to_owned()), "{over:?}");
    assert!(over.contains(&"index Patient".to_owned()), "{over:?}");
    assert!(
        report.headroom() < 0.5,
        "the hottest key is more than twice over: {:?}",
        report.hottest()
    );
}

#[test]
fn the_sharded_layout_keeps_every_partition_key_under_its_limits() {
    let report = simulate(
        Layout::Sharded(Shards::new(16).unwrap()),
        Workload::TARGET,
        5,
    );
    assert!(report.over_limit().is_empty(), "{:?}", report.over_limit());
    assert!(
        report.headroom() > 2.0,
        "room for twice the target: {:?}",
        report.hottest()
    );
    // The counters and the busiest cohort are each spread over all 16 keys.
    let counters = report
        .peaks
        .iter()
        .filter(|p| p.partition.space == Space::Table && p.partition.key.starts_with("METRICS#"))
        .count();
    let patients = report
        .peaks
        .iter()
        .filter(|p| {
            p.partition.space == Space::ListingIndex
                && p.partition.key.starts_with("Patient#active#")
        })
        .count();
    assert_eq!((counters, patients), (16, 16));
}

#[test]
fn one_shard_is_the_old_ceiling_again() {
    let report = simulate(
        Layout::Sharded(Shards::new(1).unwrap()),
        Workload::TARGET,
        5,
    );
    assert!(!report.over_limit().is_empty(), "{:?}", report.hottest());
}
