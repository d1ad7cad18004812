# One Rust Lambda function built by `just package`: its role, least-privilege inline policy,
# encrypted log group, and an alias on the version each apply publishes. The zip, its hash
# and the architecture come from the deployment manifest, so Terraform never rebuilds
# anything; it checks the zip against the manifest's hash before it plans to upload it.

locals {
  manifest = jsondecode(file("${var.artifacts_dir}/manifest.json"))
  package  = local.manifest.functions[var.artifact]
  zip_path = "${var.artifacts_dir}/${local.package.zip}"

  base_statements = [
    {
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
    },
    {
      # X-Ray has no resource-level permissions: these two write-only actions take "*".
      Sid      = "WriteTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"]
    },
  ]

  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.base_statements, [
      for s in var.policy_statements : {
        Sid      = s.sid
        Effect   = "Allow"
        Action   = s.actions
        Resource = s.resources
      }
    ])
  })
}

resource "aws_iam_role" "this" {
  name_prefix = "${substr(var.function_name, 0, 37)}-"
  description = "Execution role of ${var.function_name}"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = local.policy_json
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the ops variable log_retention_days (default 30 days); a one-year floor is a cost decision left to ops.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously only (Cognito triggers, API Gateway proxy); a dead-letter queue applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The function calls only public AWS endpoints (DynamoDB, S3, Cognito); a VPC would add NAT cost and cold-start latency with no resource to reach.
  #checkov:skip=CKV_AWS_173:Environment variables hold resource names and limits only, no secrets; Lambda encrypts them at rest with its service key.
  #checkov:skip=CKV_AWS_272:Artifacts are built and hashed by `just package` and pinned by source_code_hash; code signing needs an AWS Signer profile this project does not run.
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [local.manifest.architecture]
  filename                       = local.zip_path
  source_code_hash               = local.package.sha256_base64
  memory_size                    = var.memory_size_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrent_executions
  # Every change of code or configuration publishes a new, immutable version; callers
  # invoke the alias below, so going back to an earlier version is one alias update.
  publish = true

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []
    content {
      variables = environment.value
    }
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_level
    # INFO keeps Lambda's platform lines (START, END, REPORT with duration, memory and
    # init duration); WARN would drop them and with them the per-invocation figures.
    system_log_level = "INFO"
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  # The role must be able to write logs and traces before the first invocation.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    # What ships is what the build hashed: a zip swapped or rebuilt after the manifest was
    # written (or a manifest from another build) is refused before anything changes.
    precondition {
      condition     = filebase64sha256(local.zip_path) == local.package.sha256_base64
      error_message = "${local.zip_path} does not match its SHA-256 in ${var.artifacts_dir}/manifest.json (${local.package.sha256_base64}): these are not the artifacts the build hashed. Use the zips and manifest of one `just package` run."
    }
  }
}

# What every caller invokes (API Gateway, Cognito triggers). Terraform points it at the
# version it just published; `aws lambda update-alias` points it back (see the README).
resource "aws_lambda_alias" "this" {
  name             = var.alias_name
  description      = "The version in service; Terraform moves it to each version it publishes"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}
