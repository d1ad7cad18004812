variable "name" {
  description = "Prefix of the keys' aliases (alias/<name>-data, -pictures, -logs) and descriptions."
  type        = string
}

variable "key_users" {
  description = "IAM role ARNs that may use each key through its service: data (DynamoDB tables, Backup), pictures (S3 bucket, Backup)."
  type = object({
    data     = list(string)
    pictures = list(string)
  })

  validation {
    condition     = alltrue([for arn in concat(var.key_users.data, var.key_users.pictures) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", arn))])
    error_message = "key_users must list IAM role ARNs only (never an account root or a wildcard)."
  }
}

variable "audit_reader_arns" {
  description = "IAM principal ARNs that may decrypt the trail's log files (auditors); empty lets no one read them until ops add someone."
  type        = list(string)
  default     = []
}

variable "deletion_window_days" {
  description = "Days a key scheduled for deletion can still be recovered (KMS: 7 to 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_days >= 7 && var.deletion_window_days <= 30 && floor(var.deletion_window_days) == var.deletion_window_days
    error_message = "deletion_window_days must be a whole number from 7 to 30."
  }
}

variable "tags" {
  description = "Tags added to the keys."
  type        = map(string)
  default     = {}
}
