output "id" {
  description = "ID of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "endpoint" {
  description = "Endpoint (issuer without scheme) of the user pool."
  value       = aws_cognito_user_pool.this.endpoint
}

output "client_id" {
  description = "ID of the public app client."
  value       = aws_cognito_user_pool_client.this.id
}

output "test_client_id" {
  description = "ID of the test harnesses' app client (var.test_client), or null."
  value       = one(aws_cognito_user_pool_client.tests[*].id)
}

output "client_read_attributes" {
  description = "Attributes the app client may read."
  value       = aws_cognito_user_pool_client.this.read_attributes
}

output "client_write_attributes" {
  description = "Attributes the app client may write (sign-up included)."
  value       = aws_cognito_user_pool_client.this.write_attributes
}

output "domain" {
  description = "Hosted UI domain prefix."
  value       = aws_cognito_user_pool_domain.this.domain
}

output "managed_login_version" {
  description = "Hosted UI version of the domain: 1 classic hosted UI, 2 managed login."
  value       = aws_cognito_user_pool_domain.this.managed_login_version
}

output "email_configuration" {
  description = "How the pool sends email: COGNITO_DEFAULT (built-in, at most 50 a day) or DEVELOPER (SES) with its identity, sender, reply-to and configuration set."
  value = {
    email_sending_account  = aws_cognito_user_pool.this.email_configuration[0].email_sending_account
    source_arn             = aws_cognito_user_pool.this.email_configuration[0].source_arn
    from_email_address     = aws_cognito_user_pool.this.email_configuration[0].from_email_address
    reply_to_email_address = aws_cognito_user_pool.this.email_configuration[0].reply_to_email_address
    configuration_set      = aws_cognito_user_pool.this.email_configuration[0].configuration_set
  }
}

output "hosted_ui_url" {
  description = "Base URL of the Hosted UI (authorize, token, login and logout endpoints live under it)."
  value       = local.hosted_ui_url
}

output "hosted_ui_login_url" {
  description = "Hosted UI sign-in URL for the app client and its first callback URL (the app adds a PKCE code_challenge)."
  value       = "${local.hosted_ui_url}/login?client_id=${aws_cognito_user_pool_client.this.id}&response_type=code&scope=${join("+", var.oauth_scopes)}&redirect_uri=${urlencode(var.callback_urls[0])}"
}

output "group_names" {
  description = "Names of the groups, keyed like the groups input."
  value       = { for k, g in aws_cognito_user_group.this : k => g.name }
}

output "lambda_triggers" {
  description = "Function ARN wired to each trigger, read back from the pool."
  value = {
    pre_sign_up       = try(aws_cognito_user_pool.this.lambda_config[0].pre_sign_up, null)
    post_confirmation = try(aws_cognito_user_pool.this.lambda_config[0].post_confirmation, null)
  }
}

output "trigger_permissions" {
  description = "Invoke permission of each trigger: function, principal, and the pool and account it is scoped to."
  value = {
    for k, p in aws_lambda_permission.this : k => {
      function_name  = p.function_name
      qualifier      = p.qualifier
      principal      = p.principal
      source_arn     = p.source_arn
      source_account = p.source_account
    }
  }
}

output "custom_attribute_schema" {
  description = "Custom attributes as declared on the pool: mutability and length limits, keyed by name without the custom: prefix."
  value = {
    for s in aws_cognito_user_pool.this.schema : s.name => {
      mutable    = s.mutable
      min_length = tonumber(s.string_attribute_constraints[0].min_length)
      max_length = tonumber(s.string_attribute_constraints[0].max_length)
    } if s.name != "email"
  }
}

output "refused_operations" {
  description = "Cognito operations the user pool's web ACL refuses (by X-Amz-Target)."
  value       = [for rule in aws_wafv2_web_acl.this.rule : one(one(rule.statement).byte_match_statement).search_string]
}

output "web_acl_association" {
  description = "The user pool ARN the web ACL is associated with."
  value       = aws_wafv2_web_acl_association.this.resource_arn
}
