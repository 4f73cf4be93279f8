variable "name" {
  type        = string
  description = "Prefix of the stream, role, filter and function names."
}

variable "bucket_name" {
  type        = string
  description = "The monitoring bucket to create: capture/ (captures), truth/ (ground truth), monitoring/ (reports)."
}

variable "log_group_names" {
  type        = map(string)
  description = "Log groups whose capture records are delivered, by a short key (e.g. api, batch): one subscription filter each."
}

variable "artifact_bucket" {
  type        = string
  description = "Bucket that holds the deployment zip (the filing function runs capture_filing.py from it)."
}

variable "artifact_key" {
  type        = string
  description = "Object key of the deployment zip in artifact_bucket."
}

variable "source_code_hash" {
  type        = string
  description = "Base64 SHA-256 of the zip; a change redeploys the filing function."
}

variable "filter_pattern" {
  type        = string
  description = "Subscription filter pattern: only capture records (JSON lines with capture = 1) leave the log group (LocalStack ignores it; the filing step filters again)."
  default     = "{ $.capture = 1 }"
}

variable "buffer_seconds" {
  type        = number
  description = "Firehose buffer interval: how long records wait before they are written to S3 (also the capture's delay on AWS)."
  default     = 60

  validation {
    condition     = var.buffer_seconds >= 0 && var.buffer_seconds <= 900
    error_message = "buffer_seconds must be between 0 and 900."
  }
}

variable "buffer_mb" {
  type        = number
  description = "Firehose buffer size in MiB: records are written when this much has arrived, if sooner than buffer_seconds."
  default     = 5

  validation {
    condition     = var.buffer_mb >= 1 && var.buffer_mb <= 128
    error_message = "buffer_mb must be between 1 and 128."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the filing function's logs."
  default     = 30
}

variable "lifecycle_rules" {
  type        = bool
  description = "Give the bucket its lifecycle rule (abort stale uploads); LocalStack stacks turn it off."
  default     = true
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete the bucket while it still holds captures."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
