//! Deleting an account on the running stack: everything of it goes (profile, every
//! picture version, the Cognito user), the metrics still equal the listing, the old token
//! gets 410, and the email can sign up again as a new person. A failure injected at each
//! step is a 503 that leaves nothing alive-looking, and the same request again completes.

use super::api::Api;
use super::cognito::{PASSWORD, SignedIn, Users};
use super::faults::Throttles;
use super::journeys::upload_and_fetch_picture;
use super::races::{metrics, metrics_equal_the_listing};
use super::stack::StackInfo;
use adapters::aws::Timeouts;

async fn delete(api: &Api, who: &SignedIn) -> u16 {
    api.call(
        "DELETE",
        "/users/me",
        Some(&format!("Bearer {}", who.id_token)),
        None,
    )
    .await
    .status
}

async fn s3(stack: &StackInfo) -> aws_sdk_s3::Client {
    let sdk = stack.sdk_config(Timeouts::API).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    )
}

/// Every object version and delete marker left under the person's picture prefix.
async fn picture_versions(stack: &StackInfo, sub: &str) -> usize {
    let listed = s3(stack)
        .await
        .list_object_versions()
        .bucket(&stack.bucket_name)
        .prefix(format!("profile-pictures/{sub}/"))
        .send()
        .await
        .unwrap();
    listed.versions().len() + listed.delete_markers().len()
}

pub async fn a_deleted_account_leaves_nothing_and_its_email_signs_up_anew(
    stack: &StackInfo,
    users: &Users,
    api: &Api,
    admin: &SignedIn,
) {
    let person = users
        .signed_up_and_confirmed("leaving.patient", &[("custom:user_type", "Patient")])
        .await;
    upload_and_fetch_picture(api, &person).await;
    upload_and_fetch_picture(api, &person).await; // the first picture replaced
    assert!(picture_versions(stack, &person.sub).await >= 2);
    the_replaced_picture_is_tagged_to_expire(stack, api, &person).await;
    let before = metrics(api, admin).await;

    assert_eq!(delete(api, &person).await, 204);

    assert_eq!(
        picture_versions(stack, &person.sub).await,
        0,
        "every version"
    );
    assert!(!users.user_exists(&person.email).await, "the Cognito user");
    let after = metrics(api, admin).await;
    assert_eq!(
        after["total"].as_u64(),
        before["total"].as_u64().map(|t| t - 1)
    );
    metrics_equal_the_listing(api, admin, &after).await;
    let read = api.get("/users/me", &person.id_token).await;
    let write = api
        .put(
            "/users/me",
            &person.id_token,
            &serde_json::json!({"name": "Back"}),
        )
        .await;
    for reply in [&read, &write] {
        assert_eq!(
            (reply.status, reply.body["error"]["code"].as_str()),
            (410, Some("account_deleted")),
            "the old token: {}",
            reply.raw
        );
    }
    assert_eq!(delete(api, &person).await, 204, "deleting again");

    users
        .sign_up(&person.email, &[("custom:user_type", "Patient")])
        .await
        .unwrap_or_else(|e| panic!("the email signs up again: {e:?}"));
    users.admin_confirm(&person.email).await.unwrap();
    let again = users.sign_in(&person.email, PASSWORD).await;
    assert_ne!(again.sub, person.sub, "a new person");
    let profile = api.get("/users/me", &again.id_token).await;
    assert_eq!(
        (profile.status, profile.body["version"].as_u64()),
        (200, Some(1)),
        "{}",
        profile.raw
    );
}

/// Each step made to fail (its AWS call throttled past the SDK's retries): the DELETE
/// answers 503, the account never reads as alive once the first step is done, and the
/// same DELETE again completes the job.
pub async fn a_deletion_that_fails_at_any_step_completes_on_retry(
    stack: &StackInfo,
    users: &Users,
    api: &Api,
) {
    let attempts = Timeouts::API.max_attempts;
    // (service, operation, calls of it let through first, the step, whether the profile
    // still reads after the failure). The access-log entry is the request's first PutItem.
    let steps = [
        (
            "dynamodb",
            "TransactWriteItems",
            0,
            "mark the profile",
            true,
        ),
        ("s3", "DeleteObjects", 0, "delete the pictures", false),
        (
            "cognito-idp",
            "AdminDeleteUser",
            0,
            "delete the Cognito user",
            false,
        ),
        ("dynamodb", "PutItem", 1, "write the tombstone", false),
    ];
    for (service, operation, after, step, still_alive) in steps {
        let person = users
            .signed_up_and_confirmed("interrupted.patient", &[("custom:user_type", "Patient")])
            .await;
        upload_and_fetch_picture(api, &person).await;
        let throttles = Throttles::on(stack);
        throttles
            .set_after(service, operation, after, attempts)
            .await;

        let failed = api
            .call(
                "DELETE",
                "/users/me",
                Some(&format!("Bearer {}", person.id_token)),
                None,
            )
            .await;
        throttles.clear();

        assert_eq!(failed.status, 503, "{step}: {}", failed.raw);
        assert!(failed.header("retry-after").is_some(), "{step}");
        let read = api.get("/users/me", &person.id_token).await;
        assert_eq!(
            read.status,
            if still_alive { 200 } else { 410 },
            "{step}: {}",
            read.raw
        );
        assert_eq!(delete(api, &person).await, 204, "{step}: the retry");
        assert!(!users.user_exists(&person.email).await, "{step}");
        assert_eq!(picture_versions(stack, &person.sub).await, 0, "{step}");
        assert_eq!(
            api.get("/users/me", &person.id_token).await.status,
            410,
            "{step}"
        );
    }
}

/// Cognito's own DeleteUser would leave the profile and pictures behind: the user pool's
/// web ACL refuses it, and the account stays whole.
pub async fn cognitos_own_delete_user_is_refused(users: &Users, api: &Api) {
    let person = users
        .signed_up_and_confirmed("self.deleting", &[("custom:user_type", "Patient")])
        .await;

    let refused = users.self_service_delete(&person.email).await;

    assert_eq!(
        refused,
        Err((
            "ForbiddenException".to_string(),
            "Request blocked by AWS WAF.".to_string()
        ))
    );
    assert!(users.user_exists(&person.email).await);
    assert_eq!(api.get("/users/me", &person.id_token).await.status, 200);
}

/// The picture the profile uses is tagged `attached`; the one it replaced `unattached`,
/// which the bucket's lifecycle rule expires.
async fn the_replaced_picture_is_tagged_to_expire(stack: &StackInfo, api: &Api, person: &SignedIn) {
    let current = api.get("/users/me", &person.id_token).await.body["picture_key"]
        .as_str()
        .unwrap()
        .to_string();
    let s3 = s3(stack).await;
    let listed = s3
        .list_objects_v2()
        .bucket(&stack.bucket_name)
        .prefix(format!("profile-pictures/{}/", person.sub))
        .send()
        .await
        .unwrap();
    let mut tags = Vec::new();
    for key in listed.contents().iter().filter_map(|o| o.key()) {
        let tagging = s3
            .get_object_tagging()
            .bucket(&stack.bucket_name)
            .key(key)
            .send()
            .await
            .unwrap();
        let tag: Vec<String> = tagging
            .tag_set()
            .iter()
            .map(|t| format!("{}={}", t.key(), t.value()))
            .collect();
        tags.push((key == current, tag));
    }
    tags.sort();
    assert_eq!(
        tags,
        [
            (false, vec!["picture=unattached".to_string()]),
            (true, vec!["picture=attached".to_string()])
        ]
    );
}
