variable "name" {
  description = "Name of the trail."
  type        = string
}

variable "bucket_name" {
  description = "Globally unique name of the bucket the trail writes to."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits or '-'."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key encrypting the log files (its policy must let cloudtrail.amazonaws.com use it)."
  type        = string
}

variable "table_arns" {
  description = "DynamoDB tables whose item reads and writes the trail records (data events)."
  type        = list(string)
}

variable "bucket_arns" {
  description = "S3 buckets whose object reads and writes the trail records (data events)."
  type        = list(string)
}

variable "retention_mode" {
  description = "Object lock mode of the log files: COMPLIANCE (no one, root included, can delete or shorten it) or GOVERNANCE."
  type        = string
  default     = "COMPLIANCE"

  validation {
    condition     = contains(["COMPLIANCE", "GOVERNANCE"], var.retention_mode)
    error_message = "retention_mode must be COMPLIANCE or GOVERNANCE."
  }
}

variable "retention_years" {
  description = "Years each log file is locked."
  type        = number
  default     = 6

  validation {
    condition     = var.retention_years >= 1 && var.retention_years <= 100 && floor(var.retention_years) == var.retention_years
    error_message = "retention_years must be a whole number from 1 to 100."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` empty the bucket (throwaway environments; locked files still refuse)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the trail and its bucket."
  type        = map(string)
  default     = {}
}
