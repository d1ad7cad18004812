output "state_bucket" {
  description = "Name of the state bucket: the `bucket` of every envs/<env>/backend.hcl of this account."
  value       = aws_s3_bucket.state.bucket
}

output "deploy_role_arns" {
  description = "Per environment, the role its GitHub environment's jobs assume to apply (the AWS_DEPLOY_ROLE_ARN variable of GitHub environment <env>)."
  value       = { for env in var.environments : env => aws_iam_role.github["${env}-deploy"].arn }
}

output "plan_role_arns" {
  description = "Per environment, the read-only role its pull-request plans assume (the AWS_PLAN_ROLE_ARN variable of GitHub environment <env>-plan)."
  value       = { for env in var.environments : env => aws_iam_role.github["${env}-plan"].arn }
}

output "deploy_policies" {
  description = "Per environment, the deploy role's policy document (what Terraform may do there)."
  value       = local.deploy_policies
}

output "plan_policies" {
  description = "Per environment, the plan role's policy document (the deploy policy's read actions)."
  value       = local.plan_policies
}

output "role_trust_subjects" {
  description = "Per role, the only GitHub OIDC subject it trusts."
  value       = { for key, r in aws_iam_role.github : key => jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals["${local.github_oidc}:sub"] }
}

output "api_gateway_cloudwatch_role_arn" {
  description = "Role API Gateway writes CloudWatch logs with in this account and region; null when manage_api_gateway_account is false."
  value       = one(module.api_gateway_account[*].role_arn)
}
