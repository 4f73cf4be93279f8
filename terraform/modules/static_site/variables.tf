variable "bucket_name" {
  type        = string
  description = "Name of the website bucket (globally unique on AWS)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "The bucket name must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "site_dir" {
  type        = string
  description = "Folder whose files are uploaded as the site (every file, content type from its extension)."
}

variable "config" {
  type        = map(string)
  description = "Written as config.json next to the page (e.g. {api_url = ...}); replaces a config.json in site_dir."
  default     = {}
}

variable "index_document" {
  type        = string
  description = "Page served for the site root."
  default     = "index.html"
}

variable "error_document" {
  type        = string
  description = "Page served for a missing object."
  default     = "404.html"
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete the bucket with objects in it."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags for the bucket and the distribution."
  default     = {}
}

variable "delivery" {
  type        = string
  description = "How the site is served: \"cloudfront\" (private bucket behind CloudFront with Origin Access Control, HTTPS; for AWS) or \"s3_website\" (public S3 website endpoint, HTTP; for LocalStack, whose free edition has no CloudFront)."
  default     = "cloudfront"

  validation {
    condition     = contains(["cloudfront", "s3_website"], var.delivery)
    error_message = "delivery must be \"cloudfront\" (AWS) or \"s3_website\" (LocalStack)."
  }
}

variable "connect_origins" {
  type        = list(string)
  description = "Origins the page may call besides itself (the API's https://host), allowed by the content security policy's connect-src."
  default     = []

  validation {
    condition     = alltrue([for o in var.connect_origins : can(regex("^https?://[^/ ;']+$", o))])
    error_message = "Each connect origin must be scheme://host[:port] without a path, e.g. https://abc123.execute-api.us-east-1.amazonaws.com."
  }
}

variable "domain_name" {
  type        = string
  description = "Custom domain of the site (CloudFront alias); null serves it on the distribution's *.cloudfront.net name."
  default     = null

  validation {
    condition     = (var.domain_name == null) == (var.acm_certificate_arn == null)
    error_message = "domain_name and acm_certificate_arn go together: set both (a custom domain needs its certificate) or neither."
  }
}

variable "acm_certificate_arn" {
  type        = string
  description = "ACM certificate (in us-east-1) covering domain_name; needed with domain_name, and enables TLSv1.2_2021 as the minimum."
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates only from there)."
  }
}

variable "price_class" {
  type        = string
  description = "CloudFront price class (which edge locations serve the site)."
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "cache_policy_id" {
  type        = string
  description = "CloudFront cache policy; the default is AWS's managed CachingOptimized (objects carry Cache-Control: no-cache, so a new apply shows at once)."
  default     = "658327ea-f89d-4fab-a63d-7e88639e58f6"
}

variable "web_acl_id" {
  type        = string
  description = "ARN of a WAFv2 web ACL (scope CLOUDFRONT) to attach; null for none."
  default     = null
}
