variable "region" {
  type        = string
  description = "AWS region of the stack."
  default     = "us-east-1"
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete buckets that still hold objects (models included)."
  default     = false
}

variable "site_domain_name" {
  type        = string
  description = "Custom domain of the page (CloudFront alias); null serves it on the distribution's *.cloudfront.net name."
  default     = null
}

variable "site_acm_certificate_arn" {
  type        = string
  description = "ACM certificate in us-east-1 for site_domain_name (set both or neither); makes TLS 1.2 the minimum."
  default     = null
}
