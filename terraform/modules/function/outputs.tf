output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "arn" {
  description = "Unqualified ARN of the Lambda function (callers invoke alias_arn)."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "Invoke ARN of the unqualified function ($LATEST); callers use alias_invoke_arn."
  value       = aws_lambda_function.this.invoke_arn
}

output "publishes_versions" {
  description = "Whether each apply that changes the function publishes a version (what the alias and a rollback need)."
  value       = aws_lambda_function.this.publish
}

output "version" {
  description = "Version this apply published (the alias points at it)."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Name of the alias every caller invokes."
  value       = aws_lambda_alias.this.name
}

output "alias_arn" {
  description = "ARN of the alias (function ARN qualified by the alias name): what Cognito triggers invoke."
  value       = aws_lambda_alias.this.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the alias: what API Gateway integrations invoke."
  value       = aws_lambda_alias.this.invoke_arn
}

output "alias_function_version" {
  description = "Version the alias points at, as applied."
  value       = aws_lambda_alias.this.function_version
}

output "architecture" {
  description = "Instruction set architecture the function runs on, from the manifest."
  value       = one(aws_lambda_function.this.architectures)
}

output "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for the function; -1 when it uses the account's unreserved pool."
  value       = aws_lambda_function.this.reserved_concurrent_executions
}

output "environment_variables" {
  description = "Environment variables the function receives."
  value       = try(aws_lambda_function.this.environment[0].variables, {})
}

output "role_name" {
  description = "Name of the execution role, for attaching policies that must wait for other resources."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "policy_json" {
  description = "The inline least-privilege policy attached to the execution role."
  value       = aws_iam_role_policy.this.policy
}

output "logging_config" {
  description = "Log format, group and levels the function logs with (application and Lambda platform lines)."
  value = {
    log_format            = aws_lambda_function.this.logging_config[0].log_format
    log_group             = aws_lambda_function.this.logging_config[0].log_group
    application_log_level = aws_lambda_function.this.logging_config[0].application_log_level
    system_log_level      = aws_lambda_function.this.logging_config[0].system_log_level
  }
}

output "log_group_name" {
  description = "CloudWatch log group receiving the function's JSON logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_kms_key_arn" {
  description = "KMS key encrypting the function's log group."
  value       = aws_cloudwatch_log_group.this.kms_key_id
}

output "source_code_hash" {
  description = "Base64 SHA-256 of the deployed zip, as the manifest records it and the plan checked it."
  value       = aws_lambda_function.this.source_code_hash
}
