variable "name" {
  type        = string
  description = "Name of the function and of its role; its log group is /aws/lambda/<name>."
}

variable "handler" {
  type        = string
  description = "module.function of the project's zip (e.g. batch_start.lambda_handler)."
}

variable "artifact_bucket" {
  type        = string
  description = "Bucket holding the function's zip."
}

variable "artifact_key" {
  type        = string
  description = "Key of the zip in artifact_bucket."
}

variable "source_code_hash" {
  type        = string
  description = "Base64 SHA-256 of the zip: a new zip updates the function."
}

variable "timeout_s" {
  type        = number
  description = "Seconds one run may take."
}

variable "environment" {
  type        = map(string)
  description = "The function's environment."
}

variable "bucket_name" {
  type        = string
  description = "The bucket whose new objects run the function (this module owns that bucket's notification)."
}

variable "filter_prefix" {
  type        = string
  description = "Only objects under this prefix run the function."
}

variable "filter_suffix" {
  type        = string
  description = "Only objects with this suffix run the function; null: any."
  default     = null
}

variable "statement_id" {
  type        = string
  description = "Sid of the function policy's statement that lets S3 invoke it."
}

variable "policy_name" {
  type        = string
  description = "Name of the role's inline policy."
}

variable "statements" {
  type        = any
  description = "What the function may do, as IAM statements; writing its own log lines is added."
}

variable "log_retention_days" {
  type        = number
  description = "Days the function's logs are kept."
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}
