variable "function_name" {
  description = "Name of the Lambda function; also names its log group and alarms."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, '-' or '_'."
  }
}

variable "description" {
  description = "Human-readable description of the function."
  type        = string
  default     = ""
}

variable "artifacts_dir" {
  description = "Directory holding manifest.json and the zips written by `just package`."
  type        = string
}

variable "artifact" {
  description = "Key of this function in manifest.json's `functions` map (e.g. \"users-api\")."
  type        = string
}

variable "timeout_seconds" {
  description = "Function timeout in seconds. Cognito triggers must stay under Cognito's 5 s limit."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 1 and 900."
  }
}

variable "memory_size_mb" {
  description = "Memory given to the function, in MB (CPU scales with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size_mb >= 128 && var.memory_size_mb <= 10240
    error_message = "memory_size_mb must be between 128 and 10240."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for this function (and its ceiling); null leaves it on the account's unreserved pool. AWS refuses a reservation that leaves the account less than 100 unreserved (new accounts have no room to reserve)."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be null or a whole number (0 stops every invocation)."
  }
}

variable "alias_name" {
  description = "Name of the alias callers invoke; Terraform points it at the version each apply publishes."
  type        = string
  default     = "live"

  validation {
    condition     = can(regex("^[A-Za-z_-][A-Za-z0-9_-]{0,127}$", var.alias_name)) && !can(regex("^[0-9]+$", var.alias_name))
    error_message = "alias_name must be 1-128 letters, digits, '-' or '_', not starting with a digit (a number would be a version)."
  }
}

variable "environment_variables" {
  description = "Environment variables passed to the function (names and settings only, never secrets)."
  type        = map(string)
  default     = {}
}

variable "log_level" {
  description = "Application log level Lambda passes to the runtime as AWS_LAMBDA_LOG_LEVEL."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the function's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "policy_statements" {
  description = "Least-privilege Allow statements for the function's own AWS calls (logs and X-Ray are added by the module). Actions must be explicit and resources must be ARNs."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition     = alltrue(flatten([for s in var.policy_statements : [for a in s.actions : can(regex("^[a-z0-9-]+:[A-Za-z]+$", a))]]))
    error_message = "Every action must be a single explicit service:Action (no wildcards)."
  }

  validation {
    condition     = alltrue(flatten([for s in var.policy_statements : [for r in s.resources : r != "*"]]))
    error_message = "No statement may grant access on Resource \"*\"."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid))])
    error_message = "Every sid must be alphanumeric."
  }
}

variable "log_kms_key_arn" {
  description = "Customer managed KMS key encrypting the function's log group (its policy must let CloudWatch Logs use it)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
