variable "name_prefix" {
  description = "Prefix of every resource name; with environment it forms <name_prefix>-<environment>."
  type        = string
  default     = "healthtech"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-16 lowercase letters, digits or '-', starting with a letter and not ending with '-'."
  }
}

variable "environment" {
  description = "Environment name, e.g. dev, staging, prod."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.environment))
    error_message = "environment must be 2-8 lowercase letters or digits, starting with a letter."
  }
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1."
  }
}

variable "aws_account_id" {
  description = "The AWS account this environment lives in: Terraform refuses to plan or apply with credentials of any other. null allows any (the local emulator)."
  type        = string
  default     = null

  validation {
    condition     = var.aws_account_id == null || can(regex("^[0-9]{12}$", coalesce(var.aws_account_id, "x")))
    error_message = "aws_account_id must be a 12-digit AWS account ID."
  }
}

variable "self_service_user_types" {
  description = "User types a person may choose at sign-up and get the group of at confirmation. Other requested types are recorded as pending review. Admin is never self-service."
  type        = list(string)
  default     = ["Patient"]

  validation {
    condition     = length(var.self_service_user_types) > 0
    error_message = "self_service_user_types must name at least one user type (normally Patient)."
  }

  validation {
    condition     = alltrue([for t in var.self_service_user_types : contains(["Patient", "Doctor"], t)])
    error_message = "self_service_user_types may only contain Patient and Doctor; Admin is never self-service."
  }
}

variable "profile_shards" {
  description = "How many partition keys the profile counters and each cohort of the listing index are spread over (docs/capacity.md: 16 carries 2,000 sign-ups per second with room to spare). It may grow, never shrink: stored shard numbers must stay below it."
  type        = number
  default     = 16

  validation {
    condition     = var.profile_shards == floor(var.profile_shards) && var.profile_shards >= 1 && var.profile_shards <= 100
    error_message = "profile_shards must be a whole number from 1 to 100 (the metrics read gets every shard in one BatchGetItem, at most 100 keys)."
  }
}

variable "max_picture_bytes" {
  description = "Largest profile picture, in bytes, the API will presign an upload for."
  type        = number
  default     = 5242880

  validation {
    condition     = var.max_picture_bytes >= 1024 && var.max_picture_bytes <= 20971520 && floor(var.max_picture_bytes) == var.max_picture_bytes
    error_message = "max_picture_bytes must be a whole number between 1024 (1 KiB) and 20971520 (20 MiB)."
  }
}

variable "upload_url_ttl_seconds" {
  description = "Lifetime of a presigned picture upload URL, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.upload_url_ttl_seconds >= 30 && var.upload_url_ttl_seconds <= 300
    error_message = "upload_url_ttl_seconds must be between 30 and 300."
  }
}

variable "picture_url_ttl_seconds" {
  description = "Lifetime of a presigned picture download URL returned with a profile, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.picture_url_ttl_seconds >= 30 && var.picture_url_ttl_seconds <= 3600
    error_message = "picture_url_ttl_seconds must be between 30 and 3600."
  }
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the API and upload to / read from the picture bucket. Empty (default) means native apps only: no CORS headers. The API echoes a request's Origin only when it is listed (with Vary: Origin)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : can(regex("^(https://[a-z0-9.-]+|http://(localhost|127\\.0\\.0\\.1))(:[0-9]{1,5})?$", o))])
    error_message = "Each CORS origin must be https://host[:port] (http only for localhost or 127.0.0.1), without path or wildcard."
  }
}

variable "callback_urls" {
  description = "Where the Hosted UI may redirect after sign-in: app deep links (myapp://...) or HTTPS URLs (http only for localhost)."
  type        = list(string)
  default     = ["healthtech://auth/callback"]

  validation {
    condition     = length(var.callback_urls) > 0 && alltrue([for u in var.callback_urls : can(regex("^https://[^#*\\s]+$", u)) || can(regex("^http://localhost([:/][^#*\\s]*)?$", u)) || (can(regex("^[a-z][a-z0-9+.-]*://[^#*\\s]+$", u)) && !startswith(u, "http://"))])
    error_message = "callback_urls must be non-empty; each an https:// URL, an app deep link (scheme://...), or http://localhost, without fragment or wildcard."
  }
}

variable "logout_urls" {
  description = "Where the Hosted UI may redirect after sign-out (same rules as callback_urls)."
  type        = list(string)
  default     = ["healthtech://auth/signout"]

  validation {
    condition     = alltrue([for u in var.logout_urls : can(regex("^https://[^#*\\s]+$", u)) || can(regex("^http://localhost([:/][^#*\\s]*)?$", u)) || (can(regex("^[a-z][a-z0-9+.-]*://[^#*\\s]+$", u)) && !startswith(u, "http://"))])
    error_message = "Each logout URL must be an https:// URL, an app deep link (scheme://...), or http://localhost, without fragment or wildcard."
  }
}

variable "allow_user_password_auth" {
  description = "Let the app client use USER_PASSWORD_AUTH (the password goes to Cognito over TLS) besides SRP. Off in production, and in the local stack, which applies exactly production's flows."
  type        = bool
  default     = false
}

variable "test_app_client" {
  description = "Add a second app client for test harnesses only (output user_pool_test_client_id) that also allows USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH. Off in production; the local stack turns it on for its suites, demo and benchmarks."
  type        = bool
  default     = false
}

variable "mfa_configuration" {
  description = "User pool MFA: OFF, OPTIONAL (users may enrol a TOTP app) or ON (required for everyone)."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "mfa_configuration must be OFF, OPTIONAL or ON."
  }
}

variable "advanced_security_mode" {
  description = "Cognito threat protection: OFF, AUDIT or ENFORCED. AUDIT and ENFORCED put the pool on the paid Plus tier."
  type        = string
  default     = "OFF"

  validation {
    condition     = contains(["OFF", "AUDIT", "ENFORCED"], var.advanced_security_mode)
    error_message = "advanced_security_mode must be OFF, AUDIT or ENFORCED."
  }
}

variable "hosted_ui_domain_prefix" {
  description = "Hosted UI domain prefix (<prefix>.auth.<region>.amazoncognito.com); null derives <name_prefix>-<environment>-<account id>."
  type        = string
  default     = null

  validation {
    condition     = var.hosted_ui_domain_prefix == null || (can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", coalesce(var.hosted_ui_domain_prefix, "x"))) && !can(regex("aws|amazon|cognito", coalesce(var.hosted_ui_domain_prefix, "x"))))
    error_message = "hosted_ui_domain_prefix must be 1-63 lowercase letters, digits or '-' and must not contain aws, amazon or cognito."
  }
}

variable "hosted_ui_managed_login_version" {
  description = "Hosted UI of the Cognito domain: 1 is the classic hosted UI, 2 is managed login (needs a branding style per app client, created outside Terraform with this provider version: see the README). null leaves it to Cognito."
  type        = number
  default     = 1

  validation {
    condition     = var.hosted_ui_managed_login_version == null || contains([1, 2], coalesce(var.hosted_ui_managed_login_version, 1))
    error_message = "hosted_ui_managed_login_version must be 1 (classic hosted UI) or 2 (managed login)."
  }
}

variable "ses_email" {
  description = "Send Cognito's emails (sign-up codes, invitations, password resets) through Amazon SES instead of Cognito's built-in sender, which sends at most 50 emails a day: source_arn of a verified SES identity (address or domain; out of the SES sandbox to reach any recipient), from_address (that address, or one of that domain, optionally \"Name <address>\"), optional reply_to_address and configuration_set. null (default) keeps the built-in sender."
  type = object({
    source_arn        = string
    from_address      = string
    reply_to_address  = optional(string)
    configuration_set = optional(string)
  })
  default = null

  validation {
    condition     = var.ses_email == null || can(regex("^arn:aws[a-z-]*:ses:[a-z0-9-]+:[0-9]{12}:identity/[^/\\s]+$", var.ses_email.source_arn))
    error_message = "ses_email.source_arn must be an SES identity ARN: arn:aws:ses:<region>:<account>:identity/<address or domain>."
  }

  validation {
    # The address (inside an optional "Name <...>") must be the identity itself, or for a
    # domain identity an address of that domain.
    condition = var.ses_email == null || try(
      strcontains(split(":identity/", var.ses_email.source_arn)[1], "@")
      ? lower(regex("^(?:[^<>]*<)?([^<>@\\s]+@[^<>@\\s]+)>?$", var.ses_email.from_address)[0]) == lower(split(":identity/", var.ses_email.source_arn)[1])
      : endswith(lower(regex("^(?:[^<>]*<)?([^<>@\\s]+@[^<>@\\s]+)>?$", var.ses_email.from_address)[0]), "@${lower(split(":identity/", var.ses_email.source_arn)[1])}"),
      false
    )
    error_message = "ses_email.from_address must be \"address\" or \"Name <address>\" where the address is the SES identity itself or, for a domain identity, an address of that domain."
  }

  validation {
    condition     = var.ses_email == null || try(var.ses_email.reply_to_address == null || can(regex("^[^<>@\\s]+@[^<>@\\s]+\\.[^<>@\\s]+$", var.ses_email.reply_to_address)), false)
    error_message = "ses_email.reply_to_address must be a plain email address."
  }

  validation {
    condition     = var.ses_email == null || try(var.ses_email.configuration_set == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.ses_email.configuration_set)), false)
    error_message = "ses_email.configuration_set must be an SES configuration set name: 1-64 letters, digits, '_' or '-'."
  }
}

variable "deletion_protection" {
  description = "Protect the user pool and table from deletion and keep pictures on destroy. Set false only for throwaway environments (the emulator run does)."
  type        = bool
  default     = true
}

variable "api_stage_name" {
  description = "REST API stage name; the first path segment of api_url."
  type        = string
  default     = "v1"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,128}$", var.api_stage_name))
    error_message = "api_stage_name must be 1-128 letters, digits or '_'."
  }
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the API stage accepts."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000
    error_message = "api_throttling_rate_limit must be between 1 and 10000."
  }
}

variable "api_throttling_burst_limit" {
  description = "Request burst the API stage accepts above the rate limit."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttling_burst_limit > 0 && var.api_throttling_burst_limit <= 5000
    error_message = "api_throttling_burst_limit must be between 1 and 5000."
  }
}

variable "api_waf_enabled" {
  description = "Put a regional WAF web ACL in front of the API stage with a per-IP rate-based rule (api_waf_rate_limit), so one address flooding even the unauthenticated routes (GET /health, CORS preflights) cannot use up the stage's throttle for everyone. Costs a web ACL, one rule and a per-request fee."
  type        = bool
  default     = true
}

variable "api_waf_rate_limit" {
  description = "Requests one client IP may send to the API in any 5-minute window; beyond it WAF answers 429 until the address slows down. Mind clients sharing an address (offices, hospitals, carrier NAT)."
  type        = number
  default     = 2000

  validation {
    condition     = var.api_waf_rate_limit >= 10 && var.api_waf_rate_limit <= 2000000000 && floor(var.api_waf_rate_limit) == var.api_waf_rate_limit
    error_message = "api_waf_rate_limit must be a whole number of requests between 10 and 2000000000 (WAF's bounds for a rate-based rule)."
  }
}

variable "manage_api_gateway_account" {
  description = "Create API Gateway's CloudWatch logging role and set it in the region's account settings. There is one such setting per account and region, shared by every stack there: the bootstrap stack (terraform/bootstrap) sets it, so environments leave it false. true only for a stack alone in an account that has no bootstrap stack."
  type        = bool
  default     = false
}

variable "lambda_memory_mb" {
  description = "Memory of each Lambda function, in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "pre_signup_reserved_concurrency" {
  description = "Concurrent executions reserved for the PreSignUp trigger, so an API surge cannot take the account's concurrency away from sign-ups (it is also the trigger's ceiling). Reserving needs room: the account's concurrency limit minus every reservation in the Region must stay at least 100. null (the default, so a new account whose limit is still 10 can apply) reserves nothing; production sets it (terraform/envs/prod)."
  type        = number
  default     = null

  validation {
    condition     = var.pre_signup_reserved_concurrency == null || try(var.pre_signup_reserved_concurrency >= 1 && var.pre_signup_reserved_concurrency <= 1000 && floor(var.pre_signup_reserved_concurrency) == var.pre_signup_reserved_concurrency, false)
    error_message = "pre_signup_reserved_concurrency must be null or a whole number from 1 to 1000 (0 would refuse every sign-up)."
  }
}

variable "post_confirmation_reserved_concurrency" {
  description = "Concurrent executions reserved for the PostConfirmation trigger (same reasoning and the same account rule as pre_signup_reserved_concurrency: unreserved concurrency must stay at least 100). null reserves nothing."
  type        = number
  default     = null

  validation {
    condition     = var.post_confirmation_reserved_concurrency == null || try(var.post_confirmation_reserved_concurrency >= 1 && var.post_confirmation_reserved_concurrency <= 1000 && floor(var.post_confirmation_reserved_concurrency) == var.post_confirmation_reserved_concurrency, false)
    error_message = "post_confirmation_reserved_concurrency must be null or a whole number from 1 to 1000 (0 would refuse every confirmation)."
  }
}

variable "log_level" {
  description = "Application log level of the functions (AWS_LAMBDA_LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps function and API logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "access_log_retention_days" {
  description = "Days the PHI access log keeps each entry before DynamoDB TTL removes it. The default, 2190 (six years), is HIPAA's documentation retention."
  type        = number
  default     = 2190

  validation {
    condition     = var.access_log_retention_days == floor(var.access_log_retention_days) && var.access_log_retention_days >= 1 && var.access_log_retention_days <= 36500
    error_message = "access_log_retention_days must be a whole number of days from 1 to 36500."
  }
}

variable "artifacts_dir" {
  description = "Directory with manifest.json and the function zips; null means ../deployment next to this module (what `just package` writes)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

# Health data (health_data.tf: keys, audit trail, backups, alarms); terraform.tfvars.example documents each.

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
