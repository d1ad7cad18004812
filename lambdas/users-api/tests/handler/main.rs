//! The users API driven by API Gateway REST events, against in-memory ports.

mod admin;
mod hardening;
mod pictures;
mod profiles;
mod support;
mod updates;
