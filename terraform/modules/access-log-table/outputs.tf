output "name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "ARN of the table."
  value       = aws_dynamodb_table.this.arn
}

output "ttl_attribute" {
  description = "The attribute DynamoDB TTL expires entries by (epoch seconds)."
  value       = one(aws_dynamodb_table.this.ttl).attribute_name
}

output "point_in_time_recovery" {
  description = "Whether point-in-time recovery is on."
  value       = one(aws_dynamodb_table.this.point_in_time_recovery).enabled
}

output "deletion_protection" {
  description = "Whether the table refuses deletion."
  value       = aws_dynamodb_table.this.deletion_protection_enabled
}

output "kms_key_arn" {
  description = "KMS key encrypting the table at rest."
  value       = one(aws_dynamodb_table.this.server_side_encryption).kms_key_arn
}
