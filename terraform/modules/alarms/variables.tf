variable "name" {
  description = "Prefix of the topic, alarms, dashboard and queries; also the namespace of the fault metrics."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key of the alarm topic (its policy must let cloudwatch.amazonaws.com use it)."
  type        = string
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (SNS asks it to confirm first); null subscribes no one."
  type        = string
  default     = null
}

variable "functions" {
  description = "The functions by artifact name (a key of fault_patterns.json): name, log group, whether every Lambda error is a fault, whether Cognito invokes it."
  type = map(object({
    function_name     = string
    log_group_name    = string
    errors_are_faults = bool
    cognito_trigger   = bool
  }))

  validation {
    condition     = alltrue([for key in keys(var.functions) : contains(keys(jsondecode(file("${path.module}/fault_patterns.json"))), key)])
    error_message = "Every function needs a fault pattern in fault_patterns.json."
  }
}

variable "tables" {
  description = "DynamoDB tables watched for throttling, by a short key (e.g. profiles)."
  type        = map(string)
}

variable "api" {
  description = "The REST API's name and stage."
  type = object({
    name  = string
    stage = string
  })
}

variable "user_pool" {
  description = "The user pool and app client whose sign-up and sign-in throttles are watched."
  type = object({
    id        = string
    client_id = string
  })
}

variable "web_acl_name" {
  description = "Name of the API's WAF web ACL; null when there is none."
  type        = string
  default     = null
}

variable "api_5xx_rate" {
  description = "Share of API requests answered 5xx (0 to 1) above which, in 3 of 5 minutes, the 5xx alarm fires."
  type        = number
  default     = 0.01
}

variable "api_p99_latency_ms" {
  description = "p99 API latency, in ms, above which in 3 of 5 minutes the latency alarm fires."
  type        = number
  default     = 1000
}

variable "waf_blocked_requests" {
  description = "Requests a minute the web ACL may block before, in 3 of 5 minutes, the WAF alarm fires."
  type        = number
  default     = 100
}

variable "saved_queries" {
  description = "Create the saved Logs Insights queries (false only where the API lacks them: the local emulator)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to the topic and alarms."
  type        = map(string)
  default     = {}
}
