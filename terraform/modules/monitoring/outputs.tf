output "alarm_names" {
  description = "Names of the alarms, by kind (function-errors, function-throttles, function-duration-p99, api-5xx)."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name }
}

output "alarm_arns" {
  description = "ARNs of the alarms, by kind."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }
}
