# Input validation: bad values are rejected at plan time, safe defaults plan cleanly.
# Offline: the AWS provider is mocked, the manifest is a fixture.

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

run "defaults_plan_cleanly" {
  command = plan
}

run "patient_and_doctor_may_both_be_self_service" {
  command = plan

  variables {
    self_service_user_types = ["Patient", "Doctor"]
    cors_allowed_origins    = ["https://app.example.com", "http://localhost:5173"]
    callback_urls           = ["healthtech://auth/callback", "https://app.example.com/callback", "http://localhost:3000/callback"]
    alarm_email             = "oncall@example.org"
    hosted_ui_domain_prefix = "healthtech-login"
  }
}

run "ses_email_with_an_address_identity_and_a_display_name_plans" {
  command = plan

  variables {
    ses_email = {
      source_arn   = "arn:aws:ses:eu-west-1:123456789012:identity/no-reply@example.org"
      from_address = "HealthTech <No-Reply@example.org>"
    }
    hosted_ui_managed_login_version = 2
  }
}

# Bad values. A run costs about 2.5 CPU-seconds whatever it checks (the provider starts about
# three times), so each run below gives many variables one bad value each: Terraform checks
# every variable in expect_failures on its own and names any that did not fail
# ("Missing expected failure ... var.upload_url_ttl_seconds"). A variable with several
# rules gets one bad value per run, one run per rule.
run "bad_values_are_refused_1" {
  command = plan

  variables {
    self_service_user_types   = ["Patient", "Admin"] # Admin is never self-service
    profile_shards            = 101                  # a whole number from 1 to 100
    access_log_retention_days = 0                    # a whole number of days
    max_picture_bytes         = 104857600            # at most 20 MiB
    upload_url_ttl_seconds    = 301                  # at most 300 seconds
    cors_allowed_origins      = ["*"]                # no wildcard
    callback_urls             = []                   # not empty
    logout_urls               = ["https://*.example.com/"]
    name_prefix               = "Health_Tech"
    environment               = "production-eu"
    region                    = "europe"
    log_retention_days        = 42 # one of CloudWatch's values
    alarm_email               = "oncall at example.org"
    mfa_configuration         = "SOMETIMES"
    advanced_security_mode    = "STRICT"
    hosted_ui_domain_prefix   = "my-cognito-login" # may not name Cognito
    api_stage_name            = "v1/beta"
    api_waf_rate_limit        = 5 # WAF's lower bound is 10
    ses_email = {                 # the identity must be an SES one
      source_arn   = "arn:aws:sns:eu-west-1:123456789012:no-reply"
      from_address = "no-reply@example.org"
    }
    hosted_ui_managed_login_version        = 3 # 1 or 2
    pre_signup_reserved_concurrency        = 0 # a reservation of zero stops the trigger
    post_confirmation_reserved_concurrency = 2.5
  }

  expect_failures = [
    var.self_service_user_types,
    var.profile_shards,
    var.access_log_retention_days,
    var.max_picture_bytes,
    var.upload_url_ttl_seconds,
    var.cors_allowed_origins,
    var.callback_urls,
    var.logout_urls,
    var.name_prefix,
    var.environment,
    var.region,
    var.log_retention_days,
    var.alarm_email,
    var.mfa_configuration,
    var.advanced_security_mode,
    var.hosted_ui_domain_prefix,
    var.api_stage_name,
    var.api_waf_rate_limit,
    var.ses_email,
    var.hosted_ui_managed_login_version,
    var.pre_signup_reserved_concurrency,
    var.post_confirmation_reserved_concurrency,
  ]
}

run "bad_values_are_refused_2" {
  command = plan

  variables {
    self_service_user_types   = []                         # not empty
    profile_shards            = 2.5                        # not fractional
    access_log_retention_days = 2190.5                     # not fractional
    cors_allowed_origins      = ["http://app.example.com"] # https, or http on localhost only
    callback_urls             = ["http://app.example.com/callback"]
    api_waf_rate_limit        = 150.5 # a whole number
    ses_email = {                     # the sender must be the address identity
      source_arn   = "arn:aws:ses:eu-west-1:123456789012:identity/no-reply@example.org"
      from_address = "HealthTech <help@example.org>"
    }
  }

  expect_failures = [
    var.self_service_user_types,
    var.profile_shards,
    var.access_log_retention_days,
    var.cors_allowed_origins,
    var.callback_urls,
    var.api_waf_rate_limit,
    var.ses_email,
  ]
}

run "bad_values_are_refused_3" {
  command = plan

  variables {
    self_service_user_types = ["Nurse"] # only known user types
    ses_email = {                       # the sender must be in the domain identity
      source_arn   = "arn:aws:ses:eu-west-1:123456789012:identity/example.org"
      from_address = "no-reply@example.org.evil.com"
    }
  }

  expect_failures = [var.self_service_user_types, var.ses_email]
}

run "bad_values_are_refused_4" {
  command = plan

  variables {
    ses_email = { # a reply-to is a bare address
      source_arn       = "arn:aws:ses:eu-west-1:123456789012:identity/example.org"
      from_address     = "no-reply@example.org"
      reply_to_address = "Support <support@example.org>"
    }
  }

  expect_failures = [var.ses_email]
}

# Module guards: the function module refuses wildcard grants whoever calls it.
run "function_policy_rejects_wildcard_actions" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    function_name   = "wildcard-action"
    artifact        = "users-api"
    log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    policy_statements = [{
      sid       = "TooBroad"
      actions   = ["dynamodb:*"]
      resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/t"]
    }]
  }

  expect_failures = [var.policy_statements]
}

run "function_policy_rejects_star_resources" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    function_name   = "star-resource"
    artifact        = "users-api"
    log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    policy_statements = [{
      sid       = "TooBroad"
      actions   = ["dynamodb:GetItem"]
      resources = ["*"]
    }]
  }

  expect_failures = [var.policy_statements]
}

run "api_rejects_authorized_preflight" {
  command = plan

  module {
    source = "./modules/rest-api"
  }

  variables {
    name                = "api"
    function_name       = "fn"
    function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations"
    user_pool_arn       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_example"
    log_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    routes = {
      "OPTIONS /users" = { authorized = true }
    }
  }

  expect_failures = [var.routes]
}

run "api_rejects_route_without_leading_slash" {
  command = plan

  module {
    source = "./modules/rest-api"
  }

  variables {
    name                = "api"
    function_name       = "fn"
    function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations"
    user_pool_arn       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_example"
    log_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    routes = {
      "GET users" = { authorized = true }
    }
  }

  expect_failures = [var.routes]
}

run "api_rejects_routes_deeper_than_three_segments" {
  command = plan

  module {
    source = "./modules/rest-api"
  }

  variables {
    name                = "api"
    function_name       = "fn"
    function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations"
    user_pool_arn       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_example"
    log_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    routes = {
      "GET /a/b/c/d" = { authorized = true }
    }
  }

  expect_failures = [var.routes]
}

run "api_rejects_unknown_methods" {
  command = plan

  module {
    source = "./modules/rest-api"
  }

  variables {
    name                = "api"
    function_name       = "fn"
    function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations"
    user_pool_arn       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_example"
    log_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    routes = {
      "FETCH /users/me" = { authorized = true }
    }
  }

  expect_failures = [var.routes]
}
