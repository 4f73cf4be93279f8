output "name" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "policy_json" {
  description = "The bucket policy (TLS-only access)."
  value       = local.tls_only_policy
}
