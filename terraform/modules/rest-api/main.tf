# REST API whose resources, methods, integrations and redeployment hash are all derived
# from one route map. Every route proxies to one Lambda function; authorized routes use a
# Cognito user-pool authorizer on the ID token in the Authorization header.

locals {
  routes = {
    for key, route in var.routes : key => {
      authorized = route.authorized
      method     = split(" ", key)[0]
      # "/users/{id}" -> "users/{id}"; "" is the root resource.
      path = trimprefix(split(" ", key)[1], "/")
    }
  }

  # Every resource the routes need, i.e. every prefix of every route path, keyed by path.
  resource_paths = distinct(flatten([
    for route in values(local.routes) : [
      for depth in range(1, length(split("/", route.path)) + 1) : join("/", slice(split("/", route.path), 0, depth))
    ] if route.path != ""
  ]))

  resources = {
    for path in local.resource_paths : path => {
      depth     = length(split("/", path))
      parent    = join("/", slice(split("/", path), 0, length(split("/", path)) - 1))
      path_part = element(split("/", path), length(split("/", path)) - 1)
    }
  }

  resource_ids = merge(
    { "" = aws_api_gateway_rest_api.this.root_resource_id },
    { for path, r in aws_api_gateway_resource.level1 : path => r.id },
    { for path, r in aws_api_gateway_resource.level2 : path => r.id },
    { for path, r in aws_api_gateway_resource.level3 : path => r.id },
  )
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = var.description

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = var.tags

  # If the API must be replaced, the new one exists before the old one goes.
  lifecycle {
    create_before_destroy = true
  }
}

# A resource's parent must exist first and Terraform forbids a resource referring to
# itself, so the tree is built one depth at a time (routes are validated to depth 3).
resource "aws_api_gateway_resource" "level1" {
  for_each = { for path, r in local.resources : path => r if r.depth == 1 }

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.value.path_part
}

resource "aws_api_gateway_resource" "level2" {
  for_each = { for path, r in local.resources : path => r if r.depth == 2 }

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.level1[each.value.parent].id
  path_part   = each.value.path_part
}

resource "aws_api_gateway_resource" "level3" {
  for_each = { for path, r in local.resources : path => r if r.depth == 3 }

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.level2[each.value.parent].id
  path_part   = each.value.path_part
}

resource "aws_api_gateway_authorizer" "this" {
  name            = "${var.name}-cognito"
  rest_api_id     = aws_api_gateway_rest_api.this.id
  type            = "COGNITO_USER_POOLS"
  provider_arns   = [var.user_pool_arn]
  identity_source = "method.request.header.Authorization"
}

resource "aws_api_gateway_method" "this" {
  #checkov:skip=CKV2_AWS_53:Lambda proxy routes carry no declared parameters or models; the function validates every request body and parameter itself.
  for_each = local.routes

  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = local.resource_ids[each.value.path]
  http_method   = each.value.method
  authorization = each.value.authorized ? "COGNITO_USER_POOLS" : "NONE"
  authorizer_id = each.value.authorized ? aws_api_gateway_authorizer.this.id : null
}

resource "aws_api_gateway_integration" "this" {
  for_each = local.routes

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_method.this[each.key].resource_id
  http_method             = aws_api_gateway_method.this[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_invoke_arn
}

resource "aws_lambda_permission" "this" {
  statement_id  = "AllowApiGateway-${var.stage_name}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  qualifier     = var.function_qualifier
  principal     = "apigateway.amazonaws.com"
  # Any method and path of this API's stage; ARN wildcards span the path's slashes.
  source_arn = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/*/*"
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # A deployment is a snapshot of the API taken when it is created: redeploy on any change
  # to what the stage serves. The hash is over the applied resources, methods, integrations,
  # authorizer and gateway responses (their ids and the settings this module gives them),
  # not only over this module's inputs, so a route removed, added or re-pointed, or a
  # setting changed inside the module, all redeploy. Only values that read back as they
  # were written: whole objects are not hashed, because a refresh turns their unset maps
  # and lists (request_parameters, cache_key_parameters...) from null into empty ones, and
  # an unset authorizer_id from null into "" (hence the coalesce): that would redeploy on
  # every apply. A removed route still needs the second apply `just deploy` makes.
  triggers = {
    redeployment = sha1(jsonencode({
      resources = {
        for path, r in merge(aws_api_gateway_resource.level1, aws_api_gateway_resource.level2, aws_api_gateway_resource.level3) :
        path => [r.id, r.parent_id, r.path_part]
      }
      methods = {
        for key, m in aws_api_gateway_method.this :
        key => [m.id, m.resource_id, m.http_method, m.authorization, coalesce(m.authorizer_id, "none"), m.api_key_required]
      }
      integrations = {
        for key, i in aws_api_gateway_integration.this :
        key => [i.id, i.resource_id, i.http_method, i.type, i.integration_http_method, i.uri]
      }
      authorizer = [
        aws_api_gateway_authorizer.this.id,
        aws_api_gateway_authorizer.this.name,
        aws_api_gateway_authorizer.this.type,
        aws_api_gateway_authorizer.this.identity_source,
        aws_api_gateway_authorizer.this.provider_arns,
      ]
      gateway_responses = {
        for type, r in aws_api_gateway_gateway_response.cors :
        type => [r.id, r.response_type, r.response_parameters]
      }
    }))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_method.this, aws_api_gateway_integration.this]
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_338:Retention is the ops variable log_retention_days (default 30 days); a one-year floor is a cost decision left to ops.
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# API Gateway would create this group itself, without retention; owning it sets retention.
resource "aws_cloudwatch_log_group" "execution" {
  #checkov:skip=CKV_AWS_338:Retention is the ops variable log_retention_days (default 30 days); a one-year floor is a cost decision left to ops.
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# API Gateway's account-level CloudWatch Logs role and setting, for a stack that is alone
# in its account and region; the bootstrap stack sets them once per account otherwise.
module "account_logging" {
  source = "../api-gateway-account"
  count  = var.manage_account_logging_role ? 1 : 0

  tags = var.tags
}

moved {
  from = aws_iam_role.this[0]
  to   = module.account_logging[0].aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.this[0]
  to   = module.account_logging[0].aws_iam_role_policy.this
}

moved {
  from = aws_api_gateway_account.this[0]
  to   = module.account_logging[0].aws_api_gateway_account.this
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:Responses are per-user profile data and must not be cached.
  #checkov:skip=CKV2_AWS_51:The backend is a Lambda proxy integration, not an HTTP endpoint that could verify a client certificate.
  #checkov:skip=CKV2_AWS_77:Asks for the Log4j managed rule group on the stage's web ACL; nothing behind this API runs on a JVM (Rust functions, managed AWS services).
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    # Request metadata only: never bodies, headers or tokens.
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      errorMessage       = "$context.error.message"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      sub                = "$context.authorizer.claims.sub"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  tags = var.tags

  # Logging needs the account-level CloudWatch role and the execution log group in place.
  depends_on = [module.account_logging, aws_cloudwatch_log_group.execution]
}

resource "aws_api_gateway_method_settings" "this" {
  #checkov:skip=CKV_AWS_225:Responses are per-user profile data and must not be cached.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    caching_enabled        = false
    cache_data_encrypted   = true
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
}

# WAF in front of the stage: the stage's throttle is one bucket for every caller, so
# anonymous traffic (GET /health, CORS preflights) alone could use it up. A per-IP
# rate-based rule refuses a flooding address before API Gateway, the authorizer or the
# function see its requests. One cheap rule, no managed rule groups or body inspection.
resource "aws_wafv2_web_acl" "this" {
  #checkov:skip=CKV_AWS_192:That check asks for the Log4j (AWSManagedRulesKnownBadInputsRuleSet) rule group; nothing behind this API runs on a JVM (Rust functions, managed AWS services), and the ACL is kept to one cheap rule.
  count = var.waf_enabled ? 1 : 0

  name        = "${var.name}-${var.stage_name}"
  description = "Per-IP rate limit in front of REST API ${var.name}, stage ${var.stage_name}"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  # What API Gateway's own throttling answers, so apps handle both refusals alike.
  custom_response_body {
    key          = "too-many-requests"
    content      = jsonencode({ message = "Too Many Requests" })
    content_type = "APPLICATION_JSON"
  }

  rule {
    name     = "per-ip-rate-limit"
    priority = 0

    action {
      block {
        custom_response {
          response_code            = 429
          custom_response_body_key = "too-many-requests"

          # CORS as on API Gateway's own answers (gateway_responses.tf), so a browser app
          # sees the 429. A static header can only name one origin; with several allowed,
          # WAF cannot echo the request's, and the browser reports a CORS failure instead.
          dynamic "response_header" {
            for_each = length(var.cors_allowed_origins) == 1 ? { "Access-Control-Allow-Origin" = var.cors_allowed_origins[0], "Vary" = "Origin" } : {}
            content {
              name  = response_header.key
              value = response_header.value
            }
          }
        }
      }
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        evaluation_window_sec = 300
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-per-ip-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-web-acl"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.waf_enabled ? 1 : 0

  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this[0].arn
}

# WAF requires its log group's name to start with aws-waf-logs-.
resource "aws_cloudwatch_log_group" "waf" {
  #checkov:skip=CKV_AWS_338:Retention is the ops variable log_retention_days (default 30 days); a one-year floor is a cost decision left to ops.
  count = var.waf_enabled ? 1 : 0

  name              = "aws-waf-logs-${var.name}-${var.stage_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# Only refused requests are logged (the access log already has every request), without
# the ID token (Authorization) or the query string (listing cursors).
resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count = var.waf_enabled ? 1 : 0

  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  redacted_fields {
    query_string {}
  }

  logging_filter {
    default_behavior = "DROP"

    filter {
      behavior    = "KEEP"
      requirement = "MEETS_ANY"

      condition {
        action_condition {
          action = "BLOCK"
        }
      }
    }
  }
}
