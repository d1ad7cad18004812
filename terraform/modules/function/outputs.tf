output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "arn" {
  description = "ARN of the Lambda function (used for Cognito triggers)."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "Invoke ARN of the Lambda function (used for API Gateway integrations)."
  value       = aws_lambda_function.this.invoke_arn
}

output "architecture" {
  description = "Instruction set architecture the function runs on, from the manifest."
  value       = one(aws_lambda_function.this.architectures)
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

output "log_group_name" {
  description = "CloudWatch log group receiving the function's JSON logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "alarm_names" {
  description = "Names of the error and throttle alarms."
  value       = [for a in aws_cloudwatch_metric_alarm.this : a.alarm_name]
}
