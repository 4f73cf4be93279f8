output "function_name" {
  description = "The function's name."
  value       = aws_lambda_function.this.function_name
}

output "arn" {
  description = "The function's ARN."
  value       = aws_lambda_function.this.arn
}

output "handler" {
  description = "The handler the function runs."
  value       = aws_lambda_function.this.handler
}

output "policy_json" {
  description = "The role's inline policy."
  value       = local.policy
}

output "notification" {
  description = "What runs the function: the bucket and the prefix and suffix filters."
  value       = { bucket = var.bucket_name, prefix = var.filter_prefix, suffix = var.filter_suffix }
}

output "permission" {
  description = "Who may invoke the function: S3, from this bucket of this account."
  value       = { principal = aws_lambda_permission.s3.principal, source_arn = aws_lambda_permission.s3.source_arn, source_account = aws_lambda_permission.s3.source_account }
}
