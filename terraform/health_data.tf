# Holding health data the way auditors expect (docs/health-data.md): customer managed keys
# per data class, the audit trail, backups in a locked vault, and the alarms that reach a
# person. The stores and functions they cover are in main.tf.

module "keys" {
  source = "./modules/keys"

  name                 = local.name
  deletion_window_days = var.kms_deletion_window_days
  audit_reader_arns    = var.audit_reader_arns

  # Only the roles that read or write a class, and AWS Backup, may use its key.
  key_users = {
    data     = [module.post_confirmation.role_arn, module.users_api.role_arn, module.backup.role_arn]
    pictures = [module.users_api.role_arn, module.backup.role_arn]
  }
}

module "alarms" {
  source = "./modules/alarms"

  name                 = local.name
  kms_key_arn          = module.keys.arns.logs
  alarm_email          = var.alarm_email
  api_5xx_rate         = var.alarm_api_5xx_rate
  api_p99_latency_ms   = var.alarm_api_p99_latency_ms
  waf_blocked_requests = var.alarm_waf_blocked_requests_per_minute
  saved_queries        = var.aws_only_resources

  functions = {
    "pre-signup" = {
      function_name     = module.pre_signup.function_name
      log_group_name    = module.pre_signup.log_group_name
      errors_are_faults = false # a refused sign-up is an error to Lambda
      cognito_trigger   = true
    }
    "post-confirmation" = {
      function_name     = module.post_confirmation.function_name
      log_group_name    = module.post_confirmation.log_group_name
      errors_are_faults = true
      cognito_trigger   = true
    }
    "users-api" = {
      function_name     = module.users_api.function_name
      log_group_name    = module.users_api.log_group_name
      errors_are_faults = true # it answers every request, 4xx included; an error is a crash
      cognito_trigger   = false
    }
  }

  tables = {
    profiles     = module.profile_table.name
    "access-log" = module.access_log_table.name
  }

  api          = { name = module.api.name, stage = module.api.stage_name }
  user_pool    = { id = module.user_pool.id, client_id = module.user_pool.client_id }
  web_acl_name = module.api.web_acl_name
}

module "audit_trail" {
  source = "./modules/audit-trail"

  name            = "${local.name}-audit"
  bucket_name     = "${local.name}-audit-${local.account_id}-${var.region}"
  kms_key_arn     = module.keys.arns.logs
  table_arns      = [module.profile_table.arn, module.access_log_table.arn]
  bucket_arns     = [module.picture_bucket.arn]
  retention_mode  = var.audit_retention_mode
  retention_years = var.audit_retention_years
  force_destroy   = !var.deletion_protection
}

module "backup" {
  source = "./modules/backup"

  name              = local.name
  kms_key_arn       = module.keys.arns.data
  resource_arns     = [module.profile_table.arn, module.access_log_table.arn, module.picture_bucket.arn]
  schedule          = var.backup_schedule
  retention_days    = var.backup_retention_days
  copy_to_vault_arn = var.backup_copy_to_vault_arn
  create_plan       = var.aws_only_resources
  force_destroy     = !var.deletion_protection

  lock = {
    mode                = var.backup_vault_lock_mode
    min_retention_days  = var.backup_vault_lock_min_retention_days
    max_retention_days  = var.backup_vault_lock_max_retention_days
    changeable_for_days = var.backup_vault_lock_changeable_for_days
  }
}
