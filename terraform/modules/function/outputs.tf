output "function_name" {
  description = "Function name."
  value       = aws_lambda_function.this.function_name
}

output "arn" {
  description = "Unqualified function ARN."
  value       = aws_lambda_function.this.arn
}

output "qualifier" {
  description = "Alias that callers must use (\"live\" with SnapStart), or null for $LATEST."
  value       = var.snapstart ? aws_lambda_alias.live[0].name : null
}

output "invoke_arn" {
  description = "ARN for an API Gateway integration (the alias's when SnapStart is on)."
  value       = var.snapstart ? aws_lambda_alias.live[0].invoke_arn : aws_lambda_function.this.invoke_arn
}

output "role_arn" {
  description = "ARN of the function's IAM role."
  value       = aws_iam_role.this.arn
}

output "role_policy_json" {
  description = "The role's inline policy (model read, own logs)."
  value       = local.role_policy
}

output "log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "model_uri" {
  description = "MODEL_URI given to the function: s3://<bucket>/<prefix>."
  value       = local.model_uri
}
