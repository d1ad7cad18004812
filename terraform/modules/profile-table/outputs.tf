output "name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "ARN of the table."
  value       = aws_dynamodb_table.this.arn
}

output "user_type_index_name" {
  description = "Name of the GSI keyed by user_type and created_at."
  value       = var.user_type_index_name
}

output "user_type_index_arn" {
  description = "ARN of the GSI keyed by user_type and created_at (for dynamodb:Query grants)."
  value       = "${aws_dynamodb_table.this.arn}/index/${var.user_type_index_name}"
}
