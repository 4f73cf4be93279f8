output "bucket" {
  description = "Website bucket name."
  value       = aws_s3_bucket.this.bucket
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
  value       = local.public_read_policy
}

output "config_json" {
  description = "Content of the site's config.json."
  value       = aws_s3_object.config.content
}
