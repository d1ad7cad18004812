# The PHI access log: append-only entries of who read, changed, listed or deleted a
# profile. PK = TARGET#<sub> (or ACTOR#<sub> for an attempt on no one profile),
# SK = <timestamp>#<request id>. The API may only PutItem (conditionally, never over an
# existing key) and Query; nothing may update or delete an entry. DynamoDB TTL removes an
# entry once its expires_at (epoch seconds, written by the API) has passed.

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

  ttl {
    attribute_name = "expires_at"
    enabled        = true
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
