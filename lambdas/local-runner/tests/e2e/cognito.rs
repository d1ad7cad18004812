//! Users as an app and an operator create them: the Cognito SDK pointed at the stack's
//! `aws_endpoint_url` with the stack's credentials (stack.json).

use super::stack::StackInfo;
use adapters::aws::Timeouts;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, MessageActionType};
use base64::Engine;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const PASSWORD: &str = "Correct-Horse-9!";
pub const TEMPORARY_PASSWORD: &str = "Temporary-Pass-1!";

pub struct Users {
    pub client: Client,
    pub pool_id: String,
    /// The app's client: production's auth flows (SRP and refresh) only.
    pub app_client_id: String,
    /// The test harnesses' client, which also allows USER_PASSWORD_AUTH and
    /// ADMIN_USER_PASSWORD_AUTH: every password sign-in of the suite goes through it.
    pub test_client_id: String,
    /// Where the stack's Cognito front delivers codes and temporary passwords.
    pub outbox: PathBuf,
    /// Every email, password, token and personal value used, for the log scan at the end.
    pub secrets: Arc<Secrets>,
}

/// Values that must never appear in a log.
#[derive(Default)]
pub struct Secrets(std::sync::Mutex<Vec<String>>);

impl Secrets {
    pub fn remember(&self, value: &str) {
        self.0.lock().unwrap().push(value.to_string());
    }

    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// What a sign-in through InitiateAuth returns.
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub id: String,
}

/// A signed-in user: their sub and ID token.
pub struct SignedIn {
    pub email: String,
    pub sub: String,
    pub id_token: String,
}

pub fn attribute(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

pub fn unique_email(who: &str) -> String {
    format!("{who}.{}@example.com", uuid::Uuid::new_v4().simple())
}

/// The claims of a JWT (no verification: the API does that).
pub fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

pub fn groups(token: &str) -> Vec<String> {
    claims(token)["cognito:groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| g.as_str().unwrap().to_string())
        .collect()
}

/// Ok, or the (error code, message) of a failed call.
fn done<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> Result<(), (String, String)> {
    result.map(|_| ()).map_err(|e| error_of(&e))
}

/// (error code, message) of a failed call.
pub fn error_of<E: ProvideErrorMetadata>(error: &E) -> (String, String) {
    (
        error.code().unwrap_or_default().to_string(),
        error.message().unwrap_or_default().to_string(),
    )
}

impl Users {
    /// `stack_dir`: the stack's LOCAL_STACK_DIR, whose `outbox/` holds what Cognito "sent".
    pub async fn new(stack: &StackInfo, stack_dir: &Path, secrets: Arc<Secrets>) -> Users {
        let timeouts = Timeouts {
            connect: Duration::from_secs(2),
            attempt: Duration::from_secs(15),
            operation: Duration::from_secs(20),
            max_attempts: 1,
            initial_backoff: Duration::from_secs(1),
        };
        let config = stack.sdk_config(timeouts).await;
        Users {
            client: Client::new(&config),
            pool_id: stack.user_pool_id.clone(),
            app_client_id: stack.user_pool_client_id.clone(),
            test_client_id: stack.test_client_id.clone(),
            outbox: stack_dir.join("outbox"),
            secrets,
        }
    }

    /// The latest message the stack's Cognito sent to `address` (an email), as the JSON
    /// file the front wrote to the outbox: `kind`, `code` or `temporary_password`, ….
    /// The one place the suite reads the outbox.
    pub fn latest_message(&self, address: &str) -> serde_json::Value {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.outbox)
            .unwrap_or_else(|e| panic!("outbox {}: {e}", self.outbox.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        // Names start with the time they were written.
        files.sort();
        let message = files
            .iter()
            .rev()
            .map(|path| {
                serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(path).unwrap())
                    .unwrap()
            })
            .find(|message| message["destination"]["address"] == address)
            .unwrap_or_else(|| panic!("no message for {address} in the outbox"));
        // Six digits are too common to scan logs for; temporary passwords are not.
        if let Some(password) = message["temporary_password"].as_str() {
            self.secrets.remember(password);
        }
        message
    }

    /// The code of the latest message to `address`, checking its kind.
    pub fn latest_code(&self, address: &str, kind: &str) -> String {
        let message = self.latest_message(address);
        assert_eq!(message["kind"], kind, "{message}");
        message["code"].as_str().unwrap().to_string()
    }

    pub async fn sign_up(
        &self,
        email: &str,
        attributes: &[(&str, &str)],
    ) -> Result<(), (String, String)> {
        self.secrets.remember(email);
        self.secrets.remember(PASSWORD);
        // Blood group and gender values are short common words: the log scan looks for
        // every one of them as a quoted or assigned value anyway.
        for (name, value) in attributes {
            if ["name", "phone_number", "custom:dob"].contains(name) {
                self.secrets.remember(value);
            }
        }
        let mut request = self
            .client
            .sign_up()
            .client_id(&self.app_client_id)
            .username(email)
            .password(PASSWORD)
            .user_attributes(attribute("email", email));
        for (name, value) in attributes {
            request = request.user_attributes(attribute(name, value));
        }
        done(request.send().await)
    }

    pub async fn admin_confirm(&self, email: &str) -> Result<(), (String, String)> {
        done(
            self.client
                .admin_confirm_sign_up()
                .user_pool_id(&self.pool_id)
                .username(email)
                .send()
                .await,
        )
    }

    /// The app's confirmation with the code the sign-up emailed (read from the outbox).
    pub async fn confirm_with_code(&self, email: &str) -> Result<(), (String, String)> {
        let code = self.latest_code(email, "sign_up");
        self.confirm_with(email, &code).await
    }

    pub async fn confirm_with(&self, email: &str, code: &str) -> Result<(), (String, String)> {
        done(
            self.client
                .confirm_sign_up()
                .client_id(&self.app_client_id)
                .username(email)
                .confirmation_code(code)
                .send()
                .await,
        )
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> SignedIn {
        let id_token = self.id_token(&self.test_client_id, email, password).await;
        let sub = claims(&id_token)["sub"].as_str().unwrap().to_string();
        SignedIn {
            email: email.to_string(),
            sub,
            id_token,
        }
    }

    /// USER_PASSWORD_AUTH: the (access, refresh) tokens, or the (code, message) of the refusal.
    pub async fn password_auth(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(String, String), (String, String)> {
        self.tokens(email, password)
            .await
            .map(|tokens| (tokens.access, tokens.refresh))
    }

    /// USER_PASSWORD_AUTH: all three tokens (remembered for the log scan), or the
    /// (code, message) of the refusal.
    pub async fn tokens(&self, email: &str, password: &str) -> Result<Tokens, (String, String)> {
        self.secrets.remember(password);
        let result = self
            .client
            .initiate_auth()
            .client_id(&self.test_client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(|e| error_of(&e.into_service_error()))?;
        let tokens = result.authentication_result().ok_or_else(|| {
            (
                "challenge".to_string(),
                format!("{:?}", result.challenge_name()),
            )
        })?;
        let tokens = Tokens {
            access: tokens.access_token().unwrap_or_default().to_string(),
            refresh: tokens.refresh_token().unwrap_or_default().to_string(),
            id: tokens.id_token().unwrap_or_default().to_string(),
        };
        for token in [&tokens.access, &tokens.refresh, &tokens.id] {
            self.secrets.remember(token);
        }
        Ok(tokens)
    }

    /// Cognito's own `DeleteUser`, called as an SDK would with the person's access token.
    pub async fn self_service_delete(&self, email: &str) -> Result<(), (String, String)> {
        self.secrets.remember(PASSWORD);
        let result = self
            .client
            .initiate_auth()
            .client_id(&self.test_client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap_or_else(|e| panic!("sign-in failed: {:?}", error_of(&e.into_service_error())));
        let access_token = result
            .authentication_result()
            .unwrap()
            .access_token()
            .unwrap();
        self.secrets.remember(access_token);
        self.client
            .delete_user()
            .access_token(access_token)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error_of(&e.into_service_error()))
    }

    /// USER_PASSWORD_AUTH through `app_client_id`; the ID token (all three tokens and
    /// the password are remembered for the log scan).
    async fn id_token(&self, app_client_id: &str, email: &str, password: &str) -> String {
        self.secrets.remember(password);
        let result = self
            .client
            .initiate_auth()
            .client_id(app_client_id)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .unwrap_or_else(|e| panic!("sign-in failed: {:?}", error_of(&e.into_service_error())));
        let tokens = result.authentication_result().unwrap();
        for token in [tokens.access_token(), tokens.refresh_token()]
            .into_iter()
            .flatten()
        {
            self.secrets.remember(token);
        }
        let id_token = tokens.id_token().unwrap().to_string();
        self.secrets.remember(&id_token);
        id_token
    }

    pub async fn signed_up_and_confirmed(
        &self,
        who: &str,
        attributes: &[(&str, &str)],
    ) -> SignedIn {
        let email = unique_email(who);
        self.sign_up(&email, attributes)
            .await
            .unwrap_or_else(|e| panic!("{who} sign-up refused: {e:?}"));
        self.admin_confirm(&email)
            .await
            .unwrap_or_else(|e| panic!("{who} confirmation failed: {e:?}"));
        self.sign_in(&email, PASSWORD).await
    }

    /// What an operator does (README, "Creating the first Admin"), with a password set for them.
    pub async fn operator_creates_admin(&self) -> SignedIn {
        let email = unique_email("grace.admin");
        self.secrets.remember(&email);
        self.secrets.remember(TEMPORARY_PASSWORD);
        self.client
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(&email)
            .user_attributes(attribute("email", &email))
            .user_attributes(attribute("email_verified", "true"))
            .user_attributes(attribute("custom:user_type", "Admin"))
            .temporary_password(TEMPORARY_PASSWORD)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "AdminCreateUser refused: {:?}",
                    error_of(&e.into_service_error())
                )
            });
        self.client
            .admin_add_user_to_group()
            .user_pool_id(&self.pool_id)
            .username(&email)
            .group_name("Admin")
            .send()
            .await
            .unwrap();
        self.client
            .admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(&email)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
        self.sign_in(&email, PASSWORD).await
    }

    /// A genuine ID token from another user pool of the same account (and the same
    /// emulator signing key): only its issuer and audience tell it apart.
    pub async fn foreign_pool_token(&self) -> String {
        let pool = self
            .client
            .create_user_pool()
            .pool_name("foreign")
            .send()
            .await
            .unwrap();
        let pool_id = pool.user_pool().unwrap().id().unwrap().to_string();
        let app = self
            .client
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("foreign-app")
            .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .send()
            .await
            .unwrap();
        let app_id = app
            .user_pool_client()
            .unwrap()
            .client_id()
            .unwrap()
            .to_string();
        let email = unique_email("foreigner");
        self.secrets.remember(&email);
        self.client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(&email)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        self.client
            .admin_set_user_password()
            .user_pool_id(&pool_id)
            .username(&email)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
        self.id_token(&app_id, &email, PASSWORD).await
    }

    /// The groups Cognito lists for the user (no sign-in needed: works for unconfirmed users).
    pub async fn groups_of(&self, email: &str) -> Vec<String> {
        self.client
            .admin_list_groups_for_user()
            .user_pool_id(&self.pool_id)
            .username(email)
            .send()
            .await
            .unwrap()
            .groups()
            .iter()
            .filter_map(|g| g.group_name().map(str::to_string))
            .collect()
    }

    pub async fn user_exists(&self, email: &str) -> bool {
        match self
            .client
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(email)
            .send()
            .await
        {
            Ok(_) => true,
            Err(e) => {
                let (code, _) = error_of(&e.into_service_error());
                assert_eq!(code, "UserNotFoundException");
                false
            }
        }
    }
}

pub fn base64_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `claims` with the key moto signs its tokens with (moto's bundled test key).
pub fn sign_with_moto_key(claims: &serde_json::Value) -> String {
    let python = test_support::emulator::project_tool("MOTO_PYTHON", &[".venv/bin/python"]);
    let script = r#"
import json, sys
from joserfc import jwk, jwt
from moto.utilities.utils import load_resource
key = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
print(jwt.encode({"kid": "dummy", "alg": "RS256"}, json.loads(sys.argv[1]), key))
"#;
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(claims.to_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}
