output "api_url" {
  description = "Base URL of the REST API stage; append routes such as /health or /users/me."
  value       = module.api.invoke_url
}

output "api_id" {
  description = "ID of the REST API."
  value       = module.api.id
}

output "api_stage_name" {
  description = "Name of the REST API stage."
  value       = module.api.stage_name
}

output "api_web_acl_arn" {
  description = "ARN of the WAF web ACL rate-limiting the API stage per client IP; null when api_waf_enabled is false."
  value       = module.api.web_acl_arn
}

output "user_pool_id" {
  description = "ID of the Cognito user pool."
  value       = module.user_pool.id
}

output "user_pool_arn" {
  description = "ARN of the Cognito user pool."
  value       = module.user_pool.arn
}

output "user_pool_issuer" {
  description = "Issuer (iss claim) of the pool's tokens; its /.well-known/jwks.json holds the signing keys."
  value       = "https://${module.user_pool.endpoint}"
}

output "user_pool_client_id" {
  description = "ID of the public app client the mobile apps use."
  value       = module.user_pool.client_id
}

output "user_pool_test_client_id" {
  description = "ID of the test harnesses' app client (test_app_client), or null when there is none."
  value       = module.user_pool.test_client_id
}

output "hosted_ui_url" {
  description = "Base URL of the Cognito Hosted UI (OAuth authorize and token endpoints live under it)."
  value       = module.user_pool.hosted_ui_url
}

output "hosted_ui_login_url" {
  description = "Hosted UI sign-in URL for the app client and its first callback URL (apps add a PKCE code_challenge)."
  value       = module.user_pool.hosted_ui_login_url
}

output "region" {
  description = "AWS region everything is deployed in."
  value       = var.region
}

output "table_name" {
  description = "Name of the DynamoDB profile table."
  value       = module.profile_table.name
}

output "access_log_table_name" {
  description = "Name of the DynamoDB table holding the PHI access log (append-only; entries expire after access_log_retention_days)."
  value       = module.access_log_table.name
}

output "profile_shards" {
  description = "How many shards the profile table's counters and listing index use: what the backfill (backfill-profiles --shards) must be given."
  value       = var.profile_shards
}

output "bucket_name" {
  description = "Name of the S3 bucket holding profile pictures."
  value       = module.picture_bucket.name
}

output "function_names" {
  description = "Lambda function names, keyed by artifact name (for logs and metrics)."
  value = {
    "pre-signup"        = module.pre_signup.function_name
    "post-confirmation" = module.post_confirmation.function_name
    "users-api"         = module.users_api.function_name
  }
}

output "function_versions" {
  description = "Per function: the alias every caller invokes and the version this apply published and pointed it at (to roll back, see the README)."
  value = {
    for name, f in {
      "pre-signup"        = module.pre_signup
      "post-confirmation" = module.post_confirmation
      "users-api"         = module.users_api
    } : name => { alias = f.alias_name, version = f.alias_function_version }
  }
}

output "log_groups" {
  description = "CloudWatch log groups of the functions and the API access log."
  value = {
    "pre-signup"        = module.pre_signup.log_group_name
    "post-confirmation" = module.post_confirmation.log_group_name
    "users-api"         = module.users_api.log_group_name
    "api-access"        = module.api.access_log_group_name
  }
}

output "alarm_topic_arn" {
  description = "The stack's alarm topic: every alarm notifies it; subscribe on-call's pager or chat here (alarm_email subscribes an address)."
  value       = module.alarms.topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of every alarm's metric."
  value       = module.alarms.dashboard_name
}
