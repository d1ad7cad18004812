output "id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "execution_arn" {
  description = "Execution ARN of the REST API."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the deployed stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "invoke_url" {
  description = "Base URL of the stage (routes are appended to it)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "deployment_id" {
  description = "ID of the deployment the stage serves (a new one whenever the routes, methods, integrations or authorizer change)."
  value       = aws_api_gateway_stage.this.deployment_id
}

output "deployment_trigger" {
  description = "Hash of every resource, method, integration and authorizer attribute; a change replaces the deployment."
  value       = aws_api_gateway_deployment.this.triggers.redeployment
}

output "authorizer_id" {
  description = "ID of the Cognito user-pool authorizer."
  value       = aws_api_gateway_authorizer.this.id
}

output "methods" {
  description = "Every route as deployed: its authorization type, authorizer and integration."
  value = {
    for key, m in aws_api_gateway_method.this : key => {
      authorization    = m.authorization
      authorizer_id    = m.authorizer_id
      integration_type = aws_api_gateway_integration.this[key].type
      integration_uri  = aws_api_gateway_integration.this[key].uri
    }
  }
}

output "resource_paths" {
  description = "Path of every API resource created for the routes."
  value       = sort(local.resource_paths)
}

output "invoke_permission_source_arn" {
  description = "Source ARN the Lambda invoke permission for API Gateway is scoped to."
  value       = aws_lambda_permission.this.source_arn
}

output "invoke_permission_qualifier" {
  description = "Alias or version of the function the invoke permission for API Gateway is granted on."
  value       = aws_lambda_permission.this.qualifier
}

output "access_log_group_name" {
  description = "CloudWatch log group receiving the stage's access logs."
  value       = aws_cloudwatch_log_group.access.name
}

output "gateway_response_headers" {
  description = "Headers API Gateway's own error answers carry, by response type (CORS)."
  value       = { for type, r in aws_api_gateway_gateway_response.cors : type => r.response_parameters }
}

output "name" {
  description = "Name of the REST API (the ApiName dimension of its metrics)."
  value       = aws_api_gateway_rest_api.this.name
}

output "web_acl_name" {
  description = "Name of the WAF web ACL (the WebACL dimension of its metrics); null when waf_enabled is false."
  value       = one(aws_wafv2_web_acl.this[*].name)
}

output "web_acl_arn" {
  description = "ARN of the WAF web ACL associated with the stage; null when waf_enabled is false."
  value       = one(aws_wafv2_web_acl.this[*].arn)
}

output "web_acl_rate_limit" {
  description = "Per-IP limit of the web ACL's rate-based rule (requests per 5 minutes) and the answer it gives (status, headers); null when waf_enabled is false."
  value = one([
    for acl in aws_wafv2_web_acl.this : {
      limit                 = one(acl.rule[*].statement[0].rate_based_statement[0].limit)
      evaluation_window_sec = one(acl.rule[*].statement[0].rate_based_statement[0].evaluation_window_sec)
      aggregate_key_type    = one(acl.rule[*].statement[0].rate_based_statement[0].aggregate_key_type)
      response_code         = one(acl.rule[*].action[0].block[0].custom_response[0].response_code)
      response_headers = {
        for h in one(acl.rule[*].action[0].block[0].custom_response[0].response_header) : h.name => h.value
      }
    }
  ])
}

output "web_acl_association" {
  description = "Web ACL and resource of the WAF association (the stage's ARN); null when waf_enabled is false."
  value = one([
    for a in aws_wafv2_web_acl_association.this : {
      web_acl_arn  = a.web_acl_arn
      resource_arn = a.resource_arn
    }
  ])
}

output "stage_arn" {
  description = "ARN of the stage (what a WAF web ACL is associated with)."
  value       = aws_api_gateway_stage.this.arn
}

output "log_group_kms_key_arns" {
  description = "KMS key of each of the API's log groups (access, execution, WAF)."
  value = merge(
    { access = aws_cloudwatch_log_group.access.kms_key_id, execution = aws_cloudwatch_log_group.execution.kms_key_id },
    { for g in aws_cloudwatch_log_group.waf : "waf" => g.kms_key_id },
  )
}
