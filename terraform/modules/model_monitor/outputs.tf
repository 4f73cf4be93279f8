output "function_name" {
  description = "The monitor function (invoke it with {\"model\": ..., \"date\": ...} to run it now)."
  value       = module.function.function_name
}

output "role_arn" {
  description = "The monitor function's role."
  value       = module.function.role_arn
}

output "schedule_rule" {
  description = "The EventBridge rule that runs the monitor."
  value       = aws_cloudwatch_event_rule.this.name
}

output "metrics_namespace" {
  description = "CloudWatch namespace of the monitor's metrics."
  value       = var.metrics_namespace
}

output "alarm_names" {
  description = "CloudWatch alarm names, by kind (input-drift, accuracy-drop, rmse-increase)."
  value       = { for kind, alarm in aws_cloudwatch_metric_alarm.this : kind => alarm.alarm_name }
}

output "settings" {
  description = "The monitor function's settings (environment): bucket, window, PSI threshold, minimum rows, namespace."
  value       = local.settings
}
