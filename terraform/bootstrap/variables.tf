variable "region" {
  description = "AWS region of the environments this account hosts (API Gateway's logging setting is per region)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-1."
  }
}

variable "aws_account_id" {
  description = "The account this stack must be applied to; Terraform refuses credentials of any other (a dev role cannot bootstrap prod's account by mistake)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be a 12-digit AWS account ID."
  }
}

variable "name_prefix" {
  description = "The main stack's name_prefix: deploy permissions are scoped to resources named <name_prefix>-<environment>-*."
  type        = string
  default     = "healthtech"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-16 lowercase letters, digits or '-', starting with a letter and not ending with '-'."
  }
}

variable "environments" {
  description = "Environments this account hosts (one per account is recommended): each gets a deploy role and a plan role, and its own state key."
  type        = list(string)

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9]{1,7}$", e))])
    error_message = "environments must name at least one environment, each 2-8 lowercase letters or digits starting with a letter (the main stack's rule)."
  }
}

variable "github_repository" {
  description = "The GitHub repository (\"org/repo\") whose workflows may assume the roles, each only from a job of its GitHub environment: <env> for the deploy role, <env>-plan for the plan role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be \"org/repo\"."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's IAM OIDC provider for GitHub Actions (token.actions.githubusercontent.com). There is one per account: false when the account already has it."
  type        = bool
  default     = true
}

variable "manage_api_gateway_account" {
  description = "Create API Gateway's CloudWatch logging role and set it in this region's account settings (one per account and region, shared by every environment there)."
  type        = bool
  default     = true
}

variable "state_bucket_name" {
  description = "Name of the state bucket; null means <name_prefix>-tfstate-<account>-<region>."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "require_tls" {
  description = "Deny every request to the state bucket not made over TLS. false only on an emulator (the pipeline's test on moto, which evaluates bucket policies without their conditions, so the deny would refuse every request)."
  type        = bool
  default     = true
}
