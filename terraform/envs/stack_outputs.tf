# Outputs both env roots share (symlinked into each); the site's URL differs per env.

output "api_url" {
  description = "Base URL of the API stage."
  value       = module.stack.api_url
}

output "function_name" {
  description = "Name of the prediction function."
  value       = module.stack.function_name
}

output "model_bucket" {
  description = "Bucket of the models."
  value       = module.stack.model_bucket
}

output "artifact_bucket" {
  description = "Bucket of the deployment zips."
  value       = module.stack.artifact_bucket
}

output "site_bucket" {
  description = "Bucket of the static site."
  value       = module.stack.site_bucket
}

output "model_uri" {
  description = "MODEL_URI of the function."
  value       = module.stack.model_uri
}

output "api_id" {
  description = "REST API id."
  value       = module.stack.api_id
}

output "stage_name" {
  description = "API stage name."
  value       = module.stack.stage_name
}

output "region" {
  description = "Region of the stack."
  value       = module.stack.region
}

output "api_key" {
  description = "API key value, or null when api_key_required is false."
  value       = module.stack.api_key
  sensitive   = true
}

output "alarm_names" {
  description = "CloudWatch alarm names, by kind."
  value       = module.stack.alarm_names
}

output "batch_bucket" {
  description = "Batch scoring bucket (in/, out/)."
  value       = module.stack.batch_bucket
}

output "batch_state_machine_arn" {
  description = "ARN of the batch-scoring state machine."
  value       = module.stack.batch_state_machine_arn
}

output "monitoring_bucket" {
  description = "Monitoring bucket (capture/, truth/, monitoring/)."
  value       = module.stack.monitoring_bucket
}

output "capture_filing_function_name" {
  description = "Function that files raw captures by model, version and date."
  value       = module.stack.capture_filing_function_name
}

output "monitor_function_name" {
  description = "The model monitor function (make monitor invokes it)."
  value       = module.stack.monitor_function_name
}
