//! What Terraform applied, read from `terraform show -json` of the emulator work dir's state.
//! Functions with their aliases and published version, the user pool's triggers, schema and
//! app clients, and the REST API's resources, methods, authorizers, integrations and stage:
//! nothing here is typed by hand.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AppliedError {
    #[error("cannot read the applied state {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("the applied state is not `terraform show -json` output: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{resource} has no usable `{attribute}` in the applied state")]
    Missing {
        resource: String,
        attribute: &'static str,
    },
}

/// One `aws_lambda_function` as applied.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    pub arn: String,
    pub zip_path: PathBuf,
    pub handler: String,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub log_level: Option<String>,
    /// The execution role's ARN; its policies are in `Applied::roles`.
    pub role_arn: Option<String>,
}

/// One `aws_iam_role` with the policy documents attached to it: inline
/// (`aws_iam_role_policy`) and customer-managed (`aws_iam_role_policy_attachment`).
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub arn: String,
    pub policies: Vec<Value>,
}

/// A qualifier a function answers to besides `$LATEST`: the name of an `aws_lambda_alias`,
/// or the version Terraform published (`version` of an `aws_lambda_function` with `publish`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualifier {
    pub function_name: String,
    pub qualifier: String,
}

/// One `aws_cognito_user_pool_client`.
#[derive(Debug, Clone, Default)]
pub struct AppClient {
    pub id: String,
    pub user_pool_id: String,
    /// Empty means "all attributes" (Cognito's default when write_attributes is unset).
    pub write_attributes: BTreeSet<String>,
    /// `prevent_user_existence_errors = "ENABLED"`: sign-in and confirmation answer an
    /// unknown user as they answer a wrong password or code.
    pub prevent_user_existence_errors: bool,
    /// `auth_session_validity`: how long a sign-in challenge may be answered.
    pub auth_session_minutes: u64,
    /// Where the Hosted UI may redirect after sign-in and after sign-out (exact matches).
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    /// `allowed_oauth_flows` ("code", "implicit"), empty unless
    /// `allowed_oauth_flows_user_pool_client` is set.
    pub oauth_flows: BTreeSet<String>,
    pub oauth_scopes: BTreeSet<String>,
    /// Set for a confidential client: its token requests must carry it.
    pub client_secret: Option<String>,
    /// `explicit_auth_flows` as applied (`ALLOW_USER_SRP_AUTH`, …); Cognito's default set
    /// when none is given (`cognito::auth_flows` reads it).
    pub auth_flows: BTreeSet<String>,
}

/// A pool's `password_policy` block (Cognito's defaults where it is absent).
#[derive(Debug, Clone, PartialEq)]
pub struct PasswordPolicy {
    pub minimum_length: usize,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_password_validity_days: u64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            minimum_length: 8,
            require_lowercase: true,
            require_uppercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_password_validity_days: 7,
        }
    }
}

/// One `aws_cognito_user_pool` with the trigger functions its `lambda_config` names (ARNs
/// as Terraform wired them, qualified or not: resolve them with [`Applied::function`]).
#[derive(Debug, Clone, Default)]
pub struct UserPool {
    pub id: String,
    pub arn: String,
    pub pre_sign_up: Option<String>,
    pub post_confirmation: Option<String>,
    /// `custom:<name>` attributes declared with `mutable = false`.
    pub immutable_attributes: BTreeSet<String>,
    pub username_is_email: bool,
    pub password_policy: PasswordPolicy,
}

/// One REST API route: a resource path and method, with its authorizer and integration.
#[derive(Debug, Clone)]
pub struct Route {
    pub resource_id: String,
    pub resource_path: String,
    pub method: String,
    /// User pool ARNs of the method's COGNITO_USER_POOLS authorizer; None when unauthorized.
    pub authorizer_pool_arns: Option<Vec<String>>,
    /// Function ARN the AWS_PROXY integration invokes, qualified or not as Terraform wired it
    /// (resolve it with [`Applied::function`]); None when the method has no integration.
    pub function_arn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RestApi {
    pub id: String,
    pub stage_name: String,
    pub routes: Vec<Route>,
    /// `aws_api_gateway_gateway_response` by response type (e.g. `DEFAULT_4XX`).
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
}

/// How API Gateway dresses one type of its own answers.
#[derive(Debug, Clone, Default)]
pub struct GatewayResponse {
    pub status_code: Option<u16>,
    /// Header name -> source: `'static value'` or `method.request.header.<name>`.
    pub headers: BTreeMap<String, String>,
}

/// One `aws_s3_bucket_policy`: the bucket and its policy document.
#[derive(Debug, Clone)]
pub struct BucketPolicy {
    pub bucket: String,
    pub policy: Value,
}

#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub region: String,
    pub account_id: String,
    pub functions: Vec<FunctionSpec>,
    /// Every alias and published version of the functions above.
    pub qualifiers: Vec<Qualifier>,
    pub user_pools: Vec<UserPool>,
    pub app_clients: Vec<AppClient>,
    pub rest_api: Option<RestApi>,
    pub bucket_policies: Vec<BucketPolicy>,
    pub roles: Vec<Role>,
    /// Key attribute names (hash, then range) of each `aws_dynamodb_table`, by table name.
    pub table_keys: BTreeMap<String, Vec<String>>,
    /// `X-Amz-Target`s a web ACL associated with a user pool blocks by an exact match on
    /// that header: the Cognito operations AWS WAF refuses before Cognito sees them.
    pub waf_blocked_cognito_targets: BTreeSet<String>,
}

impl Applied {
    pub fn load(path: &PathBuf) -> Result<Self, AppliedError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| AppliedError::Read(path.clone(), e))?;
        Self::parse(&serde_json::from_str(&text)?)
    }

    pub fn parse(show: &Value) -> Result<Self, AppliedError> {
        let resources = managed_resources(show);
        let of_type = |t: &'static str| resources.iter().filter(move |r| r.kind == t);

        let functions = of_type("aws_lambda_function")
            .map(parse_function)
            .collect::<Result<_, _>>()?;
        let qualifiers = of_type("aws_lambda_alias")
            .filter_map(|r| {
                Some(Qualifier {
                    function_name: str_attr(r.values, "function_name")?.to_string(),
                    qualifier: str_attr(r.values, "name")?.to_string(),
                })
            })
            .chain(of_type("aws_lambda_function").filter_map(|r| {
                let version = str_attr(r.values, "version").filter(|v| *v != LATEST)?;
                Some(Qualifier {
                    function_name: str_attr(r.values, "function_name")?.to_string(),
                    qualifier: version.to_string(),
                })
            }))
            .collect();
        let user_pools = of_type("aws_cognito_user_pool")
            .map(parse_user_pool)
            .collect::<Result<_, _>>()?;
        let app_clients = of_type("aws_cognito_user_pool_client")
            .map(parse_app_client)
            .collect::<Result<_, _>>()?;
        let rest_api = parse_rest_api(&resources)?;
        let bucket_policies = of_type("aws_s3_bucket_policy")
            .filter_map(|r| {
                let policy = serde_json::from_str(str_attr(r.values, "policy")?).ok()?;
                Some(BucketPolicy {
                    bucket: str_attr(r.values, "bucket")?.to_string(),
                    policy,
                })
            })
            .collect();
        let roles = parse_roles(&resources);
        let table_keys = of_type("aws_dynamodb_table")
            .filter_map(|t| {
                let keys = ["hash_key", "range_key"]
                    .iter()
                    .filter_map(|k| str_attr(t.values, k));
                Some((
                    str_attr(t.values, "name")?.to_string(),
                    keys.map(str::to_string).collect(),
                ))
            })
            .collect();
        let waf_blocked_cognito_targets = waf_blocked_cognito_targets(&resources);
        let identity = resources.iter().find(|r| r.kind == "aws_caller_identity");
        let account_id = identity
            .and_then(|r| str_attr(r.values, "account_id"))
            .unwrap_or("123456789012");
        let region = resources
            .iter()
            .find(|r| r.kind == "aws_region")
            .and_then(|r| str_attr(r.values, "name").or_else(|| str_attr(r.values, "region")))
            .unwrap_or("us-east-1");
        Ok(Applied {
            region: region.to_string(),
            account_id: account_id.to_string(),
            functions,
            qualifiers,
            user_pools,
            app_clients,
            rest_api,
            bucket_policies,
            roles,
            table_keys,
            waf_blocked_cognito_targets,
        })
    }

    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.arn == arn)
    }

    /// The function a name or ARN refers to, unqualified or qualified as Lambda accepts them
    /// (`name`, `name:live`, `arn:…:function:name`, `arn:…:function:name:7`, `…:$LATEST`).
    /// None when the function, or its alias or version, is not in what Terraform applied:
    /// Lambda, Cognito and API Gateway would find nothing to invoke either.
    pub fn function(&self, reference: &str) -> Option<&FunctionSpec> {
        let (unqualified, qualifier) = split_qualifier(reference);
        let function = self
            .functions
            .iter()
            .find(|f| f.name == unqualified || f.arn == unqualified)?;
        match qualifier {
            None | Some(LATEST) => Some(function),
            Some(qualifier) => self
                .qualifiers
                .iter()
                .any(|q| q.function_name == function.name && q.qualifier == qualifier)
                .then_some(function),
        }
    }

    pub fn pool(&self, id: &str) -> Option<&UserPool> {
        self.user_pools.iter().find(|p| p.id == id)
    }

    pub fn client(&self, id: &str) -> Option<&AppClient> {
        self.app_clients.iter().find(|c| c.id == id)
    }
}

/// The qualifier of the unpublished code, which every function has.
const LATEST: &str = "$LATEST";

/// `name[:qualifier]` or `arn:<partition>:lambda:<region>:<account>:function:name[:qualifier]`
/// split into the unqualified reference and the qualifier.
pub fn split_qualifier(reference: &str) -> (&str, Option<&str>) {
    let fields_before_qualifier = if reference.starts_with("arn:") { 7 } else { 1 };
    match reference
        .match_indices(':')
        .nth(fields_before_qualifier - 1)
    {
        Some((at, _)) => (&reference[..at], Some(&reference[at + 1..])),
        None => (reference, None),
    }
}

struct Resource<'a> {
    address: String,
    kind: String,
    values: &'a Value,
}

/// Every resource and data source of every module, flattened.
fn managed_resources(show: &Value) -> Vec<Resource<'_>> {
    fn walk<'a>(module: &'a Value, out: &mut Vec<Resource<'a>>) {
        for r in module["resources"].as_array().into_iter().flatten() {
            out.push(Resource {
                address: r["address"].as_str().unwrap_or_default().to_string(),
                kind: r["type"].as_str().unwrap_or_default().to_string(),
                values: &r["values"],
            });
        }
        for child in module["child_modules"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    walk(&show["values"]["root_module"], &mut out);
    out
}

fn str_attr<'a>(values: &'a Value, name: &str) -> Option<&'a str> {
    values[name].as_str().filter(|s| !s.is_empty())
}

fn required<'a>(r: &Resource<'a>, name: &'static str) -> Result<&'a str, AppliedError> {
    str_attr(r.values, name).ok_or_else(|| AppliedError::Missing {
        resource: r.address.clone(),
        attribute: name,
    })
}

/// The header values that web ACLs associated with user pools block with an exact,
/// untransformed match on `x-amz-target` (the one rule shape this runner evaluates; any
/// other rule is not enforced locally).
fn waf_blocked_cognito_targets(resources: &[Resource<'_>]) -> BTreeSet<String> {
    let on_pools: BTreeSet<&str> = resources
        .iter()
        .filter(|r| r.kind == "aws_wafv2_web_acl_association")
        .filter(|r| str_attr(r.values, "resource_arn").is_some_and(|a| a.contains(":userpool/")))
        .filter_map(|r| str_attr(r.values, "web_acl_arn"))
        .collect();
    resources
        .iter()
        .filter(|r| r.kind == "aws_wafv2_web_acl")
        .filter(|r| str_attr(r.values, "arn").is_some_and(|a| on_pools.contains(a)))
        .flat_map(|acl| acl.values["rule"].as_array().into_iter().flatten())
        .filter(|rule| {
            block(rule, "action")
                .and_then(|a| block(a, "block"))
                .is_some()
        })
        .filter_map(|rule| {
            let matched =
                block(rule, "statement").and_then(|s| block(s, "byte_match_statement"))?;
            let header =
                block(matched, "field_to_match").and_then(|f| block(f, "single_header"))?;
            let untransformed = matched["text_transformation"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|t| t["type"] == "NONE");
            (str_attr(header, "name")?.eq_ignore_ascii_case("x-amz-target")
                && str_attr(matched, "positional_constraint") == Some("EXACTLY")
                && untransformed)
                .then(|| str_attr(matched, "search_string").map(str::to_string))?
        })
        .collect()
}

/// Nested blocks are lists of one object in the JSON state.
fn block<'a>(values: &'a Value, name: &str) -> Option<&'a Value> {
    values[name].as_array().and_then(|blocks| blocks.first())
}

fn parse_function(r: &Resource<'_>) -> Result<FunctionSpec, AppliedError> {
    let environment = block(r.values, "environment")
        .and_then(|e| e["variables"].as_object())
        .map(|vars| {
            vars.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let log_level = block(r.values, "logging_config")
        .and_then(|c| str_attr(c, "application_log_level"))
        .map(str::to_string);
    Ok(FunctionSpec {
        name: required(r, "function_name")?.to_string(),
        arn: required(r, "arn")?.to_string(),
        zip_path: PathBuf::from(required(r, "filename")?),
        handler: str_attr(r.values, "handler")
            .unwrap_or("bootstrap")
            .to_string(),
        environment,
        timeout: Duration::from_secs(r.values["timeout"].as_u64().unwrap_or(3)),
        memory_mb: r.values["memory_size"].as_u64().unwrap_or(128),
        log_level,
        role_arn: str_attr(r.values, "role").map(str::to_string),
    })
}

fn parse_roles(resources: &[Resource<'_>]) -> Vec<Role> {
    let of_type = |t: &'static str| resources.iter().filter(move |r| r.kind == t);
    let document = |r: &Resource<'_>| -> Option<Value> {
        serde_json::from_str(str_attr(r.values, "policy")?).ok()
    };
    let managed: BTreeMap<&str, Value> = of_type("aws_iam_policy")
        .filter_map(|p| Some((str_attr(p.values, "arn")?, document(p)?)))
        .collect();
    of_type("aws_iam_role")
        .filter_map(|role| {
            let name = str_attr(role.values, "name")?;
            let inline = of_type("aws_iam_role_policy")
                .filter(|p| str_attr(p.values, "role") == Some(name))
                .filter_map(document);
            let attached = of_type("aws_iam_role_policy_attachment")
                .filter(|a| str_attr(a.values, "role") == Some(name))
                .filter_map(|a| managed.get(str_attr(a.values, "policy_arn")?).cloned());
            Some(Role {
                name: name.to_string(),
                arn: str_attr(role.values, "arn")?.to_string(),
                policies: inline.chain(attached).collect(),
            })
        })
        .collect()
}

fn parse_user_pool(r: &Resource<'_>) -> Result<UserPool, AppliedError> {
    let triggers = block(r.values, "lambda_config");
    let trigger = |name: &str| triggers.and_then(|t| str_attr(t, name)).map(str::to_string);
    let immutable_attributes = r.values["schema"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["mutable"].as_bool() == Some(false))
        .filter_map(|s| s["name"].as_str())
        .map(|name| {
            if name.starts_with("custom:") {
                name.to_string()
            } else {
                format!("custom:{name}")
            }
        })
        .collect();
    let username_is_email = r.values["username_attributes"]
        .as_array()
        .is_some_and(|attrs| attrs.iter().any(|a| a.as_str() == Some("email")));
    Ok(UserPool {
        id: required(r, "id")?.to_string(),
        arn: required(r, "arn")?.to_string(),
        pre_sign_up: trigger("pre_sign_up"),
        post_confirmation: trigger("post_confirmation"),
        immutable_attributes,
        username_is_email,
        password_policy: block(r.values, "password_policy")
            .map(parse_password_policy)
            .unwrap_or_default(),
    })
}

fn parse_password_policy(policy: &Value) -> PasswordPolicy {
    let defaults = PasswordPolicy::default();
    let flag = |name: &str, default: bool| policy[name].as_bool().unwrap_or(default);
    let number = |name: &str, default: u64| policy[name].as_u64().unwrap_or(default);
    PasswordPolicy {
        minimum_length: usize::try_from(number("minimum_length", 8)).unwrap_or(8),
        require_lowercase: flag("require_lowercase", defaults.require_lowercase),
        require_uppercase: flag("require_uppercase", defaults.require_uppercase),
        require_numbers: flag("require_numbers", defaults.require_numbers),
        require_symbols: flag("require_symbols", defaults.require_symbols),
        temporary_password_validity_days: number(
            "temporary_password_validity_days",
            defaults.temporary_password_validity_days,
        ),
    }
}

fn parse_app_client(r: &Resource<'_>) -> Result<AppClient, AppliedError> {
    let strings = |name: &str| -> Vec<String> {
        r.values[name]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect()
    };
    let oauth_enabled = r.values["allowed_oauth_flows_user_pool_client"] == true;
    Ok(AppClient {
        id: required(r, "id")?.to_string(),
        user_pool_id: required(r, "user_pool_id")?.to_string(),
        write_attributes: strings("write_attributes").into_iter().collect(),
        prevent_user_existence_errors: str_attr(r.values, "prevent_user_existence_errors")
            == Some("ENABLED"),
        // Cognito's default is 3 minutes.
        auth_session_minutes: r.values["auth_session_validity"]
            .as_u64()
            .filter(|m| *m > 0)
            .unwrap_or(3),
        callback_urls: strings("callback_urls"),
        logout_urls: strings("logout_urls"),
        oauth_flows: if oauth_enabled {
            strings("allowed_oauth_flows").into_iter().collect()
        } else {
            BTreeSet::new()
        },
        oauth_scopes: strings("allowed_oauth_scopes").into_iter().collect(),
        client_secret: str_attr(r.values, "client_secret")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        auth_flows: strings("explicit_auth_flows").into_iter().collect(),
    })
}

fn parse_rest_api(resources: &[Resource<'_>]) -> Result<Option<RestApi>, AppliedError> {
    let Some(api) = resources
        .iter()
        .find(|r| r.kind == "aws_api_gateway_rest_api")
    else {
        return Ok(None);
    };
    let api_id = required(api, "id")?;
    let in_api = |kind: &'static str| {
        resources
            .iter()
            .filter(move |r| r.kind == kind && str_attr(r.values, "rest_api_id") == Some(api_id))
    };

    let mut paths: BTreeMap<String, String> = BTreeMap::new();
    if let Some(root) = str_attr(api.values, "root_resource_id") {
        paths.insert(root.to_string(), "/".to_string());
    }
    for resource in in_api("aws_api_gateway_resource") {
        paths.insert(
            required(resource, "id")?.to_string(),
            required(resource, "path")?.to_string(),
        );
    }
    let authorizers: BTreeMap<&str, Vec<String>> = in_api("aws_api_gateway_authorizer")
        .filter(|a| str_attr(a.values, "type") == Some("COGNITO_USER_POOLS"))
        .filter_map(|a| {
            let arns = a.values["provider_arns"]
                .as_array()?
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string));
            Some((str_attr(a.values, "id")?, arns.collect()))
        })
        .collect();
    let integrations: Vec<_> = in_api("aws_api_gateway_integration").collect();

    let mut routes = Vec::new();
    for method in in_api("aws_api_gateway_method") {
        let resource_id = required(method, "resource_id")?;
        let http_method = required(method, "http_method")?;
        let Some(resource_path) = paths.get(resource_id) else {
            continue;
        };
        let authorizer_pool_arns = match str_attr(method.values, "authorization") {
            Some("COGNITO_USER_POOLS") => {
                // An authorizer Terraform did not apply authorizes nobody.
                Some(
                    str_attr(method.values, "authorizer_id")
                        .and_then(|id| authorizers.get(id))
                        .cloned()
                        .unwrap_or_default(),
                )
            }
            _ => None,
        };
        let function_arn = integrations
            .iter()
            .find(|i| {
                str_attr(i.values, "resource_id") == Some(resource_id)
                    && str_attr(i.values, "http_method") == Some(http_method)
            })
            .filter(|i| str_attr(i.values, "type") == Some("AWS_PROXY"))
            .and_then(|i| str_attr(i.values, "uri"))
            .and_then(function_arn_of_invoke_uri);
        routes.push(Route {
            resource_id: resource_id.to_string(),
            resource_path: resource_path.clone(),
            method: http_method.to_string(),
            authorizer_pool_arns,
            function_arn,
        });
    }
    let stage_name = in_api("aws_api_gateway_stage")
        .find_map(|s| str_attr(s.values, "stage_name"))
        .ok_or_else(|| AppliedError::Missing {
            resource: format!("stage of REST API {api_id}"),
            attribute: "stage_name",
        })?;
    let gateway_responses = in_api("aws_api_gateway_gateway_response")
        .filter_map(|r| {
            let headers = r.values["response_parameters"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(name, source)| {
                    let header = name.strip_prefix("gatewayresponse.header.")?;
                    Some((header.to_string(), source.as_str()?.to_string()))
                })
                .collect();
            let response = GatewayResponse {
                status_code: str_attr(r.values, "status_code").and_then(|s| s.parse().ok()),
                headers,
            };
            Some((str_attr(r.values, "response_type")?.to_string(), response))
        })
        .collect();
    Ok(Some(RestApi {
        id: api_id.to_string(),
        stage_name: stage_name.to_string(),
        routes,
        gateway_responses,
    }))
}

/// `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations`.
fn function_arn_of_invoke_uri(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("/functions/")?;
    Some(
        rest.strip_suffix("/invocations")
            .unwrap_or(rest)
            .to_string(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// `terraform show -json` of the root module applied to moto, trimmed to what the runner reads.
    fn applied() -> Applied {
        Applied::parse(
            &serde_json::from_str(include_str!("../tests/fixtures/applied.json")).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn functions_come_with_terraforms_environment_timeout_and_memory() {
        let applied = applied();
        let names: Vec<&str> = applied.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        let api = applied
            .functions
            .iter()
            .find(|f| f.name.ends_with("-users-api"))
            .unwrap();
        assert_eq!(api.timeout, Duration::from_secs(10));
        assert_eq!(api.zip_path, PathBuf::from("/srv/deployment/users-api.zip"));
        assert!(api.environment.contains_key("PICTURE_BUCKET_NAME"));
        assert_eq!(
            (applied.region.as_str(), applied.account_id.as_str()),
            ("eu-west-1", "123456789012")
        );
    }

    #[test]
    fn the_pool_names_its_triggers_immutable_attributes_and_client() {
        let applied = applied();
        let pool = &applied.user_pools[0];
        // Terraform wires the triggers to the functions' `live` aliases.
        let trigger_names = |arn: &Option<String>| {
            assert!(arn.as_deref().unwrap().ends_with(":live"), "{arn:?}");
            applied
                .function(arn.as_deref().unwrap())
                .map(|f| f.name.clone())
                .unwrap()
        };
        assert!(trigger_names(&pool.pre_sign_up).ends_with("-pre-signup"));
        assert!(trigger_names(&pool.post_confirmation).ends_with("-post-confirmation"));
        assert_eq!(
            pool.immutable_attributes,
            ["custom:user_type".to_string()].into()
        );
        assert!(pool.username_is_email);
        let client = applied.client(&applied.app_clients[0].id).unwrap();
        assert_eq!(client.user_pool_id, pool.id);
        assert!(client.write_attributes.contains("custom:user_type"));
        assert!(!client.write_attributes.contains("email_verified"));
        assert!(client.prevent_user_existence_errors);
        assert_eq!(client.auth_session_minutes, 3);
        assert_eq!(client.callback_urls, ["healthtech://auth/callback"]);
        assert_eq!(client.logout_urls, ["healthtech://auth/signout"]);
        assert_eq!(client.oauth_flows, ["code".to_string()].into());
        assert!(client.oauth_scopes.contains("openid"));
        assert_eq!(client.client_secret, None);
        assert_eq!(
            client.auth_flows,
            ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
                .map(str::to_string)
                .into()
        );
    }

    #[test]
    fn the_pool_carries_the_password_policy_terraform_applied() {
        let applied = applied();
        assert_eq!(
            applied.user_pools[0].password_policy,
            PasswordPolicy {
                minimum_length: 12,
                ..Default::default()
            }
        );
    }

    #[test]
    fn routes_carry_their_authorizer_and_integration() {
        let applied = applied();
        let api = applied.rest_api.as_ref().unwrap();
        assert_eq!(api.stage_name, "v1");
        assert_eq!(api.routes.len(), 10);
        let route = |method: &str, path: &str| {
            api.routes
                .iter()
                .find(|r| r.method == method && r.resource_path == path)
                .unwrap()
        };
        let users_api = applied
            .functions
            .iter()
            .find(|f| f.name.ends_with("-users-api"))
            .unwrap();
        assert_eq!(route("GET", "/health").authorizer_pool_arns, None);
        assert_eq!(
            route("GET", "/health").function_arn,
            Some(format!("{}:live", users_api.arn))
        );
        assert!(api.routes.iter().all(|r| {
            r.function_arn
                .as_deref()
                .and_then(|arn| applied.function(arn))
                .is_some_and(|f| f.arn == users_api.arn)
        }));
        assert_eq!(
            route("PUT", "/users/{id}").authorizer_pool_arns,
            Some(vec![applied.user_pools[0].arn.clone()])
        );
        assert_eq!(applied.bucket_policies.len(), 1);
    }

    #[test]
    fn function_arn_comes_out_of_the_invoke_uri() {
        let uri = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:api/invocations";
        assert_eq!(
            function_arn_of_invoke_uri(uri).as_deref(),
            Some("arn:aws:lambda:eu-west-1:1:function:api")
        );
        let alias = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:api:live/invocations";
        assert_eq!(
            function_arn_of_invoke_uri(alias).as_deref(),
            Some("arn:aws:lambda:eu-west-1:1:function:api:live")
        );
    }

    #[test]
    fn aliases_and_published_versions_are_read_per_function() {
        let applied = applied();
        let of = |name: &str| -> Vec<&str> {
            let mut qualifiers: Vec<&str> = applied
                .qualifiers
                .iter()
                .filter(|q| q.function_name == name)
                .map(|q| q.qualifier.as_str())
                .collect();
            qualifiers.sort_unstable();
            qualifiers
        };
        assert_eq!(of("healthtech-dev-users-api"), ["3", "live"]);
        assert_eq!(of("healthtech-dev-pre-signup"), ["1", "live"]);
        assert_eq!(of("healthtech-dev-post-confirmation"), ["2", "live"]);
        assert_eq!(applied.qualifiers.len(), 6);
    }

    #[test]
    fn a_reference_resolves_by_name_or_arn_with_an_applied_alias_or_version_only() {
        let applied = applied();
        let arn = "arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-users-api";
        let resolved = |reference: &str| applied.function(reference).map(|f| f.arn.as_str());

        for reference in [
            "healthtech-dev-users-api".to_string(),
            arn.to_string(),
            format!("{arn}:live"),
            format!("{arn}:3"),
            format!("{arn}:$LATEST"),
            "healthtech-dev-users-api:live".to_string(),
            "healthtech-dev-users-api:3".to_string(),
            "healthtech-dev-users-api:$LATEST".to_string(),
        ] {
            assert_eq!(resolved(&reference), Some(arn), "{reference}");
        }

        for reference in [
            // An alias or version Terraform did not apply, as Lambda would refuse it.
            format!("{arn}:staging"),
            format!("{arn}:2"),
            format!("{arn}:"),
            "healthtech-dev-users-api:Live".to_string(),
            // Another function's version, and functions that do not exist.
            "healthtech-dev-users-api:1".to_string(),
            "healthtech-dev-users".to_string(),
            "arn:aws:lambda:eu-west-1:123456789012:function:nowhere:live".to_string(),
            "arn:aws:lambda:eu-west-1:999999999999:function:healthtech-dev-users-api".to_string(),
            String::new(),
        ] {
            assert_eq!(resolved(&reference), None, "{reference}");
        }
    }

    #[test]
    fn a_function_never_published_answers_to_latest_only() {
        let mut show: Value =
            serde_json::from_str(include_str!("../tests/fixtures/applied.json")).unwrap();
        // The state of a function without `publish`: version $LATEST, no alias.
        for module in show["values"]["root_module"]["child_modules"]
            .as_array_mut()
            .unwrap()
        {
            let resources = module["resources"].as_array_mut().unwrap();
            resources.retain(|r| r["type"] != "aws_lambda_alias");
            for r in resources
                .iter_mut()
                .filter(|r| r["type"] == "aws_lambda_function")
            {
                r["values"]["version"] = Value::from("$LATEST");
            }
        }
        let applied = Applied::parse(&show).unwrap();
        assert!(applied.qualifiers.is_empty(), "{:?}", applied.qualifiers);
        assert!(
            applied
                .function("healthtech-dev-pre-signup:$LATEST")
                .is_some()
        );
        assert!(applied.function("healthtech-dev-pre-signup:live").is_none());
        assert!(applied.function("healthtech-dev-pre-signup:1").is_none());
    }

    /// A state with one web ACL per `rules` entry (action, positional constraint), each
    /// associated with `resource_arn`.
    fn with_web_acls(resource_arn: &str, rules: &[(&str, &str)]) -> Applied {
        let resources: Vec<serde_json::Value> = rules
            .iter()
            .enumerate()
            .flat_map(|(i, (action, constraint))| {
                let arn = format!("arn:aws:wafv2:eu-west-1:1:regional/webacl/acl-{i}/id");
                let rule = serde_json::json!({
                    "action": [{ "allow": [], "block": [], "count": [], (*action): [{}] }],
                    "statement": [{ "byte_match_statement": [{
                        "field_to_match": [{ "single_header": [{ "name": "X-Amz-Target" }] }],
                        "positional_constraint": constraint,
                        "search_string": "AWSCognitoIdentityProviderService.DeleteUser",
                        "text_transformation": [{ "priority": 0, "type": "NONE" }],
                    }]}],
                });
                [
                    serde_json::json!({"address": format!("aws_wafv2_web_acl.a{i}"),
                        "type": "aws_wafv2_web_acl", "values": {"arn": arn, "rule": [rule]}}),
                    serde_json::json!({"address": format!("aws_wafv2_web_acl_association.a{i}"),
                        "type": "aws_wafv2_web_acl_association",
                        "values": {"web_acl_arn": arn, "resource_arn": resource_arn}}),
                ]
            })
            .collect();
        Applied::parse(&serde_json::json!({"values": {"root_module": {"resources": resources}}}))
            .unwrap()
    }

    #[test]
    fn a_user_pools_web_acl_blocks_the_operations_its_rules_match_exactly() {
        let pool = "arn:aws:cognito-idp:eu-west-1:1:userpool/eu-west-1_abc";
        let blocked = with_web_acls(pool, &[("block", "EXACTLY")]).waf_blocked_cognito_targets;
        assert_eq!(
            blocked,
            BTreeSet::from(["AWSCognitoIdentityProviderService.DeleteUser".to_string()])
        );
        for (action, constraint) in [
            ("count", "EXACTLY"),
            ("allow", "EXACTLY"),
            ("block", "CONTAINS"),
        ] {
            let applied = with_web_acls(pool, &[(action, constraint)]);
            assert!(
                applied.waf_blocked_cognito_targets.is_empty(),
                "{action} {constraint}"
            );
        }
        let stage = "arn:aws:apigateway:eu-west-1::/restapis/abc/stages/v1";
        assert!(
            with_web_acls(stage, &[("block", "EXACTLY")])
                .waf_blocked_cognito_targets
                .is_empty(),
            "an ACL on the API stage does not guard Cognito"
        );
    }
}
