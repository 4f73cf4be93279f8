output "bucket" {
  description = "The monitoring bucket: capture/<model>/<version>/date=YYYY-MM-DD/, truth/<model>/, monitoring/."
  value       = module.bucket.name
}

output "bucket_arn" {
  description = "ARN of the monitoring bucket."
  value       = local.bucket_arn
}

output "delivery_stream_arn" {
  description = "ARN of the Firehose stream the log groups' capture records go through."
  value       = aws_kinesis_firehose_delivery_stream.this.arn
}

output "filing_function_name" {
  description = "Function that files capture/raw/ objects by model, version and date (invoke with {\"refile\": \"all\"} to file leftovers)."
  value       = module.filing.function_name
}

output "raw_prefix" {
  description = "Where Firehose writes before filing."
  value       = local.raw_prefix
}

output "noncurrent_version_days" {
  description = "Days the monitoring bucket keeps replaced versions; null when it has no lifecycle rule."
  value       = module.bucket.noncurrent_version_days
}
