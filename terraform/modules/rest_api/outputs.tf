output "id" {
  description = "REST API id."
  value       = aws_api_gateway_rest_api.this.id
}

output "stage_name" {
  description = "Stage name."
  value       = aws_api_gateway_stage.this.stage_name
}

output "invoke_url" {
  description = "Base URL of the stage (AWS form: https://<id>.execute-api.<region>.amazonaws.com/<stage>)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "execution_arn" {
  description = "Execution ARN of the API (for permissions and alarms)."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "api_key" {
  description = "The API key's value, or null when api_key_required is false."
  value       = var.api_key_required ? aws_api_gateway_api_key.this[0].value : null
  sensitive   = true
}

output "cors_headers" {
  description = "CORS headers (API Gateway quoted values) on preflight and gateway responses."
  value       = local.cors_headers
}

output "access_log_group_name" {
  description = "Log group of the stage's access logs."
  value       = aws_cloudwatch_log_group.access.name
}
