# AWS Backup for the PHI stores: a daily plan into a vault encrypted with the data key,
# locked so that no one (an attacker holding admin rights included) can delete a recovery
# point before its retention ends or shorten that retention, and optionally copied to a
# vault in another account.

data "aws_partition" "current" {}

locals {
  managed_policies = [
    "AWSBackupServiceRolePolicyForBackup",
    "AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
  ]
}

resource "aws_iam_role" "this" {
  name_prefix = "${substr(var.name, 0, 30)}-backup-"
  description = "AWS Backup's role for ${var.name}: backs up and restores the tables and the bucket"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "backup.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.create_plan ? toset(local.managed_policies) : toset([])

  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/${each.key}"
}

resource "aws_backup_vault" "this" {
  count = var.create_plan ? 1 : 0

  name          = var.name
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

# Without changeable_for_days the lock is in governance mode: someone with
# backup:DeleteBackupVaultLockConfiguration may remove it. With it (compliance mode) the
# lock can be changed for that many days and then NEVER again, by anyone, AWS included:
# recovery points stay until their retention ends and the vault cannot be deleted.
resource "aws_backup_vault_lock_configuration" "this" {
  count = var.create_plan ? 1 : 0

  backup_vault_name   = aws_backup_vault.this[0].name
  min_retention_days  = var.lock.min_retention_days
  max_retention_days  = var.lock.max_retention_days
  changeable_for_days = var.lock.mode == "COMPLIANCE" ? var.lock.changeable_for_days : null
}

resource "aws_backup_plan" "this" {
  count = var.create_plan ? 1 : 0

  name = var.name

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this[0].name
    schedule          = var.schedule
    start_window      = 60
    completion_window = 360

    lifecycle {
      delete_after = var.retention_days
    }

    dynamic "copy_action" {
      for_each = var.copy_to_vault_arn == null ? [] : [var.copy_to_vault_arn]
      content {
        destination_vault_arn = copy_action.value
        lifecycle {
          delete_after = var.retention_days
        }
      }
    }
  }

  tags = var.tags
}

resource "aws_backup_selection" "this" {
  count = var.create_plan ? 1 : 0

  name         = var.name
  plan_id      = aws_backup_plan.this[0].id
  iam_role_arn = aws_iam_role.this.arn
  resources    = var.resource_arns
}
