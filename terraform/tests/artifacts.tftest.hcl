# The artifacts a plan deploys: Terraform checks each zip against the SHA-256 that
# `just package` wrote into manifest.json and refuses a mismatch at plan time.
# Offline: the AWS provider is mocked; the fixtures stand in for the zips.

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

# The control: zips that match their manifest plan, with the manifest's hash as the code's.
run "zips_matching_the_manifest_plan" {
  command = plan

  variables {
    artifacts_dir = "./tests/fixtures"
  }

  assert {
    condition     = module.users_api.source_code_hash == jsondecode(file("./tests/fixtures/manifest.json")).functions["users-api"].sha256_base64
    error_message = "The function's code hash must be the manifest's."
  }
}

# tests/fixtures/mismatch/manifest.json names the same zips, with users-api's hash from
# another build. (Checked on the function module: a test can only expect the failure of
# a resource of the module it runs.)
run "a_zip_not_matching_its_manifest_hash_is_refused" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    function_name   = "healthtech-dev-users-api"
    artifacts_dir   = "./tests/fixtures/mismatch"
    artifact        = "users-api"
    log_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [aws_lambda_function.this]
}

run "a_matching_zip_in_the_same_manifest_plans" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    function_name   = "healthtech-dev-pre-signup"
    artifacts_dir   = "./tests/fixtures/mismatch"
    artifact        = "pre-signup"
    log_kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  }
}
