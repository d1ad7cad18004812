# Wiring: triggers, routes, least-privilege policies and function settings, asserted on a
# mocked apply of the root module (so every ARN is known and comparable).

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

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1"
    }
  }

  mock_resource "aws_cognito_user_pool" {
    defaults = {
      id       = "eu-west-1_Example"
      arn      = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example"
      endpoint = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
    }
  }

  # The provider validates the ARNs and ids it is handed, so mocked ones are well-formed.
  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mocked"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mocked"
    }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5"
    }
  }

  mock_resource "aws_api_gateway_stage" {
    defaults = {
      arn = "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/v1"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/healthtech-dev-users-v1/0a1b2c3d"
    }
  }

  # Customer managed keys and the alarm topic (health_data.tf) are handed on as ARNs.
  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:123456789012:mocked-alarms"
    }
  }
}

# The access log table's own ARN, so a grant on the wrong table is caught.
override_resource {
  target = module.access_log_table.aws_dynamodb_table.this
  values = {
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-access-log"
  }
}

# Distinct, well-formed function ARNs so a trigger wired to the wrong function is caught.
override_resource {
  target = module.pre_signup.aws_lambda_function.this
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-pre-signup"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-pre-signup/invocations"
  }
}

override_resource {
  target = module.post_confirmation.aws_lambda_function.this
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-post-confirmation"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-post-confirmation/invocations"
  }
}

override_resource {
  target = module.users_api.aws_lambda_function.this
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-users-api"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-users-api/invocations"
    version    = "4"
  }
}

# Each alias as Lambda names it: the function's ARN qualified by the alias name.
override_resource {
  target = module.pre_signup.aws_lambda_alias.this
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-pre-signup:live"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-pre-signup:live/invocations"
  }
}

override_resource {
  target = module.post_confirmation.aws_lambda_alias.this
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-post-confirmation:live"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-post-confirmation:live/invocations"
  }
}

override_resource {
  target = module.users_api.aws_lambda_alias.this
  values = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-users-api:live"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:healthtech-dev-users-api:live/invocations"
  }
}

variables {
  artifacts_dir = "./tests/fixtures"
}

# A run costs several CPU-seconds whatever it asserts (the provider starts about three
# times), so the checks that need the same variables share a run. Terraform evaluates every
# assert in a run and reports each one that fails by its error_message.
run "the_default_module_is_wired_as_contracted" {
  command = apply

  # No app client for test harnesses unless asked for (the local stack asks).
  assert {
    condition     = output.user_pool_test_client_id == null
    error_message = "The test harnesses' app client must be off by default."
  }

  # Triggers point at their functions.
  assert {
    condition     = module.user_pool.lambda_triggers.pre_sign_up == module.pre_signup.alias_arn && module.pre_signup.alias_arn == "${module.pre_signup.arn}:live"
    error_message = "PreSignUp must invoke the pre-signup function's live alias."
  }

  assert {
    condition     = module.user_pool.lambda_triggers.post_confirmation == module.post_confirmation.alias_arn && module.post_confirmation.alias_arn == "${module.post_confirmation.arn}:live"
    error_message = "PostConfirmation must invoke the post-confirmation function's live alias."
  }

  assert {
    condition     = module.pre_signup.arn != module.post_confirmation.arn
    error_message = "The two triggers must be different functions."
  }

  assert {
    condition = (
      module.user_pool.trigger_permissions.pre_sign_up.function_name == module.pre_signup.function_name &&
      module.user_pool.trigger_permissions.post_confirmation.function_name == module.post_confirmation.function_name
    )
    error_message = "Each trigger's invoke permission must be on the function the trigger calls."
  }

  assert {
    condition = (
      module.user_pool.trigger_permissions.pre_sign_up.qualifier == "live" &&
      module.user_pool.trigger_permissions.post_confirmation.qualifier == "live"
    )
    error_message = "Each trigger's invoke permission must be on the alias Cognito invokes (a permission on the function alone does not cover an alias)."
  }

  assert {
    condition = alltrue([
      for p in values(module.user_pool.trigger_permissions) :
      p.principal == "cognito-idp.amazonaws.com" && p.source_arn == module.user_pool.arn && p.source_account == "123456789012"
    ])
    error_message = "Trigger permissions must be scoped to Cognito, this pool's ARN and this account."
  }

  assert {
    condition     = length(module.user_pool.trigger_permissions) == 2
    error_message = "Exactly the two triggers get invoke permissions."
  }

  # Pictures that no profile uses expire after a day.
  assert {
    condition     = module.picture_bucket.unattached_picture_rule == { tag = { key = "picture", value = "unattached" }, days = 1 }
    error_message = "Uploads are tagged picture=unattached until attached (adapters::s3::PICTURE_TAG); the bucket must expire them after a day."
  }

  # Cognito's own DeleteUser is refused by the pool's web ACL.
  assert {
    condition     = module.user_pool.refused_operations == ["AWSCognitoIdentityProviderService.DeleteUser"]
    error_message = "The user pool's web ACL must refuse exactly Cognito's self-service DeleteUser: accounts are deleted through the API, which removes their data too."
  }

  assert {
    condition     = module.user_pool.web_acl_association == module.user_pool.arn
    error_message = "The web ACL must guard this user pool."
  }

  # Every route but health and preflight is authorized.
  assert {
    condition = alltrue([
      for route, m in module.api.methods :
      m.authorization == ((route == "GET /health" || startswith(route, "OPTIONS ")) ? "NONE" : "COGNITO_USER_POOLS")
    ])
    error_message = "Only GET /health and OPTIONS preflights may skip the Cognito authorizer."
  }

  assert {
    condition = alltrue([
      for route, m in module.api.methods :
      m.authorizer_id == module.api.authorizer_id if m.authorization == "COGNITO_USER_POOLS"
    ])
    error_message = "Authorized routes must use this API's Cognito authorizer."
  }

  assert {
    condition = alltrue([
      for m in values(module.api.methods) : m.integration_type == "AWS_PROXY" && m.integration_uri == module.users_api.alias_invoke_arn
    ])
    error_message = "Every route must proxy to the users-api function's live alias."
  }

  assert {
    condition     = endswith(module.users_api.alias_invoke_arn, ":function:healthtech-dev-users-api:live/invocations")
    error_message = "The integrations' invoke ARN names the live alias."
  }

  assert {
    condition     = module.api.invoke_permission_qualifier == "live"
    error_message = "API Gateway's invoke permission must be on the alias the integrations invoke."
  }

  assert {
    condition = toset(keys(module.api.methods)) == toset([
      "GET /health",
      "GET /users", "OPTIONS /users",
      "GET /users/{id}", "PUT /users/{id}", "DELETE /users/{id}", "OPTIONS /users/{id}",
      "POST /users/{id}/picture-upload-url", "OPTIONS /users/{id}/picture-upload-url",
      "GET /admin/metrics", "OPTIONS /admin/metrics",
      "GET /users/{id}/access-log", "OPTIONS /users/{id}/access-log",
    ])
    error_message = "The API must expose exactly the documented routes."
  }

  assert {
    condition     = module.api.resource_paths == tolist(["admin", "admin/metrics", "health", "users", "users/{id}", "users/{id}/access-log", "users/{id}/picture-upload-url"])
    error_message = "The resource tree must be derived from the route paths."
  }

  assert {
    condition     = module.api.invoke_permission_source_arn == "${module.api.execution_arn}/v1/*/*"
    error_message = "API Gateway's invoke permission must be scoped to this API's stage."
  }

  assert {
    condition     = output.api_url == module.api.invoke_url && module.api.stage_name == "v1"
    error_message = "api_url must be the v1 stage invoke URL."
  }

  # Policies grant exactly the called actions on their resources.
  # users-api: profile items on the table, Query on the listing index, BatchGetItem on the table (counters), PutItem and Query on the access log table, pictures under the prefix, listing the bucket (so a missing picture is 404, not 403), groups on the pool.
  assert {
    condition = {
      for s in jsondecode(module.users_api.policy_json).Statement : s.Sid => { actions = toset(s.Action), resources = s.Resource }
      if s.Sid != "WriteOwnLogs" && s.Sid != "WriteTraces"
      } == {
      ReadWriteProfiles = {
        actions   = toset(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"])
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles"]
      }
      ListProfiles = {
        actions   = toset(["dynamodb:Query"])
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles/index/listing"]
      }
      ReadCounters = {
        actions   = toset(["dynamodb:BatchGetItem"])
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles"]
      }
      AppendAccessLog = {
        actions   = toset(["dynamodb:PutItem"])
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-access-log"]
      }
      ReadAccessLog = {
        actions   = toset(["dynamodb:Query"])
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-access-log"]
      }
      PresignPictures = {
        actions   = toset(["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"])
        resources = ["arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1/profile-pictures/*"]
      }
      TellMissingPictures = {
        actions   = toset(["s3:ListBucket"])
        resources = ["arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1"]
      }
      ListPictureVersions = {
        actions   = toset(["s3:ListBucketVersions"])
        resources = ["arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1"]
      }
      DeletePictures = {
        actions   = toset(["s3:DeleteObject", "s3:DeleteObjectVersion"])
        resources = ["arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1/profile-pictures/*"]
      }
      MoveUserBetweenGroups = {
        actions   = toset(["cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminRemoveUserFromGroup"])
        resources = ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example"]
      }
      DeleteAccounts = {
        actions   = toset(["cognito-idp:AdminDeleteUser"])
        resources = ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example"]
      }
    }
    error_message = "users-api must be granted exactly its calls, each on its own resource."
  }

  # post-confirmation: profile and counter writes on the table; AdminAddUserToGroup on the pool, attached separately.
  assert {
    condition = {
      for s in jsondecode(module.post_confirmation.policy_json).Statement : s.Sid => { actions = toset(s.Action), resources = s.Resource }
      if s.Sid != "WriteOwnLogs" && s.Sid != "WriteTraces"
      } == {
      CreateProfile = {
        actions   = toset(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"])
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles"]
      }
    }
    error_message = "post-confirmation's inline policy must grant only the profile writes on the table."
  }

  assert {
    condition = (
      aws_iam_role_policy.post_confirmation_groups.role == module.post_confirmation.role_name &&
      jsondecode(aws_iam_role_policy.post_confirmation_groups.policy).Statement == [{
        Sid      = "AddConfirmedUserToGroup"
        Effect   = "Allow"
        Action   = ["cognito-idp:AdminAddUserToGroup"]
        Resource = ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example"]
      }]
    )
    error_message = "post-confirmation may only add users to groups of this pool."
  }

  # pre-signup calls nothing: logs and traces only.
  assert {
    condition     = [for s in jsondecode(module.pre_signup.policy_json).Statement : s.Sid] == ["WriteOwnLogs", "WriteTraces"]
    error_message = "pre-signup must get no permission beyond its logs and X-Ray."
  }

  # Logs go to the function's own group; "*" appears only for X-Ray, which has no resource-level permissions.
  assert {
    condition = alltrue(flatten([
      for f in [module.pre_signup, module.post_confirmation, module.users_api] : [
        for s in jsondecode(f.policy_json).Statement : [
          s.Effect == "Allow",
          alltrue([for a in s.Action : !strcontains(a, "*")]),
          s.Sid == "WriteTraces" ? toset(s.Action) == toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]) : !contains(s.Resource, "*"),
          s.Sid == "WriteOwnLogs" ? length(s.Resource) == 1 && endswith(s.Resource[0], ":*") : true,
        ]
      ]
    ]))
    error_message = "No wildcard actions, and no resource \"*\" except the X-Ray write actions."
  }

  # Functions get their contracted settings.
  assert {
    condition     = length(module.api.gateway_response_headers) == 0
    error_message = "Without browser origins, API Gateway's answers carry no CORS headers."
  }

  assert {
    condition = module.post_confirmation.environment_variables == tomap({
      PROFILE_TABLE_NAME      = "healthtech-dev-profiles"
      PROFILE_SHARDS          = "16"
      SELF_SERVICE_USER_TYPES = "Patient"
    })
    error_message = "post-confirmation gets the table name, its shard count and the self-service user types."
  }

  assert {
    condition = module.users_api.environment_variables == tomap({
      PROFILE_TABLE_NAME        = "healthtech-dev-profiles"
      PROFILE_SHARDS            = "16"
      PICTURE_BUCKET_NAME       = "healthtech-dev-pictures-123456789012-eu-west-1"
      USER_POOL_ID              = module.user_pool.id
      MAX_PICTURE_BYTES         = "5242880"
      UPLOAD_URL_TTL_SECONDS    = "300"
      PICTURE_URL_TTL_SECONDS   = "300"
      CORS_ALLOWED_ORIGINS      = ""
      SELF_SERVICE_USER_TYPES   = "Patient"
      ACCESS_LOG_TABLE_NAME     = "healthtech-dev-access-log"
      ACCESS_LOG_RETENTION_DAYS = "2190"
    })
    error_message = "users-api gets exactly its contracted environment."
  }

  assert {
    condition     = length(module.pre_signup.environment_variables) == 0
    error_message = "pre-signup needs no environment."
  }

  # Lambda writes START, END and REPORT (duration, billed duration, max memory, init
  # duration) at INFO: a system log level above INFO drops every one of them.
  assert {
    condition = alltrue([
      for f in [module.pre_signup, module.post_confirmation, module.users_api] :
      f.logging_config.system_log_level == "INFO" && f.logging_config.log_format == "JSON" && f.logging_config.application_log_level == "INFO"
    ])
    error_message = "Every function logs JSON with Lambda's platform lines kept (system_log_level INFO) at the application log_level."
  }

  assert {
    condition = (
      module.pre_signup.logging_config.log_group == module.pre_signup.log_group_name &&
      module.post_confirmation.logging_config.log_group == module.post_confirmation.log_group_name &&
      module.users_api.logging_config.log_group == module.users_api.log_group_name
    )
    error_message = "Each function logs to its own log group (the one whose retention Terraform sets)."
  }

  assert {
    condition = alltrue([
      for f in [module.pre_signup, module.post_confirmation, module.users_api] : f.architecture == "arm64"
    ])
    error_message = "The architecture must come from the manifest (the fixture says arm64)."
  }

  assert {
    condition = (
      module.user_pool.custom_attribute_schema.user_type.mutable == false &&
      module.user_pool.custom_attribute_schema.dob.mutable &&
      module.user_pool.custom_attribute_schema.dob.max_length == 10 &&
      module.user_pool.custom_attribute_schema.blood_group.max_length == 3
    )
    error_message = "custom:user_type is immutable; dob and blood_group have their length limits."
  }

  assert {
    condition = (
      contains(module.user_pool.client_write_attributes, "custom:user_type") &&
      toset(module.user_pool.client_write_attributes) == toset(["email", "name", "phone_number", "custom:dob", "custom:gender", "custom:blood_group", "custom:user_type"])
    )
    error_message = "The app client writes exactly the contracted attributes (custom:user_type included, for sign-up)."
  }

  assert {
    condition     = toset(keys(module.user_pool.group_names)) == toset(["Patient", "Doctor", "Admin"])
    error_message = "One group per user type."
  }

  assert {
    condition     = output.hosted_ui_url == "https://healthtech-dev-123456789012.auth.eu-west-1.amazoncognito.com"
    error_message = "The Hosted UI domain is derived from name, environment and account."
  }

  # The API stage is behind a per-IP rate limit.
  assert {
    condition     = output.api_web_acl_arn != null && output.api_web_acl_arn == module.api.web_acl_arn
    error_message = "A WAF web ACL is on by default and its ARN is an output."
  }

  assert {
    condition = module.api.web_acl_association == {
      web_acl_arn  = module.api.web_acl_arn
      resource_arn = module.api.stage_arn
    }
    error_message = "The web ACL must be associated with this API's stage."
  }

  assert {
    condition = jsonencode(module.api.web_acl_rate_limit) == jsonencode({
      aggregate_key_type    = "IP"
      evaluation_window_sec = 300
      limit                 = 2000
      response_code         = 429
      response_headers      = {}
    })
    error_message = "The rule limits each client IP to api_waf_rate_limit (default 2000) requests per 5 minutes and answers 429 as API Gateway's throttle does."
  }

  # The pool uses Cognito's sender and the classic Hosted UI by default.
  assert {
    condition = (
      module.user_pool.email_configuration.email_sending_account == "COGNITO_DEFAULT" &&
      module.user_pool.email_configuration.source_arn == null &&
      module.user_pool.email_configuration.from_email_address == null &&
      module.user_pool.email_configuration.reply_to_email_address == null &&
      module.user_pool.email_configuration.configuration_set == null
    )
    error_message = "Without ses_email the pool uses Cognito's built-in sender and names no SES identity."
  }

  assert {
    condition     = module.user_pool.managed_login_version == 1
    error_message = "The Hosted UI domain is on the classic hosted UI (version 1) unless ops choose managed login."
  }

  # Nothing reserves concurrency by default: a new account (limit 10) has no room for it;
  # production's tfvars reserve it for the triggers (envs/prod).
  assert {
    condition = (
      coalesce(module.pre_signup.reserved_concurrent_executions, -1) == -1 &&
      coalesce(module.post_confirmation.reserved_concurrent_executions, -1) == -1
    )
    error_message = "By default neither Cognito trigger reserves concurrency, so a new account's first apply does not fail on it."
  }

  assert {
    condition     = coalesce(module.users_api.reserved_concurrent_executions, -1) == -1
    error_message = "users-api stays on the unreserved pool (reserving for it would shrink what the triggers' reservations protect)."
  }

  # Each function publishes a version and its alias points at it.
  assert {
    condition = alltrue([
      for f in [module.pre_signup, module.post_confirmation, module.users_api] :
      f.publishes_versions && f.alias_name == "live" && f.alias_function_version == f.version
    ])
    error_message = "Every function publishes a version on each change and its live alias points at the version just published."
  }

  assert {
    condition     = module.users_api.alias_function_version == "4" && output.function_versions["users-api"] == { alias = "live", version = "4" }
    error_message = "The alias follows the function's published version, and function_versions reports it."
  }
}

# Ops variables that touch different resources share this run; each section checks that one
# reaches what it configures.
run "ops_variables_reach_their_resources" {
  command = apply

  variables {
    self_service_user_types = ["Patient", "Doctor"]
    cors_allowed_origins    = ["https://app.example.com", "https://admin.example.com"]
    api_waf_rate_limit      = 300
    ses_email = {
      source_arn        = "arn:aws:ses:eu-west-1:123456789012:identity/example.org"
      from_address      = "HealthTech <no-reply@example.org>"
      reply_to_address  = "support@example.org"
      configuration_set = "healthtech-auth"
    }
    hosted_ui_managed_login_version        = 2
    pre_signup_reserved_concurrency        = 3
    post_confirmation_reserved_concurrency = null
    access_log_retention_days              = 3650
    test_app_client                        = true
  }

  assert {
    condition     = output.user_pool_test_client_id != null && output.user_pool_test_client_id != output.user_pool_client_id
    error_message = "test_app_client adds a client of its own beside the app's."
  }

  # CORS origins and self-service types reach the functions.
  assert {
    condition     = module.users_api.environment_variables.CORS_ALLOWED_ORIGINS == "https://app.example.com,https://admin.example.com"
    error_message = "The API gets every allowed origin, comma-separated."
  }

  assert {
    condition     = module.post_confirmation.environment_variables.SELF_SERVICE_USER_TYPES == "Patient,Doctor"
    error_message = "Self-service types are passed comma-separated."
  }

  # Two origins: a gateway response cannot test a list, so it echoes the request's Origin.
  assert {
    condition = jsonencode(module.api.gateway_response_headers) == jsonencode({
      for type in ["DEFAULT_4XX", "DEFAULT_5XX"] : type => {
        "gatewayresponse.header.Access-Control-Allow-Origin" = "method.request.header.Origin"
        "gatewayresponse.header.Vary"                        = "'Origin'"
      }
    })
    error_message = "API Gateway's own 4XX and 5XX answers must carry CORS headers for the allowed origins."
  }

  assert {
    condition     = length(module.api.web_acl_rate_limit.response_headers) == 0
    error_message = "With several origins WAF's static 429 headers cannot echo one, so it names none."
  }

  assert {
    condition     = module.users_api.environment_variables.SELF_SERVICE_USER_TYPES == module.post_confirmation.environment_variables.SELF_SERVICE_USER_TYPES && module.users_api.environment_variables.PROFILE_SHARDS == module.post_confirmation.environment_variables.PROFILE_SHARDS
    error_message = "The API decides a first profile by the same self-service policy as PostConfirmation, and keys the table by the same shard count."
  }

  # The WAF limit is the ops variable.
  assert {
    condition     = module.api.web_acl_rate_limit.limit == 300
    error_message = "api_waf_rate_limit must reach the rate-based rule."
  }

  # SES email sends through the named identity; the managed login version reaches the domain.
  assert {
    condition = module.user_pool.email_configuration == {
      email_sending_account  = "DEVELOPER"
      source_arn             = "arn:aws:ses:eu-west-1:123456789012:identity/example.org"
      from_email_address     = "HealthTech <no-reply@example.org>"
      reply_to_email_address = "support@example.org"
      configuration_set      = "healthtech-auth"
    }
    error_message = "With ses_email the pool sends through SES (DEVELOPER) from that identity, sender, reply-to and configuration set."
  }

  assert {
    condition     = module.user_pool.managed_login_version == 2
    error_message = "hosted_ui_managed_login_version must reach the domain."
  }

  # Reserved concurrency follows the ops variables.
  assert {
    condition     = module.pre_signup.reserved_concurrent_executions == 3
    error_message = "pre_signup_reserved_concurrency must reach the pre-signup function."
  }

  assert {
    condition     = coalesce(module.post_confirmation.reserved_concurrent_executions, -1) == -1
    error_message = "null must leave post-confirmation unreserved."
  }

  # The access log is append-only, encrypted and kept for its retention.
  # No function may change or remove an entry: on the access log table, only PutItem
  # (every put is conditional on a new key) and Query, and no wildcard that could cover more.
  assert {
    condition = alltrue(flatten([
      for f in [module.pre_signup, module.post_confirmation, module.users_api] : [
        for s in jsondecode(f.policy_json).Statement : [
          for a in s.Action : contains(["dynamodb:PutItem", "dynamodb:Query"], a)
        ] if anytrue([for r in s.Resource : startswith(r, module.access_log_table.arn)])
      ]
    ]))
    error_message = "Only PutItem and Query may be granted on the access log table (no UpdateItem, DeleteItem or BatchWriteItem)."
  }

  assert {
    condition = (
      module.access_log_table.ttl_attribute == "expires_at" &&
      module.access_log_table.point_in_time_recovery &&
      module.access_log_table.deletion_protection &&
      output.access_log_table_name == "healthtech-dev-access-log"
    )
    error_message = "The access log expires entries by expires_at, has point-in-time recovery and deletion protection, and its name is an output."
  }

  assert {
    condition     = module.users_api.environment_variables.ACCESS_LOG_RETENTION_DAYS == "3650"
    error_message = "access_log_retention_days must reach the API, which stamps each entry's expiry."
  }
}

run "one_browser_origin_is_named_in_the_gateways_own_answers" {
  command = apply

  variables {
    cors_allowed_origins = ["https://app.example.com"]
  }

  assert {
    condition = jsonencode(module.api.gateway_response_headers) == jsonencode({
      for type in ["DEFAULT_4XX", "DEFAULT_5XX"] : type => {
        "gatewayresponse.header.Access-Control-Allow-Origin" = "'https://app.example.com'"
        "gatewayresponse.header.Vary"                        = "'Origin'"
      }
    })
    error_message = "With one allowed origin, API Gateway's own answers name it, never echo."
  }

  assert {
    condition = jsonencode(module.api.web_acl_rate_limit.response_headers) == jsonencode({
      "Access-Control-Allow-Origin" = "https://app.example.com"
      "Vary"                        = "Origin"
    })
    error_message = "WAF's 429 names the one allowed origin too, so a browser app sees the status."
  }
}

run "the_waf_can_be_turned_off" {
  command = apply

  variables {
    api_waf_enabled = false
  }

  assert {
    condition     = output.api_web_acl_arn == null && module.api.web_acl_association == null && module.api.web_acl_rate_limit == null
    error_message = "api_waf_enabled = false must leave no web ACL and no association."
  }
}
