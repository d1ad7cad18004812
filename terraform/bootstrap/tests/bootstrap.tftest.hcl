# The bootstrap stack, offline (mocked AWS provider): the state bucket's protections, the
# roles' GitHub trust, and the deploy and plan policies.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111111111111"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = {
      arn = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/github-actions/mocked"
    }
  }
}

variables {
  aws_account_id    = "111111111111"
  environments      = ["staging", "prod"]
  github_repository = "example-org/healthtech"
}

run "state_bucket_is_versioned_encrypted_private_and_tls_only" {
  command = apply

  assert {
    condition     = aws_s3_bucket.state.bucket == "healthtech-tfstate-111111111111-eu-west-1"
    error_message = "The state bucket is named after the account and region."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "The state bucket keeps every earlier state (versioning)."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "The state bucket encrypts with KMS by default."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.block_public_acls && aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls && aws_s3_bucket_public_access_block.state.restrict_public_buckets
    )
    error_message = "Every public access of the state bucket is blocked."
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.state[0].policy).Statement[0] == {
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "The state bucket refuses every request not made over TLS."
  }

  assert {
    condition     = length(module.api_gateway_account) == 1 && output.api_gateway_cloudwatch_role_arn != null
    error_message = "The bootstrap stack sets API Gateway's logging role for the account and region."
  }
}

run "each_role_trusts_only_its_github_environment" {
  command = apply

  assert {
    condition = output.role_trust_subjects == {
      "staging-deploy" = "repo:example-org/healthtech:environment:staging"
      "staging-plan"   = "repo:example-org/healthtech:environment:staging-plan"
      "prod-deploy"    = "repo:example-org/healthtech:environment:prod"
      "prod-plan"      = "repo:example-org/healthtech:environment:prod-plan"
    }
    error_message = "A deploy role trusts only jobs of GitHub environment <env>, a plan role only <env>-plan, of this repository."
  }

  assert {
    condition = alltrue([
      for r in aws_iam_role.github : jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
      && jsondecode(r.assume_role_policy).Statement[0].Action == "sts:AssumeRoleWithWebIdentity"
      && length(jsondecode(r.assume_role_policy).Statement) == 1
    ])
    error_message = "The roles are assumed only through GitHub's OIDC tokens meant for STS."
  }

  # The deploy policy's IAM rights cover roles at the root path named <prefix>-<env>-*:
  # the GitHub roles live elsewhere, so a deploy role cannot grant itself more.
  assert {
    condition = alltrue([
      for r in aws_iam_role.github : r.path == "/github-actions/" && !startswith(r.name, "healthtech-prod-") && !startswith(r.name, "healthtech-staging-")
    ])
    error_message = "No GitHub role may fall under the roles the deploy policy lets Terraform change."
  }
}

run "policies_are_scoped_to_their_environment_and_the_plan_role_only_reads" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(output.deploy_policies["prod"]).Statement : [
        for r in s.Resource : r == "*" || strcontains(r, "healthtech-prod-") || endswith(r, "/healthtech-prod") || endswith(r, ":healthtech-prod") || !strcontains(r, "healthtech-") || contains([
          "arn:aws:s3:::healthtech-tfstate-111111111111-eu-west-1", "arn:aws:s3:::healthtech-tfstate-111111111111-eu-west-1/healthtech/prod/*"
        ], r)
      ]
    ]))
    error_message = "Every named resource in prod's deploy policy is prod's."
  }

  assert {
    condition     = !strcontains(output.deploy_policies["prod"], "staging")
    error_message = "prod's deploy policy names nothing of staging."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(output.plan_policies["prod"]).Statement : [
        for a in s.Action : length(regexall(":(Create|Delete|Update|Put|Set|Tag|Untag|Add|Remove|Publish|Pass)|apigateway:(POST|PUT|PATCH|DELETE)", a)) == 0
      ]
    ]))
    error_message = "The plan role may only read."
  }

  # Data is never the deployer's: no item, object (but the state) or user read.
  assert {
    condition = length(regexall("dynamodb:(GetItem|Query|Scan|BatchGetItem)|cognito-idp:(AdminGetUser|ListUsers)", output.deploy_policies["prod"])) == 0 && alltrue([
      for s in jsondecode(output.deploy_policies["prod"]).Statement : !contains(s.Action, "s3:GetObject") || s.Resource == ["arn:aws:s3:::healthtech-tfstate-111111111111-eu-west-1/healthtech/prod/*"]
    ])
    error_message = "The deploy policy reads no health data: only the environment's state object."
  }

  # IAM refuses an inline policy over 10,240 characters (whitespace excluded).
  assert {
    condition     = length(output.deploy_policies["prod"]) < 10240
    error_message = "The deploy policy must fit IAM's inline policy limit."
  }
}

run "an_account_sharing_the_setting_leaves_it_alone" {
  command = plan

  variables {
    manage_api_gateway_account  = false
    create_github_oidc_provider = false
  }

  assert {
    condition     = length(module.api_gateway_account) == 0 && output.api_gateway_cloudwatch_role_arn == null && length(aws_iam_openid_connect_provider.github) == 0
    error_message = "With both off, the stack neither sets API Gateway's logging role nor creates the OIDC provider."
  }

  assert {
    condition     = jsondecode(aws_iam_role.github["prod-deploy"].assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    error_message = "The roles trust the account's existing GitHub OIDC provider."
  }
}

run "bad_inputs_are_refused" {
  command = plan

  variables {
    aws_account_id    = "12345"
    environments      = ["Prod"]
    github_repository = "healthtech"
  }

  expect_failures = [var.aws_account_id, var.environments, var.github_repository]
}
