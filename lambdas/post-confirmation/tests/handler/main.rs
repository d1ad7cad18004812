//! The PostConfirmation handler driven by Cognito event JSON, against in-memory ports.

// Tests assert by unwrapping and panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use test_support::logs;

use chrono::{TimeZone, Utc};
use domain::fakes::{InMemoryGroups, InMemoryProfiles};
use domain::ports::{
    Created, Page, PageCursor, PortError, ProfileStore, Stored, UpdateError, UserDirectory,
};
use domain::signup::SelfServicePolicy;
use domain::{Cohort, Profile, ProfileStatus, UserId, UserType};
use post_confirmation::{Deps, Outcome, PostConfirmationError, handle, invoke};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use test_support::filter_pattern::FilterPattern;

const CONFIRM: &str = include_str!("../fixtures/confirm_sign_up.json");
const ADMIN_CONFIRM: &str = include_str!("../fixtures/admin_confirm_sign_up.json");
const FORGOT_PASSWORD: &str = include_str!("../fixtures/confirm_forgot_password.json");
const ADA: &str = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";
const BO: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

fn deps(self_service: &str) -> Deps<InMemoryProfiles, InMemoryGroups> {
    Deps {
        store: InMemoryProfiles::default(),
        groups: InMemoryGroups::default(),
        policy: SelfServicePolicy::parse(self_service).unwrap(),
    }
}

fn event(fixture: &str) -> Value {
    serde_json::from_str(fixture).unwrap()
}

fn with_attribute(fixture: &str, name: &str, value: Option<&str>) -> Value {
    let mut e = event(fixture);
    let attributes = e["request"]["userAttributes"].as_object_mut().unwrap();
    match value {
        Some(v) => attributes.insert(name.to_owned(), json!(v)),
        None => attributes.remove(name),
    };
    e
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap()
}

fn id(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

#[tokio::test]
async fn first_confirmation_writes_the_profile_and_grants_patient() {
    let deps = deps("Patient");

    let (returned, outcome) = handle(&deps, event(CONFIRM), now()).await.unwrap();

    assert_eq!(returned, event(CONFIRM), "the event is returned unchanged");
    assert_eq!(outcome, Outcome::Created);
    let profile = deps.store.stored(&id(ADA)).unwrap();
    assert_eq!(profile.user_type, UserType::Patient);
    assert_eq!(profile.status, ProfileStatus::Active);
    assert_eq!(profile.email.unwrap().as_str(), "ada.patient@example.com");
    assert_eq!(profile.dob.unwrap().to_string(), "1990-02-03");
    assert_eq!(profile.blood_group.unwrap().as_str(), "O-");
    assert_eq!(profile.version, 1);
    assert_eq!(profile.created_at, now());
    assert_eq!(deps.store.counters()[&Cohort::active(UserType::Patient)], 1);
    assert_eq!(deps.groups.groups_of(ADA), [UserType::Patient].into());
}

#[tokio::test]
async fn admin_confirmed_doctor_request_is_pending_with_no_group() {
    let deps = deps("Patient");

    let (_, outcome) = handle(&deps, event(ADMIN_CONFIRM), now()).await.unwrap();

    assert_eq!(outcome, Outcome::Created);
    let profile = deps.store.stored(&id(BO)).unwrap();
    assert_eq!(
        (profile.user_type, profile.status),
        (UserType::Doctor, ProfileStatus::PendingReview)
    );
    assert!(deps.groups.groups_of(BO).is_empty());
    let counters = deps.store.counters();
    assert_eq!(
        (
            counters[&Cohort::pending(UserType::Doctor)],
            counters[&Cohort::active(UserType::Doctor)]
        ),
        (1, 0),
        "a requested Doctor is counted as pending, not as a Doctor"
    );
}

#[tokio::test]
async fn doctors_are_granted_when_the_self_service_list_says_so() {
    let deps = deps("Patient,Doctor");
    handle(&deps, event(ADMIN_CONFIRM), now()).await.unwrap();
    assert_eq!(deps.groups.groups_of(BO), [UserType::Doctor].into());
}

#[tokio::test]
async fn absent_or_hostile_user_types_never_grant_privilege() {
    for requested in [
        None,
        Some("Admin"),
        Some("admin"),
        Some(" Doctor"),
        Some("Admin\u{200b}"),
    ] {
        let deps = deps("Patient");
        handle(
            &deps,
            with_attribute(CONFIRM, "custom:user_type", requested),
            now(),
        )
        .await
        .unwrap();
        let groups = deps.groups.groups_of(ADA);
        assert!(
            !groups.contains(&UserType::Admin) && !groups.contains(&UserType::Doctor),
            "{requested:?}: {groups:?}"
        );
        let profile = deps.store.stored(&id(ADA)).unwrap();
        if requested == Some("Admin") {
            assert_eq!(
                (profile.user_type, profile.status),
                (UserType::Admin, ProfileStatus::PendingReview)
            );
        } else {
            assert_eq!(profile.user_type, UserType::Patient, "{requested:?}");
        }
    }
}

#[tokio::test]
async fn a_retried_confirmation_changes_nothing() {
    let deps = deps("Patient");
    handle(&deps, event(CONFIRM), now()).await.unwrap();
    let first = deps.store.stored(&id(ADA)).unwrap();

    let later = now() + chrono::Duration::seconds(3);
    let (_, outcome) = handle(&deps, event(CONFIRM), later).await.unwrap();

    assert_eq!(outcome, Outcome::AlreadyCreated);
    assert_eq!(deps.store.stored(&id(ADA)).unwrap(), first);
    assert_eq!(deps.store.write_count(), 1);
    assert_eq!(deps.store.counters()[&Cohort::active(UserType::Patient)], 1);
}

#[tokio::test]
async fn a_retry_completes_a_group_grant_that_failed() {
    let deps = deps("Patient");
    deps.groups.set_down(true);
    let failed = handle(&deps, event(CONFIRM), now()).await;
    assert!(matches!(failed, Err(PostConfirmationError::Dependency(_))));
    assert!(
        deps.store.stored(&id(ADA)).is_some(),
        "the profile was written before the group call"
    );

    deps.groups.set_down(false);
    handle(&deps, event(CONFIRM), now()).await.unwrap();

    assert_eq!(deps.groups.groups_of(ADA), [UserType::Patient].into());
    assert_eq!(deps.store.counters()[&Cohort::active(UserType::Patient)], 1);
}

#[tokio::test]
async fn a_store_outage_is_an_error_and_grants_nothing() {
    let deps = deps("Patient");
    deps.store.set_down(true);

    let result = handle(&deps, event(CONFIRM), now()).await;

    assert!(matches!(result, Err(PostConfirmationError::Dependency(_))));
    assert!(deps.groups.groups_of(ADA).is_empty());
}

#[tokio::test]
async fn forgot_password_writes_nothing_and_returns_the_event() {
    let deps = deps("Patient");

    let (returned, outcome) = handle(&deps, event(FORGOT_PASSWORD), now()).await.unwrap();

    assert_eq!(
        (returned, outcome),
        (event(FORGOT_PASSWORD), Outcome::PasswordReset)
    );
    assert_eq!(deps.store.write_count(), 0);
    assert!(deps.groups.groups_of(ADA).is_empty());
}

#[tokio::test]
async fn invalid_optional_attributes_are_left_out_not_fatal() {
    let deps = deps("Patient");
    let mut e = with_attribute(CONFIRM, "custom:dob", Some("2031-01-01"));
    e["request"]["userAttributes"]["custom:blood_group"] = json!("Q+");
    e["request"]["userAttributes"]
        .as_object_mut()
        .unwrap()
        .remove("name");

    handle(&deps, e, now()).await.unwrap();

    let profile = deps.store.stored(&id(ADA)).unwrap();
    assert_eq!(
        (profile.dob, profile.blood_group, profile.name),
        (None, None, None)
    );
    assert!(profile.email.is_some());
}

#[tokio::test]
async fn malformed_events_and_other_triggers_are_errors_without_writes() {
    let deps = deps("Patient");
    let mut other_trigger = event(CONFIRM);
    other_trigger["triggerSource"] = json!("PostAuthentication_Authentication");
    let cases = [
        other_trigger,
        json!({}),
        json!("PostConfirmation_ConfirmSignUp"),
        with_attribute(CONFIRM, "sub", None),
        with_attribute(CONFIRM, "sub", Some("not-a-sub")),
        {
            let mut e = event(CONFIRM);
            e["userPoolId"] = json!(null);
            e
        },
        {
            let mut e = event(CONFIRM);
            e["request"]["userAttributes"] = json!(["sub"]);
            e
        },
    ];
    for case in cases {
        let result = handle(&deps, case.clone(), now()).await;
        assert!(
            matches!(
                result,
                Err(PostConfirmationError::UnsupportedTrigger
                    | PostConfirmationError::MalformedEvent(_))
            ),
            "{case}: {result:?}"
        );
    }
    assert_eq!(deps.store.write_count(), 0);
}

#[tokio::test]
async fn logs_carry_no_personal_or_health_data() {
    let deps = deps("Patient");
    let mut hostile = event(CONFIRM);
    hostile["request"]["userAttributes"]["custom:dob"] = json!("2099-12-31"); // rejected: logged as a problem

    let captured = logs::capture(async {
        invoke(&deps, event(CONFIRM), now(), "r1").await.unwrap();
        invoke(&deps, event(CONFIRM), now(), "r2").await.unwrap();
        let other = deps_with_outage();
        let _ = invoke(&other, hostile.clone(), now(), "r3").await;
        invoke(&deps, event(FORGOT_PASSWORD), now(), "r4")
            .await
            .unwrap();
    })
    .await;

    assert!(
        captured.contains(ADA),
        "the sub is logged, so logging was captured: {captured}"
    );
    for secret in [
        "ada.patient@example.com",
        "+14155550123",
        "1990-02-03",
        "2099-12-31",
        "O-",
        "Ada Patient",
        "female",
    ] {
        assert!(
            !captured.contains(secret),
            "log contains {secret:?}:\n{captured}"
        );
    }
}

fn deps_with_outage() -> Deps<InMemoryProfiles, InMemoryGroups> {
    let d = deps("Patient");
    d.groups.set_down(true);
    d
}

/// Ports whose every call answers, but only after `latency`: a dependency that is slow
/// rather than down.
struct Slow<T> {
    inner: T,
    latency: Duration,
}

impl<T> Slow<T> {
    async fn wait(&self) {
        tokio::time::sleep(self.latency).await;
    }
}

impl<T: ProfileStore> ProfileStore for Slow<T> {
    async fn create(&self, profile: &Profile) -> Result<Created, PortError> {
        self.wait().await;
        self.inner.create(profile).await
    }

    async fn find(&self, id: &UserId) -> Result<Option<Stored>, PortError> {
        self.wait().await;
        self.inner.find(id).await
    }

    async fn begin_deletion(&self, profile: &Profile) -> Result<(), UpdateError> {
        self.wait().await;
        self.inner.begin_deletion(profile).await
    }

    async fn finish_deletion(&self, id: &UserId) -> Result<(), PortError> {
        self.wait().await;
        self.inner.finish_deletion(id).await
    }

    async fn update(&self, previous: &Profile, updated: &Profile) -> Result<(), UpdateError> {
        self.wait().await;
        self.inner.update(previous, updated).await
    }

    async fn list(
        &self,
        cohort: Cohort,
        limit: u32,
        after: Option<&PageCursor>,
    ) -> Result<Page, PortError> {
        self.wait().await;
        self.inner.list(cohort, limit, after).await
    }

    async fn count_by_cohort(&self) -> Result<BTreeMap<Cohort, u64>, PortError> {
        self.wait().await;
        self.inner.count_by_cohort().await
    }
}

impl<T: UserDirectory> UserDirectory for Slow<T> {
    async fn add_to_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> Result<(), PortError> {
        self.wait().await;
        self.inner.add_to_group(user_pool_id, username, group).await
    }

    async fn remove_from_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> Result<(), PortError> {
        self.wait().await;
        self.inner
            .remove_from_group(user_pool_id, username, group)
            .await
    }

    async fn delete_user(&self, user_pool_id: &str, username: &str) -> Result<(), PortError> {
        self.wait().await;
        self.inner.delete_user(user_pool_id, username).await
    }
}

/// Each call at the SDK's per-operation cap for the trigger (1.8 s).
fn slow_deps() -> Deps<Slow<InMemoryProfiles>, Slow<InMemoryGroups>> {
    let latency = Duration::from_millis(1800);
    Deps {
        store: Slow {
            inner: InMemoryProfiles::default(),
            latency,
        },
        groups: Slow {
            inner: InMemoryGroups::default(),
            latency,
        },
        policy: SelfServicePolicy::parse("Patient").unwrap(),
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_first_confirmation_still_finishes() {
    let deps = slow_deps();
    let started = tokio::time::Instant::now();

    let (_, outcome) = handle(&deps, event(CONFIRM), now()).await.unwrap();

    assert_eq!(outcome, Outcome::Created);
    assert!(started.elapsed() < post_confirmation::DEADLINE);
}

#[tokio::test(start_paused = true)]
async fn a_slow_retry_gives_up_inside_cognitos_five_seconds() {
    // Arrange: the profile exists but the group grant did not happen, so the retry
    // makes three slow calls in a row (create, read back, add to group).
    let deps = slow_deps();
    let profile = {
        let fast = self::deps("Patient");
        handle(&fast, event(CONFIRM), now()).await.unwrap();
        fast.store.stored(&id(ADA)).unwrap()
    };
    deps.store.inner.create(&profile).await.unwrap();
    let started = tokio::time::Instant::now();

    let result = handle(&deps, event(CONFIRM), now()).await;

    assert!(
        matches!(result, Err(PostConfirmationError::DeadlineExceeded)),
        "{result:?}"
    );
    assert_eq!(started.elapsed(), post_confirmation::DEADLINE);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// The metric filters' patterns, as Terraform applies them.
const FAULT_PATTERNS: &str =
    include_str!("../../../../terraform/modules/alarms/fault_patterns.json");

fn fault_pattern(function: &str) -> FilterPattern {
    let patterns: Value = serde_json::from_str(FAULT_PATTERNS).unwrap();
    FilterPattern::parse(patterns[function].as_str().unwrap())
}

#[tokio::test]
async fn a_fault_moves_the_faults_metric_and_every_outcome_names_the_user() {
    let deps = deps("Patient");
    let fine = logs::capture_as_deployed("post_confirmation", async {
        invoke(&deps, event(CONFIRM), now(), "r1").await.unwrap();
        invoke(&deps, event(CONFIRM), now(), "r2").await.unwrap(); // Cognito's retry
        invoke(&deps, event(FORGOT_PASSWORD), now(), "r3")
            .await
            .unwrap();
    })
    .await;
    let outage = deps_with_outage();
    let fault = logs::capture_as_deployed("post_confirmation", async {
        let result = invoke(&outage, event(CONFIRM), now(), "r4").await;
        assert!(matches!(result, Err(PostConfirmationError::Dependency(_))));
    })
    .await;

    let outcomes: Vec<Value> = fine
        .lines()
        .chain(fault.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &Value| l["fields"]["outcome"].is_string())
        .collect();
    assert_eq!(
        outcomes
            .iter()
            .map(|l| l["fields"]["outcome"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["created", "already_created", "password_reset", "fault"]
    );
    assert!(
        outcomes.iter().all(|l| l["fields"]["user_name"] == ADA),
        "{outcomes:?}"
    );
    let pattern = fault_pattern("post-confirmation");
    assert_eq!(pattern.matching(&fine), Vec::<&str>::new());
    assert_eq!(
        pattern.matching(&fault).len(),
        1,
        "the fault is counted:\n{fault}"
    );
}
