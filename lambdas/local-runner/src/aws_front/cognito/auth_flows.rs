//! The app client's `explicit_auth_flows`, enforced as Cognito enforces them (moto accepts
//! every flow on every client): an InitiateAuth or AdminInitiateAuth whose AuthFlow the
//! client does not allow is refused with InvalidParameterException before any password or
//! token is looked at. Cognito's words: "USER_PASSWORD_AUTH flow not enabled for this
//! client" for USER_PASSWORD_AUTH, "Auth flow not enabled for this client" for the others.
//!
//! A client applied without `explicit_auth_flows` gets Cognito's default set
//! (CreateUserPoolClient, ExplicitAuthFlows: "If you don't specify a value for
//! ExplicitAuthFlows, your user client supports ALLOW_REFRESH_TOKEN_AUTH,
//! ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH"). The legacy values (ADMIN_NO_SRP_AUTH,
//! USER_PASSWORD_AUTH, CUSTOM_AUTH_FLOW_ONLY) allow what their ALLOW_ successors allow.

use super::super::errors::CognitoError;
use crate::applied::AppClient;

/// Cognito's default when a client names no flow.
const DEFAULT_FLOWS: [&str; 3] = [
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
];

/// The `explicit_auth_flows` values that allow `auth_flow` (the ALLOW_ one first, then its
/// legacy name); None for a flow this module does not know (moto answers it).
fn allowed_by(auth_flow: &str) -> Option<&'static [&'static str]> {
    Some(match auth_flow {
        "USER_PASSWORD_AUTH" => &["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"],
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            &["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]
        }
        "USER_SRP_AUTH" => &["ALLOW_USER_SRP_AUTH"],
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => &["ALLOW_REFRESH_TOKEN_AUTH"],
        "CUSTOM_AUTH" => &["ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"],
        "USER_AUTH" => &["ALLOW_USER_AUTH"],
        _ => return None,
    })
}

/// Ok when `client` allows `auth_flow` (or the flow is one moto judges alone).
pub fn check(client: &AppClient, auth_flow: &str) -> Result<(), CognitoError> {
    let Some(allowing) = allowed_by(auth_flow) else {
        return Ok(());
    };
    let enabled = |flow: &&str| {
        if client.auth_flows.is_empty() {
            DEFAULT_FLOWS.contains(flow)
        } else {
            client.auth_flows.contains(*flow)
        }
    };
    if allowing.iter().any(enabled) {
        return Ok(());
    }
    let message = match auth_flow {
        "USER_PASSWORD_AUTH" => "USER_PASSWORD_AUTH flow not enabled for this client",
        _ => "Auth flow not enabled for this client",
    };
    Err(CognitoError::invalid_parameter(message))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn client(flows: &[&str]) -> AppClient {
        AppClient {
            auth_flows: flows.iter().map(|f| f.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_flows_the_client_allows_pass() {
        let production = client(&["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
        for flow in ["USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
            assert_eq!(check(&production, flow), Ok(()), "{flow}");
        }
        let refused = check(&production, "USER_PASSWORD_AUTH").unwrap_err();
        assert_eq!(
            (refused.kind, refused.message.as_str()),
            (
                "InvalidParameterException",
                "USER_PASSWORD_AUTH flow not enabled for this client"
            )
        );
        for flow in [
            "ADMIN_USER_PASSWORD_AUTH",
            "ADMIN_NO_SRP_AUTH",
            "CUSTOM_AUTH",
            "USER_AUTH",
        ] {
            let refused = check(&production, flow).unwrap_err();
            assert_eq!(
                refused.message, "Auth flow not enabled for this client",
                "{flow}"
            );
        }
        let password_only = client(&["ALLOW_USER_PASSWORD_AUTH"]);
        assert!(check(&password_only, "USER_SRP_AUTH").is_err());
        assert!(check(&password_only, "REFRESH_TOKEN_AUTH").is_err());
    }

    #[test]
    fn no_flows_means_cognitos_default_and_legacy_names_count() {
        let unset = client(&[]);
        for flow in ["USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "CUSTOM_AUTH"] {
            assert_eq!(check(&unset, flow), Ok(()), "{flow}");
        }
        assert!(check(&unset, "USER_PASSWORD_AUTH").is_err());
        assert!(check(&unset, "ADMIN_USER_PASSWORD_AUTH").is_err());
        let legacy = client(&["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"]);
        assert_eq!(check(&legacy, "ADMIN_USER_PASSWORD_AUTH"), Ok(()));
        assert_eq!(check(&legacy, "USER_PASSWORD_AUTH"), Ok(()));
        assert_eq!(check(&legacy, "SOMETHING_NEW"), Ok(()), "moto's to judge");
    }
}
