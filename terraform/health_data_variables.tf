# Variables of health_data.tf (keys, audit trail, backups, alarms); terraform.tfvars.example documents each.

variable "profile_table_name" {
  description = "Name of the profile table; null derives <name_prefix>-<environment>-profiles. Set it to a restored table's name to put that table in service (docs/health-data.md, Restore)."
  type        = string
  default     = null
}

variable "access_log_table_name" {
  description = "Name of the PHI access log table; null derives <name_prefix>-<environment>-access-log. Set it to a restored table's name to put that table in service."
  type        = string
  default     = null
}

variable "kms_deletion_window_days" {
  description = "Days a customer managed key scheduled for deletion can still be recovered (7 to 30)."
  type        = number
  default     = 30
}

variable "audit_reader_arns" {
  description = "IAM principals (auditors' roles) that may decrypt the audit trail's log files; empty: no one until ops add them."
  type        = list(string)
  default     = []
}

variable "audit_retention_mode" {
  description = "Object lock mode of the audit trail's log files: COMPLIANCE (no one, the account root included, can delete them before the retention ends) or GOVERNANCE."
  type        = string
  default     = "COMPLIANCE"
}

variable "audit_retention_years" {
  description = "Years each audit trail log file is kept and locked (HIPAA keeps documentation six years)."
  type        = number
  default     = 6
}

variable "backup_schedule" {
  description = "When AWS Backup backs up the tables and the bucket (cron expression, UTC)."
  type        = string
  default     = "cron(0 3 * * ? *)"
}

variable "backup_retention_days" {
  description = "Days each recovery point (and its copy) is kept; must lie within the vault lock's bounds."
  type        = number
  default     = 35

  validation {
    condition     = var.backup_retention_days >= 1 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "backup_retention_days must be a whole number of days, at least 1."
  }
}

variable "backup_vault_lock_mode" {
  description = "Vault lock mode: GOVERNANCE (a principal with backup:DeleteBackupVaultLockConfiguration can remove it) or COMPLIANCE (after backup_vault_lock_changeable_for_days it can NEVER be changed or removed, by anyone, AWS included, and the vault cannot be deleted while it holds recovery points)."
  type        = string
  default     = "GOVERNANCE"

  validation {
    condition     = contains(["GOVERNANCE", "COMPLIANCE"], var.backup_vault_lock_mode)
    error_message = "backup_vault_lock_mode must be GOVERNANCE or COMPLIANCE."
  }
}

variable "backup_vault_lock_min_retention_days" {
  description = "Shortest retention the vault lock accepts for a recovery point."
  type        = number
  default     = 7
}

variable "backup_vault_lock_max_retention_days" {
  description = "Longest retention the vault lock accepts for a recovery point."
  type        = number
  default     = 2190
}

variable "backup_vault_lock_changeable_for_days" {
  description = "COMPLIANCE mode only: days (at least 3) during which the lock can still be changed or removed; after that it is fixed for good."
  type        = number
  default     = 3
}

variable "backup_copy_to_vault_arn" {
  description = "ARN of a backup vault in another account that every recovery point is copied to (that vault's access policy must allow this account's copies); null copies nowhere."
  type        = string
  default     = null

  validation {
    condition     = var.backup_copy_to_vault_arn == null || can(regex("^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]+$", coalesce(var.backup_copy_to_vault_arn, "x")))
    error_message = "backup_copy_to_vault_arn must be a backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)."
  }
}

variable "alarm_email" {
  description = "Address subscribed to the stack's alarm topic (SNS sends a confirmation link first); null subscribes no one (subscribe a pager or chat integration to the topic instead)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", coalesce(var.alarm_email, "x")))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "alarm_api_5xx_rate" {
  description = "Share of API requests answered 5xx (0 to 1) that, in 3 of 5 minutes, fires the API's 5xx alarm."
  type        = number
  default     = 0.01

  validation {
    condition     = var.alarm_api_5xx_rate > 0 && var.alarm_api_5xx_rate < 1
    error_message = "alarm_api_5xx_rate must be between 0 and 1 (0.01 is 1%)."
  }
}

variable "alarm_api_p99_latency_ms" {
  description = "p99 API latency, in milliseconds, that in 3 of 5 minutes fires the latency alarm."
  type        = number
  default     = 1000
}

variable "alarm_waf_blocked_requests_per_minute" {
  description = "Requests a minute the API's web ACL may block before, in 3 of 5 minutes, the WAF alarm fires."
  type        = number
  default     = 100
}

variable "aws_only_resources" {
  description = "Create the resources whose APIs the local emulator (moto) lacks: the saved Logs Insights queries, and AWS Backup's vault, plan and selection (moto's Backup loses tags and has no selections). false only for the local stack (README, How it differs from AWS)."
  type        = bool
  default     = true
}
