output "role_arn" {
  description = "ARN of the role API Gateway writes CloudWatch logs with, in this account and region."
  value       = aws_api_gateway_account.this.cloudwatch_role_arn
}
