//! AWS implementations of the domain's ports, and each function's configuration.

pub mod access_log;
pub mod aws;
pub mod backfill;
pub mod cognito;
pub mod config;
pub mod dynamo;
pub mod logs;
pub mod s3;

pub use access_log::DynamoAccessLog;
pub use cognito::CognitoGroups;
pub use dynamo::DynamoProfiles;
pub use s3::S3Pictures;
