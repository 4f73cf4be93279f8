output "website_url" {
  description = "URL of the static site (S3 website endpoint, HTTP)."
  value       = module.stack.website_url
}

output "website_host" {
  description = "Host name of the S3 website endpoint."
  value       = module.stack.website_host
}
