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
