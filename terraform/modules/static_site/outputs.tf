output "bucket" {
  description = "Site bucket name."
  value       = aws_s3_bucket.this.bucket
}

output "website_endpoint" {
  description = "Host name of the site: the custom domain or the distribution's *.cloudfront.net name (cloudfront), or <bucket>.s3-website-<region>.amazonaws.com (s3_website)."
  value       = local.cloudfront ? coalesce(var.domain_name, aws_cloudfront_distribution.this[0].domain_name) : aws_s3_bucket_website_configuration.this[0].website_endpoint
}

output "website_url" {
  description = "URL of the site: https:// through CloudFront, or http:// for an S3 website endpoint (plain HTTP only)."
  value = local.cloudfront ? "https://${coalesce(var.domain_name, aws_cloudfront_distribution.this[0].domain_name)}/" : (
    "http://${aws_s3_bucket_website_configuration.this[0].website_endpoint}/"
  )
}

output "distribution_id" {
  description = "CloudFront distribution id (for invalidations); null in s3_website mode."
  value       = local.cloudfront ? aws_cloudfront_distribution.this[0].id : null
}

output "distribution_domain_name" {
  description = "The distribution's *.cloudfront.net name (point the custom domain's DNS record here); null in s3_website mode."
  value       = local.cloudfront ? aws_cloudfront_distribution.this[0].domain_name : null
}

output "keys" {
  description = "Object keys of the site, config.json included."
  value       = sort(tolist(local.keys))
}

output "policy_json" {
  description = "The bucket policy: CloudFront-only reads, or public reads of the site's own keys (s3_website)."
  value       = local.read_policy
}

output "content_security_policy" {
  description = "The Content-Security-Policy CloudFront adds to every answer."
  value       = local.content_security_policy
}

output "config_json" {
  description = "Content of the site's config.json."
  value       = aws_s3_object.config.content
}
