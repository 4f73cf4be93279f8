variable "name" {
  type        = string
  description = "Bucket name (globally unique on AWS)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "The bucket name must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "versioning" {
  type        = bool
  description = "Keep every version of every object (a model bucket needs it to roll back)."
  default     = true
}

variable "noncurrent_version_days" {
  type        = number
  description = "Days after which replaced object versions are deleted."
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "lifecycle_rules" {
  type        = bool
  description = "Write the lifecycle rule (expire replaced versions, abort stale uploads); the AWS provider waits ~55 s after writing one, so LocalStack stacks turn it off."
  default     = true
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for server-side encryption; null uses S3-managed keys (SSE-S3)."
  default     = null
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete a bucket that still holds objects (and object versions)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for the bucket."
  default     = {}
}
