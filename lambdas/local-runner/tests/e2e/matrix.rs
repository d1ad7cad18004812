//! Who may read or write what, through the stack: every per-profile route and method,
//! every kind of caller, every kind of target, then proof that refusals leaked nothing
//! and wrote nothing.

use super::api::{Api, Reply};
use super::cognito::{SignedIn, Users, claims, sign_with_moto_key};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The people the security checks act as.
pub struct Cast {
    pub patient: SignedIn,
    pub other_patient: SignedIn,
    pub pending_doctor: SignedIn,
    pub doctor: SignedIn,
    pub admin: SignedIn,
}

impl Cast {
    pub async fn sign_up(users: &Users, api: &Api) -> Cast {
        let patient_attributes = [
            ("custom:user_type", "Patient"),
            ("custom:dob", "1984-02-29"),
            ("custom:blood_group", "AB-"),
            ("phone_number", "+447700900123"),
        ];
        let patient = users
            .signed_up_and_confirmed("matrix.patient", &patient_attributes)
            .await;
        let other_patient = users
            .signed_up_and_confirmed("matrix.other", &patient_attributes)
            .await;
        let doctor_type = [("custom:user_type", "Doctor")];
        let pending_doctor = users
            .signed_up_and_confirmed("matrix.pending", &doctor_type)
            .await;
        let doctor = users
            .signed_up_and_confirmed("matrix.doctor", &doctor_type)
            .await;
        let admin = users.operator_creates_admin().await;
        super::journeys::admin_approves_doctor(users, api, &admin, &doctor).await;
        // A new token carries the Doctor group.
        let doctor = users.sign_in(&doctor.email, super::cognito::PASSWORD).await;
        // The admin's profile exists before the matrix counts its versions.
        assert_eq!(api.get("/users/me", &admin.id_token).await.status, 200);
        Cast {
            patient,
            other_patient,
            pending_doctor,
            doctor,
            admin,
        }
    }

    fn everyone(&self) -> [(&'static str, &SignedIn); 5] {
        [
            ("patient", &self.patient),
            ("other patient", &self.other_patient),
            ("pending doctor", &self.pending_doctor),
            ("doctor", &self.doctor),
            ("admin", &self.admin),
        ]
    }
}

/// Credentials the gateway must refuse: (label, Authorization header or none).
fn refused_credentials(cast: &Cast, foreign_token: &str) -> Vec<(&'static str, Option<String>)> {
    let token = &cast.patient.id_token;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut c = claims(token);
        change(&mut c);
        c
    };
    // Forged: the claims claim Admin, the signature is still the patient's.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[1] = super::cognito::base64_url(
        with(&|c| c["cognito:groups"] = json!(["Admin"]))
            .to_string()
            .as_bytes(),
    );
    let forged = parts.join(".");
    let expired = sign_with_moto_key(&with(&|c| {
        c["exp"] = json!(chrono::Utc::now().timestamp() - 60)
    }));
    let forged = format!("Bearer {forged}");
    let expired = format!("Bearer {expired}");
    vec![
        ("anonymous", None),
        ("empty bearer", Some("Bearer ".to_string())),
        ("garbage", Some("Bearer not.a.jwt".to_string())),
        ("forged", Some(forged)),
        ("expired", Some(expired)),
        ("foreign pool", Some(format!("Bearer {foreign_token}"))),
    ]
}

const PER_PROFILE: [(&str, &str); 4] = [
    ("GET", ""),
    ("PUT", ""),
    ("POST", "/picture-upload-url"),
    ("GET", "/access-log"),
];

fn request_body(method: &str, marker: &str) -> Option<Value> {
    match method {
        "PUT" => Some(json!({"name": marker})),
        "POST" => Some(json!({"content_type": "image/png", "content_length": 100})),
        _ => None,
    }
}

/// The path after `/users/` for each target, and what a signed-in caller should get
/// from it: None when the caller's role decides (own, other, nobody).
fn targets(caller: &SignedIn, victim: &SignedIn) -> Vec<(String, &'static str)> {
    let nobody = uuid::Uuid::new_v4().to_string();
    vec![
        ("me".into(), "self"),
        (caller.sub.clone(), "self"),
        (victim.sub.clone(), "other"),
        (nobody, "nobody"),
        (victim.sub.to_uppercase(), "malformed"),
        (format!("{}%2F..%2Fme", victim.sub), "malformed"),
        (format!("..%2F{}", victim.sub), "malformed"),
        (format!("{}%00", victim.sub), "malformed"),
        (format!("%20{}", victim.sub), "malformed"),
        (format!("./{}", victim.sub), "no route"),
        (format!("me/../{}", victim.sub), "no route"),
        (format!("{}/..", victim.sub), "no route"),
    ]
}

fn expected_status(admin: bool, method: &str, suffix: &str, target: &str) -> u16 {
    match (target, admin, method) {
        ("self", _, _) => 200,
        ("malformed", _, _) => 400,
        ("no route", _, _) => 403,
        (_, false, _) => 403,
        // An upload URL and an access log need no profile; reading or updating one does.
        ("nobody", true, "POST") => 200,
        ("nobody", true, _) if suffix == "/access-log" => 200,
        ("nobody", true, _) => 404,
        (_, true, _) => 200,
    }
}

/// A refusal's body: the gateway's or the function's error shape, and nothing of the victim.
fn assert_leaks_nothing(case: &str, reply: &Reply, victim: &SignedIn) {
    let is_gateway =
        reply.body.get("message").is_some() && reply.body.as_object().is_some_and(|o| o.len() == 1);
    let is_function = reply.body["error"]["code"].is_string();
    assert!(
        is_gateway || is_function,
        "{case}: unexpected body {}",
        reply.raw
    );
    for secret in [
        victim.sub.as_str(),
        victim.email.as_str(),
        "1984-02-29",
        "+447700900123",
        "AB-",
    ] {
        assert!(
            !reply.raw.contains(secret),
            "{case}: the refusal carries a victim's value: {}",
            reply.raw
        );
    }
}

/// `foreign_token`: a genuine ID token of another user pool in the same account.
pub async fn every_caller_route_and_target(api: &Api, cast: &Cast, foreign_token: &str) {
    // Each profile's version before, and what each allowed PUT makes it.
    let mut expected: BTreeMap<String, (u64, Option<String>)> = BTreeMap::new();
    for (_, person) in cast.everyone() {
        let profile = api
            .get(&format!("/users/{}", person.sub), &cast.admin.id_token)
            .await;
        assert_eq!(profile.status, 200, "{:?}", profile.body);
        expected.insert(
            person.sub.clone(),
            (profile.body["version"].as_u64().unwrap(), None),
        );
    }
    let mut cases = 0;

    for (label, person) in cast.everyone() {
        let admin = std::ptr::eq(person, &cast.admin);
        let victim = if std::ptr::eq(person, &cast.patient) {
            &cast.other_patient
        } else {
            &cast.patient
        };
        for (path, target) in targets(person, victim) {
            for (method, suffix) in PER_PROFILE {
                let marker = format!("Set by {label} {cases}");
                let body = request_body(method, &marker);
                let bearer = format!("Bearer {}", person.id_token);
                let reply = api
                    .call(
                        method,
                        &format!("/users/{path}{suffix}"),
                        Some(&bearer),
                        body.as_ref(),
                    )
                    .await;
                let case = format!("{label} {method} /users/{path}{suffix} ({target})");
                assert_eq!(
                    reply.status,
                    expected_status(admin, method, suffix, target),
                    "{case}: {}",
                    reply.raw
                );
                cases += 1;
                if reply.status >= 400 {
                    assert_leaks_nothing(&case, &reply, victim);
                } else if method == "PUT" {
                    let written = if target == "self" {
                        &person.sub
                    } else {
                        &victim.sub
                    };
                    let entry = expected.get_mut(written).unwrap();
                    entry.0 += 1;
                    entry.1 = Some(marker);
                }
            }
        }
        // DELETE, refusals only (the allowed ones would end the cast): nobody but the
        // owner or an Admin deletes an account; the final check finds every victim intact.
        if !admin {
            let bearer = format!("Bearer {}", person.id_token);
            for (path, target) in targets(person, victim) {
                if target == "self" {
                    continue;
                }
                let reply = api
                    .call("DELETE", &format!("/users/{path}"), Some(&bearer), None)
                    .await;
                let case = format!("{label} DELETE /users/{path} ({target})");
                let expected = if target == "malformed" { 400 } else { 403 };
                assert_eq!(reply.status, expected, "{case}: {}", reply.raw);
                assert_leaks_nothing(&case, &reply, victim);
                cases += 1;
            }
        }
        for path in ["/users", "/admin/metrics"] {
            let reply = api.get(path, &person.id_token).await;
            assert_eq!(
                reply.status,
                if admin { 200 } else { 403 },
                "{label} GET {path}"
            );
            if !admin {
                assert_leaks_nothing(&format!("{label} GET {path}"), &reply, victim);
            }
            cases += 1;
        }
    }

    for (label, header) in refused_credentials(cast, foreign_token) {
        for (path, target) in targets(&cast.patient, &cast.other_patient) {
            for (method, suffix) in PER_PROFILE {
                let body = request_body(method, "Set by nobody");
                let reply = api
                    .call(
                        method,
                        &format!("/users/{path}{suffix}"),
                        header.as_deref(),
                        body.as_ref(),
                    )
                    .await;
                let case = format!("{label} {method} /users/{path}{suffix}");
                let status = if target == "no route" { 403 } else { 401 };
                assert_eq!(reply.status, status, "{case}: {}", reply.raw);
                assert_leaks_nothing(&case, &reply, &cast.patient);
                cases += 1;
            }
        }
        for (path, target) in targets(&cast.patient, &cast.other_patient) {
            let reply = api
                .call("DELETE", &format!("/users/{path}"), header.as_deref(), None)
                .await;
            let case = format!("{label} DELETE /users/{path}");
            let status = if target == "no route" { 403 } else { 401 };
            assert_eq!(reply.status, status, "{case}: {}", reply.raw);
            cases += 1;
        }
        for path in ["/users", "/admin/metrics"] {
            let reply = api.call("GET", path, header.as_deref(), None).await;
            assert_eq!(reply.status, 401, "{label} GET {path}");
            cases += 1;
        }
    }

    // Nothing but the allowed writes happened: versions and names are exactly theirs.
    for (label, person) in cast.everyone() {
        let profile = api
            .get(&format!("/users/{}", person.sub), &cast.admin.id_token)
            .await;
        let (version, name) = &expected[&person.sub];
        assert_eq!(
            profile.body["version"].as_u64(),
            Some(*version),
            "{label}'s version"
        );
        if let Some(name) = name {
            assert_eq!(profile.body["name"], name.as_str(), "{label}'s name");
        }
    }
    eprintln!("e2e: authorization matrix, {cases} requests");
}
