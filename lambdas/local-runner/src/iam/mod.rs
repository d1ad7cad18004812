//! IAM as Lambda hands it to a function: each function runs with temporary credentials of
//! its own execution role, and every call made with them is judged against that role's
//! policies as Terraform applied them. Any other credentials (the stack's plain ones, used
//! by `just up`, the tests and people) are an account admin's and stay unrestricted.

pub mod policy;

use crate::applied::Applied;
pub use policy::{Context, Decision};
use serde_json::Value;
use std::collections::BTreeMap;

/// What Lambda puts in a function's environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
/// and AWS_SESSION_TOKEN of its role's session.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

/// One function's role session.
#[derive(Debug, Clone)]
pub struct Identity {
    pub function: String,
    pub role_name: String,
    pub account_id: String,
    pub credentials: Credentials,
    policies: Vec<Value>,
}

impl Identity {
    pub fn decide(&self, action: &str, resource: &str, context: &Context) -> Decision {
        policy::evaluate(&self.policies, action, resource, context)
    }

    /// The assumed-role ARN AWS names in its AccessDenied messages.
    pub fn principal(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account_id, self.role_name, self.function
        )
    }
}

/// Every applied function's identity, minted afresh each time the runner starts.
#[derive(Debug, Default)]
pub struct Identities {
    by_function_arn: BTreeMap<String, Identity>,
}

impl Identities {
    /// A function whose role the state does not hold gets a role without policies: as on
    /// AWS, it may call nothing.
    pub fn mint(applied: &Applied) -> Self {
        let by_function_arn = applied
            .functions
            .iter()
            .map(|function| {
                let role = function
                    .role_arn
                    .as_deref()
                    .and_then(|arn| applied.role(arn));
                let identity = Identity {
                    function: function.name.clone(),
                    role_name: role
                        .map_or_else(|| format!("{}-role", function.name), |r| r.name.clone()),
                    account_id: applied.account_id.clone(),
                    credentials: Credentials::mint(),
                    policies: role.map(|r| r.policies.clone()).unwrap_or_default(),
                };
                (function.arn.clone(), identity)
            })
            .collect();
        Identities { by_function_arn }
    }

    pub fn of_function(&self, arn: &str) -> Option<&Identity> {
        self.by_function_arn.get(arn)
    }

    pub fn by_access_key(&self, access_key_id: &str) -> Option<&Identity> {
        self.by_function_arn
            .values()
            .find(|identity| identity.credentials.access_key_id == access_key_id)
    }
}

impl Credentials {
    /// Random, shaped like STS's: ASIA + 16 upper-case characters, a 40-character secret.
    fn mint() -> Self {
        let hex = || {
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .to_ascii_uppercase()
        };
        Credentials {
            access_key_id: format!("ASIA{}", &hex()[..16]),
            secret_access_key: format!("{}{}", hex(), &hex()[..8]),
            session_token: format!("{}{}{}", hex(), hex(), hex()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn applied() -> Applied {
        Applied::parse(
            &serde_json::from_str(include_str!("../../tests/fixtures/applied.json")).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn each_function_gets_its_own_credentials_and_its_own_roles_policies() {
        let applied = applied();
        let identities = Identities::mint(&applied);
        let api = applied
            .functions
            .iter()
            .find(|f| f.name.ends_with("users-api"))
            .unwrap();
        let trigger = applied
            .functions
            .iter()
            .find(|f| f.name.ends_with("post-confirmation"))
            .unwrap();
        let (api, trigger) = (
            identities.of_function(&api.arn).unwrap(),
            identities.of_function(&trigger.arn).unwrap(),
        );
        assert_ne!(
            api.credentials.access_key_id,
            trigger.credentials.access_key_id
        );
        assert!(api.credentials.access_key_id.starts_with("ASIA"));
        assert_eq!(api.credentials.access_key_id.len(), 20);
        assert_eq!(
            identities
                .by_access_key(&api.credentials.access_key_id)
                .unwrap()
                .function,
            api.function
        );
        assert!(identities.by_access_key("test").is_none());

        let pool = &applied.user_pools[0].arn;
        let none = Context::default();
        assert_eq!(
            api.decide("cognito-idp:AdminRemoveUserFromGroup", pool, &none),
            Decision::Allow
        );
        assert_eq!(
            trigger.decide("cognito-idp:AdminAddUserToGroup", pool, &none),
            Decision::Allow
        );
        assert_eq!(
            trigger.decide("cognito-idp:AdminRemoveUserFromGroup", pool, &none),
            Decision::ImplicitDeny
        );
        assert!(
            api.principal()
                .starts_with("arn:aws:sts::123456789012:assumed-role/")
        );
        assert!(api.principal().ends_with(&format!("/{}", api.function)));
    }

    #[test]
    fn a_function_without_an_applied_role_may_call_nothing() {
        let mut applied = applied();
        applied.roles.clear();
        let identities = Identities::mint(&applied);
        let api = identities.of_function(&applied.functions[0].arn).unwrap();
        assert_eq!(
            api.decide("dynamodb:GetItem", "*", &Context::default()),
            Decision::ImplicitDeny
        );
    }
}
