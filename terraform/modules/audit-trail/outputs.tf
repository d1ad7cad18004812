output "trail_arn" {
  description = "ARN of the trail."
  value       = aws_cloudtrail.this.arn
}

output "bucket_name" {
  description = "Bucket holding the trail's log files."
  value       = aws_s3_bucket.this.id
}

output "bucket_policy" {
  description = "The log bucket's policy, decoded."
  value       = jsondecode(aws_s3_bucket_policy.this.policy)
}

output "trail" {
  description = "The trail's settings as applied: key, validation, selectors (management events, data resources)."
  value = {
    kms_key_id                 = aws_cloudtrail.this.kms_key_id
    enable_log_file_validation = aws_cloudtrail.this.enable_log_file_validation
    is_multi_region_trail      = aws_cloudtrail.this.is_multi_region_trail
    management_events          = anytrue([for s in aws_cloudtrail.this.event_selector : s.include_management_events])
    data_resources = {
      for d in flatten([for s in aws_cloudtrail.this.event_selector : s.data_resource]) : d.type => d.values
    }
  }
}

output "object_lock" {
  description = "Default retention of the log files: mode and years."
  value = {
    mode  = one(one(aws_s3_bucket_object_lock_configuration.this.rule).default_retention).mode
    years = one(one(aws_s3_bucket_object_lock_configuration.this.rule).default_retention).years
  }
}

output "bucket_kms_key_id" {
  description = "KMS key of the log bucket's default encryption."
  value       = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).kms_master_key_id
}
