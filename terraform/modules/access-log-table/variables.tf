variable "name" {
  description = "Name of the DynamoDB table."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the table (turn off only for throwaway environments)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for encryption at rest; null uses the AWS managed key for DynamoDB."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the table."
  type        = map(string)
  default     = {}
}
