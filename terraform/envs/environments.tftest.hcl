# The committed environments, each planned offline with its envs/<env>/terraform.tfvars:
#   terraform -chdir=terraform test -test-directory=envs -var-file=envs/<env>/terraform.tfvars
# (`just check-environments` runs it for every folder; it is not in tests/, whose files
# plan the module's defaults).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/ops"
      user_id    = "AIDAEXAMPLE"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }
}

variables {
  artifacts_dir = "./tests/fixtures"
}

run "the_environment_plans_by_the_shared_rules" {
  command = plan

  # API Gateway's logging role is the account's (bootstrap stack): no environment owns it.
  assert {
    condition     = !var.manage_api_gateway_account
    error_message = "An environment must not manage API Gateway's account setting: the bootstrap stack does."
  }

  # Only production reserves trigger concurrency (a new account has no room for it)...
  assert {
    condition = var.environment == "prod" || (
      var.pre_signup_reserved_concurrency == null && var.post_confirmation_reserved_concurrency == null
    )
    error_message = "Outside prod the triggers reserve no concurrency, so a new account's first apply cannot fail on it."
  }

  # ...and production does, so an API surge cannot starve sign-ups.
  assert {
    condition = var.environment != "prod" || (
      module.pre_signup.reserved_concurrent_executions != null && module.post_confirmation.reserved_concurrent_executions != null
    )
    error_message = "prod reserves concurrency for both Cognito triggers."
  }

  assert {
    condition     = var.aws_account_id != null
    error_message = "An environment names its account: Terraform then refuses any other's credentials."
  }

  assert {
    condition     = var.environment == "dev" || var.deletion_protection
    error_message = "Only dev may run without deletion protection."
  }
}
