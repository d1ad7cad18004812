//! Every role x route x target through the handler: the status each caller gets,
//! and that a refusal carries no profile data and writes nothing.

use domain::{ProfileStatus, UserType};
use serde_json::json;

use crate::support::*;

#[derive(Clone, Copy, Debug)]
enum Target {
    Me,
    OwnId,
    Other,
    Nobody,
}

#[tokio::test]
async fn every_role_on_every_route_and_target() {
    let roles: [(&str, &[&str]); 5] = [
        ("pending doctor", &[]),
        ("patient", &["Patient"]),
        ("doctor", &["Doctor"]),
        ("admin", &["Admin"]),
        ("doctor+admin", &["Doctor", "Admin"]),
    ];
    let per_profile = [
        ("GET", "/users/{id}", json!(null)),
        ("PUT", "/users/{id}", json!({"name": "Changed"})),
        (
            "POST",
            "/users/{id}/picture-upload-url",
            json!({"content_type": "image/png", "content_length": 10}),
        ),
        ("DELETE", "/users/{id}", json!(null)),
        ("GET", "/users/{id}/access-log", json!(null)),
    ];
    for (role, groups) in roles {
        let admin = groups.contains(&"Admin");
        for (method, resource, body) in &per_profile {
            for target in [Target::Me, Target::OwnId, Target::Other, Target::Nobody] {
                let deps = deps();
                deps.profiles
                    .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
                deps.profiles
                    .insert(profile(BO, UserType::Doctor, ProfileStatus::Active));
                let before = deps.profiles.stored(&id(BO));
                let target_id = match target {
                    Target::Me => "me",
                    Target::OwnId => ADA,
                    Target::Other => BO,
                    Target::Nobody => CY,
                };
                let mut call = Call::new(method, resource).id(target_id).by(ADA, groups);
                if !body.is_null() {
                    call = call.json(body.clone());
                }

                let reply = call.send(&deps).await;

                let own = matches!(target, Target::Me | Target::OwnId);
                // The access log outlives its profile, so reading it needs none.
                let needs_profile = *method != "POST" && !resource.ends_with("/access-log");
                let expected = match (own, admin, target, needs_profile) {
                    (true, _, _, _) if *method == "DELETE" => 204,
                    (true, _, _, _) => 200,
                    (false, false, _, _) => 403,
                    // Admins: a missing profile is 404 to read, update or delete; an upload URL needs no profile.
                    (false, true, Target::Nobody, true) => 404,
                    (false, true, _, _) if *method == "DELETE" => 204,
                    (false, true, _, _) => 200,
                };
                let case = format!("{role} {method} {resource} {target:?}");
                assert_eq!(reply.status, expected, "{case}: {}", reply.body);
                if reply.status >= 400 {
                    assert!(
                        reply.body.get("user_id").is_none()
                            && reply.body.get("url").is_none()
                            && reply.body.get("items").is_none(),
                        "{case}"
                    );
                    assert_eq!(deps.profiles.stored(&id(BO)), before, "{case} wrote");
                    assert!(deps.profiles.stored(&id(CY)).is_none(), "{case} created");
                }
            }
        }
        for resource in ["/users", "/admin/metrics"] {
            let deps = deps();
            let reply = Call::new("GET", resource).by(ADA, groups).send(&deps).await;
            assert_eq!(
                reply.status,
                if admin { 200 } else { 403 },
                "{role} GET {resource}"
            );
        }
        let deps = deps();
        deps.profiles
            .insert(profile(BO, UserType::Doctor, ProfileStatus::PendingReview));
        let change_type = Call::new("PUT", "/users/{id}")
            .id(BO)
            .by(ADA, groups)
            .json(json!({"user_type": "Doctor"}));
        let reply = change_type.send(&deps).await;
        assert_eq!(
            reply.status,
            if admin { 200 } else { 403 },
            "{role} approves a doctor"
        );
    }
}
