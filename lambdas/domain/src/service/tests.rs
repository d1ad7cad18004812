//! The rules on the in-memory ports: each operation, the races it must survive, and a
//! failure at each of its steps followed by a retry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::TimeZone;
use serde_json::json;

use super::*;
use crate::fakes::{InMemoryGroups, InMemoryPictures, InMemoryProfiles, ready};
use crate::{Cohort, ProfileStatus};

const ADA: &str = "5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13";
const BO: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const POOL: &str = "eu-west-1_Ab12Cd34E";
const ADA_PNG: &str = "profile-pictures/5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13/11111111-2222-4333-8444-555555555555.png";
const ADA_JPG: &str = "profile-pictures/5f3c0e2a-9b1d-4c7e-8a6f-2d4b6c8e0a13/66666666-7777-4888-8999-000000000000.jpg";
const BO_PNG: &str = "profile-pictures/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/11111111-2222-4333-8444-555555555555.png";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap()
}

fn id(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn username(user: &str) -> String {
    format!("{user}-username")
}

struct World {
    profiles: Arc<InMemoryProfiles>,
    pictures: InMemoryPictures,
    groups: Arc<InMemoryGroups>,
    policy: SelfServicePolicy,
}

fn world(self_service: &str) -> World {
    World {
        profiles: Arc::default(),
        pictures: InMemoryPictures::default(),
        groups: Arc::default(),
        policy: SelfServicePolicy::parse(self_service).unwrap(),
    }
}

impl World {
    fn service(&self) -> Service<'_, InMemoryProfiles, InMemoryPictures, InMemoryGroups> {
        Service {
            store: &self.profiles,
            pictures: &self.pictures,
            groups: &self.groups,
            user_pool_id: POOL,
            policy: &self.policy,
            max_picture_bytes: 1000,
        }
    }

    fn groups_of(&self, user: &str) -> BTreeSet<UserType> {
        self.groups.groups_of(&username(user))
    }

    /// A stored profile of `user`, at version 1.
    fn stored(&self, user: &str, user_type: UserType, status: ProfileStatus) -> Profile {
        let profile = profile(user, user_type, status);
        self.profiles.insert(profile.clone());
        profile
    }
}

fn profile(user: &str, user_type: UserType, status: ProfileStatus) -> Profile {
    Profile {
        user_id: id(user),
        username: username(user),
        email: None,
        name: None,
        phone_number: None,
        dob: None,
        gender: None,
        blood_group: None,
        user_type,
        status,
        picture_key: None,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

/// What `person` builds a first profile from: a sign-up's attributes.
struct SignUp {
    user_id: UserId,
    username: String,
    groups: BTreeSet<UserType>,
    attributes: HashMap<String, String>,
}

fn sign_up(user: &str, user_type: Option<&str>, groups: &[UserType]) -> SignUp {
    let mut attributes = HashMap::from([("name".to_owned(), "Ada".to_owned())]);
    if let Some(user_type) = user_type {
        attributes.insert("custom:user_type".to_owned(), user_type.to_owned());
    }
    SignUp {
        user_id: id(user),
        username: username(user),
        groups: groups.iter().copied().collect(),
        attributes,
    }
}

fn person<'a>(s: &'a SignUp) -> Person<'a, impl Fn(&str) -> Option<&'a str> + Sync + 'a> {
    Person {
        user_id: &s.user_id,
        username: &s.username,
        groups: &s.groups,
        attributes: |name: &str| s.attributes.get(name).map(String::as_str),
    }
}

/// The access log's place in a change: counts its calls, and can refuse.
#[derive(Default)]
struct Recorder {
    calls: Mutex<usize>,
    down: bool,
}

impl Journal for Recorder {
    async fn before_write(&self) -> Result<(), PortError> {
        *self.calls.lock().unwrap() += 1;
        if self.down {
            Err(PortError::Unavailable("access log", "down".to_owned()))
        } else {
            Ok(())
        }
    }
}

impl Recorder {
    fn calls(&self) -> usize {
        *self.calls.lock().unwrap()
    }
}

fn patch(body: serde_json::Value) -> ProfilePatch {
    ProfilePatch::parse(body.as_object().unwrap(), now().date_naive()).unwrap()
}

/// Someone else's write lands just before each of the next `times` updates.
fn overtake_updates(profiles: &Arc<InMemoryProfiles>, user: &str, times: usize) {
    if times == 0 {
        return;
    }
    let store = profiles.clone();
    let user = user.to_owned();
    profiles.before_next("update", move || {
        let mut changed = store.stored(&id(&user)).unwrap();
        changed.version += 1;
        store.remove(&changed.user_id);
        store.insert(changed);
        overtake_updates(&store, &user, times - 1);
    });
}

type NoPerson = Person<'static, fn(&str) -> Option<&'static str>>;

fn update(
    w: &World,
    target: &str,
    own: Option<&SignUp>,
    body: serde_json::Value,
    expected: Option<&[u64]>,
    journal: &Recorder,
) -> Result<Updated, ServiceError> {
    let patch = patch(body);
    match own {
        Some(s) => ready(w.service().update(
            &id(target),
            Some(&person(s)),
            &patch,
            expected,
            now(),
            journal,
        )),
        None => ready(w.service().update(
            &id(target),
            None::<&NoPerson>,
            &patch,
            expected,
            now(),
            journal,
        )),
    }
}

// ---- ensure: the trigger's rule, and the API's for a profile the trigger did not write.

#[test]
fn a_first_profile_is_stored_and_gets_the_group_the_policy_allows() {
    let w = world("Patient");
    let ada = sign_up(ADA, None, &[]);

    let ensured = ready(w.service().ensure(&person(&ada), now())).unwrap();

    assert!(ensured.created);
    assert_eq!(ensured.group, Ok(true));
    assert_eq!(w.profiles.stored(&id(ADA)), Some(ensured.profile));
    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());

    // A requested type the policy does not grant waits for an Admin, with no group.
    let bo = sign_up(BO, Some("Doctor"), &[]);
    let ensured = ready(w.service().ensure(&person(&bo), now())).unwrap();
    assert_eq!(ensured.profile.cohort(), Cohort::pending(UserType::Doctor));
    assert!(w.groups_of(BO).is_empty());
}

#[test]
fn a_retry_grants_from_what_was_stored_not_from_its_own_attributes() {
    // The first delivery stored a Patient; the policy now also grants Doctor and the
    // retried event asks for it.
    let w = world("Patient,Doctor");
    let first = w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    let retry = sign_up(ADA, Some("Doctor"), &[]);

    let ensured = ready(w.service().ensure(&person(&retry), now())).unwrap();

    assert!(!ensured.created);
    assert_eq!(ensured.profile, first);
    assert_eq!(w.profiles.stored(&id(ADA)), Some(first));
    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());
}

#[test]
fn a_creation_that_loses_the_race_serves_the_winners_profile() {
    let w = world("Patient,Doctor");
    let store = w.profiles.clone();
    let winner = profile(ADA, UserType::Doctor, ProfileStatus::Active);
    let landed = winner.clone();
    w.profiles
        .before_next("create", move || store.insert(landed));

    let ensured = ready(w.service().ensure(&person(&sign_up(ADA, None, &[])), now())).unwrap();

    assert!(!ensured.created);
    assert_eq!(ensured.profile, winner);
    assert_eq!(w.groups_of(ADA), [UserType::Doctor].into());
    assert_eq!(w.profiles.counters()[&Cohort::active(UserType::Patient)], 0);
}

#[test]
fn a_profile_gone_between_the_conflict_and_the_read_is_created_again() {
    let w = world("Patient");
    w.stored(ADA, UserType::Doctor, ProfileStatus::Active);
    let store = w.profiles.clone();
    w.profiles
        .before_next("find", move || store.remove(&id(ADA)));

    let ensured = ready(w.service().ensure(&person(&sign_up(ADA, None, &[])), now())).unwrap();

    assert!(ensured.created);
    assert_eq!(ensured.profile.cohort(), Cohort::active(UserType::Patient));
    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());
}

/// A store that keeps answering "exists" and then "nothing": the lost race never ends.
fn vanish_forever(profiles: &Arc<InMemoryProfiles>) {
    let store = profiles.clone();
    profiles.before_next("create", move || {
        store.insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
        let again = store.clone();
        store.before_next("find", move || {
            again.remove(&id(ADA));
            vanish_forever(&again);
        });
    });
}

#[test]
fn a_race_that_keeps_being_lost_is_a_conflict_and_grants_nothing() {
    let w = world("Patient");
    vanish_forever(&w.profiles);

    let result = ready(w.service().ensure(&person(&sign_up(ADA, None, &[])), now()));

    assert!(matches!(result, Err(ServiceError::Conflict)), "{result:?}");
    assert!(w.groups_of(ADA).is_empty());
}

#[test]
fn a_failed_grant_is_reported_and_the_next_call_completes_it() {
    let w = world("Patient");
    let ada = sign_up(ADA, None, &[]);
    w.groups.set_down(true);

    let ensured = ready(w.service().ensure(&person(&ada), now())).unwrap();
    assert!(matches!(ensured.group, Err(PortError::Unavailable(..))));
    assert!(w.profiles.stored(&id(ADA)).is_some());

    w.groups.set_down(false);
    let ensured = ready(w.service().ensure(&person(&ada), now())).unwrap();
    assert_eq!((ensured.created, ensured.group), (false, Ok(true)));
    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());
}

#[test]
fn a_store_outage_stores_and_grants_nothing() {
    let w = world("Patient");
    w.profiles.set_down(true);

    let result = ready(w.service().ensure(&person(&sign_up(ADA, None, &[])), now()));

    assert!(matches!(
        result,
        Err(ServiceError::Port(PortError::Unavailable(..)))
    ));
    w.profiles.set_down(false);
    assert_eq!(w.profiles.stored(&id(ADA)), None);
    assert!(w.groups_of(ADA).is_empty());
}

#[test]
fn an_operators_group_decides_a_first_profile_and_nothing_is_taken_away() {
    let w = world("Patient");
    w.groups
        .set_groups(POOL, &username(ADA), &[UserType::Admin]);
    let ada = sign_up(ADA, Some("Patient"), &[UserType::Admin]);

    let ensured = ready(w.service().ensure(&person(&ada), now())).unwrap();

    assert_eq!(ensured.profile.cohort(), Cohort::active(UserType::Admin));
    assert_eq!(ensured.group, Ok(false));
    assert_eq!(w.groups_of(ADA), [UserType::Admin].into());
}

// ---- load: reading a profile completes a half-finished confirmation.

#[test]
fn another_users_missing_profile_is_not_found_and_ones_own_is_made() {
    let w = world("Patient");
    let result = ready(w.service().load(&id(BO), None::<&NoPerson>, now()));
    assert!(matches!(result, Err(ServiceError::NotFound)));
    assert_eq!(w.profiles.stored(&id(BO)), None);

    let ada = sign_up(ADA, None, &[]);
    let loaded = ready(w.service().load(&id(ADA), Some(&person(&ada)), now())).unwrap();
    assert_eq!(w.profiles.stored(&id(ADA)), Some(loaded));
    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());
}

#[test]
fn a_read_grants_a_missing_group_but_a_failed_grant_does_not_fail_it() {
    let w = world("Patient");
    let stored = w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    let ada = sign_up(ADA, None, &[]);
    w.groups.set_down(true);

    let loaded = ready(w.service().load(&id(ADA), Some(&person(&ada)), now())).unwrap();
    assert_eq!(loaded, stored);
    w.groups.set_down(false);
    assert!(w.groups_of(ADA).is_empty());

    ready(w.service().load(&id(ADA), Some(&person(&ada)), now())).unwrap();
    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());
}

#[test]
fn a_grant_from_a_read_that_a_demotion_overtook_does_not_outlive_it() {
    let w = world("Patient");
    w.stored(ADA, UserType::Doctor, ProfileStatus::Active);
    // An Admin's demotion lands between the read and the grant, and aligns the groups.
    let (store, groups) = (w.profiles.clone(), w.groups.clone());
    w.groups.before_next_add(move || {
        let mut demoted = profile(ADA, UserType::Patient, ProfileStatus::Active);
        demoted.version = 2;
        store.remove(&demoted.user_id);
        store.insert(demoted);
        groups.set_groups(POOL, &username(ADA), &[UserType::Patient]);
    });

    let ada = sign_up(ADA, None, &[]);
    ready(w.service().load(&id(ADA), Some(&person(&ada)), now())).unwrap();

    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());
}

// ---- update

#[test]
fn an_update_is_recorded_before_it_is_written_and_bumps_the_version() {
    let w = world("Patient");
    w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    let journal = Recorder::default();

    let done = update(&w, ADA, None, json!({"name": "Ada L."}), None, &journal).unwrap();

    assert_eq!(journal.calls(), 1);
    assert_eq!(done.previous.version, 1);
    assert_eq!(done.updated.version, 2);
    assert_eq!(w.profiles.stored(&id(ADA)), Some(done.updated));
}

#[test]
fn an_update_the_journal_refuses_writes_nothing() {
    let w = world("Patient");
    let before = w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    let journal = Recorder {
        down: true,
        ..Recorder::default()
    };

    let result = update(&w, ADA, None, json!({"name": "Ada L."}), None, &journal);

    assert!(
        matches!(result, Err(ServiceError::Unrecorded(_))),
        "{result:?}"
    );
    assert_eq!(w.profiles.stored(&id(ADA)), Some(before));
}

#[test]
fn a_stale_if_match_is_refused_and_an_overtaken_one_too() {
    let w = world("Patient");
    let before = w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    let journal = Recorder::default();

    let stale = update(&w, ADA, None, json!({"name": "X"}), Some(&[7]), &journal);
    assert!(matches!(stale, Err(ServiceError::PreconditionFailed)));
    assert_eq!(w.profiles.stored(&id(ADA)), Some(before));

    // Read at version 1, overtaken before the write: not retried against the new version.
    overtake_updates(&w.profiles, ADA, 1);
    let overtaken = update(&w, ADA, None, json!({"name": "X"}), Some(&[1]), &journal);
    assert!(matches!(overtaken, Err(ServiceError::PreconditionFailed)));
    assert_eq!(w.profiles.stored(&id(ADA)).unwrap().name, None);
}

#[test]
fn an_update_without_if_match_retries_a_lost_race_and_then_gives_up() {
    let w = world("Patient");
    w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    let journal = Recorder::default();

    overtake_updates(&w.profiles, ADA, MAX_ATTEMPTS - 1);
    let done = update(&w, ADA, None, json!({"name": "Ada L."}), None, &journal).unwrap();
    assert_eq!(done.updated.version, MAX_ATTEMPTS as u64 + 1);
    assert_eq!(done.updated.name.unwrap().as_str(), "Ada L.");

    overtake_updates(&w.profiles, ADA, MAX_ATTEMPTS);
    let result = update(&w, ADA, None, json!({"name": "Bo"}), None, &journal);
    assert!(matches!(result, Err(ServiceError::Conflict)), "{result:?}");
    assert_eq!(
        w.profiles.stored(&id(ADA)).unwrap().name.unwrap().as_str(),
        "Ada L."
    );
}

#[test]
fn groups_follow_a_stored_type_change_and_a_retry_repairs_a_failed_alignment() {
    let w = world("Patient");
    w.stored(BO, UserType::Doctor, ProfileStatus::PendingReview);
    w.groups
        .set_groups(POOL, &username(BO), &[UserType::Patient]);
    let journal = Recorder::default();
    w.groups.set_down(true);

    let failed = update(&w, BO, None, json!({"user_type": "Doctor"}), None, &journal);
    assert!(matches!(failed, Err(ServiceError::Port(_))), "{failed:?}");
    // The profile is the truth and was written; membership lags until the retry.
    assert_eq!(
        w.profiles.stored(&id(BO)).unwrap().cohort(),
        Cohort::active(UserType::Doctor)
    );
    w.groups.set_down(false);
    assert_eq!(w.groups_of(BO), [UserType::Patient].into());

    update(&w, BO, None, json!({"user_type": "Doctor"}), None, &journal).unwrap();
    assert_eq!(w.groups_of(BO), [UserType::Doctor].into());
}

#[test]
fn an_update_of_ones_missing_profile_makes_it_first() {
    let w = world("Patient");
    let ada = sign_up(ADA, None, &[]);

    let done = update(
        &w,
        ADA,
        Some(&ada),
        json!({"name": "Ada L."}),
        None,
        &Recorder::default(),
    )
    .unwrap();

    assert_eq!(done.previous.version, 1);
    assert_eq!(w.profiles.stored(&id(ADA)), Some(done.updated));
    assert_eq!(w.groups_of(ADA), [UserType::Patient].into());
}

#[test]
fn a_picture_is_attached_only_from_ones_own_usable_upload() {
    let w = world("Patient");
    let before = w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    w.pictures.put(BO_PNG, "image/png", 10);
    w.pictures.put(ADA_JPG, "image/png", 10);
    w.pictures.put(ADA_PNG, "image/png", 1001);
    let journal = Recorder::default();

    for (key, refused) in [
        (BO_PNG, "another user's"),
        (ADA_JPG, "type mismatch"),
        (ADA_PNG, "too large"),
    ] {
        let result = update(&w, ADA, None, json!({"picture_key": key}), None, &journal);
        match (refused, result) {
            ("another user's", Err(ServiceError::PictureOfAnotherUser)) => {}
            (_, Err(ServiceError::UnusablePicture(_))) if refused != "another user's" => {}
            (_, other) => panic!("{refused}: {other:?}"),
        }
        assert!(!w.pictures.is_claimed(key), "{refused}");
    }
    assert_eq!(journal.calls(), 0);
    assert_eq!(w.profiles.stored(&id(ADA)), Some(before));
}

#[test]
fn a_new_picture_is_claimed_the_old_one_released_and_a_failed_write_releases_the_new() {
    let w = world("Patient");
    w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    w.pictures.put(ADA_PNG, "image/png", 10);
    w.pictures.put(ADA_JPG, "image/jpeg", 10);
    let journal = Recorder::default();

    update(
        &w,
        ADA,
        None,
        json!({"picture_key": ADA_PNG}),
        None,
        &journal,
    )
    .unwrap();
    assert!(w.pictures.is_claimed(ADA_PNG));

    update(
        &w,
        ADA,
        None,
        json!({"picture_key": ADA_JPG}),
        None,
        &journal,
    )
    .unwrap();
    assert!(w.pictures.is_claimed(ADA_JPG));
    assert!(
        !w.pictures.is_claimed(ADA_PNG),
        "the replaced picture expires again"
    );

    let failed = update(
        &w,
        ADA,
        None,
        json!({"picture_key": ADA_PNG}),
        Some(&[1]),
        &journal,
    );
    assert!(matches!(failed, Err(ServiceError::PreconditionFailed)));
    assert!(
        !w.pictures.is_claimed(ADA_PNG),
        "an unused upload expires again"
    );
    assert!(w.pictures.is_claimed(ADA_JPG));
}

// ---- delete_account

fn delete(w: &World, target: &str, own_username: Option<&str>) -> Result<Deletion, ServiceError> {
    ready(
        w.service()
            .delete_account(&id(target), own_username, &Recorder::default()),
    )
}

/// Ada (with two pictures) and Bo (with one).
fn two_accounts() -> World {
    let w = world("Patient");
    w.stored(ADA, UserType::Patient, ProfileStatus::Active);
    w.stored(BO, UserType::Doctor, ProfileStatus::Active);
    for key in [ADA_PNG, ADA_JPG, BO_PNG] {
        w.pictures.put(key, "image/png", 10);
    }
    w
}

fn assert_only_ada_is_gone(w: &World) {
    assert_eq!(
        ready(w.profiles.find(&id(ADA))).unwrap(),
        Some(Stored::Deleted)
    );
    assert!(
        w.pictures
            .keys_under(&format!("profile-pictures/{ADA}/"))
            .is_empty()
    );
    assert!(w.groups.was_deleted(&username(ADA)));
    assert!(w.profiles.stored(&id(BO)).is_some());
    assert_eq!(
        w.pictures.keys_under(&format!("profile-pictures/{BO}/")),
        [BO_PNG]
    );
    assert!(!w.groups.was_deleted(&username(BO)));
    assert_eq!(w.profiles.counters()[&Cohort::active(UserType::Patient)], 0);
}

#[test]
fn every_step_of_a_deletion_runs_and_a_second_one_finds_the_tombstone() {
    let w = two_accounts();

    assert_eq!(
        delete(&w, ADA, None).unwrap(),
        Deletion::Deleted { pictures: 2 }
    );
    assert_only_ada_is_gone(&w);
    assert_eq!(delete(&w, ADA, None).unwrap(), Deletion::AlreadyDeleted);
}

#[test]
fn a_failure_at_each_step_leaves_the_account_unusable_and_a_retry_completes_it() {
    for step in ["mark", "pictures", "cognito", "tombstone"] {
        let w = two_accounts();
        match step {
            "mark" => w.profiles.set_down(true),
            "pictures" => w.pictures.set_down(true),
            "cognito" => w.groups.set_down(true),
            _ => {
                let store = w.profiles.clone();
                w.profiles
                    .before_next("finish_deletion", move || store.set_down(true));
            }
        }

        let failed = delete(&w, ADA, None);
        assert!(
            matches!(failed, Err(ServiceError::Port(PortError::Unavailable(..)))),
            "{step}: {failed:?}"
        );
        w.profiles.set_down(false);
        let read = ready(w.profiles.get(&id(ADA)));
        if step == "mark" {
            assert!(read.unwrap().is_some(), "{step}: nothing was marked");
        } else {
            assert_eq!(read, Err(PortError::Deleted), "{step}");
        }

        w.pictures.set_down(false);
        w.groups.set_down(false);
        assert!(
            matches!(delete(&w, ADA, None), Ok(Deletion::Deleted { .. })),
            "{step}"
        );
        assert_only_ada_is_gone(&w);
    }
}

#[test]
fn a_change_landing_as_the_deletion_begins_is_retried_over() {
    let w = two_accounts();
    let store = w.profiles.clone();
    w.profiles.before_next("begin_deletion", move || {
        let mut changed = store.stored(&id(ADA)).unwrap();
        changed.version = 2;
        store.remove(&changed.user_id);
        store.insert(changed);
    });

    assert!(matches!(
        delete(&w, ADA, None),
        Ok(Deletion::Deleted { .. })
    ));
    assert_only_ada_is_gone(&w);
}

#[test]
fn a_person_without_a_profile_is_deleted_by_their_own_name_and_no_one_else_is() {
    let w = world("Patient");
    w.pictures.put(ADA_PNG, "image/png", 10);

    assert!(matches!(delete(&w, ADA, None), Err(ServiceError::NotFound)));
    assert!(!w.groups.was_deleted(&username(ADA)));
    assert_eq!(w.pictures.keys_under("profile-pictures/"), [ADA_PNG]);

    let name = username(ADA);
    assert!(matches!(
        delete(&w, ADA, Some(&name)),
        Ok(Deletion::Deleted { pictures: 1 })
    ));
    assert!(w.groups.was_deleted(&name));
    assert_eq!(
        ready(w.profiles.find(&id(ADA))).unwrap(),
        Some(Stored::Deleted)
    );
}

#[test]
fn a_deletion_the_journal_refuses_touches_nothing() {
    let w = two_accounts();
    let journal = Recorder {
        down: true,
        ..Recorder::default()
    };

    let result = ready(w.service().delete_account(&id(ADA), None, &journal));

    assert!(matches!(result, Err(ServiceError::Unrecorded(_))));
    assert!(ready(w.profiles.get(&id(ADA))).unwrap().is_some());
    assert_eq!(
        w.pictures
            .keys_under(&format!("profile-pictures/{ADA}/"))
            .len(),
        2
    );
    assert!(!w.groups.was_deleted(&username(ADA)));
}
