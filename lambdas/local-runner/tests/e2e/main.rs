//! End-to-end: the real user journeys against a local stack this test brings up with
//! `just up` (its own LOCAL_STACK_DIR) and takes down with `just down`, whatever happens.
//! E2E_STACK_JSON=<path to a stack.json> reuses a stack already up instead (development).
//! Test code: panics with a clear message are how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod cognito;
mod journeys;
mod stack;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_runs_locally_end_to_end() {
    let stack = stack::Stack::up();
    let users = cognito::Users::new(&stack.info).await;
    let api = api::Api::new(&stack.info.api_url);

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
    // Last: it breaks the stack on purpose (the table goes away).
    journeys::broken_trigger_surfaces_as_cognito_error(&users, &stack.info).await;
}
