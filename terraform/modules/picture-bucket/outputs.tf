output "name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "picture_prefix" {
  description = "Key prefix under which profile pictures live."
  value       = var.picture_prefix
}

output "picture_objects_arn" {
  description = "ARN pattern of the picture objects (for s3:PutObject / s3:GetObject grants)."
  value       = "${aws_s3_bucket.this.arn}/${var.picture_prefix}*"
}
