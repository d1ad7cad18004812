//! Each function's configuration, read once at cold start from the environment
//! Terraform sets. A missing or bad value stops the function with the variable's name.

use std::time::Duration;

use domain::signup::SelfServicePolicy;

use crate::dynamo::Shards;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} {problem}")]
    Invalid { name: &'static str, problem: String },
}

/// Reads variables through `lookup` so tests need not touch the process environment.
struct Env<F: Fn(&str) -> Option<String>>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// The user types sign-up grants without review (both functions apply it to new users).
    fn self_service(&self) -> Result<SelfServicePolicy, ConfigError> {
        let list = self.required("SELF_SERVICE_USER_TYPES")?;
        SelfServicePolicy::parse(&list).map_err(|e| ConfigError::Invalid {
            name: "SELF_SERVICE_USER_TYPES",
            problem: e.to_string(),
        })
    }

    /// How many shards the profile table's counters and listing index are spread over.
    /// Required, not defaulted: every function must use the one number Terraform sets.
    fn profile_shards(&self) -> Result<Shards, ConfigError> {
        let text = self.required("PROFILE_SHARDS")?;
        text.trim()
            .parse()
            .ok()
            .and_then(Shards::new)
            .ok_or(ConfigError::Invalid {
                name: "PROFILE_SHARDS",
                problem: format!("must be a whole number from 1 to {}", Shards::MAX),
            })
    }

    fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.0(name)
            .filter(|v| !v.is_empty())
            .ok_or(ConfigError::Missing(name))
    }

    fn number(
        &self,
        name: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, ConfigError> {
        let Some(text) = self.0(name).filter(|v| !v.is_empty()) else {
            return Ok(default);
        };
        let invalid = || ConfigError::Invalid {
            name,
            problem: format!(
                "must be a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        };
        let value: u64 = text.trim().parse().map_err(|_| invalid())?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(invalid())
        }
    }
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[derive(Debug, Clone)]
pub struct PostConfirmationConfig {
    pub table_name: String,
    pub profile_shards: Shards,
    pub self_service: SelfServicePolicy,
}

impl PostConfirmationConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(lookup);
        Ok(Self {
            table_name: env.required("PROFILE_TABLE_NAME")?,
            profile_shards: env.profile_shards()?,
            self_service: env.self_service()?,
        })
    }
}

/// S3 presigns PUTs for at most this long.
pub const MAX_UPLOAD_URL_TTL_SECONDS: u64 = 300;

#[derive(Debug, Clone)]
pub struct UsersApiConfig {
    pub table_name: String,
    pub profile_shards: Shards,
    pub bucket_name: String,
    pub user_pool_id: String,
    pub max_picture_bytes: u64,
    pub upload_url_ttl: Duration,
    pub picture_url_ttl: Duration,
    /// Browser origins allowed to call the API; a request's `Origin` in this list is
    /// echoed back. Empty sends no CORS headers.
    pub cors_allowed_origins: Vec<String>,
    /// Path-style S3 URLs, for emulators that do not serve bucket sub-domains.
    pub s3_force_path_style: bool,
    /// Decides the first profile of a user whose confirmation did not write one.
    pub self_service: SelfServicePolicy,
    /// The PHI access log's table.
    pub access_log_table_name: String,
    /// How long access log entries are kept (the table's TTL), in days.
    pub access_log_retention_days: u32,
}

/// HIPAA's documentation retention: six years.
pub const DEFAULT_ACCESS_LOG_RETENTION_DAYS: u64 = 2190;

impl UsersApiConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(lookup);
        Ok(Self {
            table_name: env.required("PROFILE_TABLE_NAME")?,
            profile_shards: env.profile_shards()?,
            bucket_name: env.required("PICTURE_BUCKET_NAME")?,
            user_pool_id: env.required("USER_POOL_ID")?,
            max_picture_bytes: env.number(
                "MAX_PICTURE_BYTES",
                5 * 1024 * 1024,
                1..=50 * 1024 * 1024,
            )?,
            upload_url_ttl: Duration::from_secs(env.number(
                "UPLOAD_URL_TTL_SECONDS",
                MAX_UPLOAD_URL_TTL_SECONDS,
                1..=MAX_UPLOAD_URL_TTL_SECONDS,
            )?),
            picture_url_ttl: Duration::from_secs(env.number(
                "PICTURE_URL_TTL_SECONDS",
                300,
                1..=3600,
            )?),
            cors_allowed_origins: env.0("CORS_ALLOWED_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
            s3_force_path_style: env.0("S3_FORCE_PATH_STYLE").is_some_and(|v| v == "true"),
            self_service: env.self_service()?,
            access_log_table_name: env.required("ACCESS_LOG_TABLE_NAME")?,
            // At most 100 years, so that a TTL in epoch seconds stays far from overflow.
            access_log_retention_days: env.number(
                "ACCESS_LOG_RETENTION_DAYS",
                DEFAULT_ACCESS_LOG_RETENTION_DAYS,
                1..=36_500,
            )? as u32,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const API_VARS: [(&str, &str); 6] = [
        ("PROFILE_TABLE_NAME", "t"),
        ("PROFILE_SHARDS", "16"),
        ("PICTURE_BUCKET_NAME", "b"),
        ("USER_POOL_ID", "eu-west-1_abc"),
        ("SELF_SERVICE_USER_TYPES", "Patient"),
        ("ACCESS_LOG_TABLE_NAME", "log"),
    ];

    #[test]
    fn api_defaults_are_the_documented_ones() {
        let config = UsersApiConfig::from_lookup(lookup(&API_VARS)).unwrap();
        assert_eq!(config.max_picture_bytes, 5 * 1024 * 1024);
        assert_eq!(config.upload_url_ttl, Duration::from_secs(300));
        assert!(config.cors_allowed_origins.is_empty());
        assert!(!config.s3_force_path_style);
        assert_eq!(config.access_log_table_name, "log");
        assert_eq!(config.access_log_retention_days, 2190, "six years");
    }

    #[test]
    fn the_access_log_table_is_required_and_its_retention_bounded() {
        let vars: Vec<_> = API_VARS
            .into_iter()
            .filter(|(name, _)| *name != "ACCESS_LOG_TABLE_NAME")
            .collect();
        let err = UsersApiConfig::from_lookup(lookup(&vars)).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ACCESS_LOG_TABLE_NAME"));
        for bad in ["0", "36501", "six years"] {
            let mut vars = API_VARS.to_vec();
            vars.push(("ACCESS_LOG_RETENTION_DAYS", bad));
            let err = UsersApiConfig::from_lookup(lookup(&vars)).unwrap_err();
            assert!(
                err.to_string().contains("ACCESS_LOG_RETENTION_DAYS"),
                "{bad}: {err}"
            );
        }
        let mut vars = API_VARS.to_vec();
        vars.push(("ACCESS_LOG_RETENTION_DAYS", "365"));
        let config = UsersApiConfig::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(config.access_log_retention_days, 365);
    }

    #[test]
    fn missing_and_bad_values_name_the_variable() {
        let err = UsersApiConfig::from_lookup(lookup(&API_VARS[..3])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("USER_POOL_ID"));
        let mut vars = API_VARS.to_vec();
        vars.push(("UPLOAD_URL_TTL_SECONDS", "3600"));
        let err = UsersApiConfig::from_lookup(lookup(&vars)).unwrap_err();
        assert!(err.to_string().contains("UPLOAD_URL_TTL_SECONDS"), "{err}");
    }

    #[test]
    fn shard_counts_outside_one_to_a_hundred_are_refused() {
        for bad in ["0", "101", "-1", "ten", ""] {
            let mut vars = API_VARS.to_vec();
            vars.retain(|(name, _)| *name != "PROFILE_SHARDS");
            vars.push(("PROFILE_SHARDS", bad));
            let err = UsersApiConfig::from_lookup(lookup(&vars)).unwrap_err();
            assert!(err.to_string().contains("PROFILE_SHARDS"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn self_service_list_may_not_include_admin() {
        let err = PostConfirmationConfig::from_lookup(lookup(&[
            ("PROFILE_TABLE_NAME", "t"),
            ("PROFILE_SHARDS", "16"),
            ("SELF_SERVICE_USER_TYPES", "Patient,Admin"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("SELF_SERVICE_USER_TYPES"), "{err}");
    }
}
