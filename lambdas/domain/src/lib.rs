//! The profile domain: what a user profile is, which values its fields may take,
//! who may do what, and which user types sign-up may grant. No AWS types live here.

pub mod access;
pub mod access_log;
pub mod fields;
pub mod membership;
pub mod patch;
pub mod ports;
pub mod profile;
pub mod service;
pub mod signup;
pub mod user_id;
pub mod user_type;

#[cfg(any(test, feature = "fakes"))]
pub mod fakes;

pub use profile::{Cohort, Profile, ProfileStatus};
pub use user_id::UserId;
pub use user_type::UserType;
