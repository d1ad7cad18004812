output "arns" {
  description = "ARN of each key by data class: data, pictures, logs."
  value       = { for class, key in aws_kms_key.this : class => key.arn }
}

output "aliases" {
  description = "Alias of each key by data class."
  value       = { for class, alias in aws_kms_alias.this : class => alias.name }
}

output "policies" {
  description = "Key policy of each key by data class, decoded (what tests and reviews read)."
  value       = { for class, key in aws_kms_key.this : class => jsondecode(key.policy) }
}

output "keys" {
  description = "Rotation and deletion window of each key by data class."
  value = {
    for class, key in aws_kms_key.this : class => {
      enable_key_rotation     = key.enable_key_rotation
      deletion_window_in_days = key.deletion_window_in_days
    }
  }
}
