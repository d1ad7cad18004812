use aws_sdk_cognitoidentityprovider::Client;
use domain::UserType;
use domain::ports::{PortError, UserDirectory};

use crate::aws::port_error;

const DIRECTORY: &str = "user directory";

/// Cognito group membership through the admin API (both calls are idempotent).
#[derive(Clone)]
pub struct CognitoGroups {
    client: Client,
}

impl CognitoGroups {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        Self {
            client: Client::new(sdk),
        }
    }
}

impl UserDirectory for CognitoGroups {
    async fn add_to_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> Result<(), PortError> {
        self.client
            .admin_add_user_to_group()
            .user_pool_id(user_pool_id)
            .username(username)
            .group_name(group.group_name())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| port_error(DIRECTORY, &e))
    }

    async fn remove_from_group(
        &self,
        user_pool_id: &str,
        username: &str,
        group: UserType,
    ) -> Result<(), PortError> {
        self.client
            .admin_remove_user_from_group()
            .user_pool_id(user_pool_id)
            .username(username)
            .group_name(group.group_name())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| port_error(DIRECTORY, &e))
    }

    async fn delete_user(&self, user_pool_id: &str, username: &str) -> Result<(), PortError> {
        match self
            .client
            .admin_delete_user()
            .user_pool_id(user_pool_id)
            .username(username)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Deleted by an earlier attempt: what was asked is done.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_user_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(port_error(DIRECTORY, &e)),
        }
    }
}
