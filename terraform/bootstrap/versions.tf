terraform {
  # The state bucket's environments lock with use_lockfile (S3 native locking): Terraform 1.10.
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
