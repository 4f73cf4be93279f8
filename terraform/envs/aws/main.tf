# Credentials come from the usual AWS chain (environment, profile, SSO, instance role).
provider "aws" {
  region = var.region
}

# What differs from envs/localstack; ../stack_module.tf passes it to the stack (null keeps the stack's default).
locals {
  env_settings = {
    api_url_template         = null
    force_destroy            = var.force_destroy
    bucket_lifecycle_rules   = null
    site_delivery            = null
    site_domain_name         = var.site_domain_name
    site_acm_certificate_arn = var.site_acm_certificate_arn
  }
}
