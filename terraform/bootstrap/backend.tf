# The bootstrap stack's own state lives in the bucket it creates, under bootstrap/. Its
# first apply runs before the bucket exists: `just bootstrap <env>` then applies with local
# state and pushes that state into the bucket (see docs/operations.md).

terraform {
  backend "s3" {}
}
