output "role_arn" {
  description = "ARN of the role AWS Backup uses (the data keys must let it use them)."
  value       = aws_iam_role.this.arn
}

output "vault_name" {
  description = "Name of the backup vault; null without a plan."
  value       = one(aws_backup_vault.this[*].name)
}

output "vault_arn" {
  description = "ARN of the backup vault; null without a plan."
  value       = one(aws_backup_vault.this[*].arn)
}

output "vault_kms_key_arn" {
  description = "KMS key encrypting the vault's recovery points; null without a plan."
  value       = one(aws_backup_vault.this[*].kms_key_arn)
}

output "vault_lock" {
  description = "The vault lock as applied; null without a plan."
  value = one([
    for l in aws_backup_vault_lock_configuration.this : {
      min_retention_days  = l.min_retention_days
      max_retention_days  = l.max_retention_days
      changeable_for_days = l.changeable_for_days
    }
  ])
}

output "plan_rule" {
  description = "The plan's rules as applied: vault, schedule, retention, copy destinations; empty without a plan."
  value = {
    for r in flatten(aws_backup_plan.this[*].rule) : r.rule_name => {
      target_vault_name = r.target_vault_name
      schedule          = r.schedule
      delete_after      = one(r.lifecycle).delete_after
      copy_to           = [for c in r.copy_action : c.destination_vault_arn]
    }
  }
}

output "selected_resources" {
  description = "Resources assigned to the plan."
  value       = flatten([for s in aws_backup_selection.this : s.resources])
}
