output "website_url" {
  description = "URL of the page: https:// through CloudFront (the custom domain when set)."
  value       = module.stack.website_url
}

output "website_host" {
  description = "Host name of the page (custom domain or *.cloudfront.net)."
  value       = module.stack.website_host
}

output "site_distribution_id" {
  description = "CloudFront distribution of the page (for invalidations and the custom domain's DNS record)."
  value       = module.stack.site_distribution_id
}
