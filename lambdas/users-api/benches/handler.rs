//! Handler overhead without I/O: the raw API Gateway event bytes in, the response bytes
//! out, with in-memory ports, along the path the deployed function takes (`main.rs`). Per
//! invocation, as lambda_runtime does it:
//!
//! - the runtime's request span (`requestId`, `xrayTraceId`), which every log line carries;
//! - the bytes deserialized into the function's event type the way the runtime does
//!   (`serde_path_to_error` over `serde_json`), then into an `http::Request`;
//! - the handler (claims, access policy, body validation, store, access log, the JSON log
//!   line, CORS and security headers, ETag);
//! - the response into API Gateway's shape and serialized to bytes, as the runtime posts it.
//!
//! The JSON log line is formatted by the production subscriber and discarded (not written).
//! `bench/python/overhead.py` times the Python baseline over the same event files.

// Bench set-up unwraps like a test does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/handler/support.rs"]
#[allow(dead_code)]
mod support;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use domain::{ProfileStatus, UserType};
use lambda_http::lambda_runtime::layers::trace::request_span;
use lambda_http::lambda_runtime::{Context, LambdaEvent};
use support::{ADA, deps, now, profile};
use tracing::Instrument;
use users_api::event::{RawEvent, RestResponse};

/// The events both languages are timed on.
const GET: &[u8] = include_bytes!("events/get_users_me.json");
const PUT: &[u8] = include_bytes!("events/put_users_me.json");

/// Counts the log bytes the subscriber formats and drops them.
#[derive(Clone, Default)]
struct Discard(Arc<AtomicUsize>);

impl io::Write for Discard {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Discard {
    type Writer = Discard;

    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}

/// What the runtime knows of an invocation besides its payload.
fn context(request_id: &str) -> Context {
    let mut context = Context::default();
    context.request_id = request_id.to_owned();
    context.xray_trace_id = Some(
        "Root=1-6740e1a8-0f3c2b1a4d5e6f708192a3b4;Parent=53995c3f42cd8ad8;Sampled=1".to_owned(),
    );
    context
}

fn handler_overhead(c: &mut Criterion) {
    let logged = Discard::default();
    adapters::logs::init_json_to("users_api", logged.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let deps = deps();
    deps.profiles
        .insert(profile(ADA, UserType::Patient, ProfileStatus::Active));
    let deps = &deps;

    for (name, event) in [("GET /users/me", GET), ("PUT /users/me", PUT)] {
        let context = context("0b7e3c1a-6f2d-4e8b-9a5c-3d1f0e2b4a68");
        let invoke = || {
            let span = request_span(&context);
            let event = {
                let _entered = span.enter();
                let jd = &mut serde_json::Deserializer::from_slice(event);
                let payload: RawEvent = serde_path_to_error::deserialize(jd).unwrap();
                LambdaEvent::new(payload, context.clone())
            };
            // As `main`'s service.
            async move {
                let request = event.payload.into_request().unwrap();
                let response = users_api::handle(deps, request, now()).await;
                serde_json::to_vec(&RestResponse::from(response)).unwrap()
            }
            .instrument(span)
        };
        // The figure is only worth something if the handler succeeded and logged its line.
        let before = logged.0.load(Ordering::Relaxed);
        let response = runtime.block_on(invoke());
        let response: serde_json::Value = serde_json::from_slice(&response).unwrap();
        assert_eq!(response["statusCode"], 200, "{response}");
        assert!(logged.0.load(Ordering::Relaxed) > before, "no log line");

        c.bench_function(name, |b| b.to_async(&runtime).iter(invoke));
    }
}

criterion_group!(benches, handler_overhead);
criterion_main!(benches);
