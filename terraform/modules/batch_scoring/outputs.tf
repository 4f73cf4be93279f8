output "bucket" {
  description = "Batch bucket: upload to in/<name>.csv, read out/<name>.scored.csv and out/<name>.summary.json."
  value       = module.bucket.name
}

output "state_machine_arn" {
  description = "ARN of the batch-scoring state machine (executions are named from the input's key and version)."
  value       = aws_sfn_state_machine.this.arn
}

output "scoring_function_name" {
  description = "Name of the function that runs the split, score, assemble and fail steps."
  value       = module.scoring_function.function_name
}

output "scoring_log_group_name" {
  description = "CloudWatch Logs group of the scoring function (its capture records are read from here)."
  value       = module.scoring_function.log_group_name
}

output "start_function_name" {
  description = "Name of the function that S3 events on in/*.csv invoke to start an execution."
  value       = module.start.function_name
}

output "rows_per_chunk" {
  description = "Rows scored by one task."
  value       = var.rows_per_chunk
}

output "max_concurrency" {
  description = "The Distributed Map's MaxConcurrency."
  value       = var.max_concurrency
}

output "alarm_names" {
  description = "CloudWatch alarm names, by kind: failed executions, starter errors."
  value       = { for kind, alarm in aws_cloudwatch_metric_alarm.this : kind => alarm.alarm_name }
}

output "definition" {
  description = "The state machine's definition (Amazon States Language, JSON)."
  value       = aws_sfn_state_machine.this.definition
}

output "noncurrent_version_days" {
  description = "Days the batch bucket keeps replaced versions; null when it has no lifecycle rule."
  value       = module.bucket.noncurrent_version_days
}
