output "name" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.bucket

  # Objects written before versioning is set get an unversioned "null" version (LocalStack then fails to empty the bucket).
  depends_on = [aws_s3_bucket_versioning.this]
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "policy_json" {
  description = "The bucket policy (TLS-only access)."
  value       = local.tls_only_policy
}

output "noncurrent_version_days" {
  description = "Days after which the lifecycle rule deletes replaced versions; null when the bucket has no lifecycle rule."
  value       = one([for c in aws_s3_bucket_lifecycle_configuration.this : one(c.rule).noncurrent_version_expiration[0].noncurrent_days])
}
