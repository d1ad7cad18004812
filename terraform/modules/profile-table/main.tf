# Single-table store for profiles (PK = USER#<sub>, SK = PROFILE) and write-sharded
# counters (PK = METRICS#<shard>, SK = COUNTS). The listing GSI holds each cohort
# (user type and status) in as many partitions as there are shards, oldest first
# (list_pk = <type>#<status>#<shard>, list_sk = <created_at>#<sub>); see docs/capacity.md.

locals {
  # The functions query the index by this name (adapters::dynamo::LISTING_INDEX).
  listing_index_name = "listing"
}

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "PK"
  range_key                   = "SK"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "PK"
    type = "S"
  }

  attribute {
    name = "SK"
    type = "S"
  }

  attribute {
    name = "list_pk"
    type = "S"
  }

  attribute {
    name = "list_sk"
    type = "S"
  }

  global_secondary_index {
    name            = local.listing_index_name
    hash_key        = "list_pk"
    range_key       = "list_sk"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}
