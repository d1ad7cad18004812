# What the environments of one AWS account need before their first apply: the state bucket
# (native S3 locking), API Gateway's per-account logging setting, and per environment a
# deploy role and a plan role that only that environment's GitHub Actions jobs can assume.
# Applied once per account by a person with admin rights (`just bootstrap <env>`).

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = merge(var.tags, {
      Project   = var.name_prefix
      ManagedBy = "terraform"
      Stack     = "bootstrap"
    })
  }
}

data "aws_partition" "current" {}

locals {
  partition   = data.aws_partition.current.partition
  account     = var.aws_account_id
  bucket_name = coalesce(var.state_bucket_name, "${var.name_prefix}-tfstate-${var.aws_account_id}-${var.region}")
  github_oidc = "token.actions.githubusercontent.com"
  oidc_provider_arn = (
    var.create_github_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.github_oidc}"
  )
  # The roles live under their own path: the deploy policy's IAM rights cover roles named
  # <name_prefix>-<env>-* at the root path, which these can never match, so a deploy role
  # cannot rewrite its own permissions.
  role_path = "/github-actions/"
}

# --- State bucket -------------------------------------------------------------------------

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logging would need a second bucket per account; every state read and write is an API call the account's CloudTrail records.
  #checkov:skip=CKV_AWS_144:Cross-region replication of Terraform state is a disaster-recovery choice left to ops; versioning keeps every earlier state in the region.
  #checkov:skip=CKV2_AWS_62:Nothing consumes state-change events; Terraform reads the bucket directly.
  # No force_destroy: S3 refuses to delete a bucket that holds objects (every earlier state
  # version counts), so a destroy of this stack stops here.
  bucket = local.bucket_name
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      # The account's AWS-managed S3 key: readable by the roles below, no key policy to keep.
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "keep-earlier-states-a-year"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 365
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  count  = var.require_tls ? 1 : 0
  bucket = aws_s3_bucket.state.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- API Gateway's logging setting (one per account and region) --------------------------

module "api_gateway_account" {
  source = "../modules/api-gateway-account"
  count  = var.manage_api_gateway_account ? 1 : 0
}

# --- GitHub Actions: OIDC provider, and two roles per environment -------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc}"
  client_id_list = ["sts.amazonaws.com"]
}

# Deploy roles: a job of GitHub environment <env> (protection rules: reviewers for prod).
# Plan roles: a job of GitHub environment <env>-plan, reading only (for pull requests).
locals {
  roles = merge(
    { for env in var.environments : "${env}-deploy" => { env = env, kind = "deploy", github_environment = env } },
    { for env in var.environments : "${env}-plan" => { env = env, kind = "plan", github_environment = "${env}-plan" } },
  )
}

resource "aws_iam_role" "github" {
  for_each = local.roles

  name                 = "${var.name_prefix}-${each.value.kind}-${each.value.env}"
  path                 = local.role_path
  description          = "GitHub Actions ${each.value.kind} role of ${var.name_prefix} ${each.value.env} (jobs of environment ${each.value.github_environment} in ${var.github_repository})"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.github_oidc}:aud" = "sts.amazonaws.com"
          # Only jobs that declare this GitHub environment: no branch, tag or pull request
          # job without it, and no other repository.
          "${local.github_oidc}:sub" = "repo:${var.github_repository}:environment:${each.value.github_environment}"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy" "github" {
  for_each = local.roles

  name   = each.value.kind
  role   = aws_iam_role.github[each.key].id
  policy = each.value.kind == "deploy" ? local.deploy_policies[each.value.env] : local.plan_policies[each.value.env]
}
