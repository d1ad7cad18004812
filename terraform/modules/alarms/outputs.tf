output "topic_arn" {
  description = "ARN of the alarm topic every alarm notifies."
  value       = aws_sns_topic.this.arn
}

output "alarms" {
  description = "Every alarm by key: name, metric, statistic, threshold, periods and actions (what tests and reviews read)."
  value = {
    for key, a in aws_cloudwatch_metric_alarm.this : key => {
      name                = a.alarm_name
      namespace           = a.namespace
      metric              = a.metric_name
      dimensions          = a.dimensions
      statistic           = coalesce(a.statistic, a.extended_statistic)
      threshold           = a.threshold
      evaluation_periods  = a.evaluation_periods
      datapoints_to_alarm = a.datapoints_to_alarm
      alarm_actions       = a.alarm_actions
      ok_actions          = a.ok_actions
    }
  }
}

output "fault_filters" {
  description = "The fault metric filter of each function: log group, pattern, metric."
  value = {
    for key, f in aws_cloudwatch_log_metric_filter.faults : key => {
      log_group_name = f.log_group_name
      pattern        = f.pattern
      metric         = f.metric_transformation[0].name
    }
  }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "topic" {
  description = "The alarm topic: KMS key, publishing policy (decoded) and e-mail subscriptions."
  value = {
    kms_master_key_id = aws_sns_topic.this.kms_master_key_id
    policy            = jsondecode(aws_sns_topic_policy.this.policy)
    email_endpoints   = [for s in aws_sns_topic_subscription.email : s.endpoint]
  }
}

output "saved_queries" {
  description = "Names of the saved Logs Insights queries."
  value       = concat(aws_cloudwatch_query_definition.sign_up_by_sub[*].name, aws_cloudwatch_query_definition.recent_faults[*].name)
}
