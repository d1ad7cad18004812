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
    alarm_topic_arn         = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"
    hosted_ui_domain_prefix = "healthtech-login"
  }
}

run "admin_is_never_self_service" {
  command = plan

  variables {
    self_service_user_types = ["Patient", "Admin"]
  }

  expect_failures = [var.self_service_user_types]
}

run "profile_shards_must_be_a_whole_number_from_1_to_100" {
  command = plan

  variables {
    profile_shards = 101
  }

  expect_failures = [var.profile_shards]
}

run "profile_shards_may_not_be_fractional" {
  command = plan

  variables {
    profile_shards = 2.5
  }

  expect_failures = [var.profile_shards]
}

run "access_log_retention_must_be_a_whole_number_of_days" {
  command = plan

  variables {
    access_log_retention_days = 0
  }

  expect_failures = [var.access_log_retention_days]
}

run "access_log_retention_may_not_be_fractional" {
  command = plan

  variables {
    access_log_retention_days = 2190.5
  }

  expect_failures = [var.access_log_retention_days]
}

run "self_service_user_types_must_not_be_empty" {
  command = plan

  variables {
    self_service_user_types = []
  }

  expect_failures = [var.self_service_user_types]
}

run "unknown_user_type_is_rejected" {
  command = plan

  variables {
    self_service_user_types = ["Nurse"]
  }

  expect_failures = [var.self_service_user_types]
}

run "picture_size_limit_has_bounds" {
  command = plan

  variables {
    max_picture_bytes = 104857600
  }

  expect_failures = [var.max_picture_bytes]
}

run "upload_url_ttl_is_at_most_300_seconds" {
  command = plan

  variables {
    upload_url_ttl_seconds = 301
  }

  expect_failures = [var.upload_url_ttl_seconds]
}

run "cors_wildcard_is_rejected" {
  command = plan

  variables {
    cors_allowed_origins = ["*"]
  }

  expect_failures = [var.cors_allowed_origins]
}

run "cors_plain_http_is_rejected" {
  command = plan

  variables {
    cors_allowed_origins = ["http://app.example.com"]
  }

  expect_failures = [var.cors_allowed_origins]
}

run "callback_urls_must_not_be_empty" {
  command = plan

  variables {
    callback_urls = []
  }

  expect_failures = [var.callback_urls]
}

run "callback_urls_reject_plain_http" {
  command = plan

  variables {
    callback_urls = ["http://app.example.com/callback"]
  }

  expect_failures = [var.callback_urls]
}

run "logout_urls_reject_wildcards" {
  command = plan

  variables {
    logout_urls = ["https://*.example.com/"]
  }

  expect_failures = [var.logout_urls]
}

run "name_prefix_pattern_is_enforced" {
  command = plan

  variables {
    name_prefix = "Health_Tech"
  }

  expect_failures = [var.name_prefix]
}

run "environment_pattern_is_enforced" {
  command = plan

  variables {
    environment = "production-eu"
  }

  expect_failures = [var.environment]
}

run "region_pattern_is_enforced" {
  command = plan

  variables {
    region = "europe"
  }

  expect_failures = [var.region]
}

run "log_retention_must_be_a_cloudwatch_value" {
  command = plan

  variables {
    log_retention_days = 42
  }

  expect_failures = [var.log_retention_days]
}

run "alarm_topic_must_be_an_sns_arn" {
  command = plan

  variables {
    alarm_topic_arn = "ops-alarms"
  }

  expect_failures = [var.alarm_topic_arn]
}

run "mfa_mode_is_an_enum" {
  command = plan

  variables {
    mfa_configuration = "SOMETIMES"
  }

  expect_failures = [var.mfa_configuration]
}

run "advanced_security_mode_is_an_enum" {
  command = plan

  variables {
    advanced_security_mode = "STRICT"
  }

  expect_failures = [var.advanced_security_mode]
}

run "hosted_ui_prefix_may_not_name_cognito" {
  command = plan

  variables {
    hosted_ui_domain_prefix = "my-cognito-login"
  }

  expect_failures = [var.hosted_ui_domain_prefix]
}

run "api_stage_name_pattern_is_enforced" {
  command = plan

  variables {
    api_stage_name = "v1/beta"
  }

  expect_failures = [var.api_stage_name]
}

run "waf_rate_limit_has_wafs_lower_bound" {
  command = plan

  variables {
    api_waf_rate_limit = 5
  }

  expect_failures = [var.api_waf_rate_limit]
}

run "waf_rate_limit_is_a_whole_number" {
  command = plan

  variables {
    api_waf_rate_limit = 150.5
  }

  expect_failures = [var.api_waf_rate_limit]
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

run "ses_email_needs_an_ses_identity_arn" {
  command = plan

  variables {
    ses_email = {
      source_arn   = "arn:aws:sns:eu-west-1:123456789012:no-reply"
      from_address = "no-reply@example.org"
    }
  }

  expect_failures = [var.ses_email]
}

run "ses_email_sender_must_be_the_address_identity" {
  command = plan

  variables {
    ses_email = {
      source_arn   = "arn:aws:ses:eu-west-1:123456789012:identity/no-reply@example.org"
      from_address = "HealthTech <help@example.org>"
    }
  }

  expect_failures = [var.ses_email]
}

run "ses_email_sender_must_be_in_the_domain_identity" {
  command = plan

  variables {
    ses_email = {
      source_arn   = "arn:aws:ses:eu-west-1:123456789012:identity/example.org"
      from_address = "no-reply@example.org.evil.com"
    }
  }

  expect_failures = [var.ses_email]
}

run "ses_email_reply_to_must_be_an_address" {
  command = plan

  variables {
    ses_email = {
      source_arn       = "arn:aws:ses:eu-west-1:123456789012:identity/example.org"
      from_address     = "no-reply@example.org"
      reply_to_address = "Support <support@example.org>"
    }
  }

  expect_failures = [var.ses_email]
}

run "managed_login_version_is_1_or_2" {
  command = plan

  variables {
    hosted_ui_managed_login_version = 3
  }

  expect_failures = [var.hosted_ui_managed_login_version]
}

run "a_trigger_reservation_of_zero_is_refused" {
  command = plan

  variables {
    pre_signup_reserved_concurrency = 0
  }

  expect_failures = [var.pre_signup_reserved_concurrency]
}

run "a_trigger_reservation_is_a_whole_number" {
  command = plan

  variables {
    post_confirmation_reserved_concurrency = 2.5
  }

  expect_failures = [var.post_confirmation_reserved_concurrency]
}

# Module guards: the function module refuses wildcard grants whoever calls it.
run "function_policy_rejects_wildcard_actions" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    function_name = "wildcard-action"
    artifact      = "users-api"
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
    function_name = "star-resource"
    artifact      = "users-api"
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
    routes = {
      "FETCH /users/me" = { authorized = true }
    }
  }

  expect_failures = [var.routes]
}
