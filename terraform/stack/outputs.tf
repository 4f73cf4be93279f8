output "api_url" {
  description = "Base URL of the API stage (append /predict, /health, ...)."
  value       = local.api_url
}

output "website_url" {
  description = "URL of the static site: https:// through CloudFront, or the S3 website endpoint (s3_website)."
  value       = module.site.website_url
}

output "website_host" {
  description = "Host name of the site: the custom domain, the *.cloudfront.net name, or the S3 website endpoint."
  value       = module.site.website_endpoint
}

output "site_bucket" {
  description = "Bucket of the static site."
  value       = module.site.bucket
}

output "function_name" {
  description = "Name of the prediction function."
  value       = module.function.function_name
}

output "noncurrent_version_days" {
  description = "Days each bucket keeps replaced object versions (null: kept until deleted, no lifecycle rule)."
  value = {
    models     = module.model_bucket.noncurrent_version_days
    artifacts  = module.artifact_bucket.noncurrent_version_days
    batch      = module.batch_scoring.noncurrent_version_days
    monitoring = module.capture.noncurrent_version_days
  }
}

output "model_bucket" {
  description = "Bucket of the models."
  value       = module.model_bucket.name
}

output "artifact_bucket" {
  description = "Bucket of the function's deployment zips."
  value       = module.artifact_bucket.name
}

output "model_uri" {
  description = "MODEL_URI of the function: s3://<model bucket>/<model_name>/; upload model.rds then model.json there."
  value       = module.function.model_uri
}

output "api_id" {
  description = "REST API id."
  value       = module.api.id
}

output "stage_name" {
  description = "API stage name."
  value       = module.api.stage_name
}

output "region" {
  description = "AWS region of the stack."
  value       = data.aws_region.current.name
}

output "api_key" {
  description = "API key value, or null when api_key_required is false."
  value       = module.api.api_key
  sensitive   = true
}

output "alarm_names" {
  description = "CloudWatch alarm names, by kind."
  value       = module.monitoring.alarm_names
}

output "site_distribution_id" {
  description = "CloudFront distribution of the page; null with site_delivery = \"s3_website\"."
  value       = module.site.distribution_id
}

output "batch_bucket" {
  description = "Batch scoring bucket: upload in/<name>.csv; results appear as out/<name>.scored.csv and .summary.json."
  value       = module.batch_scoring.bucket
}

output "batch_state_machine_arn" {
  description = "ARN of the batch-scoring state machine."
  value       = module.batch_scoring.state_machine_arn
}

output "monitoring_bucket" {
  description = "Monitoring bucket: capture/<model>/<version>/date=YYYY-MM-DD/, truth/<model>/, monitoring/."
  value       = module.capture.bucket
}

output "capture_filing_function_name" {
  description = "Function that files raw Firehose objects by model, version and date."
  value       = module.capture.filing_function_name
}

output "capture_settings" {
  description = "The capture settings both functions run with (their CAPTURE* environment variables)."
  value       = local.capture_environment
}

output "monitor_settings" {
  description = "What the monitor function runs with: its drift and quality thresholds among them."
  value       = module.model_monitor.settings
}

output "monitor_function_name" {
  description = "The model monitor function (make monitor invokes it)."
  value       = module.model_monitor.function_name
}
