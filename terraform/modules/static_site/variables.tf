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
  description = "Tags for the bucket."
  default     = {}
}
