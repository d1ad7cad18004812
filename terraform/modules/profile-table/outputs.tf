output "name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "ARN of the table."
  value       = aws_dynamodb_table.this.arn
}

output "listing_index_name" {
  description = "Name of the listing GSI (list_pk, list_sk)."
  value       = local.listing_index_name
}

output "listing_index_arn" {
  description = "ARN of the listing GSI (for dynamodb:Query grants)."
  value       = "${aws_dynamodb_table.this.arn}/index/${local.listing_index_name}"
}

output "kms_key_arn" {
  description = "KMS key encrypting the table at rest."
  value       = one(aws_dynamodb_table.this.server_side_encryption).kms_key_arn
}
