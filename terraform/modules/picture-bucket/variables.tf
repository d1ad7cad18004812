variable "name" {
  description = "Globally unique name of the S3 bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be a valid S3 bucket name: 3-63 lowercase letters, digits or '-'."
  }
}

variable "picture_prefix" {
  description = "Key prefix under which profile pictures live (the functions' grants are scoped to it)."
  type        = string
  default     = "profile-pictures/"

  validation {
    condition     = can(regex("^[a-z0-9-]+/$", var.picture_prefix))
    error_message = "picture_prefix must be lowercase letters, digits or '-' ending with '/'."
  }
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to PUT (presigned upload) and GET pictures; empty means no CORS rule."
  type        = list(string)
  default     = []
}

variable "abort_incomplete_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 1

  validation {
    condition     = var.abort_incomplete_upload_days >= 1
    error_message = "abort_incomplete_upload_days must be at least 1."
  }
}

variable "unattached_picture_days" {
  description = "Days after which an uploaded picture no profile uses (never attached, or replaced or cleared) expires. It then stays recoverable as a noncurrent version for noncurrent_version_expiration_days."
  type        = number
  default     = 1

  validation {
    condition     = var.unattached_picture_days >= 1 && var.unattached_picture_days == floor(var.unattached_picture_days)
    error_message = "unattached_picture_days must be a whole number of days, at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted picture version is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key encrypting every picture (SSE-KMS with a bucket key)."
  type        = string
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete a bucket that still holds pictures (throwaway environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the bucket."
  type        = map(string)
  default     = {}
}
