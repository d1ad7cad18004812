//! Where moto is stricter than AWS and would stop the platform working locally.
//!
//! moto evaluates bucket policies without their `Condition` blocks, so a statement such as
//! "Deny s3:* when aws:SecureTransport is false" denies every object request. Locally the
//! front stands in for AWS's TLS endpoints, so such Deny statements never apply: moto's copy
//! of the policy gets them removed (Terraform's applied policy is unchanged).

use super::Moto;
use crate::applied::BucketPolicy;
use serde_json::Value;

pub async fn relax_transport_conditions(
    moto: &Moto,
    policies: &[BucketPolicy],
) -> Result<(), String> {
    for applied in policies {
        let Some(statements) = applied.policy["Statement"].as_array() else {
            continue;
        };
        let kept: Vec<Value> = statements
            .iter()
            .filter(|s| !denies_insecure_transport(s))
            .cloned()
            .collect();
        if kept.len() == statements.len() {
            continue;
        }
        println!(
            "local-runner: bucket {}: secure-transport Deny removed from moto's copy (moto ignores policy conditions)",
            applied.bucket
        );
        let path = format!("/{}?policy", applied.bucket);
        if kept.is_empty() {
            moto.s3("DELETE", &path, String::new()).await?;
        } else {
            let mut policy = applied.policy.clone();
            policy["Statement"] = Value::Array(kept);
            moto.s3("PUT", &path, policy.to_string()).await?;
        }
    }
    Ok(())
}

fn denies_insecure_transport(statement: &Value) -> bool {
    statement["Effect"].as_str() == Some("Deny")
        && statement["Condition"]["Bool"]["aws:SecureTransport"]
            .as_str()
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secure_transport_deny_is_recognised() {
        let deny = serde_json::json!({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
        let other = serde_json::json!({"Effect": "Deny", "Condition": {"StringNotEquals": {"s3:x-amz-acl": "private"}}});
        assert!(denies_insecure_transport(&deny));
        assert!(!denies_insecure_transport(&other));
    }
}
