# One customer managed KMS key per class of data, so that who may read a class is decided
# by its own key policy, and revoking one class (or losing one key) touches nothing else:
#
# - data:     the profile table and the PHI access log (DynamoDB), and the backup vault
#             that holds their recovery points;
# - pictures: the picture bucket (S3, with a bucket key);
# - logs:     every CloudWatch log group, the CloudTrail trail and the alarm topic.
#
# Each policy lets the account administer its key (IAM decides which administrators) but
# not use it: only the roles named for a class, through the service that stores the class
# (kms:ViaService), may encrypt or decrypt with it.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  root_arn   = "arn:${local.partition}:iam::${local.account_id}:root"

  # Managing a key, never using it: no Encrypt, Decrypt, ReEncrypt or GenerateDataKey.
  # CreateGrant stays: DynamoDB and Backup need the deployer to grant them the key.
  administration_actions = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
  ]

  usage_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]

  administration = {
    Sid       = "AdministerNotUse"
    Effect    = "Allow"
    Principal = { AWS = local.root_arn }
    Action    = local.administration_actions
    Resource  = "*"
  }

  # A role named for a class uses the key only through the service that stores it.
  through = { data = ["dynamodb", "backup"], pictures = ["s3", "backup"] }
  role_statements = {
    for class, services in local.through : class => [{
      Sid       = "UseThrough${title(join("And", services))}"
      Effect    = "Allow"
      Principal = { AWS = var.key_users[class] }
      Action    = local.usage_actions
      Resource  = "*"
      Condition = {
        StringEquals = {
          "kms:CallerAccount" = local.account_id
          "kms:ViaService"    = [for s in services : "${s}.${local.region}.amazonaws.com"]
        }
      }
      }, {
      # AWS Backup copies and restores through grants of its own, for AWS resources only.
      Sid       = "GrantToAwsServicesOnly"
      Effect    = "Allow"
      Principal = { AWS = var.key_users[class] }
      Action    = ["kms:CreateGrant"]
      Resource  = "*"
      Condition = {
        Bool         = { "kms:GrantIsForAWSResource" = "true" }
        StringEquals = { "kms:ViaService" = [for s in services : "${s}.${local.region}.amazonaws.com"] }
      }
    }]
  }

  logs_statements = concat([
    {
      # CloudWatch Logs encrypts this account's log groups, and no one else's.
      Sid       = "CloudWatchLogsEncryptsLogGroups"
      Effect    = "Allow"
      Principal = { Service = "logs.${local.region}.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      Resource  = "*"
      Condition = {
        ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*" }
      }
    },
    {
      # CloudTrail encrypts the log files of this account's trails.
      Sid       = "CloudTrailEncryptsLogFiles"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = ["kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = {
        StringLike   = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*" }
        StringEquals = { "aws:SourceAccount" = local.account_id }
      }
    },
    {
      Sid       = "CloudTrailDescribesKey"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = ["kms:DescribeKey"]
      Resource  = "*"
    },
    {
      # Alarms publish to the encrypted topic; SNS needs the data key CloudWatch makes.
      Sid       = "CloudWatchAlarmsPublishToTopic"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    },
    ], length(var.audit_reader_arns) == 0 ? [] : [{
      # Auditors read the trail's log files (and nothing else this key protects).
      Sid       = "AuditorsReadTrailLogFiles"
      Effect    = "Allow"
      Principal = { AWS = var.audit_reader_arns }
      Action    = ["kms:Decrypt"]
      Resource  = "*"
      Condition = {
        Null = { "kms:EncryptionContext:aws:cloudtrail:arn" = "false" }
      }
  }])

  keys = {
    data     = { description = "Profiles and the PHI access log (DynamoDB) and their backups", statements = local.role_statements.data }
    pictures = { description = "Profile pictures (S3)", statements = local.role_statements.pictures }
    logs     = { description = "Log groups, the CloudTrail trail and the alarm topic", statements = local.logs_statements }
  }
}

resource "aws_kms_key" "this" {
  for_each = local.keys

  description             = "${var.name} ${each.key}: ${each.value.description}"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_days

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat([local.administration], each.value.statements)
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  for_each = local.keys

  name          = "alias/${var.name}-${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}
