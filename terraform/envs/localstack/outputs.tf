output "website_url" {
  description = "The site on LocalStack's S3 website endpoint; browsers and curl resolve *.localhost to this machine."
  value       = "http://${module.stack.site_bucket}.s3-website.localhost:${local.endpoint_port}/"
}

output "website_host" {
  description = "Host header of LocalStack's S3 website endpoint (send it to localstack_endpoint to get index/404 handling)."
  value       = "${module.stack.site_bucket}.s3-website.localhost.localstack.cloud:${local.endpoint_port}"
}
