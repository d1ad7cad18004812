variable "name" {
  description = "Name of the REST API; also names its log groups."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits, '-' or '_'."
  }
}

variable "description" {
  description = "Description of the REST API."
  type        = string
  default     = ""
}

variable "routes" {
  description = "Every route, keyed \"METHOD /path\" (path parameters in braces, at most 3 path segments), and whether it requires the Cognito authorizer. Resources, methods, integrations and the redeployment hash all derive from this map."
  type = map(object({
    authorized = bool
  }))

  validation {
    condition     = length(var.routes) > 0
    error_message = "At least one route is required."
  }

  validation {
    condition     = alltrue([for k in keys(var.routes) : can(regex("^(GET|PUT|POST|PATCH|DELETE|OPTIONS|HEAD) /(|[A-Za-z0-9._{}-]+(/[A-Za-z0-9._{}-]+){0,2})$", k))])
    error_message = "Route keys must look like \"GET /users/{id}\": a method, one space, and a path of at most 3 segments."
  }

  validation {
    condition     = alltrue([for k, r in var.routes : !(startswith(k, "OPTIONS ") && r.authorized)])
    error_message = "OPTIONS (CORS preflight) routes cannot require authorization: browsers send them without credentials."
  }
}

variable "function_name" {
  description = "Name of the Lambda function every route proxies to."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN every route proxies to (AWS_PROXY integration): the function's alias invoke ARN, so the alias decides which version serves."
  type        = string
}

variable "function_qualifier" {
  description = "Alias (or version) the invoke ARN names; API Gateway's invoke permission is granted on it. null for an unqualified function."
  type        = string
  default     = null
}

variable "user_pool_arn" {
  description = "ARN of the Cognito user pool whose ID tokens the authorizer accepts."
  type        = string
}

variable "stage_name" {
  description = "Name of the deployment stage; it is the first path segment of the API URL."
  type        = string
  default     = "v1"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits or '_'."
  }
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the stage accepts across all routes."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Burst of requests the stage accepts above the rate limit."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit > 0
    error_message = "throttling_burst_limit must be positive."
  }
}

variable "waf_enabled" {
  description = "Put a regional WAF web ACL with a per-IP rate-based rule in front of the stage (refused requests get 429 {\"message\":\"Too Many Requests\"} and are logged, redacted, to aws-waf-logs-<name>-<stage>)."
  type        = bool
  default     = true
}

variable "waf_rate_limit" {
  description = "Requests one client IP may send in any 5-minute window before the web ACL refuses it (only with waf_enabled)."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000 && floor(var.waf_rate_limit) == var.waf_rate_limit
    error_message = "waf_rate_limit must be a whole number of requests between 10 and 2000000000 (WAF's bounds for a rate-based rule)."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps access and execution logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts."
  }
}

variable "manage_account_logging_role" {
  description = "Create the IAM role API Gateway uses to write CloudWatch logs and set it in this region's API Gateway account settings (one per account and region: set false when another stack manages it)."
  type        = bool
  default     = true
}

variable "log_kms_key_arn" {
  description = "Customer managed KMS key encrypting the access, execution and WAF log groups (its policy must let CloudWatch Logs use it)."
  type        = string
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}

variable "cors_allowed_origins" {
  type        = list(string)
  default     = []
  description = "Browser origins allowed to call the API: API Gateway's own error answers carry CORS headers for them (the function answers the rest)."
}
