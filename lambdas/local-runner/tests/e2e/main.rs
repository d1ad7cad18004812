//! End-to-end: the real user journeys, then the security checks (authorization matrix,
//! mass assignment, races, faults, schema-driven fuzzing, log hygiene), against a local
//! stack this test brings up with `just up` (its own LOCAL_STACK_DIR) and takes down with
//! `just down`, whatever happens.
//! E2E_STACK_JSON=<path to a stack.json> reuses a stack already up instead (development).
//! Test code: panics with a clear message are how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod cognito;
mod faults;
mod hygiene;
mod journeys;
mod lambda;
mod matrix;
mod races;
mod stack;
mod validation;

use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_runs_locally_end_to_end() {
    let stack = stack::Stack::up();
    let users = Arc::new(cognito::Users::new(&stack.info).await);
    let api = Arc::new(api::Api::new(&stack.info.api_url));
    let lambda = lambda::Lambda::new(&stack.info);
    let region = stack.info.region.as_str();

    journeys::unknown_routes_and_missing_tokens(&api).await;
    let patient = journeys::patient(&users, &api).await;
    let doctor = journeys::doctor_request(&users, &api).await;
    let admin = journeys::operator_created_admin(&users, &api).await;
    journeys::admin_approves_doctor(&users, &api, &admin, &doctor).await;
    journeys::other_users_profile_is_forbidden(&api, &patient, &doctor).await;
    journeys::forged_and_expired_tokens(&api, &patient).await;
    journeys::admin_self_sign_up_is_refused(&users).await;
    journeys::attribute_rules_hold(&users, &patient).await;
    journeys::forgot_password_leaves_profile_untouched(&users, &api, &patient).await;

    let cast = matrix::Cast::sign_up(&users, &api).await;
    let foreign_token = users.foreign_pool_token().await;
    matrix::every_caller_route_and_target(&api, &cast, &foreign_token).await;
    validation::bad_input_is_refused_and_writes_nothing(&api, &cast.patient, &cast.other_patient)
        .await;
    validation::boundary_values_are_accepted(&api, &cast.patient).await;
    races::conditional_puts_have_exactly_one_winner(api.clone(), &cast.patient).await;
    races::a_confirmation_delivered_many_times_counts_once(
        &users,
        &api,
        &lambda,
        &cast.admin,
        region,
    )
    .await;
    races::parallel_sign_ups_keep_the_metrics_exact(users.clone(), &api, &cast.admin).await;
    faults::a_frozen_emulator_gets_503s_and_a_failed_trigger_then_recovery(
        &stack.dir,
        &users,
        &api,
        &lambda,
        region,
        &cast.patient,
        &cast.admin,
    )
    .await;
    faults::a_slowed_emulator_only_delays_the_answer(&stack.dir, api.clone(), &cast.patient).await;
    assert!(
        stack::just(&stack.dir, "fuzz-api").success(),
        "schemathesis found failures (see its report above)"
    );

    // It breaks the stack on purpose (the table goes away): last but for the log scan.
    journeys::broken_trigger_surfaces_as_cognito_error(&users, &stack.info).await;
    hygiene::no_log_holds_what_the_suite_used(&stack.dir, users.secrets.all());
}
