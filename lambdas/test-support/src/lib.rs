//! Helpers shared by the workspace's tests. Test code: failing loudly is the point,
//! so panics with a clear message are how it reports a broken environment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod emulator;
pub mod filter_pattern;
pub mod http;
pub mod logs;
pub mod sigv4;
