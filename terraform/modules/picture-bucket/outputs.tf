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

output "unattached_picture_rule" {
  description = "The lifecycle rule that expires pictures no profile uses: the tag it matches and its days."
  value = one([
    for rule in aws_s3_bucket_lifecycle_configuration.this.rule : {
      tag  = one(one(rule.filter).tag)
      days = one(rule.expiration).days
    } if rule.id == "expire-unattached-pictures"
  ])
}

output "encryption" {
  description = "Default encryption of every picture: algorithm, KMS key, bucket key."
  value = {
    sse_algorithm      = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm
    kms_master_key_id  = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).kms_master_key_id
    bucket_key_enabled = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
  }
}
