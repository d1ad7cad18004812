# Cognito user pool with email sign-in, its groups, the Hosted UI domain, the public app
# client for mobile apps (authorization code + PKCE), and the Lambda triggers with invoke
# permissions scoped to this pool.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  custom_attribute_names = [for name in keys(var.custom_attributes) : "custom:${name}"]

  # Cognito applies the client's write attributes to sign-up as well, so every custom
  # attribute (custom:user_type included) stays writable; immutable ones cannot change later.
  read_attributes  = concat(["email", "email_verified", "name", "phone_number", "phone_number_verified"], local.custom_attribute_names)
  write_attributes = concat(["email", "name", "phone_number"], local.custom_attribute_names)

  explicit_auth_flows = concat(
    ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    var.allow_user_password_auth ? ["ALLOW_USER_PASSWORD_AUTH"] : [],
  )

  hosted_ui_url = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.name}.amazoncognito.com"
}

resource "aws_cognito_user_pool" "this" {
  name                     = var.name
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = var.mfa_configuration
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  # Threat protection is a Plus-tier feature; otherwise let Cognito keep its default tier.
  user_pool_tier = var.advanced_security_mode == "OFF" ? null : "PLUS"

  username_configuration {
    case_sensitive = false
  }

  password_policy {
    minimum_length                   = var.password_minimum_length
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 7
  }

  admin_create_user_config {
    allow_admin_create_user_only = false
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  # Keep the old, verified email until the user confirms a new one.
  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }

  verification_message_template {
    default_email_option = "CONFIRM_WITH_CODE"
  }

  # Cognito's built-in sender allows at most 50 emails a day; production sends through SES.
  email_configuration {
    email_sending_account  = var.ses_email == null ? "COGNITO_DEFAULT" : "DEVELOPER"
    source_arn             = try(var.ses_email.source_arn, null)
    from_email_address     = try(var.ses_email.from_address, null)
    reply_to_email_address = try(var.ses_email.reply_to_address, null)
    configuration_set      = try(var.ses_email.configuration_set, null)
  }

  dynamic "software_token_mfa_configuration" {
    for_each = var.mfa_configuration == "OFF" ? [] : [true]
    content {
      enabled = true
    }
  }

  dynamic "user_pool_add_ons" {
    for_each = var.advanced_security_mode == "OFF" ? [] : [var.advanced_security_mode]
    content {
      advanced_security_mode = user_pool_add_ons.value
    }
  }

  schema {
    name                     = "email"
    attribute_data_type      = "String"
    required                 = true
    mutable                  = true
    developer_only_attribute = false

    string_attribute_constraints {
      min_length = 3
      max_length = 254
    }
  }

  dynamic "schema" {
    for_each = var.custom_attributes
    content {
      name                     = schema.key
      attribute_data_type      = "String"
      required                 = false
      mutable                  = schema.value.mutable
      developer_only_attribute = false

      string_attribute_constraints {
        min_length = schema.value.min_length
        max_length = schema.value.max_length
      }
    }
  }

  dynamic "lambda_config" {
    for_each = length(var.lambda_triggers) > 0 ? [true] : []
    content {
      pre_sign_up       = try(var.lambda_triggers["pre_sign_up"].function_arn, null)
      post_confirmation = try(var.lambda_triggers["post_confirmation"].function_arn, null)
    }
  }

  tags = var.tags
}

resource "aws_lambda_permission" "this" {
  for_each = var.lambda_triggers

  statement_id   = "AllowCognito-${replace(each.key, "_", "-")}"
  action         = "lambda:InvokeFunction"
  function_name  = each.value.function_name
  qualifier      = each.value.qualifier
  principal      = "cognito-idp.amazonaws.com"
  source_arn     = aws_cognito_user_pool.this.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_cognito_user_group" "this" {
  for_each = var.groups

  user_pool_id = aws_cognito_user_pool.this.id
  name         = each.key
  description  = each.value.description
  precedence   = each.value.precedence
}

resource "aws_cognito_user_pool_domain" "this" {
  domain                = var.domain_prefix
  user_pool_id          = aws_cognito_user_pool.this.id
  managed_login_version = var.managed_login_version
}

resource "aws_cognito_user_pool_client" "this" {
  name            = "${var.name}-app"
  user_pool_id    = aws_cognito_user_pool.this.id
  generate_secret = false

  explicit_auth_flows           = local.explicit_auth_flows
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  auth_session_validity         = 3

  # Authorization code flow for a public client; the apps add PKCE (code_challenge S256).
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = var.oauth_scopes
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = var.callback_urls
  logout_urls                          = var.logout_urls

  read_attributes  = local.read_attributes
  write_attributes = local.write_attributes

  access_token_validity  = var.access_token_validity_minutes
  id_token_validity      = var.id_token_validity_minutes
  refresh_token_validity = var.refresh_token_validity_days

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

# Test harnesses only (var.test_client): the app client's attributes and token lifetimes,
# plus the password flows that send the password itself, so suites and benchmarks sign in
# without SRP while the app client keeps exactly the flows production enables. No OAuth.
resource "aws_cognito_user_pool_client" "tests" {
  count = var.test_client ? 1 : 0

  name            = "${var.name}-tests"
  user_pool_id    = aws_cognito_user_pool.this.id
  generate_secret = false

  explicit_auth_flows           = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  auth_session_validity         = 3

  read_attributes  = local.read_attributes
  write_attributes = local.write_attributes

  access_token_validity  = var.access_token_validity_minutes
  id_token_validity      = var.id_token_validity_minutes
  refresh_token_validity = var.refresh_token_validity_days

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

# Cognito's own DeleteUser (any signed-in user's access token may call it) would delete the
# Cognito user and leave the profile, its counters and pictures behind: personal data with
# no owner. The platform's DELETE /users/{id} removes all of it, so the user pool's web ACL
# refuses that one operation (Cognito answers ForbiddenException) and lets the rest through.
resource "aws_wafv2_web_acl" "this" {
  #checkov:skip=CKV_AWS_192:That check asks for the Log4j (AWSManagedRulesKnownBadInputsRuleSet) rule group; Cognito is a managed service, and the ACL only refuses one operation.
  #checkov:skip=CKV2_AWS_31:Requests this ACL sees are sign-ins and sign-ups; it logs nothing so that no request metadata about them is kept beyond Cognito's own.
  name        = "${var.name}-user-pool"
  description = "Refuses Cognito's self-service DeleteUser on user pool ${var.name}: accounts are deleted through the API"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "refuse-self-service-delete-user"
    priority = 0

    action {
      block {}
    }

    statement {
      byte_match_statement {
        search_string         = "AWSCognitoIdentityProviderService.DeleteUser"
        positional_constraint = "EXACTLY"

        field_to_match {
          single_header {
            name = "x-amz-target"
          }
        }

        text_transformation {
          priority = 0
          type     = "NONE"
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-refuse-delete-user"
      sampled_requests_enabled   = false
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-user-pool-web-acl"
    sampled_requests_enabled   = false
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_cognito_user_pool.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}
