terraform {
  # `terraform test` with mock providers (tests/) needs Terraform >= 1.7; applying needs 1.5.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # State is local unless ops copy backend.tf.example to backend.tf (S3 with locking).
}
