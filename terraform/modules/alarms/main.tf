# On-call: the stack's alarm topic (encrypted, optional e-mail subscription), alarms on
# symptoms people feel, each over several periods so one blip pages no one, a dashboard
# drawn from those alarms, and saved Logs Insights queries.
#
# A refused sign-up is the PreSignUp trigger working: it is an error to Lambda (Cognito
# shows its message) but not a fault. So faults are counted from the functions' own log
# lines (fault_patterns.json, the patterns a test checks against lines the functions
# write), and no alarm watches Lambda's Errors metric of PreSignUp.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  region         = data.aws_region.current.name
  fault_patterns = jsondecode(file("${path.module}/fault_patterns.json"))
  namespace      = var.name

  # Each alarm: stat is Sum, Average, Maximum or a percentile (p99); it fires when
  # `datapoints` of the last `periods` minutes breach the threshold.
  function_alarms = merge([
    for key, f in var.functions : merge(
      {
        "${key}-faults" = {
          description = "Faults logged by ${f.function_name} (${local.fault_patterns[key]})"
          namespace   = local.namespace
          metric      = "${key}-faults"
          dimensions  = {}
          stat        = "Sum"
          threshold   = 0
          periods     = 5
          datapoints  = 2
        }
        "${key}-throttles" = {
          description = "Invocations of ${f.function_name} refused for lack of concurrency"
          namespace   = "AWS/Lambda"
          metric      = "Throttles"
          dimensions  = { FunctionName = f.function_name }
          stat        = "Sum"
          threshold   = 0
          periods     = 5
          datapoints  = 2
        }
      },
      # Crashes and timeouts log no outcome: where every Lambda error is a fault, its
      # Errors metric catches those too. Never for PreSignUp, whose refusals are errors.
      f.errors_are_faults ? {
        "${key}-errors" = {
          description = "Errors (faults, crashes, timeouts) of ${f.function_name}"
          namespace   = "AWS/Lambda"
          metric      = "Errors"
          dimensions  = { FunctionName = f.function_name }
          stat        = "Sum"
          threshold   = 0
          periods     = 5
          datapoints  = 2
        }
      } : {},
      # Cognito gives up on a trigger after 5 s; 3 s at p99 is the warning before people see it.
      f.cognito_trigger ? {
        "${key}-p99-duration" = {
          description = "p99 duration of ${f.function_name} above 3 s (Cognito stops waiting at 5 s)"
          namespace   = "AWS/Lambda"
          metric      = "Duration"
          dimensions  = { FunctionName = f.function_name }
          stat        = "p99"
          threshold   = 3000
          periods     = 5
          datapoints  = 3
        }
      } : {},
    )
  ]...)

  api_alarms = {
    "api-5xx-rate" = {
      description = "Share of API requests answered 5xx above ${var.api_5xx_rate * 100}%"
      namespace   = "AWS/ApiGateway"
      metric      = "5XXError"
      dimensions  = { ApiName = var.api.name, Stage = var.api.stage }
      stat        = "Average"
      threshold   = var.api_5xx_rate
      periods     = 5
      datapoints  = 3
    }
    "api-p99-latency" = {
      description = "p99 API latency above ${var.api_p99_latency_ms} ms"
      namespace   = "AWS/ApiGateway"
      metric      = "Latency"
      dimensions  = { ApiName = var.api.name, Stage = var.api.stage }
      stat        = "p99"
      threshold   = var.api_p99_latency_ms
      periods     = 5
      datapoints  = 3
    }
  }

  cognito_alarms = {
    for metric in ["SignUpThrottles", "SignInThrottles"] : "cognito-${lower(trimsuffix(metric, "Throttles"))}-throttles" => {
      description = "${metric} of the user pool: Cognito refused requests over its quota"
      namespace   = "AWS/Cognito"
      metric      = metric
      dimensions  = { UserPool = var.user_pool.id, UserPoolClient = var.user_pool.client_id }
      stat        = "Sum"
      threshold   = 0
      periods     = 5
      datapoints  = 2
    }
  }

  table_alarms = merge([
    for key, table in var.tables : {
      for kind in ["Read", "Write"] : "${key}-${lower(kind)}-throttles" => {
        description = "${kind} requests to table ${table} throttled"
        namespace   = "AWS/DynamoDB"
        metric      = "${kind}ThrottleEvents"
        dimensions  = { TableName = table }
        stat        = "Sum"
        threshold   = 0
        periods     = 5
        datapoints  = 2
      }
    }
  ]...)

  waf_alarms = var.web_acl_name == null ? {} : {
    "waf-blocked" = {
      description = "More than ${var.waf_blocked_requests} requests a minute blocked by the API's web ACL (a flood, or a rule blocking real users)"
      namespace   = "AWS/WAFV2"
      metric      = "BlockedRequests"
      dimensions  = { WebACL = var.web_acl_name, Region = local.region, Rule = "ALL" }
      stat        = "Sum"
      threshold   = var.waf_blocked_requests
      periods     = 5
      datapoints  = 3
    }
  }

  alarms = merge(local.function_alarms, local.api_alarms, local.cognito_alarms, local.table_alarms, local.waf_alarms)
}

resource "aws_sns_topic" "this" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  arn = aws_sns_topic.this.arn

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AlarmsOfThisAccountPublish"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.this.arn
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

# SNS sends a confirmation link first: the address receives alarms once someone clicks it.
resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_log_metric_filter" "faults" {
  for_each = var.functions

  name           = "${each.value.function_name}-faults"
  log_group_name = each.value.log_group_name
  pattern        = local.fault_patterns[each.key]

  metric_transformation {
    name          = "${each.key}-faults"
    namespace     = local.namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.description}. Runbook: docs/health-data.md, On-call"
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = startswith(each.value.stat, "p") ? null : each.value.stat
  extended_statistic  = startswith(each.value.stat, "p") ? each.value.stat : null
  period              = 60
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.datapoints
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags

  # The faults metric exists once its filter does.
  depends_on = [aws_cloudwatch_log_metric_filter.faults]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      for i, key in sort(keys(local.alarms)) : {
        type   = "metric"
        x      = (i % 3) * 8
        y      = floor(i / 3) * 6
        width  = 8
        height = 6
        properties = {
          title       = key
          region      = local.region
          view        = "timeSeries"
          annotations = { alarms = [aws_cloudwatch_metric_alarm.this[key].arn] }
        }
      }
    ]
  })
}

# Everything that happened to one person's sign-up: the triggers log Cognito's userName
# (the sub, as the pool signs people in by e-mail), the API logs the caller's sub.
resource "aws_cloudwatch_query_definition" "sign_up_by_sub" {
  count = var.saved_queries ? 1 : 0

  name            = "${var.name}/sign-up-of-one-person"
  log_group_names = [for f in values(var.functions) : f.log_group_name]
  query_string    = <<-EOT
    fields @timestamp, @log, fields.message, fields.outcome, fields.refusal, fields.error, fields.status
    | filter fields.user_name = "REPLACE-WITH-SUB" or fields.sub = "REPLACE-WITH-SUB" or fields.caller = "REPLACE-WITH-SUB"
    | sort @timestamp asc
  EOT
}

resource "aws_cloudwatch_query_definition" "recent_faults" {
  count = var.saved_queries ? 1 : 0

  name            = "${var.name}/faults-last-hour"
  log_group_names = [for f in values(var.functions) : f.log_group_name]
  query_string    = <<-EOT
    fields @timestamp, @log, fields.message, fields.user_name, fields.request_id, fields.error, fields.cause, fields.status
    | filter fields.outcome = "fault" or fields.status >= 500 or level = "ERROR"
    | sort @timestamp desc
    | limit 200
  EOT
}
