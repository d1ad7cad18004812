//! Lambda's Invoke API on the AWS front: delivers a trigger event the way Cognito
//! (or Cognito's retry) would, without going through a Cognito operation.

use super::cognito::Users;
use super::stack::StackInfo;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Lambda {
    endpoint: String,
    signer: test_support::sigv4::Signer,
}

pub struct Invoked {
    pub status: u16,
    /// `X-Amz-Function-Error`: set when the function failed.
    pub function_error: Option<String>,
    pub payload: Value,
    pub took: Duration,
}

impl Lambda {
    pub fn new(stack: &StackInfo) -> Lambda {
        Lambda {
            endpoint: stack.aws_endpoint_url.clone(),
            signer: stack.signer(),
        }
    }

    /// `method url` with `headers` and `body`, signed for Lambda with the stack's credentials.
    async fn call(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> test_support::http::Exchange {
        let signature = self.signer.headers("lambda", method, url, headers, body);
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.extend(signature.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        test_support::http::exchange(method, url, &all, body).await
    }

    /// The deployed function whose name ends with `suffix` (Terraform prefixes names).
    pub async fn function_named(&self, suffix: &str) -> String {
        let reply = self
            .call(
                "GET",
                &format!("{}/2015-03-31/functions/", self.endpoint),
                &[],
                b"",
            )
            .await;
        let (status, body) = (reply.status, reply.body);
        assert_eq!(status, 200, "ListFunctions: {body}");
        let listed: Value = serde_json::from_str(&body).unwrap();
        listed["Functions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["FunctionName"].as_str())
            .find(|name| name.ends_with(suffix))
            .unwrap_or_else(|| panic!("no function named …{suffix}: {body}"))
            .to_string()
    }

    pub async fn invoke(&self, function: &str, payload: &Value) -> Invoked {
        let body = payload.to_string();
        let length = body.len().to_string();
        let started = Instant::now();
        let reply = self
            .call(
                "POST",
                &format!(
                    "{}/2015-03-31/functions/{function}/invocations",
                    self.endpoint
                ),
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Length", length.as_str()),
                ],
                body.as_bytes(),
            )
            .await;
        Invoked {
            status: reply.status,
            function_error: reply.header("x-amz-function-error").map(str::to_string),
            payload: serde_json::from_str(&reply.body).unwrap_or(Value::String(reply.body.clone())),
            took: started.elapsed(),
        }
    }
}

/// The PostConfirmation_ConfirmSignUp event Cognito sends for `email`, from the user's
/// stored attributes.
pub async fn confirmation_event(users: &Users, region: &str, email: &str) -> Value {
    let user = users
        .client
        .admin_get_user()
        .user_pool_id(&users.pool_id)
        .username(email)
        .send()
        .await
        .unwrap();
    let mut attributes: serde_json::Map<String, Value> = user
        .user_attributes()
        .iter()
        .map(|a| (a.name().to_string(), json!(a.value().unwrap_or_default())))
        .collect();
    attributes.insert("cognito:user_status".into(), json!("CONFIRMED"));
    json!({
        "version": "1",
        "region": region,
        "userPoolId": users.pool_id,
        "userName": user.username(),
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": users.app_client_id},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {"userAttributes": attributes},
        "response": {}
    })
}
