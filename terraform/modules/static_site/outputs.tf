output "bucket" {
  description = "Website bucket name."
  value       = aws_s3_bucket.this.id
}

output "website_endpoint" {
  description = "Website host name (AWS form: <bucket>.s3-website-<region>.amazonaws.com)."
  value       = aws_s3_bucket_website_configuration.this.website_endpoint
}

output "website_url" {
  description = "URL of the site on AWS (S3 website endpoints serve plain HTTP)."
  value       = "http://${aws_s3_bucket_website_configuration.this.website_endpoint}/"
}

output "keys" {
  description = "Object keys of the site, config.json included."
  value       = sort(tolist(local.keys))
}

output "policy_json" {
  description = "The public-read bucket policy."
  value       = data.aws_iam_policy_document.public_read.json
}
