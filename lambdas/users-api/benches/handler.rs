//! Handler overhead without I/O: an API Gateway event in, a JSON response out, with
//! in-memory ports. Covers event parsing, claims, authorization, body validation,
//! the (in-memory) store call and response encoding for GET and PUT /users/me.

// Bench set-up unwraps like a test does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/handler/support.rs"]
#[allow(dead_code)]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use domain::{ProfileStatus, UserType};
use serde_json::json;
use support::{ADA, Call, deps, now, profile};

fn handler_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let get = Call::new("GET", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .raw_event()
        .to_string();
    let put = Call::new("PUT", "/users/{id}")
        .id("me")
        .by(ADA, &["Patient"])
        .json(json!({"name": "Ada Lovelace", "phone_number": "+14155550123", "dob": "1990-02-03", "blood_group": "O-"}))
        .raw_event()
        .to_string();

    for (name, event) in [("GET /users/me", &get), ("PUT /users/me", &put)] {
        c.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let request = lambda_http::request::from_str(event).unwrap();
                let response = users_api::handle(&deps, request, now()).await;
                assert!(response.status().is_success());
                response
            })
        });
    }
}

criterion_group!(benches, handler_overhead);
criterion_main!(benches);
