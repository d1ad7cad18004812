//! What the platform's DynamoDB traffic does to each partition key, at rates no emulator
//! reaches. A synthetic workload is turned into the items each request touches, with the
//! adapters' own key building (`adapters::dynamo::keys`), and the read and write units
//! are summed per partition key per second, for the table and for the listing index.
//! DynamoDB serves at most `PARTITION_WCU` and `PARTITION_RCU` per partition key, however
//! it splits partitions, so any key above them is a ceiling. docs/capacity.md explains
//! the unit costs assumed here.

use std::collections::BTreeMap;

use adapters::dynamo::{Shards, keys};
use domain::{Cohort, UserId, UserType};

/// Write units per second one partition key accepts.
pub const PARTITION_WCU: f64 = 1000.0;
/// Read units per second one partition key accepts.
pub const PARTITION_RCU: f64 = 3000.0;

/// A profile item is under 1 KB, and so is a counter item: one unit per plain write.
const ITEM_WRITE: f64 = 1.0;
/// Transactional writes cost twice.
const IN_TRANSACTION: f64 = 2.0;
/// A strongly consistent read of an item under 4 KB.
const CONSISTENT_READ: f64 = 1.0;
/// A listing query reads up to a page of ~1 KB items, eventually consistent: half a unit
/// per 4 KB.
fn page_read(items: u32) -> f64 {
    (f64::from(items) / 4.0).ceil() * 0.5
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Space {
    Table,
    ListingIndex,
}

/// A partition key of the table or of the listing index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartitionKey {
    pub space: Space,
    pub key: String,
}

impl std::fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.space {
            Space::Table => write!(f, "table {}", self.key),
            Space::ListingIndex => write!(f, "index {}", self.key),
        }
    }
}

/// Units one request spends on one partition key.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    pub partition: PartitionKey,
    pub wcu: f64,
    pub rcu: f64,
}

fn table(key: String, wcu: f64, rcu: f64) -> Touch {
    Touch {
        partition: PartitionKey {
            space: Space::Table,
            key,
        },
        wcu,
        rcu,
    }
}

fn index(key: String, wcu: f64, rcu: f64) -> Touch {
    Touch {
        partition: PartitionKey {
            space: Space::ListingIndex,
            key,
        },
        wcu,
        rcu,
    }
}

/// The requests that reach DynamoDB, as the functions make them.
#[derive(Debug, Clone)]
pub enum Request {
    /// PostConfirmation: one transaction puts the profile and counts it.
    SignUp { id: UserId, cohort: Cohort },
    /// GET /users/{id}: one consistent GetItem.
    Read { id: UserId },
    /// PUT /users/{id} without a type or status change (picture attaches included): a
    /// GetItem, then a conditional PutItem that rewrites the profile's index entry.
    Update { id: UserId, cohort: Cohort },
    /// PUT /users/{id} that changes type or status: a GetItem, then one transaction
    /// that puts the profile and moves its count; the index entry moves too.
    Move {
        id: UserId,
        from: Cohort,
        to: Cohort,
    },
    /// GET /users: one page of a cohort.
    List { cohort: Cohort, page: u32 },
    /// GET /admin/metrics.
    Metrics,
}

/// A table layout: where each request's units land.
#[derive(Debug, Clone, Copy)]
pub enum Layout {
    /// Before sharding: counters under one partition key, index keyed by user type.
    Legacy,
    Sharded(Shards),
}

impl Layout {
    pub fn name(&self) -> String {
        match self {
            Layout::Legacy => "before sharding".to_owned(),
            Layout::Sharded(shards) => format!("sharded ({} shards)", shards.count()),
        }
    }

    /// The counter partition(s) a change of `cohorts` writes for profile `id`, with the
    /// items written there (the old layout has one item per type, all under one key).
    fn counter_writes(&self, id: &UserId, cohorts: &[Cohort]) -> (String, f64) {
        match self {
            Layout::Legacy => (
                keys::legacy::COUNTER_PK.to_owned(),
                cohorts.len() as f64 * ITEM_WRITE,
            ),
            Layout::Sharded(shards) => (keys::counter_pk(shards.of(id)), ITEM_WRITE),
        }
    }

    fn listing_pk(&self, cohort: Cohort, id: &UserId) -> String {
        match self {
            Layout::Legacy => keys::legacy::listing_pk(cohort.user_type),
            Layout::Sharded(shards) => keys::listing_pk(cohort, shards.of(id)),
        }
    }

    pub fn touches(&self, request: &Request) -> Vec<Touch> {
        match request {
            Request::SignUp { id, cohort } => {
                let (counter, items) = self.counter_writes(id, &[*cohort]);
                vec![
                    table(keys::profile_pk(id), ITEM_WRITE * IN_TRANSACTION, 0.0),
                    table(counter, items * IN_TRANSACTION, 0.0),
                    index(self.listing_pk(*cohort, id), ITEM_WRITE, 0.0),
                ]
            }
            Request::Read { id } => vec![table(keys::profile_pk(id), 0.0, CONSISTENT_READ)],
            Request::Update { id, cohort } => vec![
                table(keys::profile_pk(id), ITEM_WRITE, CONSISTENT_READ),
                index(self.listing_pk(*cohort, id), ITEM_WRITE, 0.0),
            ],
            Request::Move { id, from, to } => {
                let (counter, items) = self.counter_writes(id, &[*from, *to]);
                let mut touches = vec![
                    table(
                        keys::profile_pk(id),
                        ITEM_WRITE * IN_TRANSACTION,
                        CONSISTENT_READ,
                    ),
                    table(counter, items * IN_TRANSACTION, 0.0),
                    index(self.listing_pk(*from, id), ITEM_WRITE, 0.0),
                ];
                // The old index keeps a pending Doctor under Doctor: no move there.
                let (old, new) = (self.listing_pk(*from, id), self.listing_pk(*to, id));
                if old != new {
                    touches.push(index(new, ITEM_WRITE, 0.0));
                }
                touches
            }
            Request::List { cohort, page } => match self {
                Layout::Legacy => vec![index(
                    keys::legacy::listing_pk(cohort.user_type),
                    0.0,
                    page_read(*page),
                )],
                // Every shard of the cohort is asked for a whole page.
                Layout::Sharded(shards) => (0..shards.count())
                    .map(|shard| index(keys::listing_pk(*cohort, shard), 0.0, page_read(*page)))
                    .collect(),
            },
            Request::Metrics => match self {
                Layout::Legacy => vec![table(
                    keys::legacy::COUNTER_PK.to_owned(),
                    0.0,
                    CONSISTENT_READ,
                )],
                Layout::Sharded(shards) => (0..shards.count())
                    .map(|shard| table(keys::counter_pk(shard), 0.0, CONSISTENT_READ))
                    .collect(),
            },
        }
    }
}

/// Requests per second, by kind.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    pub sign_ups: u32,
    pub reads: u32,
    pub updates: u32,
    pub moves: u32,
    pub listings: u32,
    pub metrics: u32,
}

impl Workload {
    /// docs/capacity.md's target: 2,000 sign-ups and 5,000 API requests per second, 80 %
    /// reads (profile reads, a few listings and metrics reads), 20 % writes (updates and
    /// picture attaches, 1 % of them type changes).
    pub const TARGET: Workload = Workload {
        sign_ups: 2000,
        reads: 3990,
        updates: 990,
        moves: 10,
        listings: 5,
        metrics: 5,
    };

    pub fn api_requests(&self) -> u32 {
        self.reads + self.updates + self.moves + self.listings + self.metrics
    }
}

/// A small deterministic generator (SplitMix64), so every run prints the same figures.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A random Cognito sub (a version 4 UUID).
    fn user(&mut self) -> UserId {
        let (a, b) = (self.next(), self.next());
        let text = format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        );
        UserId::parse(&text).unwrap_or_else(|_| unreachable!("a well-formed UUID: {text}"))
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The cohort a new user lands in: mostly Patients; some request Doctor and wait.
fn new_cohort(random: &mut Random) -> Cohort {
    if random.chance(4) {
        Cohort::pending(UserType::Doctor)
    } else {
        Cohort::active(UserType::Patient)
    }
}

/// One second of `workload`, users drawn at random from a large population.
fn one_second(workload: &Workload, random: &mut Random) -> Vec<Request> {
    let mut requests = Vec::new();
    for _ in 0..workload.sign_ups {
        let (id, cohort) = (random.user(), new_cohort(random));
        requests.push(Request::SignUp { id, cohort });
    }
    for _ in 0..workload.reads {
        requests.push(Request::Read { id: random.user() });
    }
    for _ in 0..workload.updates {
        let cohort = if random.chance(2) {
            Cohort::active(UserType::Doctor)
        } else {
            Cohort::active(UserType::Patient)
        };
        requests.push(Request::Update {
            id: random.user(),
            cohort,
        });
    }
    for _ in 0..workload.moves {
        // An Admin approves a requested Doctor.
        requests.push(Request::Move {
            id: random.user(),
            from: Cohort::pending(UserType::Doctor),
            to: Cohort::active(UserType::Doctor),
        });
    }
    for _ in 0..workload.listings {
        requests.push(Request::List {
            cohort: Cohort::active(UserType::Patient),
            page: 20,
        });
    }
    for _ in 0..workload.metrics {
        requests.push(Request::Metrics);
    }
    requests
}

/// One partition key's busiest second.
#[derive(Debug, Clone, PartialEq)]
pub struct Peak {
    pub partition: PartitionKey,
    pub wcu: f64,
    pub rcu: f64,
}

impl Peak {
    /// The share of the partition's limit its busiest second uses (1.0 = at the limit).
    pub fn load(&self) -> f64 {
        (self.wcu / PARTITION_WCU).max(self.rcu / PARTITION_RCU)
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub layout: Layout,
    pub workload: Workload,
    pub seconds: u32,
    /// Every partition key's busiest second, busiest first.
    pub peaks: Vec<Peak>,
}

impl Report {
    pub fn hottest(&self) -> &Peak {
        &self.peaks[0]
    }

    /// Partition keys whose busiest second exceeds a limit.
    pub fn over_limit(&self) -> Vec<&Peak> {
        self.peaks.iter().filter(|p| p.load() > 1.0).collect()
    }

    /// How many times the whole workload could grow before its hottest key reaches a limit
    /// (every key's load grows in proportion to the workload).
    pub fn headroom(&self) -> f64 {
        1.0 / self.hottest().load()
    }
}

/// Runs `seconds` seconds of `workload` against `layout`.
pub fn simulate(layout: Layout, workload: Workload, seconds: u32) -> Report {
    let mut random = Random(0x5eed);
    let mut peaks: BTreeMap<PartitionKey, (f64, f64)> = BTreeMap::new();
    for _ in 0..seconds {
        let mut second: BTreeMap<PartitionKey, (f64, f64)> = BTreeMap::new();
        for request in one_second(&workload, &mut random) {
            for touch in layout.touches(&request) {
                let units = second.entry(touch.partition).or_default();
                units.0 += touch.wcu;
                units.1 += touch.rcu;
            }
        }
        for (partition, (wcu, rcu)) in second {
            let peak = peaks.entry(partition).or_default();
            peak.0 = peak.0.max(wcu);
            peak.1 = peak.1.max(rcu);
        }
    }
    let mut peaks: Vec<Peak> = peaks
        .into_iter()
        .map(|(partition, (wcu, rcu))| Peak {
            partition,
            wcu,
            rcu,
        })
        .collect();
    peaks.sort_by(|a, b| b.load().total_cmp(&a.load()));
    Report {
        layout,
        workload,
        seconds,
        peaks,
    }
}

/// The report as markdown: the busiest keys, and what the hottest allows.
pub fn render(report: &Report, top: usize) -> String {
    let w = &report.workload;
    let mut out = format!(
        "### {}\n\n{} sign-ups/s and {} API requests/s for {} s; the busiest second of each \
         partition key (limits: {PARTITION_WCU} WCU/s, {PARTITION_RCU} RCU/s).\n\n\
         | partition key | WCU/s | RCU/s | share of its limit |\n|---|---:|---:|---:|\n",
        report.layout.name(),
        w.sign_ups,
        w.api_requests(),
        report.seconds,
    );
    for peak in report.peaks.iter().take(top) {
        out += &format!(
            "| {} | {:.0} | {:.0} | {:.0} % |\n",
            peak.partition,
            peak.wcu,
            peak.rcu,
            peak.load() * 100.0
        );
    }
    let over = report.over_limit().len();
    out += &format!(
        "\n{} partition keys in all; {over} over a limit. The hottest, {}, reaches its limit \
         at {:.2}x this workload: about {:.0} sign-ups/s.\n",
        report.peaks.len(),
        report.hottest().partition,
        report.headroom(),
        report.headroom() * f64::from(w.sign_ups),
    );
    out
}
