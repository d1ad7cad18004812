# The audit trail: who read or changed the profile tables or the picture bucket outside
# the platform's own PHI access log (console, CLI, a borrowed role), and every management
# call. Log files are validated (digest files), encrypted with the logs key, and kept in
# a bucket with object lock that no role of the platform may write to or delete from.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  trail_arn  = "arn:${data.aws_partition.current.partition}:cloudtrail:${data.aws_region.current.name}:${local.account_id}:trail/${var.name}"
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:This bucket is the audit log's destination; logging its own access to another bucket would need a third, and CloudTrail's management events already record every call to its settings.
  #checkov:skip=CKV_AWS_144:Cross-region replication of the audit trail is an organisation-level choice (an organisation trail into a log-archive account); object lock keeps this copy unalterable.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new log files; auditors read them when needed.
  #checkov:skip=CKV2_AWS_61:Lifecycle expiry would fight the object lock retention; objects are kept for the whole retention by design.
  bucket              = var.bucket_name
  object_lock_enabled = true
  force_destroy       = var.force_destroy
  tags                = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

# Every log file is kept for the retention whatever anyone asks: in COMPLIANCE mode not
# even the account root can shorten it or delete the file.
resource "aws_s3_bucket_object_lock_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    default_retention {
      mode  = var.retention_mode
      years = var.retention_years
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "TrailChecksBucketAcl"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:GetBucketAcl"
        Resource  = aws_s3_bucket.this.arn
        Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
      },
      {
        Sid       = "TrailWritesLogFiles"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.this.arn}/AWSLogs/${local.account_id}/*"
        Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
      },
      {
        # Only CloudTrail writes here: no role of the platform, no person.
        Sid       = "OnlyTheTrailWrites"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:PutObject", "s3:PutObjectRetention", "s3:PutObjectLegalHold"]
        Resource  = "${aws_s3_bucket.this.arn}/*"
        Condition = { StringNotEqualsIfExists = { "aws:PrincipalServiceName" = "cloudtrail.amazonaws.com" } }
      },
      {
        # Nobody deletes a log file or lifts a GOVERNANCE lock early.
        Sid       = "NoOneDeletesLogFiles"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]
        Resource  = "${aws_s3_bucket.this.arn}/*"
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_cloudtrail" "this" {
  #checkov:skip=CKV_AWS_252:No SNS notification per log file: alarms come from the functions' metrics, and the trail's delivery is checked through its status.
  #checkov:skip=CKV2_AWS_10:The trail is not sent to CloudWatch Logs: it holds data events on PHI stores and lives in the locked bucket; Logs would be a second, deletable copy.
  name                          = var.name
  s3_bucket_name                = aws_s3_bucket.this.id
  kms_key_id                    = var.kms_key_arn
  enable_log_file_validation    = true
  include_global_service_events = true
  is_multi_region_trail         = true

  # Management events, and data events on exactly these tables and this bucket.
  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type   = "AWS::DynamoDB::Table"
      values = var.table_arns
    }
  }

  event_selector {
    read_write_type           = "All"
    include_management_events = false

    data_resource {
      type   = "AWS::S3::Object"
      values = [for b in var.bucket_arns : "${b}/"]
    }
  }

  tags = var.tags

  depends_on = [aws_s3_bucket_policy.this]
}
