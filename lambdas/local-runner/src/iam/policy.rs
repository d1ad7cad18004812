//! IAM's evaluation of identity-based policies for one action on one resource: an explicit
//! Deny wins, then any Allow, else the implicit deny. Statements match on Action/NotAction,
//! Resource/NotResource (with `*` and `?` wildcards) and their Condition block.
//!
//! A condition operator this evaluator does not know fails closed: its Allow does not
//! apply, and its Deny does.

use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// No statement allows it.
    ImplicitDeny,
    /// A Deny statement matches.
    ExplicitDeny,
}

/// The request's condition keys (lower-case names, as IAM compares them case-insensitively).
#[derive(Debug, Clone, Default)]
pub struct Context(BTreeMap<String, Vec<String>>);

impl Context {
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
        self
    }

    fn get(&self, key: &str) -> Option<&[String]> {
        self.0.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
    }
}

pub fn evaluate(policies: &[Value], action: &str, resource: &str, context: &Context) -> Decision {
    let mut allowed = false;
    for statement in policies.iter().flat_map(statements) {
        let deny = match statement["Effect"].as_str() {
            Some("Allow") => false,
            Some("Deny") => true,
            _ => continue,
        };
        if !applies(statement, action, resource) {
            continue;
        }
        match conditions_hold(&statement["Condition"], context) {
            Some(true) | None if deny => return Decision::ExplicitDeny,
            Some(true) => allowed = true,
            _ => {}
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// A policy's `Statement` may be one object or a list.
fn statements(policy: &Value) -> Vec<&Value> {
    match &policy["Statement"] {
        Value::Array(list) => list.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => Vec::new(),
    }
}

fn applies(statement: &Value, action: &str, resource: &str) -> bool {
    let action_ok =
        match (&statement["Action"], &statement["NotAction"]) {
            (Value::Null, Value::Null) => false,
            (Value::Null, not) => !strings(not)
                .any(|p| wildcard(&p.to_ascii_lowercase(), &action.to_ascii_lowercase())),
            (list, _) => strings(list)
                .any(|p| wildcard(&p.to_ascii_lowercase(), &action.to_ascii_lowercase())),
        };
    let resource_ok = match (&statement["Resource"], &statement["NotResource"]) {
        (Value::Null, Value::Null) => false,
        (Value::Null, not) => !strings(not).any(|p| wildcard(p, resource)),
        (list, _) => strings(list).any(|p| wildcard(p, resource)),
    };
    action_ok && resource_ok
}

/// A policy value that is one string or a list of strings.
fn strings(value: &Value) -> impl Iterator<Item = &str> {
    let list: Vec<&str> = match value {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        Value::Bool(_) | Value::Number(_) | Value::Null | Value::Object(_) => Vec::new(),
    };
    list.into_iter()
}

/// IAM's glob: `*` matches any run of characters, `?` any one.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            ti = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Every operator's every key must hold. None: an operator this evaluator does not know.
fn conditions_hold(conditions: &Value, context: &Context) -> Option<bool> {
    let Some(operators) = conditions.as_object() else {
        return Some(true);
    };
    for (operator, keys) in operators {
        let keys = keys.as_object()?;
        for (key, expected) in keys {
            let expected: Vec<&str> = match expected {
                Value::Bool(b) => vec![if *b { "true" } else { "false" }],
                other => strings(other).collect(),
            };
            if !condition_holds(operator, context.get(key), &expected)? {
                return Some(false);
            }
        }
    }
    Some(true)
}

fn condition_holds(operator: &str, actual: Option<&[String]>, expected: &[&str]) -> Option<bool> {
    if operator == "Null" {
        // "Null": "true" holds when the key is absent.
        return Some(
            expected
                .iter()
                .any(|e| e.eq_ignore_ascii_case(&actual.is_none().to_string())),
        );
    }
    let (operator, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    const KNOWN: [&str; 11] = [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "ArnEquals",
        "ArnNotEquals",
        "ArnLike",
        "ArnNotLike",
        "Bool",
    ];
    if !KNOWN.contains(&operator) {
        return None;
    }
    // An absent key fails a condition, except a negated one ("not equal to anything").
    let Some(actual) = actual else {
        return Some(if_exists || operator.contains("Not"));
    };
    let any = |test: &dyn Fn(&str, &str) -> bool| {
        actual.iter().any(|a| expected.iter().any(|e| test(a, e)))
    };
    let held = match operator {
        "StringEquals" | "ArnEquals" => any(&|a, e| a == e),
        "StringNotEquals" | "ArnNotEquals" => !any(&|a, e| a == e),
        "StringEqualsIgnoreCase" => any(&|a, e| a.eq_ignore_ascii_case(e)),
        "StringNotEqualsIgnoreCase" => !any(&|a, e| a.eq_ignore_ascii_case(e)),
        "StringLike" | "ArnLike" => any(&|a, e| wildcard(e, a)),
        "StringNotLike" | "ArnNotLike" => !any(&|a, e| wildcard(e, a)),
        _ => any(&|a, e| a.eq_ignore_ascii_case(e)), // Bool
    };
    Some(held)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/profiles";
    const INDEX: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/profiles/index/by-type";
    const OBJECT: &str = "arn:aws:s3:::pictures/users/abc/picture.jpg";

    fn allow(action: Value, resource: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
    }

    fn decide(policies: &[Value], action: &str, resource: &str) -> Decision {
        evaluate(policies, action, resource, &Context::default())
    }

    #[test]
    fn an_action_is_allowed_only_on_the_resources_named() {
        let policy = allow(
            json!(["dynamodb:GetItem", "dynamodb:PutItem"]),
            json!(TABLE),
        );
        assert_eq!(
            decide(std::slice::from_ref(&policy), "dynamodb:GetItem", TABLE),
            Decision::Allow
        );
        assert_eq!(
            decide(std::slice::from_ref(&policy), "dynamodb:DeleteItem", TABLE),
            Decision::ImplicitDeny
        );
        // A table's ARN does not cover its indexes.
        assert_eq!(
            decide(std::slice::from_ref(&policy), "dynamodb:GetItem", INDEX),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(&[], "dynamodb:GetItem", TABLE),
            Decision::ImplicitDeny
        );
        // Actions compare case-insensitively, resources exactly.
        assert_eq!(
            decide(std::slice::from_ref(&policy), "DynamoDB:getitem", TABLE),
            Decision::Allow
        );
        assert_eq!(
            decide(&[policy], "dynamodb:GetItem", &TABLE.to_uppercase()),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn wildcards_cover_actions_indexes_and_a_buckets_objects() {
        let policies = [
            allow(json!("dynamodb:Get*"), json!(format!("{TABLE}/index/*"))),
            allow(json!("s3:?etObject"), json!("arn:aws:s3:::pictures/*")),
        ];
        assert_eq!(
            decide(&policies, "dynamodb:GetItem", INDEX),
            Decision::Allow
        );
        assert_eq!(
            decide(&policies, "dynamodb:GetItem", TABLE),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(&policies, "dynamodb:Query", INDEX),
            Decision::ImplicitDeny
        );
        assert_eq!(decide(&policies, "s3:GetObject", OBJECT), Decision::Allow);
        assert_eq!(
            decide(&policies, "s3:PutObject", OBJECT),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(&policies, "s3:GetObjectVersion", OBJECT),
            Decision::ImplicitDeny
        );
        // Object ARNs never cover the bucket itself.
        assert_eq!(
            decide(&policies, "s3:GetObject", "arn:aws:s3:::pictures"),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(&policies, "s3:GetObject", "arn:aws:s3:::pictures-other/x"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn an_explicit_deny_beats_any_allow() {
        let policies = [
            allow(json!("s3:*"), json!("*")),
            json!({"Statement": {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": OBJECT}}),
        ];
        assert_eq!(
            decide(&policies, "s3:DeleteObject", OBJECT),
            Decision::ExplicitDeny
        );
        assert_eq!(decide(&policies, "s3:PutObject", OBJECT), Decision::Allow);
    }

    #[test]
    fn not_action_and_not_resource_invert_the_match() {
        let policies = [json!({"Statement": [
            {"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE},
            {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::private/*"},
        ]})];
        assert_eq!(
            decide(&policies, "dynamodb:PutItem", TABLE),
            Decision::Allow
        );
        assert_eq!(
            decide(&policies, "dynamodb:DeleteItem", TABLE),
            Decision::ImplicitDeny
        );
        assert_eq!(decide(&policies, "s3:GetObject", OBJECT), Decision::Allow);
        assert_eq!(
            decide(&policies, "s3:GetObject", "arn:aws:s3:::private/a"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn conditions_must_hold_and_an_absent_key_fails_them_unless_if_exists() {
        let policy = json!({"Statement": [{
            "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::pictures",
            "Condition": {"StringLike": {"s3:prefix": ["users/*"]}},
        }]});
        let list = |context: Context| {
            evaluate(
                std::slice::from_ref(&policy),
                "s3:ListBucket",
                "arn:aws:s3:::pictures",
                &context,
            )
        };
        assert_eq!(
            list(Context::default().with("s3:prefix", "users/abc/")),
            Decision::Allow
        );
        assert_eq!(
            list(Context::default().with("S3:Prefix", "users/abc/")),
            Decision::Allow
        );
        assert_eq!(
            list(Context::default().with("s3:prefix", "admin/")),
            Decision::ImplicitDeny
        );
        assert_eq!(list(Context::default()), Decision::ImplicitDeny);

        let if_exists = json!({"Statement": [{
            "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"s3:prefix": "users/"}},
        }]});
        assert_eq!(
            evaluate(
                &[if_exists],
                "s3:ListBucket",
                "arn:aws:s3:::x",
                &Context::default()
            ),
            Decision::Allow
        );
    }

    #[test]
    fn bool_null_and_negated_operators() {
        let deny_plain_http = json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]});
        let over = |transport: &str| {
            evaluate(
                std::slice::from_ref(&deny_plain_http),
                "s3:GetObject",
                OBJECT,
                &Context::default().with("aws:SecureTransport", transport),
            )
        };
        assert_eq!(over("true"), Decision::Allow);
        assert_eq!(over("false"), Decision::ExplicitDeny);

        let needs_tag = json!({"Statement": [{
            "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
            "Condition": {"Null": {"s3:x-amz-server-side-encryption": "false"}, "StringNotEquals": {"s3:x-amz-acl": "public-read"}},
        }]});
        let put = |context: Context| {
            evaluate(
                std::slice::from_ref(&needs_tag),
                "s3:PutObject",
                OBJECT,
                &context,
            )
        };
        assert_eq!(put(Context::default()), Decision::ImplicitDeny);
        assert_eq!(
            put(Context::default().with("s3:x-amz-server-side-encryption", "AES256")),
            Decision::Allow
        );
        assert_eq!(
            put(Context::default()
                .with("s3:x-amz-server-side-encryption", "AES256")
                .with("s3:x-amz-acl", "public-read")),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn an_unknown_operator_fails_closed() {
        let policies = [json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        ]})];
        assert_eq!(
            decide(&policies, "s3:GetObject", OBJECT),
            Decision::ImplicitDeny
        );
        let deny = [
            allow(json!("s3:*"), json!("*")),
            json!({"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]}),
        ];
        assert_eq!(
            decide(&deny, "s3:GetObject", OBJECT),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn the_glob_matches_as_iam_does() {
        for (pattern, text, expected) in [
            ("*", "", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*/index/*", "t/index/i", true),
            ("users/*/picture", "users/a/b/picture", true),
            ("", "x", false),
        ] {
            assert_eq!(wildcard(pattern, text), expected, "{pattern} vs {text}");
        }
    }
}
