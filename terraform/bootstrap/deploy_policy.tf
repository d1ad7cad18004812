# What Terraform needs to plan and apply the main stack (terraform/) in one environment,
# and nothing else: each statement's read actions (refresh and plan) and write actions
# (apply), on that environment's resources. Names are scoped where the service allows it
# (<name_prefix>-<env>-*); Cognito user pools and API Gateway APIs get random IDs, so they
# are scoped to the account and region, which one account per environment makes the
# environment. No statement reads data: no DynamoDB item, S3 object (but the state) or
# Cognito user. The plan role gets the read actions only.

locals {
  arn = {
    for env in var.environments : env => {
      name     = "${var.name_prefix}-${env}-*"
      stack    = "${var.name_prefix}-${env}"
      pictures = "arn:${local.partition}:s3:::${var.name_prefix}-${env}-pictures-*"
      audit    = "arn:${local.partition}:s3:::${var.name_prefix}-${env}-audit-*"
      region   = "${var.region}:${local.account}"
      apigw    = "arn:${local.partition}:apigateway:${var.region}::"
      state    = "arn:${local.partition}:s3:::${local.bucket_name}"
      stateKey = "arn:${local.partition}:s3:::${local.bucket_name}/${var.name_prefix}/${env}/*"
    }
  }

  deploy_statements = {
    for env, a in local.arn : env => [
      {
        # The environment's state and its lock file (<key>.tflock) beside it.
        sid       = "State"
        read      = ["s3:GetObject"]
        write     = ["s3:PutObject", "s3:DeleteObject"]
        resources = [a.stateKey]
      },
      {
        sid       = "StateBucket"
        read      = ["s3:ListBucket"]
        write     = []
        resources = [a.state]
      },
      {
        # Calls with no resource-level permissions (IAM's "*" is the only resource they take).
        sid = "Describe"
        read = [
          "sts:GetCallerIdentity",
          "logs:DescribeLogGroups",
          "logs:DescribeResourcePolicies",
          "logs:ListLogDeliveries",
          "cognito-idp:DescribeUserPoolDomain",
          "wafv2:ListWebACLs",
          "kms:ListAliases",
          "cloudtrail:DescribeTrails",
          "logs:DescribeMetricFilters",
          "logs:DescribeQueryDefinitions",
        ]
        write = [
          # WAF's logging sets the log group's resource policy through a log delivery.
          "logs:CreateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:PutResourcePolicy",
          "logs:DeleteResourcePolicy",
          "cognito-idp:CreateUserPool",
          "cognito-idp:CreateUserPoolDomain",
          "cognito-idp:DeleteUserPoolDomain",
          "cognito-idp:UpdateUserPoolDomain",
          # Keys get random IDs; saved queries are not resources IAM can name.
          "kms:CreateKey",
          "logs:PutQueryDefinition",
          "logs:DeleteQueryDefinition",
        ]
        resources = ["*"]
      },
      {
        sid  = "Functions"
        read = ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionConcurrency", "lambda:GetPolicy", "lambda:GetAlias", "lambda:ListVersionsByFunction", "lambda:ListTags"]
        write = [
          "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
          "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias", "lambda:DeleteAlias", "lambda:AddPermission",
          "lambda:RemovePermission", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource",
        ]
        resources = ["arn:${local.partition}:lambda:${a.region}:function:${a.name}"]
      },
      {
        # The functions' execution roles (named after their function) and their inline policies.
        sid  = "FunctionRoles"
        read = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"]
        # AWS Backup's role (named after the stack) has AWS's managed backup policies attached.
        write     = ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PassRole"]
        resources = ["arn:${local.partition}:iam::${local.account}:role/${a.name}"]
      },
      {
        sid   = "LogGroups"
        read  = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
        write = ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:PutMetricFilter", "logs:DeleteMetricFilter", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup"]
        resources = [
          "arn:${local.partition}:logs:${a.region}:log-group:/aws/lambda/${a.name}",
          "arn:${local.partition}:logs:${a.region}:log-group:/aws/apigateway/${a.name}",
          "arn:${local.partition}:logs:${a.region}:log-group:aws-waf-logs-${a.name}",
          # Named by API Gateway after the API's random ID.
          "arn:${local.partition}:logs:${a.region}:log-group:API-Gateway-Execution-Logs_*",
        ]
      },
      {
        sid       = "Alarms"
        read      = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
        write     = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
        resources = ["arn:${local.partition}:cloudwatch:${a.region}:alarm:${a.name}"]
      },
      {
        sid       = "Dashboard"
        read      = ["cloudwatch:GetDashboard"]
        write     = ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"]
        resources = ["arn:${local.partition}:cloudwatch::${local.account}:dashboard/${a.stack}"]
      },
      {
        # The alarms' topic.
        sid       = "Topic"
        read      = ["sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"]
        write     = ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:TagResource", "sns:UntagResource"]
        resources = ["arn:${local.partition}:sns:${a.region}:${a.name}"]
      },
      {
        # Keys get random IDs: scoped to the account and region (aliases by name).
        sid       = "Keys"
        read      = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
        write     = ["kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:CreateGrant", "kms:TagResource", "kms:UntagResource"]
        resources = ["arn:${local.partition}:kms:${a.region}:key/*", "arn:${local.partition}:kms:${a.region}:alias/${a.name}"]
      },
      {
        sid       = "Trail"
        read      = ["cloudtrail:GetTrail", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:GetInsightSelectors", "cloudtrail:ListTags"]
        write     = ["cloudtrail:CreateTrail", "cloudtrail:UpdateTrail", "cloudtrail:DeleteTrail", "cloudtrail:StartLogging", "cloudtrail:StopLogging", "cloudtrail:PutEventSelectors", "cloudtrail:AddTags", "cloudtrail:RemoveTags"]
        resources = ["arn:${local.partition}:cloudtrail:${a.region}:trail/${a.name}"]
      },
      {
        # Plans and selections get random IDs: scoped to the account and region.
        sid       = "Backup"
        read      = ["backup:DescribeBackupVault", "backup:GetBackupVaultAccessPolicy", "backup:GetBackupPlan", "backup:GetBackupSelection", "backup:ListTags"]
        write     = ["backup:CreateBackupVault", "backup:DeleteBackupVault", "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration", "backup:CreateBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:CreateBackupSelection", "backup:DeleteBackupSelection", "backup:TagResource", "backup:UntagResource", "backup-storage:MountCapsule"]
        resources = ["arn:${local.partition}:backup:${a.region}:backup-vault:${a.stack}", "arn:${local.partition}:backup:${a.region}:backup-plan:*"]
      },
      {
        sid       = "Tables"
        read      = ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource"]
        write     = ["dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive", "dynamodb:TagResource", "dynamodb:UntagResource"]
        resources = ["arn:${local.partition}:dynamodb:${a.region}:table/${a.name}", "arn:${local.partition}:dynamodb:${a.region}:table/${a.name}/index/*"]
      },
      {
        # The picture and audit buckets' configuration (never their objects, but emptying the
        # picture bucket on a destroy with deletion_protection off; the audit bucket's object
        # lock and policy refuse deletes to everyone).
        sid = "Buckets"
        read = [
          "s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLocation", "s3:GetBucketLogging", "s3:GetBucketNotification",
          "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketVersioning", "s3:GetBucketWebsite", "s3:GetAccelerateConfiguration",
          "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
        ]
        write = [
          "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketCORS", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
          "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
          "s3:PutBucketNotification", "s3:PutBucketObjectLockConfiguration", "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion",
        ]
        resources = [a.pictures, "${a.pictures}/*", a.audit, "${a.audit}/*"]
      },
      {
        # User pools get random IDs: scoped to the account and region.
        sid  = "UserPools"
        read = ["cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient", "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:GetGroup", "cognito-idp:ListTagsForResource"]
        write = [
          "cognito-idp:UpdateUserPool", "cognito-idp:DeleteUserPool", "cognito-idp:CreateUserPoolClient", "cognito-idp:UpdateUserPoolClient",
          "cognito-idp:DeleteUserPoolClient", "cognito-idp:SetUserPoolMfaConfig", "cognito-idp:CreateGroup", "cognito-idp:UpdateGroup",
          "cognito-idp:DeleteGroup", "cognito-idp:TagResource", "cognito-idp:UntagResource",
        ]
        resources = ["arn:${local.partition}:cognito-idp:${a.region}:userpool/*"]
      },
      {
        # REST APIs get random IDs: scoped to the region's APIs (and their tags, stages and
        # WAF association).
        sid       = "RestApis"
        read      = ["apigateway:GET"]
        write     = ["apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE", "apigateway:SetWebACL"]
        resources = ["${a.apigw}/restapis", "${a.apigw}/restapis/*", "${a.apigw}/tags/*"]
      },
      {
        sid   = "WebAcl"
        read  = ["wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:GetLoggingConfiguration", "wafv2:ListTagsForResource"]
        write = ["wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:PutLoggingConfiguration", "wafv2:DeleteLoggingConfiguration", "wafv2:TagResource", "wafv2:UntagResource"]
        resources = [
          "arn:${local.partition}:wafv2:${a.region}:regional/webacl/${a.name}/*",
          # Associating an ACL is authorized on the stage too.
          "arn:${local.partition}:apigateway:${var.region}::/restapis/*/stages/*",
        ]
      },
    ]
  }

  deploy_policies = {
    for env, statements in local.deploy_statements : env => jsonencode({
      Version = "2012-10-17"
      Statement = [
        for s in statements : { Sid = s.sid, Effect = "Allow", Action = concat(s.read, s.write), Resource = s.resources }
      ]
    })
  }

  plan_policies = {
    for env, statements in local.deploy_statements : env => jsonencode({
      Version = "2012-10-17"
      Statement = [
        for s in statements : { Sid = s.sid, Effect = "Allow", Action = s.read, Resource = s.resources } if length(s.read) > 0
      ]
    })
  }
}
