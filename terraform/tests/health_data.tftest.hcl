# Health data (health_data.tf, docs/health-data.md): which key protects what and who may
# use it, the audit trail, the locked backup vault and what it backs up, and the alarms
# and their topic, asserted on a mocked apply of the root module.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/ops"
      user_id    = "AIDAEXAMPLE"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mocked"
    }
  }

  mock_resource "aws_cognito_user_pool" {
    defaults = {
      id  = "eu-west-1_Example"
      arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Example"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mocked"
    }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5"
    }
  }

  mock_resource "aws_api_gateway_stage" {
    defaults = {
      arn = "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/v1"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/healthtech-dev-users-v1/0a1b2c3d"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mocked"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mocked/invocations"
    }
  }

  mock_resource "aws_lambda_alias" {
    defaults = {
      arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mocked:live"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mocked:live/invocations"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:123456789012:healthtech-dev-alarms"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::mocked"
    }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/mocked"
    }
  }
}

# Distinct ARNs for every key, role, table and bucket, so a wrong wiring is caught.
override_resource {
  target = module.keys.aws_kms_key.this["data"]
  values = { arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111" }
}

override_resource {
  target = module.keys.aws_kms_key.this["pictures"]
  values = { arn = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222" }
}

override_resource {
  target = module.keys.aws_kms_key.this["logs"]
  values = { arn = "arn:aws:kms:eu-west-1:123456789012:key/33333333-3333-3333-3333-333333333333" }
}

override_resource {
  target = module.post_confirmation.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/post-confirmation" }
}

override_resource {
  target = module.users_api.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/users-api" }
}

override_resource {
  target = module.pre_signup.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/pre-signup" }
}

override_resource {
  target = module.backup.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/backup" }
}

override_resource {
  target = module.profile_table.aws_dynamodb_table.this
  values = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles" }
}

override_resource {
  target = module.access_log_table.aws_dynamodb_table.this
  values = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-access-log" }
}

override_resource {
  target = module.picture_bucket.aws_s3_bucket.this
  values = { arn = "arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1" }
}

variables {
  artifacts_dir = "./tests/fixtures"
}


run "each_data_class_has_its_own_rotated_key" {
  assert {
    condition     = length(distinct(values(module.keys.arns))) == 3 && alltrue([for k in module.keys.keys : k.enable_key_rotation && k.deletion_window_in_days == 30])
    error_message = "Three distinct keys (data, pictures, logs), each rotated yearly, with a 30-day deletion window."
  }

  assert {
    condition     = module.profile_table.kms_key_arn == module.keys.arns.data && module.access_log_table.kms_key_arn == module.keys.arns.data
    error_message = "Both tables are encrypted with the data key."
  }

  assert {
    condition     = module.picture_bucket.encryption.sse_algorithm == "aws:kms" && module.picture_bucket.encryption.kms_master_key_id == module.keys.arns.pictures && module.picture_bucket.encryption.bucket_key_enabled
    error_message = "Pictures are SSE-KMS with the pictures key and a bucket key."
  }

  assert {
    condition = alltrue([
      for arn in concat(
        [module.pre_signup.log_group_kms_key_arn, module.post_confirmation.log_group_kms_key_arn, module.users_api.log_group_kms_key_arn],
        values(module.api.log_group_kms_key_arns),
        [module.audit_trail.trail.kms_key_id, module.audit_trail.bucket_kms_key_id, module.alarms.topic.kms_master_key_id],
      ) : arn == module.keys.arns.logs
    ]) && length(module.api.log_group_kms_key_arns) == 3
    error_message = "Every log group (functions, API access, execution, WAF), the trail, its bucket and the alarm topic use the logs key."
  }

  assert {
    condition     = module.backup.vault_kms_key_arn == module.keys.arns.data
    error_message = "The backup vault is encrypted with the data key."
  }
}

run "key_policies_let_only_the_roles_that_need_a_key_use_it" {
  # Who may Decrypt with each key, and through which services.
  variables {
    audit_reader_arns = ["arn:aws:iam::123456789012:role/auditor"]
  }

  assert {
    condition = toset(flatten([
      for st in module.keys.policies.data.Statement : st.Principal.AWS if contains(flatten([st.Action]), "kms:Decrypt")
    ])) == toset(["arn:aws:iam::123456789012:role/post-confirmation", "arn:aws:iam::123456789012:role/users-api", "arn:aws:iam::123456789012:role/backup"])
    error_message = "Only PostConfirmation, the API and AWS Backup may decrypt with the data key (never PreSignUp, never the account root)."
  }

  assert {
    condition = toset(flatten([
      for st in module.keys.policies.pictures.Statement : st.Principal.AWS if contains(flatten([st.Action]), "kms:Decrypt")
    ])) == toset(["arn:aws:iam::123456789012:role/users-api", "arn:aws:iam::123456789012:role/backup"])
    error_message = "Only the API (presigned PUT needs GenerateDataKey, GET Decrypt) and AWS Backup may use the pictures key."
  }

  assert {
    condition = alltrue(flatten([
      for class in ["data", "pictures"] : [
        for st in module.keys.policies[class].Statement : toset(st.Condition.StringEquals["kms:ViaService"]) == toset([for s in(class == "data" ? ["dynamodb", "backup"] : ["s3", "backup"]) : "${s}.eu-west-1.amazonaws.com"]) if contains(flatten([st.Action]), "kms:Decrypt")
      ]
    ]))
    error_message = "The roles use the data key only through DynamoDB and Backup, the pictures key only through S3 and Backup."
  }

  assert {
    condition = alltrue(flatten([
      for class, policy in module.keys.policies : [
        for st in policy.Statement : length(setintersection(toset(flatten([st.Action])), toset(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:*"]))) == 0
        if try(st.Principal.AWS, "") == "arn:aws:iam::123456789012:root"
      ]
    ]))
    error_message = "The account administers each key but cannot use it: no Decrypt, Encrypt or GenerateDataKey for the root principal."
  }

  assert {
    condition     = alltrue(flatten([for class, policy in module.keys.policies : [for st in policy.Statement : try(st.Principal.AWS, "") != "*" && try(st.Principal, "") != "*"]]))
    error_message = "No key policy names a wildcard principal."
  }

  assert {
    condition = toset(flatten([
      for st in module.keys.policies.logs.Statement : st.Principal.AWS if can(st.Principal.AWS) && contains(flatten([st.Action]), "kms:Decrypt")
      ])) == toset(["arn:aws:iam::123456789012:role/auditor"]) && toset(flatten([
      for st in module.keys.policies.logs.Statement : st.Principal.Service if can(st.Principal.Service)
    ])) == toset(["logs.eu-west-1.amazonaws.com", "cloudtrail.amazonaws.com", "cloudwatch.amazonaws.com"])
    error_message = "The logs key serves CloudWatch Logs, CloudTrail and alarms; of people, only the named auditors may decrypt (trail files)."
  }
}

run "the_trail_records_exactly_these_stores_into_a_locked_bucket" {
  assert {
    condition     = module.audit_trail.trail.enable_log_file_validation && module.audit_trail.trail.management_events && module.audit_trail.trail.is_multi_region_trail
    error_message = "The trail validates its log files and records management events in every region."
  }

  assert {
    condition = (
      keys(module.audit_trail.trail.data_resources) == ["AWS::DynamoDB::Table", "AWS::S3::Object"]
      && toset(module.audit_trail.trail.data_resources["AWS::DynamoDB::Table"]) == toset(["arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles", "arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-access-log"])
      && toset(module.audit_trail.trail.data_resources["AWS::S3::Object"]) == toset(["arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1/"])
    )
    error_message = "Data events for exactly the two tables and the picture bucket."
  }

  assert {
    condition     = module.audit_trail.object_lock == { mode = "COMPLIANCE", years = 6 }
    error_message = "Log files are locked in COMPLIANCE mode for six years by default."
  }

  assert {
    condition = anytrue([
      for st in module.audit_trail.bucket_policy.Statement : st.Effect == "Deny" && st.Principal == "*" && contains(flatten([st.Action]), "s3:DeleteObjectVersion") && contains(flatten([st.Action]), "s3:BypassGovernanceRetention") && !can(st.Condition)
      ]) && anytrue([
      for st in module.audit_trail.bucket_policy.Statement : st.Effect == "Deny" && st.Principal == "*" && contains(flatten([st.Action]), "s3:PutObject") && try(st.Condition.StringNotEqualsIfExists["aws:PrincipalServiceName"], "") == "cloudtrail.amazonaws.com"
    ])
    error_message = "No one deletes a log file; no one but CloudTrail writes one."
  }

  assert {
    condition     = anytrue([for st in module.audit_trail.bucket_policy.Statement : st.Effect == "Deny" && st.Action == "s3:*" && try(st.Condition.Bool["aws:SecureTransport"], "") == "false"])
    error_message = "The log bucket refuses requests without TLS."
  }
}

run "backups_go_to_a_locked_vault_and_cover_the_tables_and_the_bucket" {
  assert {
    condition = toset(module.backup.selected_resources) == toset([
      "arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-profiles",
      "arn:aws:dynamodb:eu-west-1:123456789012:table/healthtech-dev-access-log",
      "arn:aws:s3:::healthtech-dev-pictures-123456789012-eu-west-1",
    ])
    error_message = "The plan backs up both tables and the picture bucket."
  }

  assert {
    condition     = module.backup.vault_lock.min_retention_days == 7 && module.backup.vault_lock.max_retention_days == 2190 && module.backup.vault_lock.changeable_for_days == null
    error_message = "The vault is locked in governance mode by default (no changeable_for_days), with retention bounds."
  }

  assert {
    condition     = module.backup.plan_rule.daily.target_vault_name == module.backup.vault_name && module.backup.plan_rule.daily.delete_after == 35 && module.backup.plan_rule.daily.copy_to == []
    error_message = "Daily recovery points go to the locked vault, are kept 35 days, and are copied nowhere by default."
  }
}

run "a_compliance_lock_and_a_copy_to_another_account_when_ops_ask" {
  variables {
    backup_vault_lock_mode   = "COMPLIANCE"
    backup_copy_to_vault_arn = "arn:aws:backup:eu-west-1:210987654321:backup-vault:healthtech-copies"
    profile_table_name       = "healthtech-dev-profiles-restored"
  }

  assert {
    condition     = module.backup.vault_lock.changeable_for_days == 3
    error_message = "COMPLIANCE mode sets the grace period after which the lock is fixed for good."
  }

  assert {
    condition     = module.backup.plan_rule.daily.copy_to == ["arn:aws:backup:eu-west-1:210987654321:backup-vault:healthtech-copies"]
    error_message = "Each recovery point is copied to the other account's vault."
  }

  assert {
    condition     = module.profile_table.name == "healthtech-dev-profiles-restored" && module.users_api.environment_variables.PROFILE_TABLE_NAME == "healthtech-dev-profiles-restored" && module.post_confirmation.environment_variables.PROFILE_TABLE_NAME == "healthtech-dev-profiles-restored"
    error_message = "A table name override (a restored table) is what both functions are pointed at."
  }
}

run "every_alarm_notifies_the_topic_and_a_refused_sign_up_is_no_fault" {
  variables {
    alarm_email = "oncall@example.org"
  }

  assert {
    condition     = alltrue([for a in values(module.alarms.alarms) : a.alarm_actions == toset([module.alarms.topic_arn]) && a.ok_actions == toset([module.alarms.topic_arn])])
    error_message = "Every alarm notifies the stack's topic when it fires and when it clears."
  }

  assert {
    condition     = module.alarms.topic.email_endpoints == ["oncall@example.org"]
    error_message = "alarm_email subscribes that address to the topic."
  }

  assert {
    condition = toset(keys(module.alarms.alarms)) == toset([
      "pre-signup-faults", "pre-signup-throttles", "pre-signup-p99-duration",
      "post-confirmation-faults", "post-confirmation-throttles", "post-confirmation-errors", "post-confirmation-p99-duration",
      "users-api-faults", "users-api-throttles", "users-api-errors",
      "api-5xx-rate", "api-p99-latency",
      "cognito-signup-throttles", "cognito-signin-throttles",
      "profiles-read-throttles", "profiles-write-throttles", "access-log-read-throttles", "access-log-write-throttles",
      "waf-blocked",
    ])
    error_message = "Faults and throttles of each function, Lambda errors where every error is a fault, trigger p99 durations, API 5xx rate and p99 latency, Cognito, DynamoDB and WAF."
  }

  assert {
    condition     = !anytrue([for a in values(module.alarms.alarms) : a.namespace == "AWS/Lambda" && a.metric == "Errors" && lookup(a.dimensions, "FunctionName", "") == module.pre_signup.function_name])
    error_message = "No alarm watches PreSignUp's Lambda Errors: every refused sign-up is one."
  }

  assert {
    condition     = module.alarms.fault_filters["pre-signup"].log_group_name == module.pre_signup.log_group_name && module.alarms.alarms["pre-signup-faults"].metric == module.alarms.fault_filters["pre-signup"].metric && module.alarms.fault_filters["post-confirmation"].log_group_name == module.post_confirmation.log_group_name
    error_message = "Each faults alarm watches the metric its function's log filter counts."
  }

  assert {
    condition     = alltrue([for a in values(module.alarms.alarms) : a.evaluation_periods >= 3 && a.datapoints_to_alarm >= 2])
    error_message = "Every alarm needs several breaching periods (no page for one blip)."
  }

  assert {
    condition     = module.alarms.alarms["pre-signup-p99-duration"].statistic == "p99" && module.alarms.alarms["pre-signup-p99-duration"].threshold == 3000 && module.alarms.alarms["api-5xx-rate"].statistic == "Average"
    error_message = "Trigger duration is watched at p99 against 3 s; the API's 5xx as a rate."
  }

  assert {
    condition     = anytrue([for st in module.alarms.topic.policy.Statement : st.Principal.Service == "cloudwatch.amazonaws.com" && st.Action == "sns:Publish" && st.Condition.StringEquals["aws:SourceAccount"] == "123456789012"])
    error_message = "Only this account's CloudWatch alarms may publish to the topic."
  }

  assert {
    condition     = length(module.alarms.saved_queries) == 2
    error_message = "The saved Logs Insights queries (one person's sign-up, the last hour's faults) exist."
  }
}

run "the_local_stack_leaves_out_what_moto_lacks" {
  variables {
    aws_only_resources = false
    api_waf_enabled    = false
  }

  assert {
    condition     = module.backup.vault_name == null && length(module.backup.selected_resources) == 0 && length(module.alarms.saved_queries) == 0 && module.alarms.topic.email_endpoints == []
    error_message = "Without AWS-only resources there is no backup vault, plan or selection and no saved query; without alarm_email no subscription."
  }

  assert {
    condition     = !contains(keys(module.alarms.alarms), "waf-blocked")
    error_message = "No WAF alarm without a web ACL."
  }
}
