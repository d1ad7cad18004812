# HealthTech signup & profile platform: Cognito user pool with its triggers, the users
# REST API, the profile table, the PHI access log table and the picture bucket. The data model's names (user types,
# custom attributes, routes) are declared once here and everything else derives from them.

provider "aws" {
  region = var.region
  # An environment's settings applied with another account's credentials are refused.
  allowed_account_ids = var.aws_account_id == null ? null : [var.aws_account_id]

  default_tags {
    tags = merge(var.tags, {
      Project     = var.name_prefix
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}

data "aws_caller_identity" "current" {}

locals {
  name          = "${var.name_prefix}-${var.environment}"
  account_id    = data.aws_caller_identity.current.account_id
  artifacts_dir = coalesce(var.artifacts_dir, "${path.root}/../deployment")

  # User types are Cognito groups of the same name (lower precedence wins).
  user_types = {
    Admin   = { precedence = 10, description = "Administrators: manage every profile and user type" }
    Doctor  = { precedence = 20, description = "Doctors approved by an Admin" }
    Patient = { precedence = 30, description = "Patients (self-service sign-up)" }
  }

  # custom:<name> attributes. custom:user_type is immutable: writable at sign-up only.
  custom_attributes = {
    dob         = { min_length = 10, max_length = 10 } # YYYY-MM-DD
    gender      = { min_length = 1, max_length = 32 }
    blood_group = { min_length = 2, max_length = 3 } # A+ ... AB-
    user_type   = { min_length = 1, max_length = 16, mutable = false }
  }

  # Every API route and whether it needs the Cognito authorizer. OPTIONS are CORS
  # preflights the function answers; browsers send them without credentials.
  routes = {
    "GET /health"                            = { authorized = false }
    "GET /users"                             = { authorized = true }
    "OPTIONS /users"                         = { authorized = false }
    "GET /users/{id}"                        = { authorized = true }
    "PUT /users/{id}"                        = { authorized = true }
    "DELETE /users/{id}"                     = { authorized = true }
    "OPTIONS /users/{id}"                    = { authorized = false }
    "POST /users/{id}/picture-upload-url"    = { authorized = true }
    "OPTIONS /users/{id}/picture-upload-url" = { authorized = false }
    "GET /admin/metrics"                     = { authorized = true }
    "OPTIONS /admin/metrics"                 = { authorized = false }
    "GET /users/{id}/access-log"             = { authorized = true }
    "OPTIONS /users/{id}/access-log"         = { authorized = false }
  }

  # Profile and counter items are written in transactions, which IAM authorizes
  # per item action (Put -> PutItem, Update -> UpdateItem).
  profile_item_actions = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
  ]
}

module "profile_table" {
  source = "./modules/profile-table"

  name                = coalesce(var.profile_table_name, "${local.name}-profiles")
  deletion_protection = var.deletion_protection
  kms_key_arn         = module.keys.arns.data
}

module "access_log_table" {
  source = "./modules/access-log-table"

  name                = coalesce(var.access_log_table_name, "${local.name}-access-log")
  deletion_protection = var.deletion_protection
  kms_key_arn         = module.keys.arns.data
}

module "picture_bucket" {
  source = "./modules/picture-bucket"

  name                 = "${local.name}-pictures-${local.account_id}-${var.region}"
  cors_allowed_origins = var.cors_allowed_origins
  kms_key_arn          = module.keys.arns.pictures
  force_destroy        = !var.deletion_protection
}

module "pre_signup" {
  source = "./modules/function"

  function_name   = "${local.name}-pre-signup"
  description     = "Cognito PreSignUp trigger: validates the requested user type and profile attributes"
  artifacts_dir   = local.artifacts_dir
  artifact        = "pre-signup"
  timeout_seconds = 5
  memory_size_mb  = var.lambda_memory_mb
  # Kept for sign-ups whatever the API does with the rest of the account's concurrency.
  reserved_concurrent_executions = var.pre_signup_reserved_concurrency
  log_level                      = var.log_level
  log_retention_days             = var.log_retention_days
  log_kms_key_arn                = module.keys.arns.logs
}

module "post_confirmation" {
  source = "./modules/function"

  function_name   = "${local.name}-post-confirmation"
  description     = "Cognito PostConfirmation trigger: creates the profile and the self-service group membership"
  artifacts_dir   = local.artifacts_dir
  artifact        = "post-confirmation"
  timeout_seconds = 5
  memory_size_mb  = var.lambda_memory_mb
  # Kept for sign-ups whatever the API does with the rest of the account's concurrency.
  reserved_concurrent_executions = var.post_confirmation_reserved_concurrency
  log_level                      = var.log_level
  log_retention_days             = var.log_retention_days
  log_kms_key_arn                = module.keys.arns.logs

  environment_variables = {
    PROFILE_TABLE_NAME      = module.profile_table.name
    PROFILE_SHARDS          = tostring(var.profile_shards)
    SELF_SERVICE_USER_TYPES = join(",", var.self_service_user_types)
  }

  # Profile and counter writes in one TransactWriteItems, authorized per item action.
  policy_statements = [{
    sid       = "CreateProfile"
    actions   = local.profile_item_actions
    resources = [module.profile_table.arn]
  }]
}

# Granted after the pool exists: pool -> trigger function -> this policy -> pool would be a cycle.
resource "aws_iam_role_policy" "post_confirmation_groups" {
  name = "add-user-to-group"
  role = module.post_confirmation.role_name

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "AddConfirmedUserToGroup"
      Effect   = "Allow"
      Action   = ["cognito-idp:AdminAddUserToGroup"]
      Resource = [module.user_pool.arn]
    }]
  })
}

module "user_pool" {
  source = "./modules/user-pool"

  name                     = local.name
  domain_prefix            = coalesce(var.hosted_ui_domain_prefix, "${local.name}-${local.account_id}")
  custom_attributes        = local.custom_attributes
  groups                   = local.user_types
  mfa_configuration        = var.mfa_configuration
  advanced_security_mode   = var.advanced_security_mode
  deletion_protection      = var.deletion_protection
  callback_urls            = var.callback_urls
  logout_urls              = var.logout_urls
  allow_user_password_auth = var.allow_user_password_auth
  test_client              = var.test_app_client
  ses_email                = var.ses_email
  managed_login_version    = var.hosted_ui_managed_login_version

  # Cognito invokes each trigger's alias: the version in service, which a rollback moves.
  lambda_triggers = {
    pre_sign_up = {
      function_arn  = module.pre_signup.alias_arn
      function_name = module.pre_signup.function_name
      qualifier     = module.pre_signup.alias_name
    }
    post_confirmation = {
      function_arn  = module.post_confirmation.alias_arn
      function_name = module.post_confirmation.function_name
      qualifier     = module.post_confirmation.alias_name
    }
  }
}

module "users_api" {
  source = "./modules/function"

  function_name      = "${local.name}-users-api"
  description        = "Users REST API: profiles, picture upload URLs, admin listing and metrics"
  artifacts_dir      = local.artifacts_dir
  artifact           = "users-api"
  timeout_seconds    = 10
  memory_size_mb     = var.lambda_memory_mb
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  log_kms_key_arn    = module.keys.arns.logs

  environment_variables = {
    PROFILE_TABLE_NAME      = module.profile_table.name
    PROFILE_SHARDS          = tostring(var.profile_shards)
    PICTURE_BUCKET_NAME     = module.picture_bucket.name
    USER_POOL_ID            = module.user_pool.id
    MAX_PICTURE_BYTES       = tostring(var.max_picture_bytes)
    UPLOAD_URL_TTL_SECONDS  = tostring(var.upload_url_ttl_seconds)
    PICTURE_URL_TTL_SECONDS = tostring(var.picture_url_ttl_seconds)
    CORS_ALLOWED_ORIGINS    = join(",", var.cors_allowed_origins)
    # A user whose confirmation did not write a profile gets it at the first request,
    # decided by the same policy as PostConfirmation.
    SELF_SERVICE_USER_TYPES   = join(",", var.self_service_user_types)
    ACCESS_LOG_TABLE_NAME     = module.access_log_table.name
    ACCESS_LOG_RETENTION_DAYS = tostring(var.access_log_retention_days)
  }

  policy_statements = [
    {
      sid       = "ReadWriteProfiles"
      actions   = local.profile_item_actions
      resources = [module.profile_table.arn]
    },
    {
      # A listing page queries each shard of a cohort in the listing index.
      sid       = "ListProfiles"
      actions   = ["dynamodb:Query"]
      resources = [module.profile_table.listing_index_arn]
    },
    {
      # The metrics read gets every shard's counter item in one batch.
      sid       = "ReadCounters"
      actions   = ["dynamodb:BatchGetItem"]
      resources = [module.profile_table.arn]
    },
    {
      # Presigned PUT (with its tag) and GET (GetObject also authorizes HeadObject), and
      # the tag that marks a picture attached or unattached (the bucket expires the latter).
      sid       = "PresignPictures"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
      resources = [module.picture_bucket.picture_objects_arn]
    },
    {
      # HeadObject on a never-uploaded key answers 404 only to a role that may list the
      # bucket; without this it is 403, and the API could not tell "not uploaded" (409).
      sid       = "TellMissingPictures"
      actions   = ["s3:ListBucket"]
      resources = [module.picture_bucket.arn]
    },
    {
      # Deleting an account lists every version of its pictures...
      sid       = "ListPictureVersions"
      actions   = ["s3:ListBucketVersions"]
      resources = [module.picture_bucket.arn]
    },
    {
      # ...and removes each version and delete marker under its prefix.
      sid       = "DeletePictures"
      actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
      resources = [module.picture_bucket.picture_objects_arn]
    },
    {
      # Append-only: a conditional PutItem per entry (no UpdateItem, DeleteItem or
      # BatchWriteItem, which would allow deletes), and Query to page through one profile's.
      sid       = "AppendAccessLog"
      actions   = ["dynamodb:PutItem"]
      resources = [module.access_log_table.arn]
    },
    {
      sid       = "ReadAccessLog"
      actions   = ["dynamodb:Query"]
      resources = [module.access_log_table.arn]
    },
    {
      sid       = "MoveUserBetweenGroups"
      actions   = ["cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminRemoveUserFromGroup"]
      resources = [module.user_pool.arn]
    },
    {
      sid       = "DeleteAccounts"
      actions   = ["cognito-idp:AdminDeleteUser"]
      resources = [module.user_pool.arn]
    },
  ]
}

module "api" {
  source = "./modules/rest-api"

  name                        = "${local.name}-users"
  description                 = "HealthTech users API (${var.environment})"
  routes                      = local.routes
  function_name               = module.users_api.function_name
  function_invoke_arn         = module.users_api.alias_invoke_arn
  function_qualifier          = module.users_api.alias_name
  user_pool_arn               = module.user_pool.arn
  stage_name                  = var.api_stage_name
  throttling_rate_limit       = var.api_throttling_rate_limit
  throttling_burst_limit      = var.api_throttling_burst_limit
  waf_enabled                 = var.api_waf_enabled
  waf_rate_limit              = var.api_waf_rate_limit
  log_retention_days          = var.log_retention_days
  manage_account_logging_role = var.manage_api_gateway_account
  log_kms_key_arn             = module.keys.arns.logs
  cors_allowed_origins        = var.cors_allowed_origins
}
