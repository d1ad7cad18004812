//! What AWS enforces and moto does not: an app client writes only its write attributes,
//! and nobody rewrites an immutable custom attribute.

use super::super::errors::CognitoError;
use crate::applied::{AppClient, UserPool};

pub fn check_writable(client: &AppClient, names: &[String]) -> Result<(), CognitoError> {
    // An empty list is Cognito's default: every attribute writable.
    if client.write_attributes.is_empty()
        || names.iter().all(|n| client.write_attributes.contains(n))
    {
        Ok(())
    } else {
        Err(CognitoError::unauthorized_attribute_write())
    }
}

pub fn check_mutable(pool: &UserPool, names: &[String]) -> Result<(), CognitoError> {
    match names
        .iter()
        .find(|n| pool.immutable_attributes.contains(*n))
    {
        Some(name) => Err(CognitoError::immutable_attribute(name)),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn pool() -> UserPool {
        UserPool {
            id: "p".into(),
            arn: "arn".into(),
            pre_sign_up: None,
            post_confirmation: None,
            immutable_attributes: ["custom:user_type".to_string()].into(),
            username_is_email: true,
            ..Default::default()
        }
    }

    #[test]
    fn an_attribute_outside_the_clients_write_list_is_refused() {
        let client = AppClient {
            id: "c".into(),
            user_pool_id: "p".into(),
            write_attributes: ["name".to_string()].into(),
            ..Default::default()
        };
        assert!(check_writable(&client, &["name".into()]).is_ok());
        assert!(check_writable(&client, &["email_verified".into()]).is_err());
    }

    #[test]
    fn an_immutable_custom_attribute_cannot_be_rewritten() {
        assert!(check_mutable(&pool(), &["custom:dob".into()]).is_ok());
        assert!(check_mutable(&pool(), &["custom:user_type".into()]).is_err());
    }
}
