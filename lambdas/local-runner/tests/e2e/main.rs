//! End-to-end: the real user journeys, then the security checks (authorization matrix,
//! mass assignment, races, faults, schema-driven fuzzing, log hygiene), against a local
//! stack this test brings up with `just up` (its own LOCAL_STACK_DIR) and takes down with
//! `just down`, whatever happens. A second stack, at the most verbose log level Terraform
//! permits, runs a journey full of personal data and has its logs scanned too.
//! E2E_STACK_JSON=<path to a stack.json> reuses a stack already up instead (development;
//! the verbose stack is then skipped).
//!
//! Every check runs and reports on its own (`Checks`): one failure hides no other.
//! The checks that break the stack on purpose run last.
//! Test code: panics with a clear message are how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_log;
mod api;
mod cognito;
mod deletion;
mod faults;
mod hosted_ui;
mod hygiene;
mod iam;
mod journeys;
mod lambda;
mod matrix;
mod migration;
mod races;
mod secrets;
mod security_front;
mod security_sign_in;
mod security_tokens;
mod stack;
mod validation;

use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

/// Runs each check to its end and records how it went; `finish` fails the test if any
/// check failed, naming every one.
#[derive(Default)]
struct Checks {
    passed: Vec<String>,
    failed: Vec<String>,
}

impl Checks {
    /// The check's value, or None when it failed (its panic message is printed above).
    async fn run<T>(&mut self, name: &str, check: impl Future<Output = T>) -> Option<T> {
        let started = Instant::now();
        let outcome = AssertUnwindSafe(check).catch_unwind().await;
        let took = started.elapsed().as_secs_f64();
        match outcome {
            Ok(value) => {
                eprintln!("e2e check: {name} ... ok ({took:.1} s)");
                self.passed.push(name.to_string());
                Some(value)
            }
            Err(_) => {
                eprintln!("e2e check: {name} ... FAILED ({took:.1} s)");
                self.failed.push(name.to_string());
                None
            }
        }
    }

    /// A check that cannot run because a check it builds on failed counts as failed.
    fn skipped(&mut self, name: &str, because: &str) {
        eprintln!("e2e check: {name} ... FAILED (not run: {because} failed)");
        self.failed.push(format!("{name} (not run)"));
    }

    fn finish(self) {
        eprintln!(
            "e2e checks: {} ok, {} failed",
            self.passed.len(),
            self.failed.len()
        );
        assert!(
            self.failed.is_empty(),
            "failed e2e checks: {:?}",
            self.failed
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_runs_locally_end_to_end() {
    // Both stacks come up together: `just up` mostly waits on terraform apply.
    let verbose = std::env::var_os("E2E_STACK_JSON").is_none().then(|| {
        std::thread::spawn(|| stack::Stack::up_own("e2e-trace", &[("TF_VAR_log_level", "TRACE")]))
    });
    let stack = stack::Stack::up();
    let secrets = Arc::new(cognito::Secrets::default());
    let users = Arc::new(cognito::Users::new(&stack.info, &stack.dir, secrets.clone()).await);
    let api = Arc::new(api::Api::new(&stack.info.api_url, secrets.clone()));
    let lambda = lambda::Lambda::new(&stack.info);
    let region = stack.info.region.as_str();
    let mut checks = Checks::default();

    if let Some(verbose) = verbose {
        let verbose = verbose.join().expect("the verbose stack came up");
        let passed = checks
            .run(
                "at log level TRACE, a journey full of personal data leaves none in any log",
                journeys::verbose_logs_hold_no_personal_data(&verbose),
            )
            .await;
        verbose.keep_logs.set(passed.is_none());
    }

    checks
        .run(
            "unknown routes and missing tokens",
            journeys::unknown_routes_and_missing_tokens(&api),
        )
        .await;
    let patient = checks
        .run("patient journey", journeys::patient(&users, &api))
        .await;
    let doctor = checks
        .run("doctor request", journeys::doctor_request(&users, &api))
        .await;
    let admin = checks
        .run(
            "operator-created admin",
            journeys::operator_created_admin(&users, &api),
        )
        .await;
    match (&admin, &doctor) {
        (Some(admin), Some(doctor)) => {
            checks
                .run(
                    "admin approves doctor",
                    journeys::admin_approves_doctor(&users, &api, admin, doctor),
                )
                .await;
        }
        _ => checks.skipped("admin approves doctor", "a journey it needs"),
    }
    match (&patient, &doctor) {
        (Some(patient), Some(doctor)) => {
            checks
                .run(
                    "other user's profile is forbidden",
                    journeys::other_users_profile_is_forbidden(&api, patient, doctor),
                )
                .await;
        }
        _ => checks.skipped("other user's profile is forbidden", "a journey it needs"),
    }
    if let Some(patient) = &patient {
        checks
            .run(
                "forged and expired tokens",
                journeys::forged_and_expired_tokens(&api, patient),
            )
            .await;
        checks
            .run(
                "CORS answers listed origins, API Gateway's own errors included",
                journeys::cors_answers_listed_origins_gateway_errors_included(&api, patient),
            )
            .await;
        checks
            .run(
                "attribute rules hold",
                journeys::attribute_rules_hold(&users, patient),
            )
            .await;
        checks
            .run(
                "forgot password leaves the profile untouched",
                journeys::forgot_password_leaves_profile_untouched(&users, &api, patient),
            )
            .await;
    } else {
        for name in [
            "forged and expired tokens",
            "CORS answers listed origins, API Gateway's own errors included",
            "attribute rules hold",
            "forgot password leaves the profile untouched",
        ] {
            checks.skipped(name, "patient journey");
        }
    }
    checks
        .run(
            "admin self sign-up is refused",
            journeys::admin_self_sign_up_is_refused(&users),
        )
        .await;
    checks
        .run(
            "sign-up codes are random, single-use and read from the outbox",
            secrets::sign_up_codes_are_random_single_use_and_from_the_outbox(&users),
        )
        .await;
    checks
        .run(
            "a wrong password is refused on every sign-in path",
            secrets::wrong_passwords_are_refused_on_every_sign_in_path(&users),
        )
        .await;
    checks
        .run(
            "repeated wrong passwords lock the user out on every sign-in path, then the lockout ends",
            security_sign_in::repeated_wrong_passwords_lock_the_user_out_on_every_path(
                &users,
                &stack.info,
            ),
        )
        .await;
    checks
        .run(
            "the app client allows only the auth flows production enables",
            security_sign_in::the_app_client_allows_only_the_flows_production_enables(&users),
        )
        .await;
    checks
        .run(
            "SRP is refused through an app client Terraform did not apply",
            security_sign_in::srp_is_refused_through_a_client_terraform_did_not_apply(&users),
        )
        .await;
    checks
        .run(
            "an operator-created user gets a random temporary password in the outbox",
            secrets::an_operator_created_user_gets_a_random_temporary_password(&users),
        )
        .await;
    checks
        .run(
            "amazon-cognito-identity-js signs in with SRP, refreshes and signs out",
            secrets::a_real_client_library_signs_in_with_srp(
                &users,
                &api,
                &stack.info.aws_endpoint_url,
                secrets::SrpClient::CognitoIdentityJs,
            ),
        )
        .await;
    checks
        .run(
            "pycognito signs in with SRP, verifies its tokens against the local issuer, refreshes and signs out",
            secrets::a_real_client_library_signs_in_with_srp(
                &users,
                &api,
                &stack.info.aws_endpoint_url,
                secrets::SrpClient::Pycognito,
            ),
        )
        .await;

    checks
        .run(
            "the Hosted UI refuses bad input as Cognito does",
            hosted_ui::the_hosted_ui_refuses_bad_input(&stack.info),
        )
        .await;
    checks
        .run(
            "a person signs up and in through the Hosted UI in a real browser",
            hosted_ui::a_person_signs_up_and_in_through_the_hosted_ui(
                &stack.info,
                &users,
                &secrets,
            ),
        )
        .await;
    checks
        .run(
            "Amplify's redirect sign-in works over the Hosted UI's HTTPS, across origins",
            hosted_ui::amplify_signs_in_over_https(&stack.info, &users, &secrets),
        )
        .await;

    checks
        .run(
            "Cognito's token-authorized operations need the aws.cognito.signin.user.admin scope",
            security_tokens::scopes_are_enforced_on_cognitos_operations(&stack.info, &users),
        )
        .await;
    checks
        .run(
            "userInfo needs openid and shows only what the scopes allow",
            security_tokens::user_info_follows_the_scopes(&stack.info, &users),
        )
        .await;
    checks
        .run(
            "sign-out and revocation reach every token of the user",
            security_tokens::sign_out_reaches_every_token(&stack.info, &users, &api),
        )
        .await;
    checks
        .run(
            "a disabled user gets no token on any path and its tokens are dead",
            security_tokens::a_disabled_user_gets_no_token(&stack.info, &users, &api),
        )
        .await;
    checks
        .run(
            "the Hosted UI keeps its sessions, cookies and codes to themselves",
            security_tokens::the_hosted_ui_keeps_its_sessions_and_codes_to_themselves(
                &stack.info,
                &users,
            ),
        )
        .await;

    // The security checks: a cast of their own, so no journey failure hides them.
    let cast = matrix::Cast::sign_up(&users, &api).await;
    let foreign_token = users.foreign_pool_token().await;
    checks
        .run(
            "authorization matrix",
            matrix::every_caller_route_and_target(&api, &cast, &foreign_token),
        )
        .await;
    checks
        .run(
            "no spelling of a control path reaches the control endpoints through the front or the Hosted UI",
            security_front::control_endpoints_are_unreachable_in_any_spelling(
                &stack.info,
                &cast.patient,
            ),
        )
        .await;
    checks
        .run(
            "unsigned and wrongly signed calls are refused as AWS refuses them",
            security_front::unsigned_and_badly_signed_calls_are_refused_as_aws_refuses_them(
                &stack.info,
                &cast.patient,
            ),
        )
        .await;
    checks
        .run(
            "another origin gets no more than on AWS",
            security_front::another_origin_gets_no_more_than_on_aws(&stack.info, &cast.patient),
        )
        .await;
    checks
        .run(
            "only loopback host names are answered (DNS rebinding)",
            security_front::only_loopback_host_names_are_answered(&stack.info),
        )
        .await;
    checks
        .run("the outbox is its owner's alone", async {
            security_front::the_outbox_is_its_owners_alone(&stack.dir)
        })
        .await;
    checks
        .run(
            "the PHI access log shows its owner who accessed their record",
            access_log::the_owner_sees_who_accessed_their_record(&users, &api, &cast.admin),
        )
        .await;
    checks
        .run(
            "bad input is refused and writes nothing",
            validation::bad_input_is_refused_and_writes_nothing(
                &api,
                &cast.patient,
                &cast.other_patient,
            ),
        )
        .await;
    checks
        .run(
            "a function's call its role does not allow is refused as AWS refuses it",
            iam::a_function_without_a_grant_is_refused_as_aws_refuses_it(
                &stack.dir,
                &users,
                &api,
                &cast.patient,
            ),
        )
        .await;
    checks
        .run(
            "boundary values are accepted",
            validation::boundary_values_are_accepted(&api, &cast.patient),
        )
        .await;
    checks
        .run(
            "conditional PUTs have exactly one winner",
            races::conditional_puts_have_exactly_one_winner(api.clone(), &stack.dir, &cast.patient),
        )
        .await;
    checks
        .run(
            "concurrent user_type changes leave the stored type and one group",
            races::concurrent_user_type_changes_converge(
                users.clone(),
                api.clone(),
                &stack.dir,
                &cast.admin,
            ),
        )
        .await;
    checks
        .run(
            "a confirmation delivered many times counts once",
            races::a_confirmation_delivered_many_times_counts_once(
                &users,
                &api,
                &lambda,
                &stack.dir,
                &cast.admin,
                region,
            ),
        )
        .await;
    checks
        .run(
            "parallel sign-ups keep the metrics exact",
            races::parallel_sign_ups_keep_the_metrics_exact(
                users.clone(),
                &api,
                &stack.dir,
                &cast.admin,
            ),
        )
        .await;
    checks
        .run(
            "a deleted account leaves nothing and its email signs up anew",
            deletion::a_deleted_account_leaves_nothing_and_its_email_signs_up_anew(
                &stack.info,
                &users,
                &api,
                &cast.admin,
            ),
        )
        .await;
    checks
        .run(
            "Cognito's own DeleteUser is refused, so no profile is left without its user",
            deletion::cognitos_own_delete_user_is_refused(&users, &api),
        )
        .await;
    checks
        .run(
            "a deletion that fails at any step completes on retry",
            deletion::a_deletion_that_fails_at_any_step_completes_on_retry(
                &stack.info,
                &users,
                &api,
            ),
        )
        .await;
    checks
        .run(
            "profiles written under the old table layout are migrated by the backfill",
            migration::old_layout_profiles_are_migrated_by_the_backfill(
                &stack.info,
                &api,
                &cast.admin,
            ),
        )
        .await;
    checks
        .run("schemathesis finds nothing", async {
            assert!(
                stack::just(&stack.dir, "fuzz-api").success(),
                "schemathesis found failures (see its report above)"
            );
        })
        .await;

    // Faults: throttling injected, then moto frozen, then back; then the profile table
    // deleted (the stack stays broken).
    checks
        .run(
            "throttling is retried, then a 503 or a retriable confirmation",
            faults::throttling_is_retried_then_a_503_or_a_retriable_confirmation(
                &stack.info,
                &users,
                &api,
                &cast.patient,
                &cast.admin,
            ),
        )
        .await;
    checks
        .run(
            "a frozen emulator gets 503s and a failed trigger, then recovery",
            faults::a_frozen_emulator_gets_503s_and_a_failed_trigger_then_recovery(
                &stack.dir,
                &users,
                &api,
                &lambda,
                region,
                &cast.patient,
                &cast.admin,
            ),
        )
        .await;
    checks
        .run(
            "a paused emulator only delays the answer",
            faults::a_paused_emulator_only_delays_the_answer(
                &stack.dir,
                api.clone(),
                &cast.patient,
            ),
        )
        .await;
    checks
        .run(
            "a broken trigger surfaces as Cognito's error",
            journeys::broken_trigger_surfaces_as_cognito_error(&users, &stack.info),
        )
        .await;
    checks
        .run("IAM allowed every call the functions made", async {
            iam::no_call_was_denied(&stack.dir);
        })
        .await;
    checks
        .run("no log holds what the suite used", async {
            hygiene::no_log_holds_what_was_used(&stack.dir, secrets.all(), true);
        })
        .await;
    checks.finish();
}
