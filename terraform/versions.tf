terraform {
  # The S3 backend's native locking (use_lockfile, envs/*/backend.hcl) needs Terraform 1.10.
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
