variable "name" {
  description = "Name of the user pool; the app client and domain are derived from it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,100}$", var.name))
    error_message = "name must be 1-100 characters of letters, digits, '-' or '_'."
  }
}

variable "domain_prefix" {
  description = "Prefix of the Hosted UI domain <prefix>.auth.<region>.amazoncognito.com (unique per region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix)) && !can(regex("aws|amazon|cognito", var.domain_prefix))
    error_message = "domain_prefix must be 1-63 lowercase letters, digits or '-' and must not contain aws, amazon or cognito."
  }
}

variable "custom_attributes" {
  description = "Custom string attributes (without the custom: prefix) with length limits and whether they may change after sign-up; the app client may read and write all of them (write covers sign-up; immutable ones cannot change afterwards)."
  type = map(object({
    min_length = optional(number, 0)
    max_length = number
    mutable    = optional(bool, true)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, a in var.custom_attributes : can(regex("^[a-z_]{1,20}$", k)) && a.min_length >= 0 && a.max_length >= a.min_length && a.max_length <= 2048])
    error_message = "Custom attribute names must be 1-20 of a-z or '_', with 0 <= min_length <= max_length <= 2048."
  }
}

variable "groups" {
  description = "Cognito groups keyed by name, with description and precedence (lower wins when a user is in several)."
  type = map(object({
    description = string
    precedence  = number
  }))
  default = {}
}

variable "lambda_triggers" {
  description = "Lambda triggers keyed by lambda_config argument (pre_sign_up, post_confirmation): the ARN Cognito invokes (qualified by an alias to invoke it), the function's name and that qualifier (null for none); each gets an invoke permission on that qualifier, scoped to this pool."
  type = map(object({
    function_arn  = string
    function_name = string
    qualifier     = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.lambda_triggers) : contains(["pre_sign_up", "post_confirmation"], k)])
    error_message = "lambda_triggers keys must be pre_sign_up or post_confirmation."
  }
}

variable "ses_email" {
  description = "SES sender for the pool's emails (email_sending_account DEVELOPER); null keeps Cognito's built-in sender (COGNITO_DEFAULT). Validated where ops set it: the root module's ses_email."
  type = object({
    source_arn        = string
    from_address      = string
    reply_to_address  = optional(string)
    configuration_set = optional(string)
  })
  default = null
}

variable "managed_login_version" {
  description = "Hosted UI of the domain: 1 is the classic hosted UI, 2 is managed login (its pages need a branding style per app client, see the README). null leaves the domain's version to Cognito (the emulator does: moto does not keep it)."
  type        = number
  default     = 1

  validation {
    condition     = var.managed_login_version == null || contains([1, 2], coalesce(var.managed_login_version, 1))
    error_message = "managed_login_version must be 1 (classic hosted UI) or 2 (managed login)."
  }
}

variable "password_minimum_length" {
  description = "Minimum password length (also requires lower, upper, digit and symbol)."
  type        = number
  default     = 10

  validation {
    condition     = var.password_minimum_length >= 10 && var.password_minimum_length <= 99
    error_message = "password_minimum_length must be between 10 and 99."
  }
}

variable "mfa_configuration" {
  description = "MFA mode: OFF, OPTIONAL (users may enrol a TOTP app) or ON (everyone must)."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "mfa_configuration must be OFF, OPTIONAL or ON."
  }
}

variable "advanced_security_mode" {
  description = "Threat protection (advanced security): OFF, AUDIT or ENFORCED. Anything but OFF puts the pool on the paid Plus tier."
  type        = string
  default     = "OFF"

  validation {
    condition     = contains(["OFF", "AUDIT", "ENFORCED"], var.advanced_security_mode)
    error_message = "advanced_security_mode must be OFF, AUDIT or ENFORCED."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool (turn off only for throwaway environments)."
  type        = bool
  default     = true
}

variable "callback_urls" {
  description = "Allowed OAuth redirect URIs after sign-in (app deep links or HTTPS URLs)."
  type        = list(string)

  validation {
    condition     = length(var.callback_urls) > 0
    error_message = "At least one callback URL is required for the authorization-code flow."
  }
}

variable "logout_urls" {
  description = "Allowed redirect URIs after sign-out."
  type        = list(string)
  default     = []
}

variable "oauth_scopes" {
  description = "OAuth scopes the app client may request."
  type        = list(string)
  default     = ["openid", "email", "profile"]
}

variable "allow_user_password_auth" {
  description = "Also allow USER_PASSWORD_AUTH (password sent to Cognito over TLS) besides SRP on the app client."
  type        = bool
  default     = false
}

variable "test_client" {
  description = "Add a second app client for test harnesses, which also allows USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH; the app client keeps its own flows."
  type        = bool
  default     = false
}

variable "access_token_validity_minutes" {
  description = "Lifetime of access tokens, in minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440
    error_message = "access_token_validity_minutes must be between 5 and 1440."
  }
}

variable "id_token_validity_minutes" {
  description = "Lifetime of ID tokens (what the API authorizer accepts), in minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.id_token_validity_minutes >= 5 && var.id_token_validity_minutes <= 1440
    error_message = "id_token_validity_minutes must be between 5 and 1440."
  }
}

variable "refresh_token_validity_days" {
  description = "Lifetime of refresh tokens, in days."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650
    error_message = "refresh_token_validity_days must be between 1 and 3650."
  }
}

variable "tags" {
  description = "Tags added to the user pool."
  type        = map(string)
  default     = {}
}
