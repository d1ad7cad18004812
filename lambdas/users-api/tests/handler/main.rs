//! The users API driven by API Gateway REST events, against in-memory ports.

// Tests assert by unwrapping and panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_log;
mod access_matrix;
mod admin;
mod deletion;
mod fuzz_findings;
mod hardening;
mod pictures;
mod profiles;
mod support;
mod updates;
