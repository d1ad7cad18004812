variable "name" {
  description = "Name of the vault, plan and selection."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key encrypting the vault's recovery points."
  type        = string
}

variable "resource_arns" {
  description = "ARNs of the tables and buckets the plan backs up."
  type        = list(string)
}

variable "schedule" {
  description = "When the plan takes a backup (AWS Backup cron expression, UTC)."
  type        = string
  default     = "cron(0 3 * * ? *)"
}

variable "retention_days" {
  description = "Days each recovery point (and its copy) is kept; must lie within the lock's bounds."
  type        = number
}

variable "lock" {
  description = "Vault lock: mode GOVERNANCE (removable with the right IAM permission) or COMPLIANCE (fixed for good after changeable_for_days), and the retention bounds every recovery point must respect."
  type = object({
    mode                = string
    min_retention_days  = number
    max_retention_days  = number
    changeable_for_days = optional(number, 3)
  })

  validation {
    condition     = contains(["GOVERNANCE", "COMPLIANCE"], var.lock.mode)
    error_message = "lock.mode must be GOVERNANCE or COMPLIANCE."
  }

  validation {
    condition     = var.lock.min_retention_days >= 1 && var.lock.max_retention_days >= var.lock.min_retention_days
    error_message = "lock needs 1 <= min_retention_days <= max_retention_days."
  }

  validation {
    condition     = var.lock.changeable_for_days >= 3
    error_message = "lock.changeable_for_days must be at least 3 (AWS Backup's minimum grace time)."
  }
}

variable "copy_to_vault_arn" {
  description = "ARN of a vault (ideally in another account) each recovery point is copied to; null copies nowhere."
  type        = string
  default     = null
}

variable "create_plan" {
  description = "Create the vault, its lock, the plan, its selection and the role's AWS managed policies; false only where the AWS Backup API is incomplete (the local emulator's loses tags and has no selections). The role exists either way: the key policies name it."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete a vault that holds recovery points (throwaway environments; a lock still refuses)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the vault, plan and role."
  type        = map(string)
  default     = {}
}
