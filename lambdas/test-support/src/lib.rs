//! Helpers shared by the workspace's tests.

pub mod logs;
